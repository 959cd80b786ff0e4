#!/usr/bin/env python3
"""Real models, float: qsim's import and qsim-run against ONNX Runtime.

For each model of the validation set (build/models, made by
scripts/models/gen.sh at set-up; docs/Models.md) and the four zoo models
(examples/zoo):

1. import with qsim (python/qsim/onnx_import) at batch 1: the CNNs with
   ``--input-shape 1,3,224,224``, MiniLM with ``[1, 128]`` per input, the zoo
   with ``1,1,28,28``.  A model that does not import is reported with the
   importer's error and the op types it does not support; nothing else is
   run for it;
2. lower with ``qsim-opt --qsim-cpu-pipeline`` and run with ``qsim-run
   --time --repeat=N`` on a realistic input: a coloured Fashion-MNIST test
   image (scripts/models/inputs.py) for the CNNs, a real sentence tokenized
   with the model's tokenizer (padded to 128) for MiniLM, a Fashion-MNIST
   test image for the zoo;
3. run the same input with onnxruntime (graph optimizations off: the
   reference output) and compare: max |ours - ORT| over the range of ORT's
   output, which must be at most 1e-4;
4. time ORT with graph optimizations on, one thread
   (intra_op_num_threads=1, inter_op_num_threads=1, sequential).

Times are the minimum call time of repeated calls, batch 1, one thread
(qsim-run is single-threaded); our JIT compile time is reported apart.
Printed, not asserted; the exit status is 0 unless --strict and a model
failed.

    benchmarks/real_models.py [--models a,b] [--no-zoo] [--target 1.0]
                              [--no-time] [--json out.json | --json -]
                              [--keep DIR] [--timeout S] [--strict]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT / "python", ROOT / "scripts" / "models"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from qsim import evaluate, hostinfo, tools  # noqa: E402

ZOO = ROOT / "examples" / "zoo"
ZOO_MODELS = ("resnet_v1", "resnet_v2", "mobilenet_v2", "vgg")
TOLERANCE = 1e-4            # max |ours - ORT| / range(ORT)
MINILM_SENTENCE = 14        # inputs.SENTENCES[14], the longest one
_RUN_RE = re.compile(r"^run:\s*(\d+) call\(s\), mean ([0-9.]+) ms, min ([0-9.]+) ms", re.M)
_COMPILE_RE = re.compile(r"^compile:\s*([0-9.]+)\s*ms", re.M)


def models_dir() -> Path:
    return tools.build_dir() / "models"


# ---------------------------------------------------------------------------
# Cases: a model file, its realistic input, the shapes to import it with
# ---------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    path: Path
    source: str                     # 'set' (build/models) or 'zoo'
    inputs: Dict[str, np.ndarray]   # graph input name -> array (batch 1)
    input_desc: str

    @property
    def import_shapes(self) -> Dict[str, List[int]]:
        return {k: list(v.shape) for k, v in self.inputs.items()}


def set_names(directory: Optional[Path] = None) -> List[str]:
    """Models of the generated set (their JSON written by finish.py)."""
    d = directory or models_dir()
    return sorted(p.stem for p in d.glob("*.json") if (d / f"{p.stem}.onnx").is_file()
                  and not p.name.endswith(".tokenizer.json"))


def set_case(name: str, directory: Optional[Path] = None) -> Case:
    import inputs

    d = directory or models_dir()
    info = json.loads((d / f"{name}.json").read_text())
    names = [i["name"] for i in info["inputs"]]
    if info.get("kind") == "sentence encoder":
        ids, mask, types = inputs.tokenize(d / info["tokenizer"],
                                           [inputs.SENTENCES[MINILM_SENTENCE]], 128)
        arrays = dict(zip(names, (ids, mask, types)))
        n = int(mask.sum())
        desc = f"sentence {MINILM_SENTENCE} of inputs.SENTENCES, {n} tokens padded to 128"
    else:
        arrays = {names[0]: inputs.eval_images(1)}
        desc = "Fashion-MNIST test image 0, coloured, 224x224, ImageNet-normalized"
    return Case(name, d / f"{name}.onnx", "set", arrays, desc)


def zoo_case(name: str) -> Case:
    import onnx

    from qsim import datasets

    path = ZOO / f"{name}.onnx"
    model = onnx.load(str(path), load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    inp = [i.name for i in model.graph.input if i.name not in inits][0]
    x, _ = datasets.load_fashion_mnist("test", limit=1)
    return Case(name, path, "zoo", {inp: x}, "Fashion-MNIST test image 0 (1x1x28x28)")


def op_counts(path: Path) -> Dict[str, int]:
    from qsim.onnx_import import op_counts as counts
    return counts(path)


# ---------------------------------------------------------------------------
# Ours and ORT
# ---------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    source: str
    input: str
    ops: Dict[str, int] = field(default_factory=dict)
    status: str = "ok"   # ok | mismatch | import failed | lower failed | run failed
    error: str = ""
    unsupported_ops: List[str] = field(default_factory=list)
    import_s: Optional[float] = None
    lower_s: Optional[float] = None
    compile_s: Optional[float] = None
    output_shape: List[int] = field(default_factory=list)
    output_range: Optional[float] = None
    max_abs_diff: Optional[float] = None
    rel_diff: Optional[float] = None      # max_abs_diff / output_range
    ours_ms: Optional[float] = None
    ort_ms: Optional[float] = None
    ours_calls: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def ort_reference(case: Case) -> np.ndarray:
    """ORT's output, graph optimizations off (no fusions that round
    differently)."""
    return evaluate.ort_session(case.path, optimize=False).run(None, case.inputs)[0]


def time_ort(case: Case, target_s: float) -> float:
    """Minimum call time (ms) over about ``target_s`` of calls (at least 3)."""
    sess = evaluate.ort_session(case.path)
    sess.run(None, case.inputs)   # warm-up
    best, total, n = float("inf"), 0.0, 0
    while n < 3 or (total < target_s and n < 200):
        t0 = time.perf_counter()
        sess.run(None, case.inputs)
        dt = time.perf_counter() - t0
        best, total, n = min(best, dt), total + dt, n + 1
    return 1000.0 * best


def short_tool_error(e: Exception, lines: int = 6) -> str:
    text = e.stderr if isinstance(e, tools.ToolError) else str(e)
    keep = [ln for ln in text.splitlines() if "error" in ln.lower()] or text.splitlines()
    msg = "\n".join(keep[:lines]).strip()
    if isinstance(e, tools.ToolError) and not msg:
        msg = f"{Path(e.cmd[0]).name} exited with status {e.returncode} and no message"
    return msg


def run_ours(low: Path, case: Case, work: Path, repeat: int, timeout: float = 1800):
    """(output, min ms per call, compile s) from qsim-run --time."""
    args = [str(low)]
    for i, (name, arr) in enumerate(case.inputs.items()):
        p = work / f"{case.name}.in{i}.npy"
        np.save(p, np.ascontiguousarray(arr))
        args.append(f"--input={p}")
    out = work / f"{case.name}.out.npy"
    text = tools.run_tool("qsim-run", [*args, f"--output={out}", f"--repeat={repeat}",
                                       "--time"], timeout=timeout)
    m, c = _RUN_RE.search(text), _COMPILE_RE.search(text)
    ms = float(m.group(3)) if m else float("nan")
    return np.load(out), ms, (float(c.group(1)) / 1000.0 if c else float("nan"))


def check_case(case: Case, work: Path, target_s: float = 1.0, timing: bool = True,
               log=lambda s: None, timeout: float = 1800) -> Result:
    """Import, lower, run and compare one model (see the module docstring).
    ``timeout``: seconds for each of qsim-opt and qsim-run (the JIT compile
    is inside qsim-run's time)."""
    from qsim import onnx_import

    r = Result(case.name, case.source, case.input_desc, ops=op_counts(case.path))
    r.unsupported_ops = sorted(set(r.ops) - set(onnx_import.SUPPORTED_OPS))
    t0 = time.time()
    try:
        mlir = onnx_import.import_onnx_file(str(case.path), input_shapes=case.import_shapes)
    except onnx_import.OnnxImportError as e:
        r.status, r.error = "import failed", str(e)
        log(f"[{case.name}] import failed: {e}")
        return r
    r.import_s = time.time() - t0
    src, low = work / f"{case.name}.mlir", work / f"{case.name}.llvm.mlir"
    src.write_text(mlir)
    del mlir
    t0 = time.time()
    try:
        tools.run_tool("qsim-opt", [str(src), "--qsim-cpu-pipeline", "-o", str(low)],
                       timeout=timeout)
    except subprocess.TimeoutExpired:
        r.status, r.error = "lower failed", f"qsim-opt --qsim-cpu-pipeline ran over {timeout:.0f} s"
        log(f"[{case.name}] {r.error}")
        return r
    except (tools.ToolError, OSError) as e:
        r.status, r.error = "lower failed", short_tool_error(e)
        log(f"[{case.name}] qsim-opt --qsim-cpu-pipeline failed: {r.error}")
        return r
    r.lower_s = time.time() - t0
    ref = ort_reference(case)
    ort_ms = time_ort(case, target_s) if timing else None
    r.ort_ms = ort_ms
    # Our calls run in one qsim-run process (one JIT compile), so their
    # number is fixed up front from ORT's time: about target_s if ours were
    # 30x slower than ORT (a model whose ops lower to plain loops can be),
    # at least 3 calls, at most 50.
    repeat = 1 if not timing else int(min(50, max(3, target_s / max(0.03 * ort_ms, 1e-3))))
    try:
        y, ms, comp = run_ours(low, case, work, repeat, timeout)
    except subprocess.TimeoutExpired:
        r.status = "run failed"
        r.error = (f"qsim-run (JIT compile and {repeat} call(s)) ran over {timeout:.0f} s; "
                   f"ORT takes {_fmt(ort_ms)} ms per call")
        log(f"[{case.name}] {r.error}")
        return r
    except (tools.ToolError, OSError) as e:
        r.status, r.error = "run failed", short_tool_error(e)
        log(f"[{case.name}] qsim-run failed: {r.error}")
        return r
    r.compile_s, r.ours_calls = comp, repeat
    r.ours_ms = ms if timing else None
    r.output_shape = list(ref.shape)
    r.output_range = float(ref.max() - ref.min())
    if y.shape != ref.shape:
        r.status, r.error = "mismatch", f"output shape {list(y.shape)}, ORT's {list(ref.shape)}"
        return r
    r.max_abs_diff = float(np.abs(y.astype(np.float64) - ref).max())
    r.rel_diff = r.max_abs_diff / r.output_range if r.output_range > 0 else float("inf")
    if not r.rel_diff <= TOLERANCE:
        r.status = "mismatch"
        r.error = (f"max |ours - ORT| = {r.max_abs_diff:.3g} is {r.rel_diff:.3g} of the "
                   f"output range {r.output_range:.3g} (> {TOLERANCE})")
    log(f"[{case.name}] {r.status}: max diff {r.max_abs_diff:.3g} ({r.rel_diff:.2g} of "
        f"range); ours {_fmt(r.ours_ms)} ms, ORT {_fmt(ort_ms)} ms, compile "
        f"{comp:.1f} s")
    return r


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _fmt(v: Optional[float], spec: str = ".2f") -> str:
    if v is None or v != v:
        return "-".rjust(int(re.match(r"\d*", spec).group() or 0))
    return format(v, spec)


def table(results: Sequence[Result]) -> str:
    head = (f"{'model':20s} {'ops':>4s} {'status':14s} {'max diff':>9s} {'/range':>8s} "
            f"{'ours ms':>9s} {'ORT ms':>8s} {'ours/ORT':>8s}")
    lines = [head, "-" * len(head)]
    for r in results:
        ratio = r.ours_ms / r.ort_ms if r.ours_ms and r.ort_ms else None
        lines.append(f"{r.name:20s} {len(r.ops):4d} {r.status:14s} "
                     f"{_fmt(r.max_abs_diff, '9.2e')} {_fmt(r.rel_diff, '8.1e')} "
                     f"{_fmt(r.ours_ms, '9.2f')} {_fmt(r.ort_ms, '8.2f')} "
                     f"{_fmt(ratio, '8.2f')}")
    lines.append(f"(float32, batch 1, one thread; ms: minimum call time; /range: max diff "
                 f"over ORT's output range, must be <= {TOLERANCE}; ops: op types)")
    return "\n".join(lines)


def details(results: Sequence[Result]) -> str:
    lines = []
    for r in results:
        ops = ", ".join(f"{k} {v}" for k, v in r.ops.items())
        lines.append(f"{r.name}: {ops}")
        if r.unsupported_ops:
            lines.append(f"  not in SUPPORTED_OPS: {', '.join(r.unsupported_ops)}")
        if r.error:
            lines += [f"  {r.status}: " + r.error.splitlines()[0]] + \
                [f"    {ln}" for ln in r.error.splitlines()[1:]]
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=None,
                    help="comma list (default: every model in build/models and the zoo)")
    ap.add_argument("--models-dir", type=Path, default=None,
                    help="the generated set (default: $QSIM_BUILD_DIR/models)")
    ap.add_argument("--no-zoo", action="store_true", help="skip examples/zoo")
    ap.add_argument("--target", type=float, default=1.0,
                    help="seconds of timed calls per measurement (default 1)")
    ap.add_argument("--no-time", action="store_true", help="check only: one call each")
    ap.add_argument("--json", default=None, help="write the results as JSON there ('-': stdout)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the MLIR files there")
    ap.add_argument("--timeout", type=float, default=1800,
                    help="seconds for each qsim-opt and qsim-run call (default 1800)")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 when a model fails to import, run or match")
    args = ap.parse_args(argv)
    if tools.find_tool("qsim-run") is None or tools.find_tool("qsim-opt") is None:
        print(f"qsim-opt / qsim-run not found in {tools.build_dir() / 'bin'}", file=sys.stderr)
        return 1
    d = args.models_dir or models_dir()
    available = set_names(d) if d.is_dir() else []
    zoo = [] if args.no_zoo else [n for n in ZOO_MODELS if (ZOO / f"{n}.onnx").is_file()]
    wanted = args.models.split(",") if args.models else available + zoo
    unknown = [n for n in wanted if n not in available and n not in ZOO_MODELS]
    if unknown:
        print(f"unknown model(s) {', '.join(unknown)}; in {d}: {', '.join(available) or 'none'} "
              f"(bash scripts/models/gen.sh makes them); zoo: {', '.join(ZOO_MODELS)}",
              file=sys.stderr)
        return 2
    if not available:
        print(f"note: no generated models in {d} (bash scripts/models/gen.sh)", file=sys.stderr)
    import onnxruntime

    log = (lambda s: print(s, file=sys.stderr, flush=True)) if args.json == "-" else \
        (lambda s: print(s, flush=True))
    ctx = tempfile.TemporaryDirectory(prefix="qsim-real-") if args.keep is None else None
    work = Path(ctx.name) if ctx else args.keep
    work.mkdir(parents=True, exist_ok=True)
    results: List[Result] = []
    t_start = time.time()
    try:
        for name in wanted:
            case = set_case(name, d) if name in available else zoo_case(name)
            results.append(check_case(case, work, args.target, not args.no_time, log,
                                      args.timeout))
            for f in work.glob(f"{name}.*"):
                if ctx:
                    f.unlink()
    finally:
        if ctx:
            ctx.cleanup()
    report = table(results) + "\n\n" + details(results)
    meta = {"commit": hostinfo.git_commit(),
            "host": platform.processor() or platform.machine(),
            "cpu": hostinfo.cpuinfo().get("model name", platform.machine()),
            "onnxruntime": onnxruntime.__version__,
            "threads": 1, "batch": 1, "tolerance": TOLERANCE,
            "seconds": round(time.time() - t_start, 1)}
    if args.json:
        out = dict(meta, results=[dict(asdict(r), ok=r.ok) for r in results])
        text = json.dumps(out, indent=1) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).write_text(text)
    if args.json != "-":
        print()
        print(f"commit {meta['commit']}; CPU {meta['cpu']}; onnxruntime "
              f"{meta['onnxruntime']}; {meta['seconds']:.0f} s")
        print(report)
    else:
        print(report, file=sys.stderr)
    failed = [r.name for r in results if not r.ok]
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
