#!/usr/bin/env python3
"""Real models, int8: accuracy and speed of our int8 against our fp32 and ORT.

For each model of the validation set (build/models, made by
scripts/models/gen.sh at set-up; docs/Models.md), batch 1, one thread:

1. calibration samples: Fashion-MNIST *training* images, coloured and
   resized to 224 x 224 (scripts/models/inputs.py, seed 0), for the CNNs;
   the sentences of ``inputs.SENTENCES`` tokenized with the model's own
   tokenizer (padded to 128) for MiniLM;
2. our int8: ``qsim quantize MODEL --calib-data SAMPLES --per-channel
   --holdout 0 -o OUT`` (per-channel weights as ORT's below, every sample
   calibrates; OUT/libmodel.so is the int8 library); our
   fp32: ``qsim compile OUT/float.mlir`` (the same imported module, the same
   compiler);
3. ORT int8: ``quant_pre_process`` then ``quantize_static`` (QDQ,
   per-channel int8 weights, uint8 activations, MinMax) on the same
   calibration samples;
4. accuracy on evaluation inputs the calibration never saw (Fashion-MNIST
   *test* images, seed 1, for the CNNs; the sentences of ``EVAL_SENTENCES``
   below for MiniLM): the SQNR (dB) of the int8 output against ORT's float
   output (graph optimizations off), over all evaluation outputs together,
   for ours and for ORT int8; for the sentence encoder, the cosine
   similarity of the float and int8 embeddings, the worst sentence;
5. speed: the libraries loaded with ``qsim.load`` (after
   ``qsim.deploy.keep_freed_heap_memory()``, docs/Deploy.md) and ORT
   sessions with one thread (intra_op_num_threads=1, sequential, graph
   optimizations on), timed in interleaved rounds (one call of each engine
   per round, on the first evaluation input); the minimum of the rounds.

The table puts each figure beside its target (docs/Performance.md): the
encoder's cosine >= 0.99; int8 >= 1.8x our fp32 on resnet50 and >= 1.4x on
mobilenet_v3 and efficientnet; ours int8 not slower than ORT int8.  Targets
are printed, not asserted; the exit status is 0 unless --strict and a model
failed to quantize, compile or run.  The number of ops left in float and
their kinds come from OUT/report.json.

    benchmarks/int8_models.py [--models a,b] [--quick] [--runs N]
                              [--calib N] [--eval N] [--json out.json | --json -]
                              [--keep DIR [--reuse]] [--no-per-channel]
                              [--calibrate-options STR]
                              [--timeout S] [--strict]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT / "python", ROOT / "scripts" / "models"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from qsim import evaluate, hostinfo, tools  # noqa: E402

SEQ = 128
# Sentences for MiniLM's accuracy, none of them among the calibration
# sentences (inputs.SENTENCES).
EVAL_SENTENCES = (
    "The weather forecast promises sunshine for the whole weekend.",
    "A young woman is reading a book on a bench in the garden.",
    "Please send me the report before the meeting on Thursday morning.",
    "The orchestra played Beethoven's ninth symphony to a full house.",
    "Researchers found that regular exercise improves sleep quality.",
    "How many kilometres is it from Paris to Berlin by train?",
    "The old bridge was closed for repairs after the storm damaged it.",
    "Two children are building a sandcastle on the beach while the tide comes in.",
)

# Targets (docs/Performance.md).
COSINE_TARGET = 0.99
SPEEDUP_TARGETS = {"resnet50": 1.8, "mobilenet_v3_small": 1.4, "mobilenet_v3_large": 1.4,
                   "efficientnet_b0": 1.4}
VS_ORT_TARGET = 1.0     # ours int8 / ORT int8 time at most this

QUICK = {"calib": 4, "eval": 2, "runs": 3}
FULL = {"calib": 8, "eval": 4, "runs": 10}


def models_dir() -> Path:
    return tools.build_dir() / "models"


def set_names(directory: Path) -> List[str]:
    """Models of the generated set (their JSON written by finish.py)."""
    return sorted(p.stem for p in directory.glob("*.json")
                  if (directory / f"{p.stem}.onnx").is_file()
                  and not p.name.endswith(".tokenizer.json"))


# ---------------------------------------------------------------------------
# Cases: the model, its calibration samples and evaluation inputs
# ---------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    path: Path
    encoder: bool                      # a sentence encoder (cosine, not SQNR)
    names: List[str]                   # graph inputs, in order
    calib: Dict[str, np.ndarray]       # name -> (N, ...) samples
    evals: List[Dict[str, np.ndarray]]  # batch-1 inputs
    calib_desc: str
    eval_desc: str


def make_case(name: str, directory: Path, n_calib: int, n_eval: int) -> Case:
    import inputs

    info = json.loads((directory / f"{name}.json").read_text())
    names = [i["name"] for i in info["inputs"]]
    if info.get("kind") == "sentence encoder":
        tok = directory / info["tokenizer"]
        cal = inputs.tokenize(tok, inputs.SENTENCES[:n_calib], SEQ)
        ev = inputs.tokenize(tok, EVAL_SENTENCES[:n_eval], SEQ)
        calib = dict(zip(names, cal))
        evals = [{k: a[i:i + 1] for k, a in zip(names, ev)} for i in range(len(ev[0]))]
        return Case(name, directory / f"{name}.onnx", True, names, calib, evals,
                    f"{len(cal[0])} sentences of inputs.SENTENCES (padded to {SEQ})",
                    f"{len(ev[0])} sentences of EVAL_SENTENCES")
    cal = inputs.images("train", range(n_calib), seed=0)
    ev = inputs.eval_images(n_eval)
    return Case(name, directory / f"{name}.onnx", False, names, {names[0]: cal},
                [{names[0]: ev[i:i + 1]} for i in range(len(ev))],
                f"{len(cal)} Fashion-MNIST training images, coloured, 224x224",
                f"{len(ev)} Fashion-MNIST test images, coloured, 224x224")


# ---------------------------------------------------------------------------
# Building the four engines
# ---------------------------------------------------------------------------


def _qsim(args: Sequence[str], timeout: float) -> str:
    """``qsim ARGS`` (this interpreter's qsim package); raises
    RuntimeError with the command's last lines on failure."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "python"), env.get("PYTHONPATH", "")])
    p = subprocess.run([sys.executable, "-c", "import sys; from qsim.cli import main; "
                        "sys.exit(main())", *args], capture_output=True, text=True,
                       timeout=timeout, env=env)
    if p.returncode != 0:
        tail = "\n".join((p.stderr or p.stdout).strip().splitlines()[-6:])
        raise RuntimeError(f"qsim {args[0]} exited with status {p.returncode}: {tail}")
    return p.stdout


def ours_build(case: Case, work: Path, timeout: float, per_channel: bool = True,
               reuse: bool = False, calibrate_options: str = "") -> Path:
    """OUT with int8 libmodel.so (qsim quantize) and libfloat.so (qsim
    compile of the same float.mlir); with ``reuse``, an OUT holding both
    libraries and report.json is taken as it is."""
    out = work / f"{case.name}.q"
    if reuse and all((out / f).is_file() for f in ("libmodel.so", "libfloat.so", "report.json")):
        return out
    if len(case.names) == 1:
        data = work / f"{case.name}.calib.npy"
        np.save(data, case.calib[case.names[0]])
    else:
        data = work / f"{case.name}.calib.npz"
        np.savez(data, **case.calib)
    shapes = []
    for k in case.names:
        shapes += ["--input-shape", f"{k}=" + ",".join(map(str, case.evals[0][k].shape))]
    pc = "--per-channel" if per_channel else "--no-per-channel"
    extra = ["--calibrate-options", calibrate_options] if calibrate_options else []
    _qsim(["quantize", str(case.path), "--calib-data", str(data), *shapes, pc, "--holdout", "0",
           "--sqnr-samples", "0", *extra, "-o", str(out)], timeout)
    _qsim(["compile", str(out / "float.mlir"), "-o", str(out / "libfloat.so")], timeout)
    return out


def ort_int8(case: Case, dst: Path) -> None:
    """ORT's static quantization of the model: quant_pre_process (shape
    inference and ORT's basic graph optimizations, which fold BN), then
    quantize_static: QDQ, per-channel int8 weights, uint8 activations,
    MinMax on the calibration samples (one per calibration batch)."""
    import logging

    from onnxruntime.quantization import CalibrationDataReader

    dst = dst.resolve()
    pre = dst.with_suffix(".pre.onnx")
    n = len(next(iter(case.calib.values())))
    feeds = [{k: a[i:i + 1] for k, a in case.calib.items()} for i in range(n)]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(feeds)

        def get_next(self):
            return next(self.it, None)

    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)
    # ORT writes its scratch files (the symbolic shape inference's model,
    # external data of large models) to the working directory.
    scratch = tempfile.TemporaryDirectory(dir=dst.parent, prefix=".ort-")
    try:
        with scratch, contextlib.chdir(scratch.name):
            _ort_quantize(case.path.resolve(), pre, dst, Reader())
    finally:
        logging.getLogger().setLevel(level)
        pre.unlink(missing_ok=True)


def _ort_quantize(src: Path, pre: Path, dst: Path, reader) -> None:
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    try:
        quant_pre_process(str(src), str(pre))
    except Exception:
        # ORT's symbolic shape inference gives up on some graphs (MiniLM's);
        # the ONNX shape inference alone is enough there.
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
    quantize_static(str(pre), str(dst), reader, quant_format=QuantFormat.QDQ,
                    per_channel=True, calibrate_method=CalibrationMethod.MinMax,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)


def float_ops(report: dict) -> Dict[str, int]:
    """Op kind -> how many ops of that kind stayed float (report.json)."""
    kinds: Counter = Counter()
    for layer in report.get("layers", []):
        for op in layer.get("ops", []):
            if op.get("status") == "float":
                kinds[op["op"]] += 1
    return dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def sqnr_db(ref: np.ndarray, y: np.ndarray) -> float:
    ref, y = ref.astype(np.float64).ravel(), y.astype(np.float64).ravel()
    noise = float(np.sum((ref - y) ** 2))
    signal = float(np.sum(ref ** 2))
    if noise == 0.0:
        return math.inf
    return 10.0 * math.log10(signal / noise) if signal > 0 else -math.inf


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30))


@dataclass
class Result:
    name: str
    calibration: str = ""
    evaluation: str = ""
    status: str = "ok"           # ok | failed
    error: str = ""
    sqnr_db: Optional[float] = None          # ours int8 vs float (CNNs)
    ort_sqnr_db: Optional[float] = None      # ORT int8 vs float (CNNs)
    cosine: Optional[float] = None           # ours, the worst sentence (encoder)
    ort_cosine: Optional[float] = None       # ORT int8, the worst sentence (encoder)
    ours_int8_ms: Optional[float] = None
    ours_fp32_ms: Optional[float] = None
    ort_fp32_ms: Optional[float] = None
    ort_int8_ms: Optional[float] = None
    runs: int = 0
    ops_int8: Optional[int] = None
    ops_float: Optional[int] = None
    float_op_kinds: Dict[str, int] = field(default_factory=dict)
    build_s: Optional[float] = None
    load_average: str = ""                   # when its times were taken

    @property
    def speedup(self) -> Optional[float]:
        """Our fp32 time over our int8 time."""
        return _ratio(self.ours_fp32_ms, self.ours_int8_ms)

    @property
    def vs_ort_int8(self) -> Optional[float]:
        """Our int8 time over ORT int8's (below 1: ours is faster)."""
        return _ratio(self.ours_int8_ms, self.ort_int8_ms)

    def targets(self) -> Dict[str, Optional[bool]]:
        """Each target that applies to this model: met, missed, or None
        (not measured)."""
        t: Dict[str, Optional[bool]] = {}
        if self.name in SPEEDUP_TARGETS:
            want = SPEEDUP_TARGETS[self.name]
            t[f"int8 >= {want}x fp32"] = None if self.speedup is None else self.speedup >= want
        if self.cosine is not None or (self.status != "ok" and self.name == "minilm"):
            t[f"cosine >= {COSINE_TARGET}"] = \
                None if self.cosine is None else self.cosine >= COSINE_TARGET
        t["not slower than ORT int8"] = \
            None if self.vs_ort_int8 is None else self.vs_ort_int8 <= VS_ORT_TARGET
        return t


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a and b else None


def ort_session(path: Path, optimize: bool = True):
    return evaluate.ort_session(path, threads=1, optimize=optimize)


def time_rounds(engines: Dict[str, callable], runs: int) -> Dict[str, float]:
    """Minimum call time (ms) of each engine over ``runs`` rounds, one call
    of each engine per round (after one warm-up call each), so that the
    changing load of a shared machine falls on all of them alike."""
    for f in engines.values():
        f()
    best = {k: math.inf for k in engines}
    for _ in range(runs):
        for k, f in engines.items():
            t0 = time.perf_counter()
            f()
            best[k] = min(best[k], time.perf_counter() - t0)
    return {k: 1000.0 * v for k, v in best.items()}


def measure(case: Case, r: Result, out: Path, ort_q: Path, runs: int) -> None:
    """Accuracy and times of the built engines into ``r``."""
    import qsim

    # One thread: the libraries are compiled with threads 0 (the default).
    lib8, lib32 = (qsim.load(out / "libmodel.so", threads=1),
                   qsim.load(out / "libfloat.so", threads=1))
    ref_sess = ort_session(case.path, optimize=False)
    s32, s8 = ort_session(case.path), ort_session(ort_q)

    def args(feed):
        return [np.ascontiguousarray(feed[k], lib8.inputs[i][1])
                for i, k in enumerate(case.names)]

    def first(y):
        return y[0] if isinstance(y, tuple) else y

    refs, ours, orts = [], [], []
    for feed in case.evals:
        refs.append(ref_sess.run(None, feed)[0])
        ours.append(first(lib8(*args(feed))))
        orts.append(s8.run(None, feed)[0])
    if case.encoder:
        r.cosine = min(cosine(a, b) for a, b in zip(refs, ours))
        r.ort_cosine = min(cosine(a, b) for a, b in zip(refs, orts))
    else:
        ref = np.concatenate(refs)
        r.sqnr_db = sqnr_db(ref, np.concatenate(ours))
        r.ort_sqnr_db = sqnr_db(ref, np.concatenate(orts))

    feed = case.evals[0]
    a = args(feed)
    r.load_average = hostinfo.load_average()
    times = time_rounds({"ours_int8": lambda: lib8(*a), "ours_fp32": lambda: lib32(*a),
                         "ort_fp32": lambda: s32.run(None, feed),
                         "ort_int8": lambda: s8.run(None, feed)}, runs)
    r.ours_int8_ms, r.ours_fp32_ms = times["ours_int8"], times["ours_fp32"]
    r.ort_fp32_ms, r.ort_int8_ms = times["ort_fp32"], times["ort_int8"]
    r.runs = runs


def bench_case(case: Case, work: Path, runs: int, timeout: float,
               log=lambda s: None, per_channel: bool = True, reuse: bool = False,
               calibrate_options: str = "") -> Result:
    r = Result(case.name, case.calib_desc, case.eval_desc)
    t0 = time.time()
    try:
        out = ours_build(case, work, timeout, per_channel, reuse, calibrate_options)
        ort_q = work / f"{case.name}.ort.int8.onnx"
        if not (reuse and ort_q.is_file()):
            ort_int8(case, ort_q)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        r.status, r.error = "failed", str(e)
        log(f"[{case.name}] build failed: {e}")
        return r
    except Exception as e:   # ORT's quantizer raises what it likes
        r.status, r.error = "failed", f"ORT quantize_static: {type(e).__name__}: {e}"
        log(f"[{case.name}] {r.error}")
        return r
    r.build_s = time.time() - t0
    report = json.loads((out / "report.json").read_text())
    r.ops_int8 = report["summary"]["ops_int8"]
    r.ops_float = report["summary"]["ops_float"]
    r.float_op_kinds = float_ops(report)
    log(f"[{case.name}] built in {r.build_s:.0f} s; {r.ops_int8} ops int8, "
        f"{r.ops_float} float")

    try:
        measure(case, r, out, ort_q, runs)
    except Exception as e:   # qsim.deploy's and onnxruntime's errors alike
        r.status, r.error = "failed", f"run: {type(e).__name__}: {e}"
        log(f"[{case.name}] {r.error}")
        return r
    acc = (f"cosine {r.cosine:.4f}" if case.encoder else f"SQNR {r.sqnr_db:.1f} dB")
    log(f"[{case.name}] {acc}; ours int8 {r.ours_int8_ms:.2f} ms, fp32 "
        f"{r.ours_fp32_ms:.2f} ms; ORT fp32 {r.ort_fp32_ms:.2f} ms, int8 "
        f"{r.ort_int8_ms:.2f} ms (load average {r.load_average})")
    return r


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

COLUMNS = ("model", "SQNR/cos", "ORT8 acc", "ours i8", "ours f32", "ORT f32", "ORT i8",
           "i8/f32", "vs ORT8", "float ops")


def _f(v: Optional[float], spec: str, width: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-".rjust(width)
    return format(v, f"{width}{spec}")


def _acc(v: Optional[float], encoder: bool) -> str:
    if v is None:
        return "-"
    return f"{v:.4f}" if encoder else f"{v:.1f} dB"


def _mark(ok: Optional[bool]) -> str:
    return "?" if ok is None else "ok" if ok else "MISS"


def table(results: Sequence[Result]) -> str:
    head = (f"{COLUMNS[0]:20s} {COLUMNS[1]:>9s} {COLUMNS[2]:>9s} {COLUMNS[3]:>8s} "
            f"{COLUMNS[4]:>8s} {COLUMNS[5]:>8s} {COLUMNS[6]:>8s} {COLUMNS[7]:>6s} "
            f"{COLUMNS[8]:>7s} {COLUMNS[9]}")
    lines = [head, "-" * (len(head) + 30)]
    for r in results:
        enc = r.cosine is not None
        ours = r.cosine if enc else r.sqnr_db
        theirs = r.ort_cosine if enc else r.ort_sqnr_db
        kinds = ", ".join(f"{k} {v}" for k, v in r.float_op_kinds.items())
        fl = "-" if r.ops_float is None else f"{r.ops_float}" + (f" ({kinds})" if kinds else "")
        if r.status != "ok":
            fl = f"{r.status}: {r.error.splitlines()[0][:60] if r.error else ''}"
        lines.append(f"{r.name:20s} {_acc(ours, enc):>9s} {_acc(theirs, enc):>9s} "
                     f"{_f(r.ours_int8_ms, '.2f', 8)} {_f(r.ours_fp32_ms, '.2f', 8)} "
                     f"{_f(r.ort_fp32_ms, '.2f', 8)} {_f(r.ort_int8_ms, '.2f', 8)} "
                     f"{_f(r.speedup, '.2f', 6)} {_f(r.vs_ort_int8, '.2f', 7)} {fl}")
    lines.append("")
    lines.append("targets:")
    for r in results:
        t = r.targets()
        lines.append(f"  {r.name:20s} " + "; ".join(f"{k}: {_mark(v)}" for k, v in t.items()))
    lines.append("")
    lines.append("(batch 1, one thread; ms: minimum over the rounds; SQNR/cos: ours int8 "
                 "against ORT float on the evaluation inputs, cosine (the worst sentence) for "
                 "the sentence encoder; ORT8 acc: the same for ORT int8; i8/f32: our fp32 time "
                 "over our int8 time; vs ORT8: our int8 time over ORT int8's; float ops: "
                 "ops left in float by qsim quantize (report.json), by kind)")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=None,
                    help="comma list (default: every model in build/models)")
    ap.add_argument("--models-dir", type=Path, default=None,
                    help="the generated set (default: $QSIM_BUILD_DIR/models)")
    ap.add_argument("--quick", action="store_true",
                    help=f"{QUICK['calib']} calibration samples, {QUICK['eval']} evaluation "
                    f"inputs, {QUICK['runs']} rounds (default {FULL['calib']}, "
                    f"{FULL['eval']}, {FULL['runs']})")
    ap.add_argument("--calib", type=int, default=None, help="calibration samples")
    ap.add_argument("--eval", type=int, default=None, help="evaluation inputs")
    ap.add_argument("--runs", type=int, default=None, help="timed rounds")
    ap.add_argument("--per-channel", action=argparse.BooleanOptionalAction, default=True,
                    help="our per-channel weight scales (default on, as ORT's)")
    ap.add_argument("--calibrate-options", default="", metavar="STR",
                    help="more --qsim-calibrate options for our int8, e.g. "
                    "'weight-range-bits=7' (vpmaddubsw on any input on AVX2)")
    ap.add_argument("--json", default=None, help="write the results as JSON there ('-': stdout)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the built files there")
    ap.add_argument("--reuse", action="store_true",
                    help="with --keep: reuse the libraries and ORT models built there before "
                    "(same settings assumed)")
    ap.add_argument("--timeout", type=float, default=3600,
                    help="seconds for each qsim quantize / qsim compile (default 3600)")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 when a model fails to quantize, compile or run")
    args = ap.parse_args(argv)
    if args.reuse and args.keep is None:
        ap.error("--reuse needs --keep DIR")
    base = QUICK if args.quick else FULL
    n_calib = args.calib or base["calib"]
    n_eval = args.eval or base["eval"]
    runs = args.runs or base["runs"]
    for what, v in (("--calib", n_calib), ("--eval", n_eval), ("--runs", runs)):
        if v < 1:
            ap.error(f"{what} must be at least 1")
    missing = [t for t in ("qsim-opt", "qsim-run", "qsim-collect") if tools.find_tool(t) is None]
    if missing:
        print(f"{', '.join(missing)} not found in {tools.build_dir() / 'bin'}", file=sys.stderr)
        return 1
    d = args.models_dir or models_dir()
    available = set_names(d) if d.is_dir() else []
    wanted = args.models.split(",") if args.models else available
    unknown = [n for n in wanted if n not in available]
    if unknown or not wanted:
        print(f"unknown model(s) {', '.join(unknown) or '(none given)'}; in {d}: "
              f"{', '.join(available) or 'none'} (bash scripts/models/gen.sh makes them)",
              file=sys.stderr)
        return 2
    import onnxruntime

    from qsim import deploy

    heap = deploy.keep_freed_heap_memory()
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if args.json == "-" else \
        (lambda s: print(s, flush=True))
    load_before = hostinfo.load_average()
    ctx = tempfile.TemporaryDirectory(prefix="qsim-int8-") if args.keep is None else None
    work = Path(ctx.name) if ctx else args.keep
    work.mkdir(parents=True, exist_ok=True)
    results: List[Result] = []
    t_start = time.time()
    interrupted = None
    try:
        for name in wanted:
            case = make_case(name, d, n_calib, n_eval)
            results.append(bench_case(case, work, runs, args.timeout, log, args.per_channel,
                                      args.reuse, args.calibrate_options))
    except KeyboardInterrupt:
        # A long run stopped by hand still reports the models it finished.
        interrupted = f"interrupted after {len(results)} of {len(wanted)} model(s)"
        print(interrupted, file=sys.stderr)
    finally:
        if ctx:
            ctx.cleanup()
    meta = {"commit": hostinfo.git_commit(), "cpu": hostinfo.cpu_description(),
            "onnxruntime": onnxruntime.__version__, "threads": 1, "batch": 1,
            "calibration_samples": n_calib, "evaluation_inputs": n_eval, "runs": runs,
            "calibrate_options": args.calibrate_options,
            "keep_freed_heap_memory": heap, "load_average_before": load_before,
            "load_average_after": hostinfo.load_average(),
            "seconds": round(time.time() - t_start, 1), "interrupted": interrupted}
    if args.json:
        rows = [dict(asdict(r), speedup=r.speedup, vs_ort_int8=r.vs_ort_int8,
                     targets=r.targets()) for r in results]
        text = json.dumps(dict(meta, results=rows), indent=1) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).write_text(text)
    out = sys.stderr if args.json == "-" else sys.stdout
    print(f"\ncommit {meta['commit']}; CPU {meta['cpu']}; onnxruntime {meta['onnxruntime']}; "
          f"load average {load_before} (start), {meta['load_average_after']} (end); "
          f"{n_calib} calibration samples, {n_eval} evaluation inputs, {runs} rounds; "
          + (f"calibrate options '{args.calibrate_options}'; " if args.calibrate_options else "")
          + f"{meta['seconds']:.0f} s" + (f"; {interrupted}" if interrupted else ""), file=out)
    print(table(results), file=out)
    failed = [r.name for r in results if r.status != "ok"]
    return 1 if args.strict and (failed or interrupted) else 0


if __name__ == "__main__":
    sys.exit(main())
