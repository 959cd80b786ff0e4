"""``qsim quantize``: an ONNX model to int8, with float and int8 accuracy and speed.

Steps (every intermediate file is kept with ``--keep DIR``):

1. import the ONNX model with a static batch (``float.mlir``);
2. statistics (docs/Calibration.md): when ``build/bin/qsim-collect`` exists,
   ``--calib`` training images (a seeded random sample) go through the
   annotated float model and ``table.json`` (``qsim-calibration-table/1``)
   is written; without it every activation gets the range
   ``[-global_scale, global_scale]`` and the output says so;
3. ``qsim-opt`` with the passes of ``--qsim-quantize`` spelled out
   (annotate, calibrate with ``table=`` and ``method=``, realize,
   canonicalize, cse, convert-qsim-to-linalg, canonicalize: the passes of
   the pipeline flag, which did not forward ``method=`` in earlier builds)
   -> ``int8.mlir``, plus the JSON report of what was quantized;
4. both modules are lowered once with ``--qsim-cpu-pipeline`` and run with
   ``qsim-run`` over the test images (python/qsim/evaluate.py);
5. a table: float top-1, int8 top-1, drop, per-image time of both;
6. per-layer SQNR (python/qsim/sqnr.py): float vs int8 output of every
   quantized layer on the first ``--sqnr-images`` test images (default
   256), the 5 worst printed after the table and all of them plotted to
   ``--plot`` (PNG; default ``DIR/sqnr.png`` with ``--keep DIR``, else
   ``<build dir>/sqnr/<model>.png``: next to the tools it needs, ignored by
   git, as the TOSA demo of scripts/main.sh writes to ``build/main``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

from . import datasets, evaluate, sqnr as sqnr_mod, tools

__all__ = ["stats_tool", "pass_supports", "calibration_images", "collect_table",
           "quantize_pipeline", "QuantizeResult", "quantize_and_evaluate", "format_table", "main"]

METHODS = ("max", "pow2", "percentile", "mse", "kl")


def _help(tool: str) -> str:
    path = tools.find_tool(tool)
    if path is None:
        return ""
    proc = subprocess.run([str(path), "--help"], capture_output=True, text=True)
    return proc.stdout + proc.stderr


def stats_tool() -> Optional[Path]:
    """``build/bin/qsim-collect`` (issue 4's statistics collector), if built."""
    return tools.find_tool("qsim-collect")


def pass_supports(pass_flag: str, option: str) -> bool:
    """Whether the pass ``pass_flag`` of this qsim-opt has ``option``
    (read from ``qsim-opt --help``)."""
    text = _help("qsim-opt")
    start = text.find(f"--{pass_flag} ")
    if start < 0:
        return False
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("        --"):  # the next pass
            break
        if line.strip().split("=")[0].split(" ")[0] == f"--{option}":
            return True
    return False


def _calib_batch(n: int, cap: int = 100) -> int:
    """The calibration module's batch: the largest divisor of ``n`` up to
    ``cap`` (qsim-collect needs ``n`` to be a multiple of it)."""
    return max(d for d in range(1, min(n, cap) + 1) if n % d == 0)


def calibration_images(calib: int, seed: int = 0) -> np.ndarray:
    """The ``calib`` training images the statistics come from: a seeded
    random sample (in index order) of the 60,000, as ``qsim quantize`` and
    benchmarks/peers.py take them."""
    xtr, _ = datasets.load_fashion_mnist("train")
    pick = np.sort(np.random.default_rng(seed).permutation(len(xtr))[:calib])
    return xtr[pick]


def collect_table(float_onnx: Path, x: np.ndarray, table: Path, workdir: Path) -> None:
    """Statistics of ``x`` (docs/Calibration.md): import, ``--qsim-annotate``,
    ``qsim-collect --data --output``.  The point names are those of the
    module quantized later (both are annotated from the same import), so the
    table applies to it whatever its batch."""
    calib = workdir / "calib.mlir"
    evaluate.import_model(float_onnx, _calib_batch(len(x)), calib)
    annotated = workdir / "calib.annotated.mlir"
    tools.run_tool("qsim-opt", [str(calib), "--qsim-annotate", "-o", str(annotated)],
                   timeout=1800)
    data = workdir / "calib.npy"
    np.save(data, np.ascontiguousarray(x, dtype=np.float32))
    tools.run_tool("qsim-collect", [str(annotated), f"--data={data}",
                                    f"--output={table}", "--quiet"], timeout=3600)


def quantize_pipeline(table: Optional[Path], method: str, per_channel: bool,
                      global_scale: float, report: Path, annotate_options: str = "",
                      calibrate_options: str = "") -> List[str]:
    """The passes of ``--qsim-quantize`` spelled out (its builds before
    046379f did not forward ``method=`` to qsim-calibrate)."""
    ann = " ".join(o for o in (f"report={report}", annotate_options) if o)
    cal = []
    if table is not None:
        cal.append(f"table={table}")
        cal.append(f"method={method}")
    cal.append(f"global-scale={global_scale!r}")
    # qsim-calibrate's per-channel defaults to true: say it either way.
    cal.append(f"per-channel={'true' if per_channel else 'false'}")
    if calibrate_options:
        cal.append(calibrate_options)
    return [f"--qsim-annotate={ann}", f"--qsim-calibrate={' '.join(cal)}",
            "--qsim-realize", "--canonicalize", "--cse",
            "--convert-qsim-to-linalg", "--canonicalize"]


@dataclass
class QuantizeResult:
    model: str
    images: int
    calibration: str
    float_: evaluate.EvalResult
    int8: evaluate.EvalResult
    quantized_ops: int
    float_ops: int
    sqnr: Optional[sqnr_mod.SqnrResult] = None
    # Images (of the SQNR ones) where the instrumented int8 module's class
    # differs from int8.mlir's, and the largest logit difference: both 0
    # unless adding the extra results changed the int8 model.
    sqnr_class_diffs: int = 0
    sqnr_max_logit_diff: float = 0.0

    @property
    def drop_points(self) -> float:
        return 100.0 * (self.float_.top1 - self.int8.top1)

    @property
    def agreement(self) -> float:
        return float((self.float_.predictions == self.int8.predictions).mean())

    def as_dict(self) -> dict:
        return {
            "model": self.model, "images": self.images,
            "calibration": self.calibration,
            "float_top1": self.float_.top1, "int8_top1": self.int8.top1,
            "drop_points": self.drop_points, "agreement": self.agreement,
            "float_ms_per_image": self.float_.timing.per_image_ms,
            "int8_ms_per_image": self.int8.timing.per_image_ms,
            "batch": self.float_.timing.batch,
            "quantized_ops": self.quantized_ops, "float_ops": self.float_ops,
            **({"sqnr_images": self.sqnr.images,
                "sqnr": [l.as_dict() for l in self.sqnr.layers],
                "sqnr_skipped": self.sqnr.skipped,
                "sqnr_int8_class_diffs": self.sqnr_class_diffs,
                "sqnr_int8_max_logit_diff": self.sqnr_max_logit_diff}
               if self.sqnr is not None else {}),
        }


def format_table(results: Sequence[QuantizeResult]) -> str:
    head = (f"{'model':<18} {'float top-1':>11} {'int8 top-1':>10} {'drop':>7} "
            f"{'agree':>7} {'float ms/img':>12} {'int8 ms/img':>11}")
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.model:<18} {100 * r.float_.top1:>10.2f}% {100 * r.int8.top1:>9.2f}% "
            f"{r.drop_points:>6.2f}p {100 * r.agreement:>6.2f}% "
            f"{r.float_.timing.per_image_ms:>12.3f} {r.int8.timing.per_image_ms:>11.3f}")
    return "\n".join(lines)


def _lower(src: Path, dst: Path) -> None:
    tools.run_tool("qsim-opt", [str(src), "--qsim-cpu-pipeline", "-o", str(dst)],
                   timeout=1800)


def quantize_and_evaluate(onnx_path: Path, workdir: Path, *, calib: int = 500,
                          method: str = "max", per_channel: bool = False,
                          batch: int = 1000, limit: Optional[int] = None,
                          global_scale: float = 8.0, annotate_options: str = "",
                          calibrate_options: str = "",
                          seed: int = 0, sqnr_images: int = 0,
                          log=print) -> QuantizeResult:
    """Import, calibrate, quantize, evaluate float and int8 (see the module
    doc); with ``sqnr_images > 0`` also the per-layer SQNR on the first
    ``sqnr_images`` test images (``QuantizeResult.sqnr``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    x, y = datasets.load_fashion_mnist("test", limit=limit)
    batch = min(batch, len(x))
    float_mlir = workdir / "float.mlir"
    evaluate.import_model(onnx_path, batch, float_mlir)
    log(f"imported {onnx_path} (batch {batch}) -> {float_mlir}")

    table: Optional[Path] = None
    if stats_tool() is None:
        calibration = f"global-scale {global_scale:g} (qsim-collect is not built)"
        log(f"statistics: qsim-collect is not built; every activation range is "
            f"[-{global_scale:g}, {global_scale:g}] (global-scale), --calib and "
            f"--method are not used")
    elif not pass_supports("qsim-calibrate", "method"):
        calibration = f"global-scale {global_scale:g} (qsim-calibrate has no method=)"
        log(f"statistics: this qsim-opt's --qsim-calibrate has no method= option; "
            f"using global-scale {global_scale:g}")
    else:
        table = workdir / "table.json"
        t0 = time.time()
        collect_table(Path(onnx_path), calibration_images(calib, seed), table, workdir)
        calibration = f"{method} on {calib} training images"
        log(f"statistics: {calib} training images (seed {seed}) with qsim-collect "
            f"-> {table} ({time.time() - t0:.1f} s)")

    calibration += ", per-channel weights" if per_channel else ", per-tensor weights"
    if calibrate_options:
        calibration += f", {calibrate_options}"
    report = workdir / "report.json"
    int8_mlir = workdir / "int8.mlir"
    passes = quantize_pipeline(table, method, per_channel, global_scale, report,
                               annotate_options, calibrate_options)
    tools.run_tool("qsim-opt", [str(float_mlir), *passes, "-o", str(int8_mlir)],
                   timeout=1800)
    summary = json.loads(report.read_text()).get("summary", {})
    log(f"qsim-opt {' '.join(passes[:2])}: {summary.get('quantized', '?')} ops "
        f"quantized, {summary.get('float', '?')} left float")

    results = {}
    for name, src in (("float", float_mlir), ("int8", int8_mlir)):
        low = workdir / f"{name}.llvm.mlir"
        _lower(src, low)
        results[name] = evaluate.evaluate_mlir(
            low, x, y, name=name, progress=evaluate._progress(f"{name} (qsim-run)"))
    res = QuantizeResult(Path(onnx_path).stem, len(y), calibration,
                         results["float"], results["int8"],
                         int(summary.get("quantized", 0)), int(summary.get("float", 0)))
    if sqnr_images > 0:
        n = min(sqnr_images, len(x))
        t0 = time.time()
        res.sqnr = sqnr_mod.measure(Path(onnx_path), x[:n], passes, workdir / "sqnr")
        ours = results["int8"].logits[:n]
        res.sqnr_class_diffs = int((res.sqnr.int8_logits.argmax(1) != ours.argmax(1)).sum())
        res.sqnr_max_logit_diff = float(np.abs(res.sqnr.int8_logits - ours).max())
        log(f"SQNR: {len(res.sqnr.layers)} layers on {n} test images "
            f"({time.time() - t0:.1f} s)")
    return res


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help="the float .onnx model")
    p.add_argument("--calib", type=int, default=500,
                   help="training images for the statistics (default 500)")
    p.add_argument("--method", choices=METHODS, default="max",
                   help="activation threshold method (default max)")
    p.add_argument("--per-channel", action="store_true",
                   help="per-channel weight scales (default: one scale per weight "
                   "tensor)")
    p.add_argument("--batch", type=int, default=1000,
                   help="static batch of the compiled modules (default 1000)")
    p.add_argument("--limit", type=int, default=None,
                   help="evaluate on the first N test images only (default all 10,000)")
    p.add_argument("--global-scale", type=float, default=8.0,
                   help="activation range [-x, x] of points without statistics "
                   "(all of them when no statistics tool is built; default 8)")
    p.add_argument("--annotate-options", default="",
                   help="more --qsim-annotate options, e.g. 'skip-first-convs=1'")
    p.add_argument("--calibrate-options", default="",
                   help="more --qsim-calibrate options, e.g. 'percentile=99.9 "
                   "unsigned-activations'")
    p.add_argument("--keep", type=Path, default=None,
                   help="keep the intermediate files (MLIR, table, report) in this folder")
    p.add_argument("--sqnr-images", type=int, default=256,
                   help="per-layer SQNR (float vs int8) on the first N test images "
                   "(default 256; 0: no SQNR and no plot)")
    p.add_argument("--plot", type=Path, default=None,
                   help="PNG of the per-layer SQNR (default: DIR/sqnr.png with "
                   "--keep DIR, else build/sqnr/<model>.png in the build directory)")
    p.add_argument("--json", type=Path, default=None, help="write the results as JSON")


def run(args) -> int:
    def go(workdir: Path) -> QuantizeResult:
        return quantize_and_evaluate(
            args.model, workdir, calib=args.calib, method=args.method,
            per_channel=args.per_channel, batch=args.batch, limit=args.limit,
            global_scale=args.global_scale, annotate_options=args.annotate_options,
            calibrate_options=args.calibrate_options, sqnr_images=args.sqnr_images)

    try:
        if args.keep is not None:
            res = go(args.keep)
        else:
            with tempfile.TemporaryDirectory(prefix="qsim-quantize-") as d:
                res = go(Path(d))
    except (tools.ToolError, FileNotFoundError, datasets.DatasetError) as e:
        print(f"qsim quantize: error: {e}", file=sys.stderr)
        return 1
    print()
    print(f"{res.images} test images, calibration: {res.calibration}, "
          f"{res.quantized_ops} ops quantized ({res.float_ops} float); "
          f"times per image at batch {res.float_.timing.batch}, one thread")
    print(format_table([res]))
    out = res.as_dict()
    info = evaluate.zoo_info(args.model)
    if info is not None and "predictions" in info:
        theirs = np.array([int(c) for c in info["predictions"]][:res.images])
        ptc = int((theirs == res.float_.labels).sum())
        ndiff = int((theirs != res.float_.predictions).sum())
        print(f"PyTorch float top-1 (recorded in {args.model.with_suffix('.json').name}): "
              f"{100 * ptc / res.images:.2f}%; qsim's float predictions differ on "
              f"{ndiff} of {res.images} images")
        out.update(pytorch_float_top1=ptc / res.images, pytorch_differing_images=ndiff)
    if res.sqnr is not None:
        print()
        print(sqnr_mod.format_worst(res.sqnr))
        if res.sqnr_class_diffs or res.sqnr_max_logit_diff:
            print(f"  warning: the SQNR module's int8 logits differ from int8.mlir's "
                  f"(max |diff| {res.sqnr_max_logit_diff:.3g}, classes differ on "
                  f"{res.sqnr_class_diffs} images)")
        plot = args.plot
        if plot is None:
            plot = (args.keep / "sqnr.png" if args.keep is not None
                    else tools.build_dir() / "sqnr" / f"{args.model.stem}.png")
        sqnr_mod.plot(res.sqnr, plot, title=f"{args.model.stem}: per-layer SQNR, "
                      f"float vs int8 ({res.calibration}), {res.sqnr.images} test images")
        print(f"per-layer SQNR plot: {plot}")
        out["sqnr_plot"] = str(plot)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="qsim quantize", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
