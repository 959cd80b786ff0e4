"""Accuracy and speed of a model on the Fashion-MNIST test set, run by qsim-run.

An ONNX model is imported with a static batch ``B`` (:func:`import_model`),
then :func:`run_mlir_batched` runs the MLIR module with ``qsim-run`` over
the images in batches of ``B``: one ``qsim-run`` process per batch, since
qsim-run JIT-compiles the module on every call, so large static batches keep
the compile cost small.  A last partial batch is padded with zeros and the
padding's outputs dropped.  Timings come from ``qsim-run --time``: the
per-image time is the call's run time divided by ``B`` (batched
throughput, one thread), the compile time is reported separately.

``python -m qsim.evaluate model.onnx`` (or ``qsim evaluate``) prints the
float top-1 and, for a zoo model (``<model>.json`` next to it, written by
scripts/models/zoo_train.py), compares it with PyTorch's: the images where the
predicted classes differ are decided by a float64 evaluation of the same
ONNX graph (:func:`float64_logits`, onnx.reference on a copy of the model
with every float32 tensor widened), and onnxruntime's float32 prediction is
shown next to it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import datasets, tools

__all__ = [
    "RunTiming",
    "EvalResult",
    "import_model",
    "run_mlir_batched",
    "evaluate_mlir",
    "zoo_info",
    "ort_logits",
    "float64_logits",
    "explain_differences",
    "add_arguments",
    "run",
    "main",
]

PathLike = Union[str, Path]

_COMPILE_RE = re.compile(r"^compile:\s*([0-9.]+)\s*ms", re.M)
_RUN_RE = re.compile(r"^run:\s*(\d+) call\(s\), mean ([0-9.]+) ms, min ([0-9.]+) ms",
                     re.M)


@dataclass
class RunTiming:
    """Times of the qsim-run calls of one batched run."""

    batch: int
    calls: int = 0
    compile_ms: List[float] = field(default_factory=list)
    run_ms: List[float] = field(default_factory=list)   # one (min) per call

    @property
    def per_image_ms(self) -> float:
        """Median call time / batch: the per-image time of batched inference."""
        return float(np.median(self.run_ms)) / self.batch if self.run_ms else float("nan")

    @property
    def mean_compile_ms(self) -> float:
        return float(np.mean(self.compile_ms)) if self.compile_ms else float("nan")


@dataclass
class EvalResult:
    name: str
    logits: np.ndarray
    labels: np.ndarray
    timing: RunTiming

    @property
    def predictions(self) -> np.ndarray:
        return self.logits.argmax(axis=1)

    @property
    def correct(self) -> int:
        return int((self.predictions == self.labels).sum())

    @property
    def top1(self) -> float:
        return self.correct / len(self.labels)


def import_model(onnx_path: PathLike, batch: int, out: Optional[PathLike] = None,
                 fold_bn: bool = True) -> str:
    """The float model as MLIR with static batch ``batch`` (written to
    ``out`` when given)."""
    from . import onnx_import

    mlir = onnx_import.import_onnx_file(str(onnx_path), batch=batch, fold_bn=fold_bn)
    if out is not None:
        Path(out).write_text(mlir)
    return mlir


def _batch_of(mlir_path: PathLike) -> Tuple[int, ...]:
    """Input shape of the module's entry (its first ``tensor<...>`` argument)."""
    text = Path(mlir_path).read_text()
    # A tensor-level module, or one lowered by --qsim-cpu-pipeline (whose
    # entry carries its tensor signature in qsim.entry_type).
    m = (re.search(r"func\.func\s+@\w+\(%arg0:\s*(tensor<[^>]*>)", text)
         or re.search(r"qsim\.entry_type\s*=\s*\((tensor<[^>]*>)", text))
    if not m:
        raise ValueError(f"{mlir_path}: no entry function with a tensor argument")
    return tools.parse_tensor_type(m.group(1))[0]


def run_mlir_batched(mlir_path: PathLike, x: np.ndarray,
                     workdir: Optional[PathLike] = None,
                     progress: Optional[Callable[[int, int], None]] = None,
                     extra_args: Sequence[str] = ()) -> Tuple[np.ndarray, RunTiming]:
    """Runs the module on ``x`` batch by batch; returns ``(outputs, timing)``.

    The batch is the module's static batch (dimension 0 of its argument).
    """
    shape = _batch_of(mlir_path)
    b = shape[0]
    if tuple(x.shape[1:]) != tuple(shape[1:]):
        raise ValueError(f"images of shape {x.shape[1:]}, the module takes {shape[1:]}")
    timing = RunTiming(batch=b)
    outs = []
    with tempfile.TemporaryDirectory(dir=workdir) as d:
        xin, yout = Path(d) / "x.npy", Path(d) / "y.npy"
        for i in range(0, len(x), b):
            xb = np.ascontiguousarray(x[i:i + b], dtype=np.float32)
            n = len(xb)
            if n < b:
                xb = np.concatenate([xb, np.zeros((b - n, *xb.shape[1:]), np.float32)])
            np.save(xin, xb)
            text = tools.run_tool("qsim-run", [str(mlir_path), f"--input={xin}",
                                               f"--output={yout}", "--time",
                                               *extra_args], timeout=1800)
            mc, mr = _COMPILE_RE.search(text), _RUN_RE.search(text)
            if mc:
                timing.compile_ms.append(float(mc.group(1)))
            if mr:
                timing.run_ms.append(float(mr.group(3)))
            timing.calls += 1
            outs.append(np.load(yout)[:n])
            if progress:
                progress(min(i + b, len(x)), len(x))
    return np.concatenate(outs), timing


def evaluate_mlir(mlir_path: PathLike, x: np.ndarray, y: np.ndarray,
                  name: str = "", **kw) -> EvalResult:
    logits, timing = run_mlir_batched(mlir_path, x, **kw)
    return EvalResult(name or Path(mlir_path).stem, logits, y, timing)


# ---------------------------------------------------------------------------
# References: PyTorch's recorded predictions, onnxruntime, float64
# ---------------------------------------------------------------------------


def zoo_info(onnx_path: PathLike) -> Optional[dict]:
    """The JSON written by the zoo's train.py next to the model, if any."""
    p = Path(onnx_path).with_suffix(".json")
    return json.loads(p.read_text()) if p.is_file() else None


def ort_session(onnx_path: PathLike, threads: int = 1, optimize: bool = True):
    """An onnxruntime CPU session running one op at a time on ``threads``
    threads, with every graph optimization (``optimize``, as deployed and
    timed) or none (a reference: no fusions that would change rounding)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize
                                   else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    return ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])


def ort_logits(onnx_path: PathLike, x: np.ndarray) -> np.ndarray:
    """Float32 logits from onnxruntime (graph optimizations off: no fusions
    that would change rounding)."""
    sess = ort_session(onnx_path, optimize=False)
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i:i + 1000]})[0]
                           for i in range(0, len(x), 1000)])


def _widen(model):
    """A copy of ``model`` with every float32 tensor (initializers, Constant
    values, graph inputs/outputs/value_info) as float64."""
    import onnx
    from onnx import TensorProto, numpy_helper

    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    for i, t in enumerate(g.initializer):
        if t.data_type == TensorProto.FLOAT:
            g.initializer[i].CopyFrom(
                numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float64), t.name))
    for node in g.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                a.t.CopyFrom(numpy_helper.from_array(
                    numpy_helper.to_array(a.t).astype(np.float64), a.t.name))
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
            vi.type.tensor_type.elem_type = TensorProto.DOUBLE
    return m


def float64_logits(onnx_path: PathLike, x: np.ndarray) -> np.ndarray:
    """Logits of the ONNX graph evaluated in float64 (onnx.reference): the
    arbiter when float32 implementations disagree on a class."""
    import onnx
    from onnx.reference import ReferenceEvaluator

    model = onnx.load(str(onnx_path))
    ev = ReferenceEvaluator(_widen(model))
    name = model.graph.input[0].name
    return ev.run(None, {name: x.astype(np.float64)})[0]


def explain_differences(onnx_path: PathLike, x: np.ndarray, ours: np.ndarray,
                        other_pred: np.ndarray, other_name: str = "PyTorch",
                        limit: int = 20) -> List[dict]:
    """For the images where ``ours.argmax`` differs from ``other_pred``: our
    logits' top-2 margin, onnxruntime's and float64's class, and who agrees
    with float64."""
    idx = np.flatnonzero(ours.argmax(1) != other_pred)[:limit]
    if len(idx) == 0:
        return []
    xs = x[idx]
    ref = float64_logits(onnx_path, xs)
    ortl = ort_logits(onnx_path, xs)
    rows = []
    for k, i in enumerate(idx):
        top2 = np.sort(ref[k])[-2:]
        rows.append({
            "image": int(i),
            "ours": int(ours[i].argmax()),
            other_name: int(other_pred[i]),
            "onnxruntime": int(ortl[k].argmax()),
            "float64": int(ref[k].argmax()),
            "float64_margin": float(top2[1] - top2[0]),
            "max_abs_diff_ours_vs_float64": float(np.abs(ours[i] - ref[k]).max()),
        })
    return rows


def _verdict(rows: List[dict], other: str) -> str:
    ours_right = sum(r["ours"] == r["float64"] for r in rows)
    other_right = sum(r[other] == r["float64"] for r in rows)
    return (f"float64 sides with qsim on {ours_right} and with {other} on "
            f"{other_right} of {len(rows)} differing images")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _progress(label: str):
    t0 = time.time()

    def cb(done, total):
        print(f"\r  {label}: {done}/{total} images ({time.time() - t0:.0f} s)",
              end="" if done < total else "\n", file=sys.stderr, flush=True)
    return cb


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("model", help="the .onnx file")
    ap.add_argument("--batch", type=int, default=1000,
                    help="static batch of the imported module (default 1000)")
    ap.add_argument("--limit", type=int, default=None,
                    help="evaluate only the first N test images")
    ap.add_argument("--json", help="write the result as JSON there")


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="qsim evaluate",
        description="Float top-1 of an ONNX model on the Fashion-MNIST test set, "
        "run by qsim-run; compared with PyTorch's recorded accuracy for zoo models.")
    add_arguments(ap)
    return run(ap.parse_args(argv))


def run(args) -> int:
    x, y = datasets.load_fashion_mnist("test", limit=args.limit)
    with tempfile.TemporaryDirectory() as d:
        mlir = Path(d) / "float.mlir"
        import_model(args.model, args.batch, mlir)
        low = Path(d) / "float.llvm.mlir"
        tools.run_tool("qsim-opt", [str(mlir), "--qsim-cpu-pipeline", "-o", str(low)],
                       timeout=1800)
        res = evaluate_mlir(low, x, y, name="float",
                            progress=_progress("float (qsim-run)"))
    t = res.timing
    print(f"{Path(args.model).name}: float top-1 {res.top1:.4f} ({res.correct}/{len(y)}); "
          f"{t.per_image_ms:.3f} ms/image at batch {t.batch}, "
          f"compile {t.mean_compile_ms:.0f} ms per call")
    out = {"model": str(args.model), "images": len(y), "float_correct": res.correct,
           "float_top1": res.top1, "ms_per_image": t.per_image_ms, "batch": t.batch,
           "compile_ms": t.mean_compile_ms}
    info = zoo_info(args.model)
    if info is not None and "predictions" in info:
        theirs = np.array([int(c) for c in info["predictions"]][:len(y)])
        ptc = int((theirs == y).sum())
        ndiff = int((theirs != res.predictions).sum())
        print(f"PyTorch {info.get('torch_version', '')}: top-1 {ptc / len(y):.4f} "
              f"({ptc}/{len(y)}); predictions differ on {ndiff} images")
        out.update(pytorch_correct=ptc, differing_images=ndiff)
        if ndiff:
            rows = explain_differences(args.model, x, res.logits, theirs)
            for r in rows:
                print("  image {image}: qsim {ours}, PyTorch {PyTorch}, onnxruntime "
                      "{onnxruntime}, float64 {float64} (float64 top-2 margin "
                      "{float64_margin:.2e})".format(**r))
            print("  " + _verdict(rows, "PyTorch"))
            out["differences"] = rows
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
