"""The ``qsim`` command.

Subcommands:

* ``qsim import-onnx model.onnx [-o out.mlir] [--batch N] [--no-fold-bn]
  [--entry NAME] [--verify]``: the float model as MLIR (TOSA on tensors),
  see docs/Import.md.  Errors in the model (unsupported op, attribute,
  dtype or shape) print ``qsim import-onnx: error: ...`` and exit with
  status 2.
* ``qsim evaluate model.onnx [--batch B] [--limit N]``: float top-1 on the
  Fashion-MNIST test set run by qsim-run, compared with PyTorch's for zoo
  models (python/qsim/evaluate.py, docs/Zoo.md).
* ``qsim quantize model.onnx --calib-data PATH -o OUTDIR [--input-shape
  NAME=D0,...] [--preprocess ...] [--method M] ...``: import, calibrate on
  the user's samples, quantize; writes float.mlir, int8.mlir, table.json,
  report.json, sqnr.json and sqnr.png.  Without ``--calib-data`` (or with
  ``--dataset fashion-mnist``) the Fashion-MNIST demo: float and int8
  top-1 and speed on the test set (python/qsim/quantize.py).
* ``qsim compare OUTDIR --data PATH`` (or ``FLOAT.mlir INT8.mlir``): both
  modules on the samples, output SQNR, cosine similarity and top-1
  agreement (``--json``).
* ``qsim compile MODEL.mlir|MODEL.onnx -o libmodel.so [--target-cpu CPU]``:
  a shared library with a C ABI (``qsim_model.h``, written next to it),
  compiled ahead of time with LLVM's tools; it needs no MLIR or LLVM at run
  time (python/qsim/deploy, docs/Deploy.md).  ``qsim.load(path)`` calls it
  from Python.
* ``qsim check-realize MODEL.mlir --data PATH``: the simulated and the
  realized integer form of the model on the samples; reports the first
  quantization point whose integers differ beyond the rounding contract
  (python/qsim/check_realize.py).
* ``qsim export-onnx OUTDIR`` (or ``MODEL.onnx --table table.json -o
  FILE``): the float ONNX model with QuantizeLinear/DequantizeLinear pairs
  carrying qsim's calibrated scales, for ONNX Runtime and other QDQ readers
  (python/qsim/qdq, docs/Interop.md).

Errors in the input (model file, unsupported op, data) print ``qsim
<command>: error: ...`` and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional


def _import_onnx(args) -> int:
    from . import onnx_import, tools

    try:
        mlir = onnx_import.import_onnx_file(
            args.model, batch=args.batch, fold_bn=not args.no_fold_bn,
            func_name=args.entry,
            input_shapes=onnx_import.parse_input_shapes(args.input_shape or []))
    except onnx_import.OnnxImportError as e:
        print(f"qsim import-onnx: error: {e}", file=sys.stderr)
        return 2
    if args.verify:
        try:
            tools.run_tool("qsim-opt", ["-", "-o", "/dev/null"], input=mlir)
        except (tools.ToolError, FileNotFoundError) as e:
            print(f"qsim import-onnx: error: qsim-opt rejects the imported module "
                  f"(an importer bug):\n{e}", file=sys.stderr)
            return 1
    if args.output and args.output != "-":
        Path(args.output).write_text(mlir)
    else:
        sys.stdout.write(mlir)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="qsim", description="qsim-mlir tools")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import-onnx", help="ONNX model -> MLIR (TOSA on tensors)",
                       description="Imports a float ONNX model as MLIR (TOSA on "
                       "tensors, NHWC inside, ONNX layout at the function boundary).")
    p.add_argument("model", help="the .onnx file")
    p.add_argument("-o", "--output", help="output .mlir file (default: stdout)")
    p.add_argument("--input-shape", action="append", metavar="NAME=D0,D1,...",
                   help="static shape of a graph input, fixing its dynamic dimensions "
                   "(repeat for several inputs; NAME= may be left out for a model with "
                   "one input)")
    p.add_argument("--batch", type=int, default=None,
                   help="size of the dynamic batch dimension (default 1)")
    p.add_argument("--no-fold-bn", action="store_true",
                   help="keep BatchNormalization as a per-channel mul + add instead "
                   "of folding it into the preceding Conv")
    p.add_argument("--entry", default="main", help="function name (default: main)")
    p.add_argument("--verify", action="store_true",
                   help="check the result with build/bin/qsim-opt before writing it")
    p.set_defaults(func=_import_onnx)

    from . import quantize

    p = sub.add_parser("quantize", help="ONNX model -> int8, calibrated on your data "
                       "(or the Fashion-MNIST demo)",
                       description="Imports an ONNX model, collects statistics on "
                       "calibration samples (--calib-data: .npy, .npz, a folder of "
                       "images, a Python file), quantizes it and measures the per-layer "
                       "SQNR on held-back samples; writes float.mlir, int8.mlir, "
                       "table.json, report.json, sqnr.json and sqnr.png to OUTDIR. "
                       "Without --calib-data: the Fashion-MNIST demo (float and int8 "
                       "top-1 and speed on its test set).")
    quantize.add_arguments(p)
    p.set_defaults(func=quantize.run)

    p = sub.add_parser("compare", help="float vs int8 outputs on samples (SQNR, cosine, "
                       "top-1 agreement)",
                       description="Runs the float and int8 modules (an output folder "
                       "of qsim quantize, or two .mlir files) with qsim-run on the "
                       "samples and prints output SQNR, cosine similarity and, for "
                       "class scores, top-1 agreement.")
    quantize.add_compare_arguments(p)
    p.set_defaults(func=quantize.compare_run)

    from .deploy import compile as deploy_compile

    p = sub.add_parser("compile", help="model -> shared library with a C ABI (no MLIR "
                       "at run time)",
                       description="Compiles a model (.mlir at any stage qsim-run takes, "
                       "or .onnx) ahead of time into a shared library with the C ABI of "
                       "qsim_model.h, which is written next to it (docs/Deploy.md): "
                       "--qsim-cpu-pipeline, mlir-translate, opt, llc and clang of LLVM 22.")
    deploy_compile.add_arguments(p)
    p.set_defaults(func=deploy_compile.run)

    from . import check_realize

    p = sub.add_parser("check-realize", help="realized integers vs the simulated "
                       "quantization, point by point",
                       description="Runs the simulated (calibrate-stage) and the "
                       "realized integer form of a float module on the samples and "
                       "reports the first quantization point whose integers differ by "
                       "more than --tolerance steps; exit 0: within the contract, 1: a "
                       "point breaks it, 2: bad input or a failing tool.")
    check_realize.add_arguments(p)
    p.set_defaults(func=check_realize.run)

    from .qdq import command as qdq_command

    p = sub.add_parser("export-onnx", help="a qsim-quantized model as QDQ ONNX "
                       "(QuantizeLinear/DequantizeLinear with qsim's scales)",
                       description="Writes the float ONNX model with QuantizeLinear/"
                       "DequantizeLinear pairs carrying the scales and zero points qsim "
                       "calibrated (docs/Interop.md): from an output folder of qsim "
                       "quantize (default OUTDIR/model.qdq.onnx), or from MODEL.onnx "
                       "and --table.")
    qdq_command.add_arguments(p)
    p.set_defaults(func=qdq_command.run)

    from . import evaluate

    p = sub.add_parser("evaluate", help="float top-1 on Fashion-MNIST (qsim-run)",
                       description="Float top-1 of an ONNX model on the Fashion-MNIST "
                       "test set, run by qsim-run; compared with PyTorch's for zoo models.")
    evaluate.add_arguments(p)
    p.set_defaults(func=evaluate.run)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
