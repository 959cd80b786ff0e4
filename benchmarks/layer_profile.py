#!/usr/bin/env python3
"""Where the time of a quantized model goes, per ONNX node, int8 beside fp32.

Takes a ``qsim quantize`` OUTDIR (float.mlir, table.json, report.json) and:

1. gives every location of float.mlir a line-table position named after its
   node (``loc("/a/b/Conv")`` becomes ``loc("/a/b/Conv"("|a|b|Conv":1:1))``:
   the name is kept, so the table's points still match, and the child is
   what LLVM's debug info records);
2. lowers the int8 model (``--qsim-quantize`` with the report's settings and
   OUTDIR's table) and the float one with ``--qsim-cpu-pipeline`` (one
   thread) and upstream's ``--ensure-debug-info-scope-on-llvm-func``, and
   compiles both with ``qsim compile``;
3. runs each library under ``perf record`` (linux-perf) on one input
   (``--input``: an .npy of the input's samples, or an .npz of each input's
   keyed by name, the first sample of each; without it, seeded standard
   normal float inputs), then reads the samples per
   source line with ``perf report --sort srcline``.

Prints the time per op kind (the node name's last part: Conv, Mul,
HardSwish, ...) and the layers where int8 loses most against fp32, in ms per
call (each line's share of its library's samples times the library's fastest
call, so the column sums to about that call). Elementwise
nodes that run inside a convolution's fused epilogue count as that
convolution. Needs ``perf`` with permission to sample user code
(``/proc/sys/kernel/perf_event_paranoid`` at most 2); without it, an error.

    benchmarks/layer_profile.py OUTDIR [--input x.npy] [--calls N] [--top K]
                                [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Dict, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from qsim import tools  # noqa: E402

_LOC = re.compile(r'loc\("([^"]*)"\)')


class ProfileError(Exception):
    pass


def file_name(node: str) -> str:
    """The debug-info file name standing for a node: perf prints only a
    path's last component, so '/' cannot stay."""
    return node.replace("/", "|") or "|"


def with_line_locations(text: str) -> str:
    """float.mlir with each ``loc("name")`` given the child location
    ``"name'":1:1`` (name' = file_name(name)), the name kept."""
    return _LOC.sub(lambda m: f'loc("{m.group(1)}"("{file_name(m.group(1))}":1:1))',
                    text)


def parse_srclines(report: str) -> Dict[str, float]:
    """`perf report --sort srcline` output: percent per file name (the
    line number dropped)."""
    shares: Dict[str, float] = defaultdict(float)
    for line in report.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(.*):\d+\s*$", line)
        if m:
            shares[m.group(2)] += float(m.group(1))
    return dict(shares)


def op_kind(node: str) -> str:
    """The op of a node name as ONNX exporters write it ('/layer1/Conv' ->
    'Conv'; 'input|to_nhwc' -> 'to_nhwc')."""
    return re.split(r"[|/]", node)[-1] or node


def _run(args, what: str) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "python"),
                                                      env.get("PYTHONPATH")]))
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise ProfileError(f"{what} failed (exit {p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout


def _quantize_pass(report: dict, table: Path) -> str:
    try:
        passes = report["settings"]["passes"]
    except (KeyError, TypeError):
        raise ProfileError("report.json has no settings.passes (not written by qsim quantize?)")
    pipe = next((p for p in passes if p.startswith("--qsim-quantize")), None)
    if pipe is None:
        raise ProfileError(f"report.json's passes hold no --qsim-quantize: {passes}")
    return re.sub(r"table=\S+", f"table={table}", pipe)


def _require(outdir: Path, name: str) -> Path:
    path = outdir / name
    if not path.is_file():
        raise ProfileError(f"{path} does not exist (a qsim quantize OUTDIR has it)")
    return path


def build(outdir: Path, report: dict, work: Path) -> Tuple[Path, Path]:
    """The int8 and fp32 libraries of OUTDIR (its report.json read as
    ``report``), with node-named line tables."""
    qsim_opt = tools.find_tool("qsim-opt")
    if qsim_opt is None:
        raise ProfileError("qsim-opt not found: build the project first")
    float_mlir = _require(outdir, "float.mlir")
    quantize = _quantize_pass(report, _require(outdir, "table.json"))
    src = work / "lines.mlir"
    src.write_text(with_line_locations(float_mlir.read_text()))
    libs = []
    for tag, passes in (("int8", [quantize]), ("fp32", [])):
        low = work / f"{tag}.llvm.mlir"
        _run([qsim_opt, src, *passes, "--qsim-cpu-pipeline=threads=1",
              "--ensure-debug-info-scope-on-llvm-func", "-mlir-print-debuginfo",
              "-o", low], f"lowering the {tag} model")
        lib = work / f"lib{tag}.so"
        _run([sys.executable, "-m", "qsim.cli", "compile", low, "-o", lib],
             f"qsim compile of the {tag} model")
        libs.append(lib)
    return libs[0], libs[1]


_RUNNER = """
import sys, time
import numpy as np
sys.path.insert(0, {python!r})
import qsim
from qsim.deploy import keep_freed_heap_memory
keep_freed_heap_memory()
m = qsim.load({lib!r}, threads=1)
with np.load({x!r}) as z:
    xs = [z[k] for k in {names!r}]
for _ in range(3):
    m(*xs)
best = float("inf")
for _ in range({calls}):
    t = time.perf_counter(); m(*xs); best = min(best, time.perf_counter() - t)
print(best * 1e3)
"""


def profile(lib: Path, x: Path, names, calls: int,
            work: Path) -> Tuple[float, Dict[str, float]]:
    perf = shutil.which("perf")
    if perf is None:
        raise ProfileError("perf (linux-perf) is not installed; it samples the libraries")
    data = work / f"{lib.stem}.perf.data"
    script = work / f"{lib.stem}.run.py"
    script.write_text(_RUNNER.format(python=str(ROOT / "python"), lib=str(lib), x=str(x),
                                     names=list(names), calls=calls))
    out = _run([perf, "record", "-q", "-o", data, sys.executable, script],
               f"perf record of {lib.name} (perf_event_paranoid at most 2?)")
    best = float(out.strip().splitlines()[-1])
    # Shares of the library's own samples (the interpreter's start-up and
    # the timing loop are outside it), so share x fastest call is a time
    # per call, up to the call's overhead outside the library.
    report = _run([perf, "report", "-i", data, "--no-children", "--sort", "srcline",
                   "--percentage", "relative", "--dso", lib.name],
                  f"perf report of {lib.name}")
    shares = parse_srclines(report)
    if not shares:
        raise ProfileError(f"perf recorded no samples with line information in {lib.name}")
    return best, shares


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path, help="a qsim quantize OUTDIR")
    ap.add_argument("--input", type=Path,
                    help="an .npy of samples, or an .npz keyed by input name (first sample)")
    ap.add_argument("--calls", type=int, default=200, help="calls per library (default 200)")
    ap.add_argument("--top", type=int, default=15, help="layers listed (default 15)")
    ap.add_argument("--keep", type=Path, help="keep the built files there")
    args = ap.parse_args(argv)
    try:
        import numpy as np
        report = json.loads(_require(args.outdir, "report.json").read_text())
        inputs = report.get("inputs") or []
        if not inputs:
            raise ProfileError(f"{args.outdir / 'report.json'} lists no inputs "
                               f"(not written by qsim quantize?)")
        work = args.keep or Path(tempfile.mkdtemp(prefix="qsim-profile-"))
        work.mkdir(parents=True, exist_ok=True)
        xs = {}
        given = None
        if args.input and args.input.suffix == ".npz":
            given = dict(np.load(args.input))
        elif args.input:
            given = {inputs[0]["name"]: np.load(args.input)}
        for spec in inputs:
            name, shape = spec["name"], list(spec["shape"])
            dtype = np.dtype(spec.get("dtype", "float32"))
            if given is not None and name not in given:
                raise ProfileError(f"--input {args.input} has no array '{name}' "
                                   f"(inputs: {[i['name'] for i in inputs]})")
            if given is None and dtype.kind != "f":
                raise ProfileError(f"input '{name}' is {dtype}: give samples with --input "
                                   f"(an .npz keyed by input name)")
            x = (given[name][:1] if given is not None else
                 np.random.default_rng(0).standard_normal(shape)).astype(dtype)
            if list(x.shape) != shape:
                raise ProfileError(f"--input '{name}': sample shape {list(x.shape)} is not "
                                   f"the model's {shape}")
            xs[name] = np.ascontiguousarray(x)
        xpath = work / "x.npz"
        np.savez(xpath, **xs)
        i8, f32 = build(args.outdir, report, work)
        t8, s8 = profile(i8, xpath, list(xs), args.calls, work)
        tf, sf = profile(f32, xpath, list(xs), args.calls, work)
    except (ProfileError, OSError, ValueError) as e:
        print(f"layer_profile: {e}", file=sys.stderr)
        return 1
    ms8 = {k: v * t8 / 100 for k, v in s8.items()}
    msf = {k: v * tf / 100 for k, v in sf.items()}
    print(f"{args.outdir}: int8 {t8:.3f} ms, fp32 {tf:.3f} ms per call (fastest of "
          f"{args.calls}, one thread)")
    kinds8, kindsf = defaultdict(float), defaultdict(float)
    for k, v in ms8.items():
        kinds8[op_kind(k)] += v
    for k, v in msf.items():
        kindsf[op_kind(k)] += v
    print(f"\n{'op':<24}{'int8 ms':>10}{'fp32 ms':>10}")
    for k in sorted(set(kinds8) | set(kindsf), key=lambda k: -kinds8.get(k, 0)):
        print(f"{k:<24}{kinds8.get(k, 0):>10.3f}{kindsf.get(k, 0):>10.3f}")
    print(f"\nlayers where int8 loses most (ms per call):\n{'node':<64}{'int8':>8}{'fp32':>8}")
    for k in sorted(set(ms8) | set(msf),
                    key=lambda k: -(ms8.get(k, 0) - msf.get(k, 0)))[:args.top]:
        name = k.replace("|", "/")
        print(f"{name[-63:]:<64}{ms8.get(k, 0):>8.3f}{msf.get(k, 0):>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
