"""ONNX -> MLIR (TOSA on tensors) importer for float models.

``import_onnx(model)`` returns the text of an MLIR module holding one
``func.func @main`` whose arguments are the graph inputs that are not
initializers (ONNX layout, float32, static shapes) and whose results are the
graph outputs (ONNX layout).  Inside, 4-D activations live in NHWC: a value
is transposed from NCHW once, the first time an NHWC consumer (Conv, pools,
BatchNormalization, ...) needs it, and back to NCHW only where the element
order matters (Flatten, Reshape, MatMul/Gemm, Softmax, graph outputs).
Weights are transposed at import (OIHW -> OHWI, depthwise -> HWCM).
Initializers become ``tosa.const`` with their exact bytes.

Every op carries ``loc("<name>")``: the principal op of an ONNX node (conv,
matmul, pool, the final op of a decomposition) gets the node's name (its
first output's name when the node has none); helper ops of the same node get
``<name>/<what>``; constants get their initializer's name.

Unsupported ops, attribute values, dtypes or shapes raise
:class:`OnnxImportError` naming the node, its op type and the attribute.
See docs/Import.md.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from .. import tools
from .emitter import CONSTANT_OPERANDS, ImporterBase
from .prepare import parse_input_shapes, prepare, require_graph
from .ops.activation import ActivationOps
from .ops.conv import ConvOps
from .ops.elementwise import ElementwiseOps
from .ops.matmul import MatMulOps
from .ops.normalization import NormalizationOps
from .ops.pool import PoolOps
from .ops.quant import QuantOps
from .ops.reduce import ReduceOps
from .ops.resize import ResizeOps
from .ops.shape import ShapeOps
from .ops.spatial import SpatialHelpers
from .values import OnnxImportBug, OnnxImportError

__all__ = [
    "OnnxImportError",
    "OnnxImportBug",
    "SUPPORTED_OPS",
    "import_onnx",
    "import_onnx_file",
    "load_model",
    "constant_operand_inputs",
    "run_mlir",
    "parse_input_shapes",
    "op_counts",
]


class _Importer(ElementwiseOps, ActivationOps, ShapeOps, MatMulOps, ConvOps, PoolOps,
                NormalizationOps, ReduceOps, ResizeOps, QuantOps,
                SpatialHelpers, ImporterBase):
    """The importer: the emitter plus every op family's handlers."""


#: Op types the importer handles (default domain): every ``op_<Type>``.
SUPPORTED_OPS = tuple(sorted(n[3:] for n in dir(_Importer) if n.startswith("op_")))


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def _sanitize(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_$.]", "_", name)
    if not s or not re.match(r"[A-Za-z_]", s):
        s = "_" + s
    return s


def import_onnx(model, batch: Optional[int] = None, fold_bn: bool = True,
                bind: Optional[Dict[str, np.ndarray]] = None,
                func_name: str = "main",
                input_shapes: Optional[Dict[str, Sequence[int]]] = None) -> str:
    """MLIR text (TOSA on tensors) of an ONNX model.

    ``model``: a ``ModelProto`` or a path.  ``input_shapes``: static shapes
    of graph inputs (name -> dims; the key ``""`` means the only input),
    which fix their dynamic dimensions.  ``batch``: the size of a dynamic
    dimension 0 of the other inputs (default 1; a static batch that differs
    is an error).  ``fold_bn``: fold BatchNormalization into the preceding
    Conv when legal.  ``bind``: graph inputs to treat as constants
    (name -> array).  Raises :class:`OnnxImportError`.
    """
    if isinstance(model, (str, Path)):
        model = load_model(model)
    if batch is not None and batch < 1:
        raise OnnxImportError(f"batch must be positive, got {batch}")
    try:
        model, inference_error = prepare(model, input_shapes, batch,
                                         bound=list(bind or {}))
        mlir = _Importer(model, batch, fold_bn, bind, _sanitize(func_name)).run()
    except OnnxImportError:
        raise
    except Exception as e:  # noqa: BLE001 - outside any node; see OnnxImportBug
        raise OnnxImportBug(f"internal importer error (a bug in qsim's ONNX importer, "
                            f"please report it): {type(e).__name__}: {e}") from e
    if inference_error is not None:
        raise inference_error
    return mlir


def load_model(path: Union[str, Path]):
    """The ``ModelProto`` at ``path``; a missing, empty or unreadable file, or
    one without a graph, is an :class:`OnnxImportError` naming it."""
    import onnx
    p = Path(path)
    if not p.exists():
        raise OnnxImportError(f"cannot read ONNX model '{p}': the file does not exist")
    if p.is_dir():
        raise OnnxImportError(f"model '{p}' is a directory, not an .onnx file")
    if p.stat().st_size == 0:
        raise OnnxImportError(f"model file '{p}' is empty")
    try:
        model = onnx.load(str(p))
    except Exception as e:  # noqa: BLE001 - protobuf raises various errors
        raise OnnxImportError(f"cannot read ONNX model '{p}': {e}") from None
    try:
        require_graph(model)
    except OnnxImportError as e:
        raise OnnxImportError(f"model file '{p}': {e}") from None
    return model


def import_onnx_file(path: Union[str, Path], **kwargs) -> str:
    """``import_onnx`` on a file, with load errors as OnnxImportError."""
    return import_onnx(load_model(path), **kwargs)


def constant_operand_inputs(model) -> List[str]:
    """Graph inputs (not initializers) that feed operands the importer needs
    as constants (Reshape's shape, Clip's bounds, Dropout's ratio and
    training_mode): bind them with ``bind=`` to import such a model."""
    inits = {i.name for i in model.graph.initializer}
    graph_inputs = [i.name for i in model.graph.input if i.name not in inits]
    need = []
    for n in model.graph.node:
        for pos in CONSTANT_OPERANDS.get(n.op_type, ()):
            if pos < len(n.input) and n.input[pos] in graph_inputs \
                    and n.input[pos] not in need:
                need.append(n.input[pos])
    return need


def run_mlir(mlir: str, inputs: Sequence[np.ndarray], num_outputs: int,
             workdir: Optional[str] = None, entry: str = "main") -> List[np.ndarray]:
    """Runs an imported module with ``qsim-run`` on ``inputs``; returns the
    results."""
    with tempfile.TemporaryDirectory(dir=workdir) as d:
        src = Path(d) / "model.mlir"
        src.write_text(mlir)
        args = [str(src), f"--entry={entry}"]
        for i, arr in enumerate(inputs):
            p = Path(d) / f"in{i}.npy"
            arr = np.asarray(arr)
            np.save(p, np.ascontiguousarray(
                arr if arr.dtype.kind in "iub" else arr.astype(np.float32)))
            args.append(f"--input={p}")
        outs = [Path(d) / f"out{k}.npy" for k in range(num_outputs)]
        args += [f"--output={p}" for p in outs]
        tools.run_tool("qsim-run", args)
        return [np.load(p) for p in outs]


def op_counts(model) -> Dict[str, int]:
    """``{op type: count}`` of a ``ModelProto`` (or path), subgraphs
    included; ops of other domains as ``domain.Type``."""
    import onnx
    if isinstance(model, (str, Path)):
        model = onnx.load(str(model))
    counts: Dict[str, int] = {}

    def walk(graph):
        for n in graph.node:
            key = n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}"
            counts[key] = counts.get(key, 0) + 1
            for a in n.attribute:
                if a.g.node:
                    walk(a.g)
                for sub in a.graphs:
                    walk(sub)

    walk(model.graph)
    return dict(sorted(counts.items()))
