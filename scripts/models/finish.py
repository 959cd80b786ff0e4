"""Checks an exported model with onnx and onnxruntime and writes its JSON.

Run with the venv's Python after an exporter:

    $QSIM_VENV/bin/python scripts/models/finish.py --out build/models NAME ...

For each NAME: ``onnx.checker`` (with ONNX shape inference), the file's
sha256 against the exporter's, the op types with their counts, and
onnxruntime's output on the exporter's check inputs against torch's output
(max abs difference at most 1e-4 of the output range).  Then
``<out>/<name>.json`` = the exporter's record (``.work/<name>.export.json``)
plus ``ops``, ``op_count`` and ``ort_check``.  The JSON is written last:
gen.sh takes a model whose JSON carries the current generator hash as done.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

TOLERANCE = 1e-4   # of the output range


def op_counts(model) -> dict:
    from qsim.onnx_import import op_counts as counts
    return counts(model)


def finish(out: Path, name: str) -> dict:
    import onnx
    import onnxruntime as ort

    path = out / f"{name}.onnx"
    info = json.loads((out / ".work" / f"{name}.export.json").read_text())
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != info["sha256"]:
        raise RuntimeError(f"{path}: sha256 differs from the exporter's record")
    model = onnx.load_from_string(data)
    onnx.checker.check_model(model, full_check=True)
    ops = op_counts(model)
    check = np.load(out / ".work" / f"{name}.check.npz")
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    feeds = {i.name: check[i.name] for i in sess.get_inputs()}
    outs = [o.name for o in sess.get_outputs()]
    y = sess.run(None, feeds)[0]
    ref = check[outs[0]]
    diff = float(np.abs(y.astype(np.float64) - ref).max())
    rng = float(ref.max() - ref.min())
    if not diff <= TOLERANCE * rng:
        raise RuntimeError(f"{name}: onnxruntime and torch differ by {diff:.3g} "
                           f"(output range {rng:.3g}, tolerance {TOLERANCE} of it)")
    info.update(
        ops=ops, op_count=sum(ops.values()),
        ort_check={"onnxruntime": ort.__version__, "batch": int(ref.shape[0]),
                   "max_abs_diff_vs_torch": diff, "output_range": rng,
                   "tolerance_of_range": TOLERANCE},
        onnx_file=path.name, size_bytes=len(data))
    (out / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"[models] {name}: onnx checker ok, {sum(ops.values())} nodes of {len(ops)} op "
          f"types, onnxruntime vs torch {diff:.2g} (range {rng:.3g})", flush=True)
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="+")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    failed = []
    for name in args.names:
        try:
            finish(args.out, name)
        except Exception as e:  # noqa: BLE001 - reported per model, then the status
            print(f"[models] {name}: CHECK FAILED: {type(e).__name__}: {e}",
                  file=sys.stderr, flush=True)
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
