"""``qsim compile``: a model as a shared library with a C ABI, compiled ahead
of time with LLVM's own tools.

The steps (docs/Deploy.md):

1. ONNX input is imported (``qsim import-onnx``); an MLIR module is used as
   it is.
2. ``qsim-opt --qsim-cpu-pipeline`` lowers it to the LLVM dialect (a module
   lowered already is taken as it is), with the micro-kernels of the target
   CPU.
3. ``mlir-translate --mlir-to-llvmir``; ``opt`` internalizes everything but
   the entry's C interface and runs the ``default<O2>`` pipeline (what the JIT
   of qsim-run runs); ``llc -O2 -filetype=obj -relocation-model=pic`` for the
   target CPU.
4. A C file generated from the entry's tensor signature (wrapper.py)
   implements ``qsim_model.h`` on top of the C interface; ``clang`` compiles
   it and links both into the library, exporting only ``qsim_model_*`` and
   refusing undefined symbols other than the C library's and libm's.

The library needs no MLIR or LLVM at run time. The LLVM tools come from
``--llvm-bin`` (default ``$QSIM_LLVM_BIN`` or ``/usr/lib/llvm-22/bin``); a
missing one is an error naming it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from .. import tools
from .wrapper import DTYPES, TensorSpec, generate_wrapper

__all__ = ["CompileError", "Target", "CompiledModel", "DEFAULT_LLVM_BIN",
           "HEADER", "compile_model", "resolve_target"]

DEFAULT_LLVM_BIN = Path("/usr/lib/llvm-22/bin")

#: The header of the C ABI, copied next to every library.
HEADER = Path(__file__).resolve().with_name("qsim_model.h")

_CIFACE = "_mlir_ciface_"


class CompileError(Exception):
    """Bad input, a missing tool or a failed step; the message says which."""


@dataclass(frozen=True)
class Target:
    """What the code is compiled for."""

    #: ``-mcpu`` of opt and llc (``native`` for the host).
    mcpu: str
    #: The CPU by name (the host's real name for ``host``).
    name: str
    #: ``microkernels=`` of --qsim-cpu-pipeline (``auto`` for the host).
    microkernels: str


@dataclass(frozen=True)
class CompiledModel:
    library: Path
    header: Path
    entry: str
    inputs: Tuple[TensorSpec, ...]
    outputs: Tuple[TensorSpec, ...]
    target: Target
    version: str


def llvm_tool(name: str, llvm_bin: Path) -> Path:
    path = Path(llvm_bin) / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise CompileError(
            f"{name} not found in {llvm_bin} (qsim compile needs LLVM 22's "
            f"mlir-translate, opt, llc and clang; give their directory with "
            f"--llvm-bin DIR or $QSIM_LLVM_BIN)")
    return path


def _run(cmd: Sequence, what: str, cwd: Optional[Path] = None) -> str:
    cmd = [str(c) for c in cmd]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                              timeout=3600)
    except OSError as e:
        raise CompileError(f"{what}: cannot run {cmd[0]}: {e}") from e
    if proc.returncode != 0:
        raise CompileError(f"{what} failed ({' '.join(cmd)}, exit status "
                           f"{proc.returncode}):\n{proc.stderr.strip()}")
    return proc.stdout


def _host_cpu(llc: Path) -> str:
    out = _run([llc, "--version"], "llc --version")
    m = re.search(r"Host CPU:\s*(\S+)", out)
    if not m:
        raise CompileError(f"{llc} --version does not name the host CPU:\n{out}")
    return m.group(1)


def _microkernels_for(macros: str) -> str:
    """The micro-kernel ISA (CPUKernelISA.cpp's table) that a CPU with the
    predefined macros ``macros`` of ``clang -march=CPU -dM -E`` runs."""
    defined = set(re.findall(r"#define (__\w+__) ", macros))
    if {"__AVX512F__", "__AVX512BW__", "__AVX512VNNI__", "__FMA__"} <= defined:
        return "avx512-vnni"
    if {"__AVX512F__", "__AVX512BW__", "__FMA__"} <= defined:
        return "avx512"
    if {"__AVX2__", "__FMA__"} <= defined:
        return "avx2"
    return "none"


def resolve_target(target_cpu: str, llvm_bin: Path) -> Target:
    """``host`` (this machine's CPU with all of its features, as the JIT
    compiles), ``x86-64-v3``, ``x86-64-v4`` or any CPU name that clang's
    ``-march`` knows; anything else is a :class:`CompileError`."""
    llc = llvm_tool("llc", llvm_bin)
    if target_cpu == "host":
        return Target("native", _host_cpu(llc), "auto")
    if not re.fullmatch(r"[\w.+-]+", target_cpu) or target_cpu == "native":
        raise CompileError(f"unknown --target-cpu '{target_cpu}' (use host, "
                           f"x86-64-v3, x86-64-v4 or a CPU name such as znver4)")
    clang = llvm_tool("clang", llvm_bin)
    proc = subprocess.run([str(clang), f"-march={target_cpu}", "-dM", "-E", "-x", "c",
                           os.devnull], capture_output=True, text=True)
    if proc.returncode != 0:
        detail = proc.stderr.strip().splitlines()
        raise CompileError(
            f"unknown --target-cpu '{target_cpu}': clang says "
            f"\"{detail[0] if detail else 'error'}\" (use host, x86-64-v3, "
            f"x86-64-v4 or a CPU name from `llc -mcpu=help`)")
    return Target(target_cpu, target_cpu, _microkernels_for(proc.stdout))


# ---------------------------------------------------------------------------
# The entry and its signature
# ---------------------------------------------------------------------------


def _is_lowered(text: str) -> bool:
    return "func.func" not in text and "llvm.func" in text


def _entry_names(text: str, lowered: bool) -> List[str]:
    if lowered:
        return [m.group(1) for m in re.finditer(
            r"llvm\.func\s+@([\w$.]+)\([^\n]*qsim\.entry_type", text)
            if not m.group(1).startswith(_CIFACE)]
    return [m.group(2) for m in re.finditer(
        r"func\.func\s+(?:(public|private|nested)\s+)?@([\w$.]+)\(", text)
        if m.group(1) in (None, "public")]


def find_entry(text: str, entry: Optional[str], source: str) -> str:
    names = _entry_names(text, _is_lowered(text))
    listed = ", ".join(f"'{n}'" for n in names)
    if entry is not None:
        if entry not in names:
            raise CompileError(
                f"entry function '{entry}' not found in '{source}'"
                + (f" (public functions: {listed})" if names else
                   " (it has no public function with a tensor signature)"))
        return entry
    if len(names) == 1:
        return names[0]
    if not names:
        raise CompileError(f"no public function to compile in '{source}'")
    raise CompileError(f"'{source}' has several public functions ({listed}); "
                       f"choose one with --entry NAME")


def _signature(text: str, entry: str, source: str
               ) -> Tuple[Tuple[TensorSpec, ...], Tuple[TensorSpec, ...]]:
    from ..calibdata import parse_signature

    if _is_lowered(text):
        m = re.search(r"llvm\.func\s+@" + re.escape(entry) + r"\(", text)
        text = text[m.start():]
    try:
        args, results, _ = parse_signature(text, entry)
    except ValueError as e:
        raise CompileError(f"'{entry}' in '{source}': {e}") from e

    def specs(items, what):
        out = []
        for i, (shape, elt) in enumerate(items):
            if elt not in DTYPES:
                raise CompileError(
                    f"{what} #{i} of '{entry}' in '{source}' has element type {elt}; "
                    f"a compiled library supports {' '.join(DTYPES)}")
            out.append(TensorSpec(tuple(shape), elt))
        return tuple(out)

    return specs(args, "argument"), specs(results, "result")


def _check_c_interface(lowered_text: str, entry: str, n_in: int, n_out: int,
                       source: str) -> None:
    """The C interface takes a descriptor pointer per argument (and one for
    the results first): anything else (a scalar or non-tensor argument that
    the signature reader skipped) would make the generated call wrong."""
    from ..calibdata import _matching_paren

    m = re.search(r"llvm\.func\s+@" + re.escape(_CIFACE + entry) + r"\(", lowered_text)
    if not m:
        raise CompileError(
            f"'{entry}' in '{source}' has no C interface function "
            f"'{_CIFACE}{entry}' after --qsim-cpu-pipeline (emit-c-interface=false "
            f"in --pipeline-options?); the library calls it")
    params_text = lowered_text[m.end():_matching_paren(lowered_text, m.end() - 1)]
    params = re.findall(r"%[\w$.]+\s*:\s*([^\s,{)]+)", params_text)
    expected = n_in + (1 if n_out else 0)
    if len(params) != expected or any(p != "!llvm.ptr" for p in params):
        raise CompileError(
            f"'{_CIFACE}{entry}' in '{source}' takes ({', '.join(params)}); a compiled "
            f"library supports functions of ranked static tensors only "
            f"({n_in} tensor argument(s), {n_out} result(s) expected)")


# ---------------------------------------------------------------------------
# Compiling
# ---------------------------------------------------------------------------


def _git_commit() -> str:
    try:
        proc = subprocess.run(["git", "-C", str(tools.REPO_ROOT), "rev-parse",
                               "--short=12", "HEAD"], capture_output=True, text=True)
    except OSError:
        return "unknown"
    return proc.stdout.strip() if proc.returncode == 0 else "unknown"


def _version_string(model: Path, entry: str, target: Target,
                    pipeline_options: str) -> str:
    from .. import __version__

    digest = hashlib.sha256(Path(model).read_bytes()).hexdigest()
    return (f"qsim {__version__} (commit {_git_commit()}); model {Path(model).name} "
            f"sha256:{digest}; entry {entry}; target-cpu {target.name}; "
            f"microkernels {target.microkernels}; pipeline-options "
            f"\"{pipeline_options}\"")


def _import_onnx(model: Path, work: Path, input_shapes: Sequence[str],
                 batch: Optional[int]) -> Path:
    from .. import onnx_import

    try:
        text = onnx_import.import_onnx_file(
            str(model), batch=batch,
            input_shapes=onnx_import.parse_input_shapes(list(input_shapes)))
    except onnx_import.OnnxImportError as e:
        raise CompileError(str(e)) from e
    out = work / "model.mlir"
    out.write_text(text)
    return out


def compile_model(model, output, *, target_cpu: str = "host",
                  entry: Optional[str] = None, pipeline_options: str = "",
                  input_shapes: Sequence[str] = (), batch: Optional[int] = None,
                  llvm_bin=None, keep: Optional[Path] = None,
                  threads: Optional[int] = None) -> CompiledModel:
    """Compiles ``model`` (.mlir or .onnx) into the shared library ``output``
    and writes ``qsim_model.h`` next to it. ``keep``: a folder for the
    intermediate files (model.llvm.mlir, model.ll, model.bc, model.o,
    wrapper.c), kept. ``threads``: the pipeline's ``threads`` option, 0 by
    default (the team size at run time: qsim_model_set_num_threads, else
    OMP_NUM_THREADS, else every core); 1 gives a library without OpenMP."""
    model, output = Path(model), Path(output)
    if llvm_bin is None:
        llvm_bin = Path(os.environ.get("QSIM_LLVM_BIN") or DEFAULT_LLVM_BIN)
    llvm_bin = Path(llvm_bin)
    if not model.is_file():
        raise CompileError(f"cannot open '{model}': no such file")
    is_onnx = model.suffix.lower() == ".onnx"
    if not is_onnx and (input_shapes or batch is not None):
        raise CompileError("--input-shape and --batch apply to ONNX models only")
    if output.suffix != ".so":
        raise CompileError(f"-o '{output}': the library's name must end in .so")
    if not output.parent.is_dir():
        raise CompileError(f"-o '{output}': folder '{output.parent}' does not exist")
    qsim_opt = tools.find_tool("qsim-opt")
    if qsim_opt is None:
        raise CompileError(f"qsim-opt not found in {tools.build_dir() / 'bin'}; build the "
                           f"project first (bash scripts/setup.sh)")
    if not HEADER.is_file():
        raise CompileError(f"{HEADER} is missing (the qsim package was installed "
                           f"without its data files)")
    translate, opt, llc, clang = (llvm_tool(t, llvm_bin) for t in
                                  ("mlir-translate", "opt", "llc", "clang"))
    target = resolve_target(target_cpu, llvm_bin)
    in_options = re.search(r"(?:^|\s)threads=(\S*)", pipeline_options)
    if in_options and threads is not None:
        raise CompileError("the thread count is given twice: --threads and threads= in "
                           "--pipeline-options")
    if in_options:
        if not in_options.group(1).isdigit():
            raise CompileError(f"--pipeline-options: threads={in_options.group(1)} is not "
                               f"a count (0: at run time)")
        threads = int(in_options.group(1))
    elif threads is None:
        threads = 0
    if threads < 0:
        raise CompileError(f"--threads {threads}: give 0 (the team size at run time) "
                           f"or a count")

    def go(work: Path) -> CompiledModel:
        src = _import_onnx(model, work, input_shapes, batch) if is_onnx else model
        text = src.read_text()
        lowered = _is_lowered(text)
        name = find_entry(text, entry, str(model))
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise CompileError(f"entry function '{name}' in '{model}': the library calls "
                               f"{_CIFACE}{name}, which is no C identifier; rename the "
                               f"function")
        inputs, outputs = _signature(text, name, str(model))
        opts = pipeline_options.strip()
        if not in_options and not lowered:
            opts = f"{opts} threads={threads}".strip()
        if lowered:
            if opts:
                raise CompileError(f"--pipeline-options has no effect on '{model}', "
                                   f"which is already lowered")
            llvm_mlir = src
        else:
            if "microkernels=" not in opts and target.microkernels != "auto":
                opts = f"microkernels={target.microkernels} {opts}".strip()
            llvm_mlir = work / "model.llvm.mlir"
            flag = f"--qsim-cpu-pipeline={opts}" if opts else "--qsim-cpu-pipeline"
            _run([qsim_opt, src, flag, "-o", llvm_mlir],
                 f"lowering '{model}' with {flag}")
        _check_c_interface(llvm_mlir.read_text(), name, len(inputs), len(outputs),
                           str(model))
        ll, bc, obj = work / "model.ll", work / "model.bc", work / "model.o"
        # The lowered module keeps qsim's discardable attributes (qsim.params
        # on arguments, qsim.entry_type), which upstream's translator does not
        # know and which say nothing to code generation; an op left outside
        # the LLVM dialect still fails the translation.
        _run([translate, "--allow-unregistered-dialect", "--mlir-to-llvmir", llvm_mlir,
              "-o", ll],
             "mlir-translate --mlir-to-llvmir")
        triple = _run([llc, "--version"], "llc --version")
        m = re.search(r"Default target:\s*(\S+)", triple)
        triple_flag = [f"-mtriple={m.group(1)}"] if m else []
        _run([opt, *triple_flag, f"-mcpu={target.mcpu}",
              "-passes=internalize,default<O2>",
              f"-internalize-public-api-list={_CIFACE}{name}", ll, "-o", bc],
             "opt (internalize, default<O2>)")
        _run([llc, "-O2", "-filetype=obj", "-relocation-model=pic",
              f"-mcpu={target.mcpu}", bc, "-o", obj], "llc")
        undefined = _run([llvm_tool("llvm-nm", llvm_bin), "--undefined-only",
                          "--format=just-symbols", obj], "llvm-nm").split()
        # threads != 1: the parallel loops call LLVM's OpenMP runtime, which
        # the library then needs (ldd shows libomp.so.5); threads=1 code
        # calls none of it and links no libomp.
        openmp = any(s.startswith(("__kmpc_", "omp_")) for s in undefined)
        openmp_libs = []
        if openmp:
            llvm_lib = Path(llvm_bin).parent / "lib"
            if not (llvm_lib / "libomp.so").exists():
                raise CompileError(
                    f"the lowered '{model}' has parallel loops (threads != 1 in "
                    f"--pipeline-options), which call LLVM's OpenMP runtime, but "
                    f"{llvm_lib / 'libomp.so'} does not exist (Debian: libomp-22-dev)")
            openmp_libs = [f"-L{llvm_lib}", "-lomp"]
        version = _version_string(model, name, target, opts)
        # What qsim_model_compiled_threads says: 1 without OpenMP code (no
        # loop big enough); for a module lowered before, 0 or, with a fixed
        # team whose size is not known here, -1.
        compiled = threads if not lowered else (
            -1 if "num_threads(" in text else 0)
        wrapper = work / "wrapper.c"
        wrapper.write_text(generate_wrapper(name, inputs, outputs, version,
                                            compiled if openmp else 1))
        shutil.copyfile(HEADER, work / HEADER.name)
        wobj = work / "wrapper.o"
        _run([clang, "-std=c11", "-O2", "-fPIC", "-Wall", "-c", wrapper, "-o", wobj],
             "compiling the C wrapper")
        exports = work / "exports.map"
        exports.write_text("{\n  global: qsim_model_*;\n  local: *;\n};\n")
        tmp_out = work / output.name
        _run([clang, "-shared", "-fPIC", "-o", tmp_out, obj, wobj,
              f"-Wl,--version-script={exports}", "-Wl,--no-undefined",
              f"-Wl,-soname,{output.name}", *openmp_libs, "-lm"], "linking the library")
        shutil.copyfile(tmp_out, output)
        header = output.parent / HEADER.name
        shutil.copyfile(HEADER, header)
        return CompiledModel(output, header, name, inputs, outputs, target, version)

    if keep is not None:
        keep = Path(keep)
        keep.mkdir(parents=True, exist_ok=True)
        return go(keep)
    with tempfile.TemporaryDirectory(prefix="qsim-compile-") as d:
        return go(Path(d))


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


def add_arguments(p) -> None:
    p.add_argument("model", type=Path, help="the model: .mlir (any stage qsim-run "
                   "takes: TOSA/linalg, int8 from qsim quantize, or lowered by "
                   "--qsim-cpu-pipeline) or .onnx (imported first)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="LIB.so",
                   help="the shared library to write; qsim_model.h goes next to it")
    p.add_argument("--target-cpu", default="host", metavar="CPU",
                   help="host (default: this machine's CPU and all of its features), "
                   "x86-64-v3, x86-64-v4 or a CPU name of llc/clang (e.g. znver4, "
                   "sapphirerapids); also picks the micro-kernels (avx2, avx512, "
                   "avx512-vnni)")
    p.add_argument("--entry", default=None, metavar="NAME",
                   help="the function to compile (default: the only public one)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="threads of the model's parallel loops: 0 (default, for "
                   "deployment) sizes the team at run time (qsim_model_set_num_threads, "
                   "else OMP_NUM_THREADS, else every core) and links LLVM's OpenMP "
                   "runtime (libomp.so.5); 1 gives a library without OpenMP "
                   "(reproducible timings); N a fixed team. The same bits for every count")
    p.add_argument("--pipeline-options", default="", metavar="OPTIONS",
                   help="options of --qsim-cpu-pipeline, e.g. \"cache-kb=256\"; "
                   "with threads != 1 (0: the team size at run time, "
                   "OMP_NUM_THREADS) the library links LLVM's OpenMP runtime "
                   "(libomp.so.5, needed at run time)")
    p.add_argument("--input-shape", action="append", default=[],
                   metavar="NAME=D0,D1,...",
                   help="ONNX models: static shape of a graph input (as in qsim "
                   "import-onnx)")
    p.add_argument("--batch", type=int, default=None,
                   help="ONNX models: size of the dynamic batch dimension (default 1)")
    p.add_argument("--llvm-bin", type=Path, default=None, metavar="DIR",
                   help="where mlir-translate, opt, llc, llvm-nm and clang of LLVM 22 "
                   f"are (default: $QSIM_LLVM_BIN or {DEFAULT_LLVM_BIN})")
    p.add_argument("--keep", type=Path, default=None, metavar="DIR",
                   help="keep the intermediate files (model.llvm.mlir, model.ll, "
                   "model.bc, model.o, wrapper.c) in DIR")


def run(args) -> int:
    import sys

    try:
        res = compile_model(args.model, args.output, target_cpu=args.target_cpu,
                            threads=args.threads,
                            entry=args.entry, pipeline_options=args.pipeline_options,
                            input_shapes=args.input_shape, batch=args.batch,
                            llvm_bin=args.llvm_bin, keep=args.keep)
    except CompileError as e:
        print(f"qsim compile: error: {e}", file=sys.stderr)
        return 2

    def sig(specs):
        return ", ".join("x".join(map(str, s.shape)) + f"x{s.element_type}" if s.shape
                         else s.element_type for s in specs)

    print(f"wrote {res.library} and {res.header}: '{res.entry}' ({sig(res.inputs)}) -> "
          f"({sig(res.outputs)}), target-cpu {res.target.name}, micro-kernels "
          f"{res.target.microkernels}")
    return 0
