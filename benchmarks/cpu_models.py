#!/usr/bin/env python3
"""CPU model benchmark: per-image latency of whole models, ours (int8 and
fp32) against ONNX Runtime (fp32 and int8), on one thread or a sweep of
thread counts.

Printed, not asserted. Usage:

    benchmarks/cpu_models.py [--quick] [--bin build/bin] [--models resnet_v1,...,resnet50,mobilenetv2]
                             [--batches 1,16] [--resnet-batch16] [--keep DIR]
                             [--rounds 3] [--threads 1,2 | all]

Models: the zoo (examples/zoo/*.onnx, input N x 1 x 28 x 28), a
random-weight ResNet-50-shaped graph at 224 x 224 (scripts/models/resnet50.py;
--quick makes it a quarter width, one block per stage, 64 x 64) and a
random-weight MobileNetV2-shaped graph at 224 x 224 (`mobilenetv2`, same
module; --quick: half width, 96 x 96). Paths:

* ours fp32: `qsim import-onnx` (evaluate.import_model, static batch B),
  qsim-opt --qsim-cpu-pipeline[="microkernels=auto"] to the LLVM dialect,
  qsim-run --repeat=N --time;
* ours int8: statistics with qsim-collect on the calibration inputs
  (quantize.collect_table), the passes of --qsim-quantize with that table
  (method max, per-channel weights, unsigned-activations when available:
  quantize.quantize_pipeline), then as fp32;
* ORT fp32: onnxruntime, CPUExecutionProvider, all graph optimizations;
* ORT int8: onnxruntime.quantization.quant_pre_process (shape inference,
  BN folding), then quantize_static (QDQ, per-channel, MinMax, uint8
  activations / int8 weights by default) on the same calibration inputs,
  then as ORT fp32.

Calibration inputs: 100 Fashion-MNIST training images (a seeded sample;
uniform random images when the data set is missing) for the zoo, 4 random
normal images for ResNet-50. Threads: one by default (our modules lowered
with the default threads=1; ORT intra_op_num_threads=1,
inter_op_num_threads=1, sequential); with --threads other than 1, each
count N is a row: our modules lowered once with threads=0 and run with
qsim-run --num-threads=N, ORT with intra_op_num_threads=N, and a scaling
table gives each speed-up over the fewest threads and ours against ORT at
each count (our outputs are checked to be the same bits at every count).
Times: the minimum call time over repeated calls (about --target seconds of
calls each) divided by the batch; compile time excluded. The four
measurements of a row are taken in --rounds interleaved rounds (ours fp32,
ours int8, ORT fp32, ORT int8, then again), each time the minimum: a
shared host's slow stretches then hit all four alike instead of one. A check table
compares the outputs (ours fp32 vs ORT fp32, int8 vs fp32 cosine).
"""
from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT / "python", ROOT / "benchmarks", ROOT / "scripts" / "models"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import cpu_kernels as ck  # noqa: E402
from qsim import evaluate, hostinfo  # noqa: E402
from qsim.tools import build_dir  # noqa: E402

ZOO = ROOT / "examples" / "zoo"
ZOO_MODELS = ("resnet_v1", "resnet_v2", "mobilenet_v2", "vgg")

_COMPILE_RE = re.compile(r"^compile:\s*([0-9.]+)\s*ms", re.M)


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def zoo_inputs(n_calib: int, n_eval: int, seed: int = 0) -> Tuple[np.ndarray, np.ndarray, str]:
    """(calibration, evaluation) images for the zoo and where they came from."""
    from qsim import datasets

    try:
        xtr, _ = datasets.load_fashion_mnist("train")
        xte, _ = datasets.load_fashion_mnist("test", limit=n_eval)
        pick = np.sort(np.random.default_rng(seed).permutation(len(xtr))[:n_calib])
        return xtr[pick], xte, f"{n_calib} Fashion-MNIST training images"
    except datasets.DatasetError:
        rng = np.random.default_rng(seed)
        return (rng.uniform(0, 1, (n_calib, 1, 28, 28)).astype(np.float32),
                rng.uniform(0, 1, (n_eval, 1, 28, 28)).astype(np.float32),
                f"{n_calib} uniform random images (Fashion-MNIST not found)")


def random_inputs(shape: Sequence[int], n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, *shape)).astype(np.float32)


# ---------------------------------------------------------------------------
# Ours
# ---------------------------------------------------------------------------


# Options appended to --qsim-calibrate for our int8 modules
# (--calibrate-options, e.g. "weight-range-bits=7").
EXTRA_CALIBRATE = ""


def calibrate_options() -> Tuple[str, bool]:
    """Extra --qsim-calibrate options (unsigned-activations, as the main job
    uses, plus --calibrate-options) and per-channel weights (on)."""
    opts = " ".join(o for o in ("unsigned-activations", EXTRA_CALIBRATE) if o)
    return opts, True


def ours_quantize(onnx_path: Path, float_mlir: Path, int8_mlir: Path, table: Optional[Path],
                  workdir: Path) -> str:
    """int8 module from the float import (table from collect_table)."""
    from qsim import quantize, tools

    opts, per_channel = calibrate_options()
    report = workdir / (int8_mlir.stem + ".report.json")
    passes = quantize.quantize_pipeline(table, "max", per_channel, 8.0, report,
                                        calibrate_options=opts)
    tools.run_tool("qsim-opt", [str(float_mlir), *passes, "-o", str(int8_mlir)],
                   timeout=3600)
    return (f"{'table (max)' if table else 'global-scale 8'}, "
            f"{'per-channel' if per_channel else 'per-tensor'} weights"
            + (f", {opts}" if opts else ""))


@dataclass
class OurTiming:
    ms_per_image: float
    compile_s: float
    output: np.ndarray


def time_ours(tools: ck.Tools, module: Path, x: np.ndarray, work: Path,
              target_s: float, threads: Optional[int] = None) -> OurTiming:
    """qsim-run --time on the lowered module: one call, then (if the call
    is short) enough calls for about target_s; minimum call time / batch.
    `threads`: the team size of a module lowered with threads=0
    (qsim-run --num-threads)."""
    xin, yout = work / f"{module.stem}.x.npy", work / f"{module.stem}.y.npy"
    np.save(xin, np.ascontiguousarray(x, np.float32))
    team = [f"--num-threads={threads}"] if threads is not None else []

    def go(repeat: int) -> Tuple[float, float]:
        out = ck.run([tools.qsim_run, module, f"--input={xin}", f"--output={yout}",
                      f"--repeat={repeat}", "--time", *team], timeout=3600)
        m, c = ck._RUN_RE.search(out), _COMPILE_RE.search(out)
        return float(m.group(3)) / 1000.0, float(c.group(1)) / 1000.0 if c else float("nan")

    t, comp = go(1)
    if t < target_s / 2:
        t2, comp = go(int(min(100, max(2, target_s / max(t, 1e-6)))))
        t = min(t, t2)
    return OurTiming(1000.0 * t / len(x), comp, np.load(yout))


def lower_ours(tools: ck.Tools, src: Path, dst: Path, variant: str, sweep: bool) -> None:
    """--qsim-cpu-pipeline for `variant`; with `sweep`, threads=0 (the team
    size chosen at run time, so one module serves every thread count)."""
    flag = ck.pipeline_flag(variant)
    if sweep:
        flag += (" " if "=" in flag else "=") + "threads=0"
    ck.run([tools.qsim_opt, src, flag, "-o", dst], timeout=3600)


# ---------------------------------------------------------------------------
# ONNX Runtime
# ---------------------------------------------------------------------------


def ort_quantize(src: Path, dst: Path, calib: np.ndarray, activation: str = "uint8") -> None:
    """quant_pre_process (ORT's recommended step: shape inference and the
    basic graph optimizations, which fold BN into the convs), then
    quantize_static: QDQ, per-channel, MinMax on `calib` (one image per
    calibration batch)."""
    import logging

    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod,
                                          QuantFormat, QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = dst.with_suffix(".pre.onnx")
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)
    try:
        quant_pre_process(str(src), str(pre))
    finally:
        logging.getLogger().setLevel(level)
    name = evaluate.ort_session(src).get_inputs()[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{name: calib[i:i + 1]} for i in range(len(calib))])

        def get_next(self):
            return next(self.it, None)

    logging.getLogger().setLevel(logging.ERROR)
    try:
        quantize_static(str(pre), str(dst), Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=True, calibrate_method=CalibrationMethod.MinMax,
                        activation_type=(QuantType.QUInt8 if activation == "uint8"
                                         else QuantType.QInt8),
                        weight_type=QuantType.QInt8)
    finally:
        logging.getLogger().setLevel(level)


def time_ort(sess, x: np.ndarray, target_s: float) -> Tuple[float, np.ndarray]:
    """(ms per image, output): minimum call time over ~target_s of calls."""
    name = sess.get_inputs()[0].name
    y = sess.run(None, {name: x})[0]   # warm-up
    best, total, n = float("inf"), 0.0, 0
    while n < 3 or (total < target_s and n < 200):
        t0 = time.perf_counter()
        sess.run(None, {name: x})
        dt = time.perf_counter() - t0
        best, total, n = min(best, dt), total + dt, n + 1
    return 1000.0 * best / len(x), y


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


@dataclass
class Row:
    model: str
    batch: int
    threads: int = 1
    ours_fp32: Optional[float] = None
    ours_int8: Optional[float] = None
    ort_fp32: Optional[float] = None
    ort_int8: Optional[float] = None
    checks: Dict[str, float] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)
    fallback: set = field(default_factory=set)   # ours, timed with none (auto failed)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.reshape(-1).astype(np.float64), b.reshape(-1).astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30))


def bench_model(name: str, onnx_path: Path, calib: np.ndarray, xeval: np.ndarray,
                batches: Sequence[int], tools: ck.Tools, variant: str, work: Path,
                target_s: float, ort_activation: str, log, rounds: int = 1,
                threads: Sequence[int] = (1,)) -> List[Row]:
    """One row per batch and thread count. With a thread count other than
    1 our modules are lowered once with threads=0 and run with
    --num-threads=N, and ORT runs with intra_op_num_threads=N."""
    from qsim import quantize

    mwork = work / name
    mwork.mkdir(parents=True, exist_ok=True)
    sweep = list(threads) != [1]
    t0 = time.time()
    quantize.require_tools("qsim-opt", "qsim-collect")
    table = mwork / "table.json"
    quantize.collect_table(onnx_path, calib, table, mwork)
    log(f"[{name}] statistics on {len(calib)} inputs: {time.time() - t0:.1f} s")
    ort_int8 = mwork / "ort.int8.onnx"
    t0 = time.time()
    ort_quantize(onnx_path, ort_int8, calib, ort_activation)
    log(f"[{name}] ORT quantize_static: {time.time() - t0:.1f} s")
    rows = []
    for b in batches:
        brows = {t: Row(name, b, threads=t) for t in threads}
        first = brows[threads[0]]
        x = xeval[:b]
        if len(x) < b:
            x = np.concatenate([x] * math.ceil(b / len(x)))[:b]
        t0 = time.time()
        fl = mwork / f"float.b{b}.mlir"
        evaluate.import_model(onnx_path, b, fl)
        i8 = mwork / f"int8.b{b}.mlir"
        how = ours_quantize(onnx_path, fl, i8, table, mwork)
        outs: Dict[Tuple[str, int], np.ndarray] = {}
        lowered: Dict[str, Path] = {}
        team: Dict[str, bool] = {}
        for tag, src in (("fp32", fl), ("int8", i8)):
            low = mwork / f"{tag}.b{b}.llvm.mlir"
            tries = [variant] + (["none"] if variant == "auto" else [])
            for v in tries:
                try:
                    lower_ours(tools, src, low, v, sweep)
                    # A module without a loop worth a team runs on one
                    # thread at every count (qsim-run refuses
                    # --num-threads for it).
                    team[tag] = sweep and "omp.parallel" in low.read_text()
                    r = time_ours(tools, low, x, mwork, target_s,
                                  threads[0] if team[tag] else None)
                    break
                except ck.ToolFailed as e:
                    first.notes.append(f"ours {tag} microkernels={v} failed: {e.short()}")
            else:
                continue
            lowered[tag] = low
            if sweep and not team[tag]:
                for row in brows.values():
                    row.notes.append(f"ours {tag}: no loop large enough for threads")
            for row in brows.values():
                if v != variant:
                    row.fallback.add(tag)
            setattr(first, f"ours_{tag}", r.ms_per_image)
            outs[("ours_" + tag, threads[0])] = r.output
            first.notes.append(f"ours {tag} JIT compile {r.compile_s:.1f} s")
        log(f"[{name}] batch {b}: ours ({how}; {variant}"
            f"{'; threads=0' if sweep else ''}): {time.time() - t0:.1f} s")
        sessions = {(tag, t): evaluate.ort_session(path, threads=t)
                    for t in threads for tag, path in (("fp32", onnx_path), ("int8", ort_int8))}

        def keep(row: Row, attr: str, ms: float) -> None:
            old = getattr(row, attr)
            setattr(row, attr, ms if old is None else min(old, ms))

        # Every measurement in each round, the rounds interleaved: each
        # keeps its minimum, and a slow stretch of a shared host hits all
        # alike.
        for rnd in range(rounds):
            for t, row in brows.items():
                for tag, low in lowered.items():
                    if rnd == 0 and t == threads[0]:
                        continue
                    r = time_ours(tools, low, x, mwork, target_s,
                                  t if team[tag] else None)
                    keep(row, f"ours_{tag}", r.ms_per_image)
                    outs.setdefault(("ours_" + tag, t), r.output)
                for tag in ("fp32", "int8"):
                    ms, y = time_ort(sessions[(tag, t)], x, target_s)
                    keep(row, f"ort_{tag}", ms)
                    outs.setdefault(("ort_" + tag, t), y)
        for t, row in brows.items():
            if rounds > 1:
                row.notes.append(f"times: minimum of {rounds} interleaved rounds")
            if ("ours_fp32", t) in outs:
                ref = outs[("ort_fp32", t)]
                row.checks["ours fp32 vs ORT fp32 max rel err"] = float(
                    np.abs(outs[("ours_fp32", t)] - ref).max() / (np.abs(ref).max() + 1e-30))
            for who in ("ours", "ort"):
                if (f"{who}_int8", t) in outs and (f"{who}_fp32", t) in outs:
                    row.checks[f"{who} int8 vs fp32 cosine"] = cosine(
                        outs[(f"{who}_int8", t)], outs[(f"{who}_fp32", t)])
            # Our results are the same bits for every thread count.
            for tag in lowered:
                base = outs.get((f"ours_{tag}", threads[0]))
                mine = outs.get((f"ours_{tag}", t))
                if base is not None and mine is not None and not np.array_equal(base, mine):
                    row.notes.append(f"ours {tag}: output differs from {threads[0]} thread(s)")
                    row.checks[f"ours {tag} bits differ"] = 1.0
            rows.append(row)
            log(f"[{name}] batch {b}: " + _fmt_row(row))
    return rows


def _f(v: Optional[float], spec: str) -> str:
    return format(v, spec) if v is not None else "-".rjust(int(spec.split(".")[0]))


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a and b else None


def _fmt_row(r: Row) -> str:
    def ours(tag):
        v = getattr(r, f"ours_{tag}")
        return _f(v, "9.3f") + ("*" if tag in r.fallback else " ")

    return (f"{r.model:14s} {r.batch:5d} {r.threads:7d} {ours('fp32')} {ours('int8')} "
            f"{_f(r.ort_fp32, '10.3f')} {_f(r.ort_int8, '10.3f')} "
            f"{_f(_ratio(r.ours_fp32, r.ours_int8), '14.2f')} "
            f"{_f(_ratio(r.ours_int8, r.ort_int8), '14.2f')}")


def table(rows: Sequence[Row]) -> str:
    head = (f"{'model':14s} {'batch':>5s} {'threads':>7s} {'ours fp32':>10s} {'ours int8':>10s} "
            f"{'ORT fp32':>10s} {'ORT int8':>10s} {'ours fp32/i8':>14s} {'ours/ORT i8':>14s}")
    lines = [head, "-" * len(head)] + [_fmt_row(r) for r in rows]
    lines.append("(ms per image; 'ours fp32/i8': int8 speed-up over our fp32; "
                 "'ours/ORT i8': our int8 time over ORT's, > 1 = slower)")
    if any(r.fallback for r in rows):
        lines.append("* microkernels=none: the module did not compile with microkernels=auto "
                     "(see the notes)")
    return "\n".join(lines)


def scaling_table(rows: Sequence[Row]) -> str:
    """Per model, batch and thread count: each time's speed-up over the
    same configuration on the fewest threads of the sweep, and ours over
    ORT at that thread count (> 1: we are faster)."""
    base: Dict[Tuple[str, int], Row] = {}
    for r in rows:
        k = (r.model, r.batch)
        if k not in base or r.threads < base[k].threads:
            base[k] = r
    cols = ("ours_fp32", "ours_int8", "ort_fp32", "ort_int8")
    head = (f"{'model':14s} {'batch':>5s} {'threads':>7s} "
            + " ".join(f"{c.replace('_', ' ') + ' x':>12s}" for c in cols)
            + f" {'ORT/ours f32':>13s} {'ORT/ours i8':>12s}")
    lines = [head, "-" * len(head)]
    for r in rows:
        b = base[(r.model, r.batch)]
        lines.append(f"{r.model:14s} {r.batch:5d} {r.threads:7d} "
                     + " ".join(_f(_ratio(getattr(b, c), getattr(r, c)), "12.2f")
                                for c in cols)
                     + f" {_f(_ratio(r.ort_fp32, r.ours_fp32), '13.2f')}"
                     + f" {_f(_ratio(r.ort_int8, r.ours_int8), '12.2f')}")
    lines.append("('x': speed-up over the fewest threads measured; 'ORT/ours': ORT's time "
                 "over ours at the same thread count, > 1 = we are faster)")
    return "\n".join(lines)


def check_table(rows: Sequence[Row]) -> str:
    keys = ["ours fp32 vs ORT fp32 max rel err", "ours int8 vs fp32 cosine",
            "ort int8 vs fp32 cosine"]
    head = f"{'model':14s} {'batch':>5s} {'threads':>7s} " + " ".join(f"{k:>34s}" for k in keys)
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.model:14s} {r.batch:5d} {r.threads:7d} " + " ".join(
            f"{_f(r.checks.get(k), '34.5f') if 'cosine' in k else _f(r.checks.get(k), '34.2e')}"
            for k in keys))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", type=Path, default=build_dir() / "bin")
    ap.add_argument("--quick", action="store_true",
                   help="resnet_v1 and a tiny ResNet-50 (width 0.25, one block per "
                   "stage, 64x64), batch 1, short timings")
    ap.add_argument("--models", default=None,
                    help=f"comma list of {', '.join(ZOO_MODELS)}, resnet50, mobilenetv2")
    ap.add_argument("--batches", default="1,16", help="zoo batches (default 1,16)")
    ap.add_argument("--resnet-batch16", action="store_true",
                    help="ResNet-50 also at batch 16 (slow on plain loops)")
    ap.add_argument("--resnet-width", type=float, default=None)
    ap.add_argument("--resnet-depth", default=None, help="blocks per stage, e.g. 3,4,6,3")
    ap.add_argument("--resnet-image", type=int, default=None)
    ap.add_argument("--resnet-calib", type=int, default=4, help="random calibration inputs")
    ap.add_argument("--microkernels", choices=("auto", "none"), default="auto",
                    help="pipeline option for our modules when available (default auto)")
    ap.add_argument("--ort-activation", choices=("uint8", "int8"), default="uint8")
    ap.add_argument("--target", type=float, default=1.0,
                    help="seconds of timed calls per measurement (default 1)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved timing rounds per row, the minimum kept "
                         "(default 3; --quick: 1)")
    ap.add_argument("--threads", default="1",
                    help="comma list of thread counts, or 'all' (1 to the host's logical "
                         "cores); default 1. Other than 1: our modules are lowered with "
                         "threads=0 and run with --num-threads=N, ORT with "
                         "intra_op_num_threads=N, and a scaling table is printed")
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--calibrate-options", default="",
                    help="appended to our --qsim-calibrate options, e.g. "
                         "'weight-range-bits=7'")
    args = ap.parse_args(argv)
    global EXTRA_CALIBRATE
    EXTRA_CALIBRATE = args.calibrate_options
    tools = ck.Tools(args.bin)
    os.environ.setdefault("QSIM_BUILD_DIR", str(args.bin.parent))
    if not tools.qsim_opt.is_file() or not tools.qsim_run.is_file():
        print(f"qsim-opt / qsim-run not found in {args.bin}", file=sys.stderr)
        return 1
    import onnx
    import onnxruntime

    import resnet50

    caps = ck.probe(tools)
    variant = args.microkernels if caps.microkernels else "default"
    host = hostinfo.host_info()
    quick = args.quick
    models = (args.models.split(",") if args.models else
              (["resnet_v1", "resnet50"] if quick else
               [*ZOO_MODELS, "resnet50", "mobilenetv2"]))
    batches = [int(b) for b in args.batches.split(",")] if not quick else [1]
    target = args.target if not quick else min(args.target, 0.3)
    rounds = max(1, args.rounds if not quick else 1)
    width = args.resnet_width or (0.25 if quick else 1.0)
    depth = (tuple(int(d) for d in args.resnet_depth.split(",")) if args.resnet_depth
             else ((1, 1, 1, 1) if quick else resnet50.RESNET50_DEPTH))
    if len(depth) == 1:
        depth = depth * 4
    image = args.resnet_image or (64 if quick else 224)
    try:
        threads = (list(range(1, host["cores"] + 1)) if args.threads == "all"
                   else [int(t) for t in args.threads.split(",")])
    except ValueError:
        ap.error(f"--threads: {args.threads!r} is not a comma list of counts or 'all'")
    if not threads or min(threads) < 1:
        ap.error(f"--threads: {args.threads!r}: every count must be at least 1")

    print(f"commit {hostinfo.git_commit()}; CPU: {host['model']}, {host['cores']} logical cores; "
          f"features: " + " ".join(k for k, v in host["features"].items() if v))
    print(f"onnxruntime {onnxruntime.__version__}, onnx {onnx.__version__}; "
          f"threads {','.join(map(str, threads))}; "
          f"load average at start: {hostinfo.load_average()}")
    print("our pipeline: " + (f'--qsim-cpu-pipeline="microkernels={variant}"'
                              if variant != "default" else
                              "--qsim-cpu-pipeline (microkernels= not available: "
                              "the fast path is not available)"))
    ctx = tempfile.TemporaryDirectory(prefix="qsim-models-") if args.keep is None else None
    work = Path(ctx.name) if ctx else args.keep
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    rows: List[Row] = []
    try:
        for name in models:
            if name in ("resnet50", "mobilenetv2"):
                # The two random-weight graphs at 224 x 224 (smaller with
                # --quick or the --resnet-* options).
                if name == "resnet50":
                    m = resnet50.build_resnet50(width, depth, image)
                    full = (width, tuple(depth), image) == (1.0, resnet50.RESNET50_DEPTH, 224)
                    shape = f"width {width}, depth {list(depth)}, {image}x{image}"
                    img, bs = image, ([1, 16] if args.resnet_batch16 else [1])
                else:
                    mw, img = (0.5, 96) if quick else (1.0, 224)
                    m = resnet50.build_mobilenetv2(mw, img)
                    full = (mw, img) == (1.0, 224)
                    shape = f"width {mw}, {img}x{img}"
                    bs = [1]
                path = work / f"{name}.onnx"
                onnx.save(m, str(path))
                macs = resnet50.count_macs(m)
                label = name if full else f"{name}-mini"
                print(f"\n{label}: {shape}, {macs / 1e9:.2f} GMAC/image, random weights "
                      f"(seed 0), calibration: {args.resnet_calib} random normal inputs")
                calib = random_inputs((3, img, img), args.resnet_calib, 0)
                xeval = random_inputs((3, img, img), 16, 1)
                rows += bench_model(label, path, calib, xeval, bs, tools, variant, work,
                                    target, args.ort_activation, print, rounds, threads)
            else:
                path = ZOO / f"{name}.onnx"
                if not path.is_file():
                    print(f"{path} missing, skipped")
                    continue
                calib, xeval, what = zoo_inputs(100, max(batches))
                print(f"\n{name}: calibration: {what}")
                rows += bench_model(name, path, calib, xeval, batches, tools, variant, work,
                                    target, args.ort_activation, print, rounds, threads)
        print()
        print(table(rows))
        print()
        if len(threads) > 1:
            print(scaling_table(rows))
            print()
        print(check_table(rows))
        for r in rows:
            for n in r.notes:
                print(f"note: {r.model} batch {r.batch}: {n}")
        print(f"\ntotal {time.time() - t_start:.0f} s; load average at the end: "
              f"{hostinfo.load_average()}")
    finally:
        if ctx:
            ctx.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
