"""``qsim export-onnx``: a model quantized by qsim as a QDQ ONNX file.

``qsim export-onnx OUTDIR [-o FILE]`` takes an output folder of ``qsim
quantize`` (its report.json names the model and the settings, table.json
holds the statistics) and writes ``OUTDIR/model.qdq.onnx`` by default.
``qsim export-onnx MODEL.onnx --table table.json [--method M]
[--per-channel] [--calibrate-options S] -o FILE`` does the same from a
model and a table directly.  The module is imported, annotated and
calibrated exactly as ``qsim quantize`` does (the same
``--qsim-quantize`` pipeline's first two passes), so the scales written are
those of int8.mlir; :func:`qsim.qdq.export.export_qdq` writes them into the
float ONNX model (docs/Interop.md).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from .. import tools
from .export import ExportError, ExportResult, export_qdq
from .points import calibrated_module

__all__ = ["export_model", "add_arguments", "run"]


def export_model(onnx_path: Path, passes: Sequence[str], out: Path, workdir: Path,
                 input_shape_specs: Sequence[str] = ()) -> ExportResult:
    """``onnx_path`` quantized by ``passes`` (the qsim-opt arguments of
    :func:`qsim.quantize.quantize_pipeline`) written as QDQ ONNX to
    ``out``."""
    import onnx
    from ..quantize import ModelInfo

    info = ModelInfo.load(Path(onnx_path), input_shape_specs)
    workdir.mkdir(parents=True, exist_ok=True)
    # Point names do not depend on the batch: import at the smallest.
    fm = workdir / "export.float.mlir"
    info.import_at(1 if info.dynamic_batch else None, fm)
    points = calibrated_module(fm, passes, workdir / "export.calibrated.mlir")
    res = export_qdq(info.proto, points)
    onnx.checker.check_model(res.model)
    onnx.save(res.model, str(out))
    return res


def add_arguments(p) -> None:
    p.add_argument("source", type=Path, metavar="OUTDIR|MODEL.onnx",
                   help="an output folder of qsim quantize, or the float ONNX model "
                   "(with --table)")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                   help="the QDQ model (default: OUTDIR/model.qdq.onnx; required with "
                   "MODEL.onnx)")
    p.add_argument("--table", type=Path, default=None, metavar="FILE",
                   help="MODEL.onnx: the table.json of qsim-collect / qsim quantize")
    p.add_argument("--method", default="mse", choices=("max", "pow2", "percentile",
                                                        "mse", "kl"),
                   help="MODEL.onnx: threshold method (default mse, as qsim quantize)")
    p.add_argument("--per-channel", action="store_true",
                   help="MODEL.onnx: per-channel weight scales")
    p.add_argument("--signed-activations", action="store_true",
                   help="MODEL.onnx: no unsigned post-ReLU points")
    p.add_argument("--calibrate-options", default="", metavar="STR",
                   help="MODEL.onnx: more --qsim-calibrate options, e.g. "
                   "'weight-range-bits=7'")
    p.add_argument("--annotate-options", default="", metavar="STR",
                   help="MODEL.onnx: more --qsim-annotate options")
    p.add_argument("--input-shape", action="append", default=[], metavar="NAME=D0,...",
                   help="MODEL.onnx: static input shape, as qsim quantize")


def _from_outdir(d: Path, report: Path):
    from ..quantize import UsageError, quantize_pipeline

    rp, table = d / "report.json", d / "table.json"
    for f in (rp, table):
        if not f.is_file():
            raise UsageError(f"'{d}' has no {f.name} (is it an output folder of qsim "
                             f"quantize with --calib-data?)")
    try:
        rep = json.loads(rp.read_text())
        model, st = Path(rep["model"]), rep["settings"]
        specs = rep.get("input_shape", [])
        passes = quantize_pipeline(table, st["method"], st["per_channel"],
                                   st["global_scale"], report,
                                   st.get("annotate_options", ""),
                                   st.get("calibrate_options", ""))
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"'{rp}' does not record the model and settings") from None
    return model, passes, specs


def run(args) -> int:
    from ..onnx_import import OnnxImportError
    from ..quantize import UsageError

    try:
        with tempfile.TemporaryDirectory(prefix="qsim-export-") as d:
            return _run(args, Path(d))
    except (UsageError, OnnxImportError, ExportError) as e:
        print(f"qsim export-onnx: error: {e}", file=sys.stderr)
        return 2
    except (tools.ToolError, FileNotFoundError, ValueError) as e:
        print(f"qsim export-onnx: error: {e}", file=sys.stderr)
        return 1


def _run(args, d: Path) -> int:
    from ..quantize import (DEFAULT_UNSIGNED, UsageError, quantize_pipeline,
                            require_tools, with_unsigned)

    require_tools("qsim-opt")
    src = args.source
    if src.is_dir():
        if args.table is not None:
            raise UsageError("--table goes with MODEL.onnx; OUTDIR has its own "
                             "table.json")
        model, passes, specs = _from_outdir(src, d / "annotate.report.json")
        out = args.output or src / "model.qdq.onnx"
    else:
        if not src.is_file():
            raise UsageError(f"'{src}' does not exist")
        if args.table is None or args.output is None:
            raise UsageError("MODEL.onnx needs --table and -o")
        if not args.table.is_file():
            raise UsageError(f"--table '{args.table}' does not exist")
        model, specs, out = src, args.input_shape, args.output
        cal = with_unsigned(DEFAULT_UNSIGNED and not args.signed_activations,
                            args.calibrate_options)
        passes = quantize_pipeline(args.table, args.method, args.per_channel, 8.0,
                                   d / "annotate.report.json",
                                   args.annotate_options, cal)
    if not Path(model).is_file():
        raise UsageError(f"the model '{model}' does not exist")
    res = export_model(Path(model), passes, Path(out), d, specs)
    print(f"{out}: {len(res.mapped)} points as QDQ ({len(res.biases)} int32 biases)")
    if res.internal:
        print(f"  {len(res.internal)} points inside ONNX nodes have no QDQ form:")
        for name, why in res.internal.items():
            print(f"    {name}: {why}")
    if res.saturation_risk:
        print(f"  note: weights use up to {res.max_weight_int} of the int8 range; "
              f"ONNX Runtime's x86 kernels without VNNI saturate int16 pair sums on "
              f"them: calibrate with weight-range-bits=7 for such CPUs "
              f"(docs/Interop.md)")
    return 0
