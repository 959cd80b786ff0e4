"""Values, attributes and small helpers shared by the importer's emitter
and its op handlers."""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from .. import tools

FLT_MAX = float(np.finfo(np.float32).max)
FLT_LOWEST = -FLT_MAX

NCHW_TO_NHWC = (0, 2, 3, 1)
NHWC_TO_NCHW = (0, 3, 1, 2)
_NCHW_TO_NHWC = NCHW_TO_NHWC
_NHWC_TO_NCHW = NHWC_TO_NCHW


class OnnxImportError(ValueError):
    """The model uses something the importer does not support."""


class OnnxImportBug(OnnxImportError):
    """An unexpected exception inside the importer (a bug), turned into an
    import error that names the node, so that a user sees no traceback.
    The original exception is the ``__cause__``; tests and the fuzz loop
    treat this class as a failure."""


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


class Val:
    """An SSA value or a constant, in a physical layout.

    ``layout`` is ``'plain'`` (the ONNX layout) or ``'nhwc'`` (a logical
    NCHW tensor stored as NHWC).  ``const`` holds the numpy value of a
    compile-time constant (physical layout); ``ssa`` is its MLIR name once
    materialized.
    """

    __slots__ = ("shape", "layout", "ssa", "const", "name", "alt", "_dtype")

    def __init__(self, shape, layout="plain", ssa=None, const=None, name=None,
                 dtype: Optional[str] = None):
        self.shape = tuple(int(d) for d in shape)
        self.layout = layout
        self.ssa = ssa
        self.const = const
        self.name = name
        self.alt: Dict[str, "Val"] = {}
        self._dtype = dtype

    @property
    def dtype(self) -> str:
        """The MLIR element type (``f32``, ``i64``, ``i32``, ``i1``)."""
        if self.const is not None:
            return mlir_elt(self.const.dtype)
        return self._dtype or "f32"

    @property
    def is_float(self) -> bool:
        return self.dtype == "f32"

    @property
    def logical_shape(self) -> Tuple[int, ...]:
        if self.layout == "nhwc":
            return tuple(self.shape[i] for i in _NHWC_TO_NCHW)
        return self.shape

    @property
    def is_const(self) -> bool:
        return self.const is not None

    @property
    def rank(self) -> int:
        return len(self.shape)


#: numpy dtype -> MLIR element type of the tensors the importer emits.
_MLIR_ELT = {"float32": "f32", "int64": "i64", "int32": "i32", "bool": "i1",
             "int8": "i8", "uint8": "ui8", "float64": "f64", "float16": "f16",
             "int16": "i16"}


def mlir_elt(dtype) -> str:
    name = np.dtype(dtype).name
    if name not in _MLIR_ELT:
        raise OnnxImportError(f"tensors of dtype {name} are not supported")
    return _MLIR_ELT[name]


def _ty(shape: Sequence[int], elt: str = "f32") -> str:
    dims = "x".join(str(int(d)) for d in shape)
    return f"tensor<{dims}x{elt}>" if dims else f"tensor<{elt}>"


def _quote(s) -> str:
    if isinstance(s, bytes):  # a proto2 string field that is no UTF-8
        s = s.decode("utf-8", "replace")
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.extend(f"\\{b:02X}" for b in ch.encode("utf-8"))
    return '"' + "".join(out) + '"'


def _f32(x: float) -> str:
    return tools.format_f32(float(np.float32(x)))


def _prod(xs) -> int:
    return int(np.prod(xs, dtype=np.int64)) if len(xs) else 1


def _bcast_shape(a: Sequence[int], b: Sequence[int]) -> Optional[Tuple[int, ...]]:
    try:
        return tuple(int(d) for d in np.broadcast_shapes(tuple(a), tuple(b)))
    except ValueError:
        return None


def _attr_value(attr):
    from onnx import helper
    v = helper.get_attribute_value(attr)
    if isinstance(v, bytes):
        v = v.decode("utf-8")
    if isinstance(v, list) and v and isinstance(v[0], bytes):
        v = [x.decode("utf-8") for x in v]
    return v


# ---------------------------------------------------------------------------
# The importer
# ---------------------------------------------------------------------------


class _Node:
    """An ONNX node with parsed attributes and a unique location name."""

    def __init__(self, proto, name: str):
        self.proto = proto
        self.name = name
        self.op_type = proto.op_type
        self.inputs = list(proto.input)
        self.outputs = list(proto.output)
        self.attrs = {a.name: _attr_value(a) for a in proto.attribute}

    def where(self) -> str:
        return f"node '{self.name}' ({self.op_type})"

    def error(self, msg: str) -> OnnxImportError:
        return OnnxImportError(f"{self.where()}: {msg}")

    def bug(self, exc: BaseException) -> OnnxImportBug:
        return OnnxImportBug(f"{self.where()}: internal importer error (a bug in qsim's "
                             f"ONNX importer, please report it): {type(exc).__name__}: "
                             f"{exc}")

    def attr_error(self, attr: str, value, why: str) -> OnnxImportError:
        return self.error(f"attribute '{attr}' = {value!r} is not supported: {why}")
