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
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import tools

__all__ = [
    "OnnxImportError",
    "SUPPORTED_OPS",
    "import_onnx",
    "import_onnx_file",
    "constant_operand_inputs",
    "run_mlir",
]

FLT_MAX = float(np.finfo(np.float32).max)
FLT_LOWEST = -FLT_MAX

#: Op types the importer handles (default domain).
SUPPORTED_OPS = (
    "Add", "AveragePool", "BatchNormalization", "Clip", "Concat", "Constant",
    "Conv", "Dropout", "Flatten", "Gemm", "GlobalAveragePool", "Identity",
    "MatMul", "MaxPool", "Mul", "Relu", "Reshape", "Softmax", "Sub",
)

#: Operand positions that must be compile-time constants (initializers,
#: Constant nodes or inputs bound with ``bind=``).
CONSTANT_OPERANDS = {"Reshape": (1,), "Clip": (1, 2), "Dropout": (1, 2)}

_NCHW_TO_NHWC = (0, 2, 3, 1)
_NHWC_TO_NCHW = (0, 3, 1, 2)


class OnnxImportError(ValueError):
    """The model uses something the importer does not support."""


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

    __slots__ = ("shape", "layout", "ssa", "const", "name", "alt")

    def __init__(self, shape, layout="plain", ssa=None, const=None, name=None):
        self.shape = tuple(int(d) for d in shape)
        self.layout = layout
        self.ssa = ssa
        self.const = const
        self.name = name
        self.alt: Dict[str, "Val"] = {}

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


def _ty(shape: Sequence[int], elt: str = "f32") -> str:
    dims = "x".join(str(int(d)) for d in shape)
    return f"tensor<{dims}x{elt}>" if dims else f"tensor<{elt}>"


def _quote(s: str) -> str:
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

    def attr_error(self, attr: str, value, why: str) -> OnnxImportError:
        return self.error(f"attribute '{attr}' = {value!r} is not supported: {why}")


class _Importer:
    def __init__(self, model, batch: Optional[int], fold_bn: bool,
                 bind: Optional[Dict[str, np.ndarray]], func_name: str):
        self.model = model
        self.graph = model.graph
        self.batch = batch
        self.fold_bn = fold_bn
        self.bind = dict(bind or {})
        self.func_name = func_name
        self.opset = 1
        for imp in model.opset_import:
            if imp.domain in ("", "ai.onnx"):
                self.opset = int(imp.version)
        self.prelude: List[str] = []
        self.lines: List[str] = []
        self.counter = 0
        self.values: Dict[str, Val] = {}
        self.node: Optional[_Node] = None
        self.aux_tags: Dict[str, int] = {}
        self._zp: Optional[str] = None
        self._shift: Optional[str] = None
        self.skipped: set = set()  # names of nodes folded into others

    # -- emission ----------------------------------------------------------

    def fresh(self) -> str:
        self.counter += 1
        return f"%{self.counter - 1}"

    def loc(self, tag: Optional[str] = None) -> str:
        base = self.node.name if self.node is not None else "input"
        if tag is None:
            return base
        key = f"{base}/{tag}"
        n = self.aux_tags.get(key, 0)
        self.aux_tags[key] = n + 1
        return key if n == 0 else f"{key}_{n}"

    def emit(self, text: str, loc: str, prelude: bool = False,
             ssa: Optional[str] = None) -> str:
        ssa = ssa or self.fresh()
        line = f"    {ssa} = {text} loc({_quote(loc)})"
        (self.prelude if prelude else self.lines).append(line)
        return ssa

    def zp(self) -> str:
        if self._zp is None:
            self._zp = self.emit(
                '"tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : '
                "() -> tensor<1xf32>", "zero_point", prelude=True, ssa="%zp")
        return self._zp

    def shift(self) -> str:
        if self._shift is None:
            self._shift = self.emit(
                '"tosa.const"() <{values = dense<0> : tensor<1xi8>}> : '
                "() -> tensor<1xi8>", "mul_shift", prelude=True, ssa="%shift")
        return self._shift

    def shape_const(self, dims: Sequence[int], loc: str) -> str:
        k = len(dims)
        body = ", ".join(str(int(d)) for d in dims)
        return self.emit(f"tosa.const_shape {{values = dense<[{body}]> : "
                         f"tensor<{k}xindex>}} : () -> !tosa.shape<{k}>", loc)

    def ssa(self, v: Val) -> str:
        """The MLIR name of ``v``, materializing a constant as tosa.const."""
        if v.ssa is not None:
            return v.ssa
        arr = v.const
        if arr.dtype != np.float32:
            raise self.node.error(
                f"constant {v.name or ''} of dtype {arr.dtype} used as a tensor "
                f"operand; only float32 tensors are supported") if self.node \
                else OnnxImportError(f"constant of dtype {arr.dtype} used as a tensor")
        if arr.ndim == 0:
            raise OnnxImportError("internal: rank-0 constant reached emission")
        t = _ty(arr.shape)
        loc = v.name if v.name else self.loc("const")
        v.ssa = self.emit(f'"tosa.const"() <{{values = {tools.dense_hex(arr)} : {t}}}> '
                          f": () -> {t}", loc)
        return v.ssa

    def new(self, shape, layout, text: str, loc: str) -> Val:
        return Val(shape, layout, ssa=self.emit(text, loc))

    # -- primitive ops (fold constants) -------------------------------------

    def transpose(self, v: Val, perm: Sequence[int], layout="plain",
                  tag="transpose") -> Val:
        perm = tuple(int(p) for p in perm)
        shape = tuple(v.shape[p] for p in perm)
        if v.is_const:
            return Val(shape, layout, const=np.ascontiguousarray(
                np.transpose(v.const, perm)), name=v.name)
        if perm == tuple(range(len(perm))):
            return Val(v.shape, layout, ssa=v.ssa)
        ps = ", ".join(map(str, perm))
        return self.new(shape, layout,
                        f"tosa.transpose {self.ssa(v)} {{perms = array<i32: {ps}>}} : "
                        f"({_ty(v.shape)}) -> {_ty(shape)}", self.loc(tag))

    def reshape(self, v: Val, shape: Sequence[int], tag="reshape", loc=None) -> Val:
        shape = tuple(int(d) for d in shape)
        if _prod(shape) != _prod(v.shape):
            raise self.node.error(f"cannot reshape {list(v.shape)} to {list(shape)}")
        if v.is_const:
            return Val(shape, "plain", const=v.const.reshape(shape), name=v.name)
        if shape == v.shape and loc is None:
            return Val(shape, "plain", ssa=v.ssa)
        loc = loc or self.loc(tag)
        s = self.shape_const(shape, loc)
        return self.new(shape, "plain",
                        f"tosa.reshape {self.ssa(v)}, {s} : ({_ty(v.shape)}, "
                        f"!tosa.shape<{len(shape)}>) -> {_ty(shape)}", loc)

    def slice(self, v: Val, start: Sequence[int], size: Sequence[int],
              tag="slice") -> Val:
        start = [int(s) for s in start]
        size = [int(s) for s in size]
        if list(size) == list(v.shape):
            return v
        if v.is_const:
            idx = tuple(slice(a, a + n) for a, n in zip(start, size))
            return Val(size, v.layout, const=np.ascontiguousarray(v.const[idx]),
                       name=v.name)
        loc = self.loc(tag)
        s0 = self.shape_const(start, loc)
        s1 = self.shape_const(size, loc)
        r = len(size)
        return self.new(size, v.layout,
                        f"tosa.slice {self.ssa(v)}, {s0}, {s1} : ({_ty(v.shape)}, "
                        f"!tosa.shape<{r}>, !tosa.shape<{r}>) -> {_ty(size)}", loc)

    def pad(self, v: Val, pads: Sequence[Tuple[int, int]], tag="pad") -> Val:
        if all(a == 0 and b == 0 for a, b in pads):
            return v
        shape = [d + a + b for d, (a, b) in zip(v.shape, pads)]
        loc = self.loc(tag)
        flat = [int(x) for ab in pads for x in ab]
        s = self.shape_const(flat, loc)
        return self.new(shape, v.layout,
                        f"tosa.pad {self.ssa(v)}, {s}, {self.zp()} : ({_ty(v.shape)}, "
                        f"!tosa.shape<{len(flat)}>, tensor<1xf32>) -> {_ty(shape)}", loc)

    def concat(self, vals: Sequence[Val], axis: int, layout: str, loc: str) -> Val:
        shape = list(vals[0].shape)
        shape[axis] = sum(v.shape[axis] for v in vals)
        if all(v.is_const for v in vals):
            return Val(shape, layout, const=np.concatenate([v.const for v in vals], axis))
        if len(vals) == 1:
            return vals[0]
        names = ", ".join(self.ssa(v) for v in vals)
        types = ", ".join(_ty(v.shape) for v in vals)
        return self.new(shape, layout,
                        f"tosa.concat {names} {{axis = {axis} : i32}} : ({types}) -> "
                        f"{_ty(shape)}", loc)

    def binary(self, op: str, a: Val, b: Val, layout: str, loc: str) -> Val:
        """tosa.add/sub/mul of operands of equal rank (size-1 broadcast)."""
        shape = _bcast_shape(a.shape, b.shape)
        assert shape is not None and a.rank == b.rank
        if a.is_const and b.is_const:
            f = {"add": np.add, "sub": np.subtract, "mul": np.multiply}[op]
            return Val(shape, layout, const=f(a.const, b.const).astype(np.float32))
        extra, extra_t = "", ""
        if op == "mul":
            extra, extra_t = f", {self.shift()}", ", tensor<1xi8>"
        return self.new(shape, layout,
                        f"tosa.{op} {self.ssa(a)}, {self.ssa(b)}{extra} : "
                        f"({_ty(a.shape)}, {_ty(b.shape)}{extra_t}) -> {_ty(shape)}", loc)

    def unary(self, op: str, v: Val, loc: str) -> Val:
        return self.new(v.shape, v.layout,
                        f"tosa.{op} {self.ssa(v)} : ({_ty(v.shape)}) -> {_ty(v.shape)}",
                        loc)

    def clamp(self, v: Val, lo: float, hi: float, loc: str) -> Val:
        return self.new(v.shape, v.layout,
                        f"tosa.clamp {self.ssa(v)} {{min_val = {_f32(lo)} : f32, "
                        f"max_val = {_f32(hi)} : f32}} : ({_ty(v.shape)}) -> "
                        f"{_ty(v.shape)}", loc)

    def reduce(self, op: str, v: Val, axis: int, loc: str) -> Val:
        shape = list(v.shape)
        shape[axis] = 1
        return self.new(shape, v.layout,
                        f"tosa.reduce_{op} {self.ssa(v)} {{axis = {axis} : i32}} : "
                        f"({_ty(v.shape)}) -> {_ty(shape)}", loc)

    def matmul(self, a: Val, b: Val, loc: str) -> Val:
        assert a.rank == 3 and b.rank == 3
        shape = (a.shape[0], a.shape[1], b.shape[2])
        zp = self.zp()
        return self.new(shape, "plain",
                        f"tosa.matmul {self.ssa(a)}, {self.ssa(b)}, {zp}, {zp} : "
                        f"({_ty(a.shape)}, {_ty(b.shape)}, tensor<1xf32>, tensor<1xf32>) "
                        f"-> {_ty(shape)}", loc)

    # -- layouts -----------------------------------------------------------

    def to_layout(self, v: Val, layout: str) -> Val:
        if v.layout == layout:
            return v
        if layout in v.alt:
            return v.alt[layout]
        if layout == "nhwc":
            if v.rank != 4:
                raise self.node.error(f"expected a 4-D (NCHW) tensor, got shape "
                                      f"{list(v.logical_shape)}")
            r = self._layout_transpose(v, _NCHW_TO_NHWC, "nhwc", "to_nhwc")
        else:
            r = self._layout_transpose(v, _NHWC_TO_NCHW, "plain", "to_nchw")
        r.name = v.name
        v.alt[layout] = r
        r.alt[v.layout] = v
        return r

    def _layout_transpose(self, v: Val, perm, layout: str, tag: str) -> Val:
        if v.is_const or v.name is None:
            return self.transpose(v, perm, layout, tag=tag)
        # Named after the value (graph input or node output), not the consumer.
        shape = tuple(v.shape[p] for p in perm)
        ps = ", ".join(map(str, perm))
        return self.new(shape, layout,
                        f"tosa.transpose {self.ssa(v)} {{perms = array<i32: {ps}>}} : "
                        f"({_ty(v.shape)}) -> {_ty(shape)}", f"{v.name}/{tag}")

    def plain(self, v: Val) -> Val:
        return self.to_layout(v, "plain")

    def expand_rank(self, v: Val, rank: int) -> Val:
        """Prepends size-1 dims to a plain value (ONNX broadcasting)."""
        v = self.plain(v)
        if v.rank == rank:
            return v
        return self.reshape(v, (1,) * (rank - v.rank) + v.shape, tag="broadcast")

    # -- driving -------------------------------------------------------------

    def run(self) -> str:
        import onnx
        from onnx import numpy_helper

        g = self.graph
        for imp in self.model.opset_import:
            if imp.domain not in ("", "ai.onnx") and any(
                    n.domain == imp.domain for n in g.node):
                raise OnnxImportError(f"operator set domain '{imp.domain}' is not "
                                      f"supported")

        # Constants: initializers, then bound inputs.
        for init in g.initializer:
            if init.data_location == onnx.TensorProto.EXTERNAL:
                raise OnnxImportError(f"initializer '{init.name}' has external data; "
                                      f"load the model with its data first")
            arr = numpy_helper.to_array(init)
            self.values[init.name] = self._const_val(arr, init.name)
        for name, arr in self.bind.items():
            self.values[name] = self._const_val(np.asarray(arr), name)

        # Operands that must be constants cannot be graph inputs.
        graph_inputs = {i.name for i in g.input}
        for k, n in enumerate(g.node):
            for pos in CONSTANT_OPERANDS.get(n.op_type, ()):
                if pos < len(n.input) and n.input[pos] in graph_inputs \
                        and n.input[pos] not in self.values:
                    name = n.name or (n.output[0] if n.output else f"node{k}")
                    raise OnnxImportError(
                        f"node '{name}' ({n.op_type}): input #{pos} '{n.input[pos]}' "
                        f"must be a constant (initializer or Constant node), not a "
                        f"graph input (bind it: import_onnx(..., bind={{name: array}}))")

        # Arguments: the graph inputs without a constant.
        args = []
        for i, inp in enumerate(g.input):
            if inp.name in self.values:
                continue
            shape = self._input_shape(inp)
            v = Val(shape, "plain", ssa=f"%arg{len(args)}", name=inp.name)
            args.append((v, inp.name))
            self.values[inp.name] = v

        self.consumers: Dict[str, List[int]] = {}
        for k, n in enumerate(g.node):
            for name in n.input:
                if name:
                    self.consumers.setdefault(name, []).append(k)
        self.graph_outputs = {o.name for o in g.output}

        names_used: Dict[str, int] = {}
        self.nodes = []
        for k, n in enumerate(g.node):
            base = n.name or (n.output[0] if n.output else f"node{k}")
            c = names_used.get(base, 0)
            names_used[base] = c + 1
            self.nodes.append(_Node(n, base if c == 0 else f"{base}_{c}"))

        for k, node in enumerate(self.nodes):
            self.node = node
            if k in self.skipped:
                continue
            if node.proto.domain not in ("", "ai.onnx"):
                raise node.error(f"operator domain '{node.proto.domain}' is not supported")
            handler = getattr(self, f"op_{node.op_type}", None)
            if handler is None:
                raise node.error(f"operator '{node.op_type}' is not supported "
                                 f"(supported: {', '.join(SUPPORTED_OPS)})")
            ins = []
            for pos, name in enumerate(node.inputs):
                if not name:
                    ins.append(None)
                    continue
                if name not in self.values:
                    raise node.error(f"input '{name}' is neither a graph input, an "
                                     f"initializer nor the output of an earlier node "
                                     f"(missing initializer?)")
                v = self.values[name]
                if pos in CONSTANT_OPERANDS.get(node.op_type, ()) and not v.is_const:
                    raise node.error(f"input #{pos} '{name}' must be a constant "
                                     f"(initializer or Constant node)")
                ins.append(v)
            outs = handler(node, ins)
            for name, v in zip(node.outputs, outs):
                if name and v is not None:
                    if v.name is None:
                        v.name = name
                    self.values[name] = v
            for pos, name in enumerate(node.outputs[len(outs):], start=len(outs)):
                if name and (name in self.consumers or name in self.graph_outputs):
                    raise node.error(f"output #{pos} '{name}' is not supported "
                                     f"(only used outputs are checked)")

        self.node = None
        results = []
        for o in g.output:
            if o.name not in self.values:
                raise OnnxImportError(f"graph output '{o.name}' is not produced")
            v = self.values[o.name]
            if v.is_const and v.const.dtype != np.float32:
                raise OnnxImportError(f"graph output '{o.name}' has dtype "
                                      f"{v.const.dtype}; only float32 is supported")
            v = self.plain(v)
            if v.rank == 0:
                raise OnnxImportError(f"graph output '{o.name}' is a scalar; "
                                      f"only ranked tensors are supported")
            results.append(v)
        ret_names = [self.ssa(v) for v in results]
        ret_types = [_ty(v.shape) for v in results]

        sig = ", ".join(f"{v.ssa}: {_ty(v.shape)} loc({_quote(n)})" for v, n in args)
        if len(ret_types) == 1:
            rt = ret_types[0]
        else:
            rt = "(" + ", ".join(ret_types) + ")"
        out = [f"// Imported from ONNX graph {_quote(g.name or '')} "
               f"(opset {self.opset}) by qsim import-onnx.",
               "module {",
               f"  func.func @{self.func_name}({sig}) -> {rt} {{"]
        out += self.prelude + self.lines
        out.append(f"    return {', '.join(ret_names)} : {', '.join(ret_types)}")
        out.append("  }")
        out.append("}")
        return "\n".join(out) + "\n"

    def _const_val(self, arr: np.ndarray, name: str) -> Val:
        if arr.dtype == np.float64 or arr.dtype == np.float16:
            raise OnnxImportError(f"initializer '{name}' has dtype {arr.dtype}; only "
                                  f"float32 tensors (and integer shape operands) are "
                                  f"supported")
        if arr.dtype.kind not in "fiub":
            raise OnnxImportError(f"initializer '{name}' has unsupported dtype {arr.dtype}")
        return Val(arr.shape, "plain", const=np.ascontiguousarray(arr), name=name)

    def _input_shape(self, inp) -> Tuple[int, ...]:
        import onnx
        tt = inp.type.tensor_type
        if not inp.type.HasField("tensor_type"):
            raise OnnxImportError(f"graph input '{inp.name}' is not a tensor")
        if tt.elem_type != onnx.TensorProto.FLOAT:
            dt = onnx.TensorProto.DataType.Name(tt.elem_type)
            raise OnnxImportError(f"graph input '{inp.name}' has element type {dt}; "
                                  f"only FLOAT (float32) inputs are supported")
        if not tt.HasField("shape"):
            raise OnnxImportError(f"graph input '{inp.name}' has no shape")
        dims = []
        for i, d in enumerate(tt.shape.dim):
            static = d.HasField("dim_value") and d.dim_value > 0
            if i == 0:
                if static:
                    if self.batch is not None and d.dim_value != self.batch:
                        raise OnnxImportError(
                            f"graph input '{inp.name}' has a static batch dimension "
                            f"{d.dim_value}, --batch asks for {self.batch}; export the "
                            f"model with a dynamic batch dimension")
                    dims.append(d.dim_value)
                else:
                    dims.append(self.batch if self.batch is not None else 1)
            elif static:
                dims.append(d.dim_value)
            else:
                what = d.dim_param or "?"
                raise OnnxImportError(f"graph input '{inp.name}' has a dynamic dimension "
                                      f"{i} ('{what}'); only the batch dimension (0) "
                                      f"may be dynamic")
        if not dims:
            raise OnnxImportError(f"graph input '{inp.name}' is a scalar; bind it to a "
                                  f"constant or make it an initializer")
        return tuple(dims)

    # -- helpers for handlers ---------------------------------------------------

    def check_attrs(self, node: _Node, allowed: Iterable[str]):
        allowed = set(allowed)
        for a in node.attrs:
            if a not in allowed:
                raise node.attr_error(a, node.attrs[a], "unknown attribute for this "
                                      "importer")

    def const_array(self, node: _Node, v: Val, what: str) -> np.ndarray:
        if v is None or not v.is_const:
            raise node.error(f"{what} must be a constant")
        return v.const if v.layout == "plain" else np.transpose(v.const, _NHWC_TO_NCHW)

    def float_operand(self, node: _Node, v: Val, pos: int) -> Val:
        if v.is_const and v.const.dtype != np.float32:
            raise node.error(f"input #{pos} '{node.inputs[pos]}' has dtype "
                             f"{v.const.dtype}; only float32 is supported")
        return v

    # -- elementwise ----------------------------------------------------------

    def _elementwise(self, node: _Node, ins, op: str):
        self.check_attrs(node, ("broadcast", "axis") if self.opset < 7 else ())
        a, b = [self.float_operand(node, v, i) for i, v in enumerate(ins[:2])]
        la, lb = a.logical_shape, b.logical_shape
        if self.opset < 7 and node.attrs.get("broadcast", 0) and len(lb) < len(la):
            axis = node.attrs.get("axis", len(la) - len(lb))
            if axis < 0:
                axis += len(la)
            newb = (1,) * axis + tuple(lb) + (1,) * (len(la) - axis - len(lb))
            b = self.reshape(self.plain(b), newb, tag="legacy_broadcast")
            lb = newb
        out = _bcast_shape(la, lb)
        if out is None:
            raise node.error(f"shapes {list(la)} and {list(lb)} do not broadcast")
        rank = len(out)
        if rank == 0:
            raise node.error("scalar results are not supported")
        use_nhwc = rank == 4 and any(v.layout == "nhwc" for v in (a, b))
        ops = []
        for v in (a, b):
            if use_nhwc:
                v = v if v.layout == "nhwc" else self.to_layout(
                    self.expand_rank(v, 4), "nhwc")
            else:
                v = self.expand_rank(v, rank)
            ops.append(v)
        return [self.binary(op, ops[0], ops[1], "nhwc" if use_nhwc else "plain",
                            self.loc())]

    def op_Add(self, node, ins):
        return self._elementwise(node, ins, "add")

    def op_Sub(self, node, ins):
        return self._elementwise(node, ins, "sub")

    def op_Mul(self, node, ins):
        return self._elementwise(node, ins, "mul")

    def op_Relu(self, node, ins):
        self.check_attrs(node, ())
        x = self.float_operand(node, ins[0], 0)
        return [self.clamp(x, 0.0, FLT_MAX, self.loc())]

    def op_Clip(self, node, ins):
        lo, hi = FLT_LOWEST, FLT_MAX
        if self.opset < 11:
            self.check_attrs(node, ("min", "max"))
            lo = float(node.attrs.get("min", lo))
            hi = float(node.attrs.get("max", hi))
        else:
            self.check_attrs(node, ())
            for pos in (1, 2):
                if len(ins) > pos and ins[pos] is not None:
                    arr = self.const_array(node, ins[pos], f"input #{pos}")
                    if arr.size != 1:
                        raise node.error(f"input #{pos} must be a scalar")
                    if arr.dtype != np.float32:
                        raise node.error(f"input #{pos} has dtype {arr.dtype}; only "
                                         f"float32 is supported")
                    if pos == 1:
                        lo = float(arr.reshape(-1)[0])
                    else:
                        hi = float(arr.reshape(-1)[0])
        x = self.float_operand(node, ins[0], 0)
        lo, hi = max(lo, FLT_LOWEST), min(hi, FLT_MAX)
        if lo > hi:  # ONNX: every element becomes max
            lo = hi
        if x.is_const:
            return [Val(x.shape, x.layout, const=np.clip(x.const, lo, hi).astype(np.float32))]
        return [self.clamp(x, lo, hi, self.loc())]

    def op_Identity(self, node, ins):
        self.check_attrs(node, ())
        return [ins[0]]

    def op_Dropout(self, node, ins):
        self.check_attrs(node, ("ratio", "seed", "is_test") if self.opset < 12
                         else ("seed",))
        if self.opset < 7 and not node.attrs.get("is_test", 0):
            raise node.attr_error("is_test", node.attrs.get("is_test", 0),
                                  "only inference (is_test=1) is supported")
        if len(ins) > 2 and ins[2] is not None:
            tm = self.const_array(node, ins[2], "input #2 (training_mode)")
            if bool(np.asarray(tm).reshape(-1)[0]):
                raise node.error("input #2 'training_mode' = true is not supported: "
                                 "only inference")
        return [ins[0]]

    def op_Constant(self, node, ins):
        from onnx import numpy_helper
        self.check_attrs(node, ("value", "value_float", "value_floats", "value_int",
                                "value_ints"))
        a = node.attrs
        if "value" in a:
            arr = numpy_helper.to_array(a["value"])
        elif "value_float" in a:
            arr = np.array(a["value_float"], np.float32)
        elif "value_floats" in a:
            arr = np.array(a["value_floats"], np.float32)
        elif "value_int" in a:
            arr = np.array(a["value_int"], np.int64)
        elif "value_ints" in a:
            arr = np.array(a["value_ints"], np.int64)
        else:
            raise node.error("no value attribute")
        if arr.dtype == np.float64:
            raise node.attr_error("value", f"<{arr.dtype} tensor>",
                                  "only float32 and integer constants are supported")
        return [Val(arr.shape, "plain", const=np.ascontiguousarray(arr),
                    name=node.outputs[0])]

    # -- shape ops -------------------------------------------------------------

    def op_Flatten(self, node, ins):
        self.check_attrs(node, ("axis",))
        x = self.plain(ins[0])
        axis = int(node.attrs.get("axis", 1))
        r = x.rank
        if not -r <= axis <= r:
            raise node.attr_error("axis", axis, f"out of range for rank {r}")
        if axis < 0:
            axis += r
        shape = (_prod(x.shape[:axis]), _prod(x.shape[axis:]))
        return [self.reshape(x, shape, loc=self.loc())]

    def op_Reshape(self, node, ins):
        if self.opset < 5:
            self.check_attrs(node, ("shape", "consumed_inputs"))
            target = list(node.attrs.get("shape", []))
        else:
            self.check_attrs(node, ("allowzero",))
            if len(ins) < 2 or ins[1] is None:
                raise node.error("missing shape input")
            target = [int(d) for d in self.const_array(node, ins[1], "input #1 (shape)")
                      .reshape(-1)]
        allowzero = int(node.attrs.get("allowzero", 0))
        x = self.plain(ins[0])
        shape = []
        for i, d in enumerate(target):
            if d == 0 and not allowzero:
                if i >= x.rank:
                    raise node.error(f"shape {target}: 0 at position {i} has no "
                                     f"input dimension to copy")
                shape.append(x.shape[i])
            else:
                shape.append(d)
        if shape.count(-1) > 1:
            raise node.error(f"shape {target} has more than one -1")
        if -1 in shape:
            known = _prod([d for d in shape if d != -1])
            if known == 0 or _prod(x.shape) % known:
                raise node.error(f"cannot reshape {list(x.shape)} to {target}")
            shape[shape.index(-1)] = _prod(x.shape) // known
        if any(d <= 0 for d in shape):
            raise node.error(f"shape {target} gives {shape}: zero-sized tensors are "
                             f"not supported")
        if x.is_const:
            return [self.reshape(x, shape)]
        return [self.reshape(x, shape, loc=self.loc())]

    def op_Concat(self, node, ins):
        self.check_attrs(node, ("axis",))
        if "axis" not in node.attrs and self.opset >= 4:
            raise node.error("attribute 'axis' is required")
        axis = int(node.attrs.get("axis", 1))
        vals = [self.float_operand(node, v, i) for i, v in enumerate(ins)]
        r = len(vals[0].logical_shape)
        if not -r <= axis < r:
            raise node.attr_error("axis", axis, f"out of range for rank {r}")
        if axis < 0:
            axis += r
        for v in vals:
            ls = v.logical_shape
            if len(ls) != r or any(ls[i] != vals[0].logical_shape[i]
                                   for i in range(r) if i != axis):
                raise node.error(f"input shapes {[list(v.logical_shape) for v in vals]} "
                                 f"do not concatenate on axis {axis}")
        if r == 4 and any(v.layout == "nhwc" for v in vals):
            vals = [self.to_layout(v, "nhwc") for v in vals]
            return [self.concat(vals, _NCHW_TO_NHWC.index(axis), "nhwc", self.loc())]
        vals = [self.plain(v) for v in vals]
        return [self.concat(vals, axis, "plain", self.loc())]

    # -- matrix products ----------------------------------------------------------

    def op_MatMul(self, node, ins):
        self.check_attrs(node, ())
        a, b = [self.plain(self.float_operand(node, v, i)) for i, v in enumerate(ins)]
        ra, rb = a.rank, b.rank
        if ra == 0 or rb == 0:
            raise node.error("scalar operands are not supported")
        ash = (1,) + a.shape if ra == 1 else a.shape
        bsh = b.shape + (1,) if rb == 1 else b.shape
        if ash[-1] != bsh[-2]:
            raise node.error(f"shapes {list(a.shape)} and {list(b.shape)} do not multiply")
        m, k, n = ash[-2], ash[-1], bsh[-1]
        abatch, bbatch = ash[:-2], bsh[:-2]
        if _prod(bbatch) == 1:
            # A's batch dims fold into its rows.
            batch = abatch if len(abatch) >= len(bbatch) else bbatch
            a3 = self.reshape(a, (1, _prod(abatch) * m, k), tag="a3")
            b3 = self.reshape(b, (1, k, n), tag="b3")
            out3 = self.matmul(a3, b3, self.loc())
            full = tuple(batch) + (m, n)
        elif tuple(abatch) == tuple(bbatch) or (
                len(abatch) < len(bbatch) and _prod(abatch) == 1):
            nb = _prod(bbatch)
            if _prod(abatch) == 1 and nb > 1:
                raise node.error(f"broadcasting A {list(a.shape)} over B's batch "
                                 f"{list(bbatch)} is not supported")
            a3 = self.reshape(a, (nb, m, k), tag="a3")
            b3 = self.reshape(b, (nb, k, n), tag="b3")
            out3 = self.matmul(a3, b3, self.loc())
            full = tuple(bbatch) + (m, n)
        else:
            bc = _bcast_shape(abatch, bbatch)
            if bc is None:
                raise node.error(f"batch dims {list(abatch)} and {list(bbatch)} do not "
                                 f"broadcast")
            raise node.error(f"broadcast of batch dims {list(abatch)} and "
                             f"{list(bbatch)} is not supported")
        shape = list(full)
        if ra == 1:
            del shape[-2]
        if rb == 1:
            del shape[-1]
        return [self.reshape(out3, shape, tag="reshape_out")]

    def op_Gemm(self, node, ins):
        self.check_attrs(node, ("alpha", "beta", "transA", "transB", "broadcast"))
        alpha = float(node.attrs.get("alpha", 1.0))
        beta = float(node.attrs.get("beta", 1.0))
        a = self.plain(self.float_operand(node, ins[0], 0))
        b = self.plain(self.float_operand(node, ins[1], 1))
        c = ins[2] if len(ins) > 2 else None
        if a.rank != 2 or b.rank != 2:
            raise node.error(f"A and B must be 2-D, got {list(a.shape)} and "
                             f"{list(b.shape)}")
        if node.attrs.get("transA", 0):
            a = self.transpose(a, (1, 0), tag="transA")
        if node.attrs.get("transB", 0):
            b = self.transpose(b, (1, 0), tag="transB")
        m, k = a.shape
        k2, n = b.shape
        if k != k2:
            raise node.error(f"inner dimensions differ: A {list(a.shape)}, B {list(b.shape)}")
        scaled = False
        if alpha != 1.0 and b.is_const:
            b = Val(b.shape, "plain", const=(b.const * np.float32(alpha)).astype(np.float32),
                    name=b.name)
            scaled = True
        a3 = self.reshape(a, (1, m, k), tag="a3")
        b3 = self.reshape(b, (1, k, n), tag="b3")
        y = self.matmul(a3, b3, self.loc())
        if alpha != 1.0 and not scaled:
            al = Val((1, 1, 1), const=np.full((1, 1, 1), alpha, np.float32))
            y = self.binary("mul", y, al, "plain", self.loc("alpha"))
        if c is not None and beta != 0.0:
            c = self.plain(self.float_operand(node, c, 2))
            if _bcast_shape(c.shape, (m, n)) != (m, n):
                raise node.error(f"C {list(c.shape)} does not broadcast to {[m, n]}")
            c3 = self.reshape(c, (1,) * (3 - c.rank) + c.shape, tag="c3") \
                if c.rank < 3 else c
            if beta != 1.0:
                if c3.is_const:
                    c3 = Val(c3.shape, "plain", const=(c3.const * np.float32(beta))
                             .astype(np.float32), name=c3.name)
                else:
                    bt = Val((1, 1, 1), const=np.full((1, 1, 1), beta, np.float32))
                    c3 = self.binary("mul", c3, bt, "plain", self.loc("beta"))
            y = self.binary("add", y, c3, "plain", self.loc("bias"))
        return [self.reshape(y, (m, n), tag="reshape_out")]

    # -- convolution and batch norm --------------------------------------------

    def _spatial(self, node, in_hw, k_hw, allow_ceil=False):
        """(pads [(begin, end)] per dim, strides, dilations, out, input crops)."""
        a = node.attrs
        nd = len(in_hw)
        strides = list(a.get("strides", [1] * nd))
        dils = list(a.get("dilations", [1] * nd))
        if len(strides) != nd or any(s < 1 for s in strides):
            raise node.attr_error("strides", strides, f"need {nd} positive values")
        if len(dils) != nd or any(d < 1 for d in dils):
            raise node.attr_error("dilations", dils, f"need {nd} positive values")
        auto = a.get("auto_pad", "NOTSET")
        if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
            raise node.attr_error("auto_pad", auto, "unknown value")
        if auto == "NOTSET":
            p = list(a.get("pads", [0] * (2 * nd)))
            if len(p) != 2 * nd or any(x < 0 for x in p):
                raise node.attr_error("pads", p, f"need {2 * nd} non-negative values")
            pads = [(p[i], p[i + nd]) for i in range(nd)]
        elif auto == "VALID":
            pads = [(0, 0)] * nd
        else:
            pads = []
            for i in range(nd):
                out = -(-in_hw[i] // strides[i])
                eff = (k_hw[i] - 1) * dils[i] + 1
                total = max(0, (out - 1) * strides[i] + eff - in_hw[i])
                small = total // 2
                pads.append((total - small, small) if auto == "SAME_LOWER"
                            else (small, total - small))
        ceil = int(a.get("ceil_mode", 0))
        if ceil and not allow_ceil:
            raise node.attr_error("ceil_mode", ceil, "not supported for this op")
        outs, extra = [], []
        for i in range(nd):
            eff = (k_hw[i] - 1) * dils[i] + 1
            span = in_hw[i] + pads[i][0] + pads[i][1] - eff
            if span < 0:
                raise node.error(f"kernel {list(k_hw)} (dilated) is larger than the "
                                 f"padded input {list(in_hw)}")
            if ceil:
                o = -(-span // strides[i]) + 1
                if (o - 1) * strides[i] >= in_hw[i] + pads[i][0]:
                    o -= 1
            else:
                o = span // strides[i] + 1
            outs.append(o)
            # padded extent actually read, minus what we have
            extra.append((o - 1) * strides[i] + eff - (in_hw[i] + pads[i][0] + pads[i][1]))
        return pads, strides, dils, outs, extra

    def _fit(self, x: Val, pads, extra, extra_pad_ok: bool):
        """Makes padded extents match TOSA's exact-division rule.

        ``extra[i] > 0``: more padding at the end (ceil mode), added to the
        op's own padding when ``extra_pad_ok``; ``< 0``: rows/cols the
        floor division drops: taken off the end padding first, then sliced
        off the input's end (NHWC value)."""
        pads = [list(p) for p in pads]
        crop = [0, 0]
        for i, e in enumerate(extra):
            if e > 0:
                assert extra_pad_ok
                pads[i][1] += e
            elif e < 0:
                cut = -e
                take = min(cut, pads[i][1])
                pads[i][1] -= take
                crop[i] = cut - take
        if any(crop):
            n, h, w, c = x.shape
            x = self.slice(x, (0, 0, 0, 0), (n, h - crop[0], w - crop[1], c),
                           tag="crop")
        return x, pads

    def _lift_1d(self, node, v: Val) -> Val:
        """[N, C, L] -> [N, C, 1, L] (1-D conv/pool as 2-D)."""
        v = self.plain(v)
        return self.reshape(v, (v.shape[0], v.shape[1], 1, v.shape[2]), tag="to_2d")

    def _with_1d(self, node):
        """Rewrites 1-D attributes of ``node`` into their 2-D form (H = 1)."""
        a = dict(node.attrs)
        for key, fill in (("kernel_shape", 1), ("strides", 1), ("dilations", 1)):
            if key in a:
                a[key] = [fill] + list(a[key])
        if "pads" in a:
            p = list(a["pads"])
            if len(p) == 2:
                a["pads"] = [0, p[0], 0, p[1]]
        return a

    def op_Conv(self, node, ins):
        self.check_attrs(node, ("auto_pad", "dilations", "group", "kernel_shape",
                                "pads", "strides"))
        if len(ins) < 2 or ins[1] is None:
            raise node.error("needs inputs X and W")
        x = self.float_operand(node, ins[0], 0)
        w = self.float_operand(node, ins[1], 1)
        b = ins[2] if len(ins) > 2 else None
        lx = x.logical_shape
        if len(lx) == 3:
            saved = node.attrs
            node.attrs = self._with_1d(node)
            try:
                x4 = self._lift_1d(node, x)
                wl = self.plain(w)
                w4 = self.reshape(wl, (wl.shape[0], wl.shape[1], 1, wl.shape[2]),
                                  tag="w_to_2d")
                y = self._conv2d(node, x4, w4, b)
            finally:
                node.attrs = saved
            y = self.plain(y)
            return [self.reshape(y, (y.shape[0], y.shape[1], y.shape[3]),
                                 tag="to_1d")]
        if len(lx) != 4:
            raise node.error(f"only 1-D and 2-D convolutions are supported (input "
                             f"shape {list(lx)})")
        return [self._conv2d(node, x, w, b)]

    def _conv2d(self, node, x: Val, w: Val, b: Optional[Val]) -> Val:
        a = node.attrs
        n, c, h, wd = x.logical_shape
        wl = w.logical_shape
        if len(wl) != 4:
            raise node.error(f"weight shape {list(wl)} is not 4-D")
        m, cg, kh, kw = wl
        group = int(a.get("group", 1))
        if group < 1 or c % group or m % group or c // group != cg:
            raise node.attr_error("group", group, f"inconsistent with input channels "
                                  f"{c} and weight shape {list(wl)}")
        if "kernel_shape" in a and list(a["kernel_shape"]) != [kh, kw]:
            raise node.attr_error("kernel_shape", list(a["kernel_shape"]),
                                  f"differs from the weight's {[kh, kw]}")
        w = self.plain(w)

        # Batch norm folding: the conv's output feeds only a BatchNormalization.
        out_name = node.outputs[0]
        bn = self._foldable_bn(node, w, b)
        if bn is not None:
            bn_node, scale, shift = bn
            wc = w.const.astype(np.float64) * scale.reshape(-1, 1, 1, 1)
            bias = (b.const.astype(np.float64) if b is not None
                    else np.zeros(m)) * scale + shift
            w = Val(w.shape, const=wc.astype(np.float32), name=w.name)
            b = Val((m,), const=bias.astype(np.float32), name=f"{bn_node.name}/bias")
        elif b is None:
            b = Val((m,), const=np.zeros(m, np.float32), name=f"{node.name}/bias")
        else:
            b = self.plain(self.float_operand(node, b, 2))
            if b.shape != (m,):
                raise node.error(f"bias shape {list(b.shape)} is not [{m}]")

        pads, strides, dils, outs, extra = self._spatial(node, (h, wd), (kh, kw))
        xn = self.to_layout(x, "nhwc")
        xn, pads = self._fit(xn, pads, extra, extra_pad_ok=False)
        attrs = (f"acc_type = f32, dilation = array<i64: {dils[0]}, {dils[1]}>, "
                 f"pad = array<i64: {pads[0][0]}, {pads[0][1]}, {pads[1][0]}, "
                 f"{pads[1][1]}>, stride = array<i64: {strides[0]}, {strides[1]}>")
        zp = self.zp()

        def conv(xv: Val, wv: Val, bv: Val, depthwise: bool, loc: str) -> Val:
            if depthwise:
                cout = wv.shape[2] * wv.shape[3]
                opname = "tosa.depthwise_conv2d"
            else:
                cout = wv.shape[0]
                opname = "tosa.conv2d"
            shape = (xv.shape[0], outs[0], outs[1], cout)
            return self.new(shape, "nhwc",
                            f"{opname} {self.ssa(xv)}, {self.ssa(wv)}, {self.ssa(bv)}, "
                            f"{zp}, {zp} {{{attrs}}} : ({_ty(xv.shape)}, {_ty(wv.shape)}, "
                            f"{_ty(bv.shape)}, tensor<1xf32>, tensor<1xf32>) -> "
                            f"{_ty(shape)}", loc)

        if group == 1:
            wt = self.transpose(w, (0, 2, 3, 1), tag="weight_ohwi")  # OIHW -> OHWI
            y = conv(xn, wt, b, False, self.loc())
        elif group == c:
            mult = m // c
            wr = self.reshape(w, (c, mult, kh, kw), tag="weight_cm")
            wt = self.transpose(wr, (2, 3, 0, 1), tag="weight_hwcm")  # -> HWCM
            y = conv(xn, wt, b, True, self.loc())
        else:
            mg = m // group
            parts = []
            for g in range(group):
                xg = self.slice(xn, (0, 0, 0, g * cg), (xn.shape[0], xn.shape[1],
                                                       xn.shape[2], cg), tag=f"group{g}_in")
                wg = self.slice(w, (g * mg, 0, 0, 0), (mg, cg, kh, kw),
                                tag=f"group{g}_weight")
                bg = self.slice(b, (g * mg,), (mg,), tag=f"group{g}_bias")
                wgt = self.transpose(wg, (0, 2, 3, 1), tag=f"group{g}_weight_ohwi")
                parts.append(conv(xg, wgt, bg, False, self.loc(f"group{g}")))
            y = self.concat(parts, 3, "nhwc", self.loc())
        if bn is not None:
            self.values[bn_node.outputs[0]] = y
        return y

    def _bn_params(self, node: _Node, ins) -> Tuple[np.ndarray, np.ndarray]:
        """Constant (scale, shift) of an inference BatchNormalization, float64."""
        eps = float(node.attrs.get("epsilon", 1e-5))
        arrs = []
        for pos in range(1, 5):
            v = ins[pos]
            arrs.append(v.const.astype(np.float64).reshape(-1))
        gamma, beta, mean, var = arrs
        # Match ONNX: (x - mean) / sqrt(var + eps) * gamma + beta, with
        # var + eps rounded in float32 as the reference computes it.
        denom = np.sqrt((var.astype(np.float32) + np.float32(eps)).astype(np.float64))
        scale = gamma / denom
        return scale, beta - mean * scale

    def _check_bn(self, node: _Node):
        allowed = ["epsilon", "momentum"]
        if self.opset < 7:
            allowed += ["is_test", "spatial", "consumed_inputs"]
        elif self.opset < 9:
            allowed += ["spatial"]
        elif self.opset >= 14:
            allowed += ["training_mode"]
        self.check_attrs(node, allowed)
        if node.attrs.get("training_mode", 0):
            raise node.attr_error("training_mode", node.attrs["training_mode"],
                                  "only inference is supported")
        if self.opset < 7 and not node.attrs.get("is_test", 0):
            raise node.attr_error("is_test", node.attrs.get("is_test", 0),
                                  "only inference (is_test=1) is supported")
        if node.attrs.get("spatial", 1) != 1:
            raise node.attr_error("spatial", node.attrs["spatial"],
                                  "only spatial=1 is supported")

    def _foldable_bn(self, node: _Node, w: Val, b: Optional[Val]):
        if not self.fold_bn:
            return None
        out = node.outputs[0]
        users = self.consumers.get(out, [])
        if len(users) != 1 or out in self.graph_outputs:
            return None
        k = users[0]
        bn = self.nodes[k]
        if bn.op_type != "BatchNormalization" or bn.inputs[0] != out:
            return None
        if any(o and (o in self.consumers or o in self.graph_outputs)
               for o in bn.outputs[1:]):
            return None
        if not w.is_const or (b is not None and not b.is_const):
            return None
        params = []
        for name in bn.inputs[1:5]:
            v = self.values.get(name)
            if v is None or not v.is_const or v.const.dtype != np.float32:
                return None
            params.append(v)
        saved, self.node = self.node, bn
        try:
            self._check_bn(bn)
        finally:
            self.node = saved
        scale, shift = self._bn_params(bn, [None] + params)
        if scale.shape != (w.shape[0],):
            return None
        self.skipped.add(k)
        return bn, scale, shift

    def op_BatchNormalization(self, node, ins):
        self._check_bn(node)
        x = self.float_operand(node, ins[0], 0)
        if len(ins) < 5 or any(v is None for v in ins[1:5]):
            raise node.error("needs 5 inputs (X, scale, B, mean, var)")
        ls = x.logical_shape
        if len(ls) < 2:
            raise node.error(f"input shape {list(ls)} has no channel axis")
        c = ls[1]
        for pos in range(1, 5):
            if _prod(ins[pos].shape) != c:
                raise node.error(f"input #{pos} has shape {list(ins[pos].shape)}, "
                                 f"expected [{c}]")
        if len(ls) == 4:
            x = self.to_layout(x, "nhwc")
            bshape = (1, 1, 1, c)
        else:
            x = self.plain(x)
            bshape = (1, c) + (1,) * (len(ls) - 2)
        layout = x.layout
        if all(v.is_const for v in ins[1:5]):
            scale, shift = self._bn_params(node, ins)
            s = Val(bshape, layout, const=scale.astype(np.float32).reshape(bshape),
                    name=f"{node.name}/scale")
            t = Val(bshape, layout, const=shift.astype(np.float32).reshape(bshape),
                    name=f"{node.name}/shift")
            y = self.binary("mul", x, s, layout, self.loc("mul"))
            return [self.binary("add", y, t, layout, self.loc())]
        # Runtime parameters: (x - mean) * (gamma * rsqrt(var + eps)) + beta.
        eps = float(node.attrs.get("epsilon", 1e-5))
        gamma, beta, mean, var = [self.reshape(self.plain(self.float_operand(node, v, i + 1)),
                                               bshape, tag="param")
                                  for i, v in enumerate(ins[1:5])]
        for v in (gamma, beta, mean, var):
            v.layout = layout
        e = Val(bshape, layout, const=np.full(bshape, eps, np.float32))
        ve = self.binary("add", var, e, layout, self.loc("var_eps"))
        inv = self.unary("rsqrt", ve, self.loc("rsqrt"))
        s = self.binary("mul", gamma, inv, layout, self.loc("scale"))
        xc = self.binary("sub", x, mean, layout, self.loc("center"))
        y = self.binary("mul", xc, s, layout, self.loc("mul"))
        return [self.binary("add", y, beta, layout, self.loc())]

    # -- pooling -----------------------------------------------------------------

    def _pool(self, node, ins, kind: str):
        allowed = ["auto_pad", "kernel_shape", "pads", "strides", "ceil_mode",
                   "dilations"]
        if kind == "max":
            allowed += ["storage_order"]
        else:
            allowed += ["count_include_pad"]
        self.check_attrs(node, allowed)
        if "kernel_shape" not in node.attrs:
            raise node.error("attribute 'kernel_shape' is required")
        a = node.attrs
        if any(d != 1 for d in a.get("dilations", [])):
            raise node.attr_error("dilations", list(a["dilations"]),
                                  "only dilation 1 is supported for pooling")
        if a.get("storage_order", 0) != 0:
            raise node.attr_error("storage_order", a["storage_order"],
                                  "only 0 (row major) is supported")
        x = self.float_operand(node, ins[0], 0)
        ls = x.logical_shape
        if len(ls) == 3:
            saved = node.attrs
            node.attrs = self._with_1d(node)
            try:
                y = self._pool2d(node, self._lift_1d(node, x), kind)
            finally:
                node.attrs = saved
            y = self.plain(y)
            return [self.reshape(y, (y.shape[0], y.shape[1], y.shape[3]), tag="to_1d")]
        if len(ls) != 4:
            raise node.error(f"only 1-D and 2-D pooling is supported (input shape "
                             f"{list(ls)})")
        return [self._pool2d(node, x, kind)]

    def _pool2d(self, node, x: Val, kind: str) -> Val:
        a = node.attrs
        k = list(a["kernel_shape"])
        if len(k) != 2:
            raise node.attr_error("kernel_shape", k, "expected 2 values")
        n, c, h, w = x.logical_shape
        pads, strides, _, outs, extra = self._spatial(node, (h, w), k, allow_ceil=True)
        xn = self.to_layout(x, "nhwc")
        if kind == "avg" and a.get("count_include_pad", 0) and any(
                p for ab in pads for p in ab):
            # Padding counts in the divisor: pad with zeros explicitly; TOSA's
            # own padding (ceil-mode extra) is excluded from the count.
            xn = self.pad(xn, [(0, 0), pads[0], pads[1], (0, 0)], tag="pad")
            pads = [(0, 0), (0, 0)]
        xn, pads = self._fit(xn, pads, extra, extra_pad_ok=True)
        for i in range(2):
            if max(pads[i]) >= k[i]:
                raise node.attr_error("pads", list(a.get("pads", [])),
                                      f"padding {pads[i]} is not smaller than the "
                                      f"kernel {k[i]} (TOSA requires it)")
        shape = (xn.shape[0], outs[0], outs[1], xn.shape[3])
        attrs = (f"kernel = array<i64: {k[0]}, {k[1]}>, pad = array<i64: {pads[0][0]}, "
                 f"{pads[0][1]}, {pads[1][0]}, {pads[1][1]}>, "
                 f"stride = array<i64: {strides[0]}, {strides[1]}>")
        if kind == "max":
            return self.new(shape, "nhwc",
                            f"tosa.max_pool2d {self.ssa(xn)} {{{attrs}}} : "
                            f"({_ty(xn.shape)}) -> {_ty(shape)}", self.loc())
        zp = self.zp()
        return self.new(shape, "nhwc",
                        f"tosa.avg_pool2d {self.ssa(xn)}, {zp}, {zp} {{acc_type = f32, "
                        f"{attrs}}} : ({_ty(xn.shape)}, tensor<1xf32>, tensor<1xf32>) -> "
                        f"{_ty(shape)}", self.loc())

    def op_MaxPool(self, node, ins):
        return self._pool(node, ins, "max")

    def op_AveragePool(self, node, ins):
        return self._pool(node, ins, "avg")

    def op_GlobalAveragePool(self, node, ins):
        self.check_attrs(node, ())
        x = self.float_operand(node, ins[0], 0)
        if len(x.logical_shape) != 4:
            raise node.error(f"only 4-D (NCHW) inputs are supported, got "
                             f"{list(x.logical_shape)}")
        xn = self.to_layout(x, "nhwc")
        n, h, w, c = xn.shape
        shape = (n, 1, 1, c)
        zp = self.zp()
        return [self.new(shape, "nhwc",
                         f"tosa.avg_pool2d {self.ssa(xn)}, {zp}, {zp} {{acc_type = f32, "
                         f"kernel = array<i64: {h}, {w}>, pad = array<i64: 0, 0, 0, 0>, "
                         f"stride = array<i64: 1, 1>}} : ({_ty(xn.shape)}, tensor<1xf32>, "
                         f"tensor<1xf32>) -> {_ty(shape)}", self.loc())]

    # -- softmax ------------------------------------------------------------------

    def op_Softmax(self, node, ins):
        self.check_attrs(node, ("axis",))
        x = self.plain(self.float_operand(node, ins[0], 0))
        r = x.rank
        axis = int(node.attrs.get("axis", -1 if self.opset >= 13 else 1))
        if not -r <= axis < r:
            raise node.attr_error("axis", axis, f"out of range for rank {r}")
        if axis < 0:
            axis += r
        orig = x.shape
        if self.opset < 13 and axis != r - 1:
            x = self.reshape(x, (_prod(orig[:axis]), _prod(orig[axis:])), tag="to_2d")
            ax = 1
        else:
            ax = axis
        mx = self.reduce("max", x, ax, self.loc("max"))
        d = self.binary("sub", x, mx, "plain", self.loc("sub"))
        e = self.unary("exp", d, self.loc("exp"))
        s = self.reduce("sum", e, ax, self.loc("sum"))
        inv = self.unary("reciprocal", s, self.loc("reciprocal"))
        if x.shape != orig:
            y = self.binary("mul", e, inv, "plain", self.loc("mul"))
            return [self.reshape(y, orig, loc=self.loc())]
        return [self.binary("mul", e, inv, "plain", self.loc())]


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
                func_name: str = "main") -> str:
    """MLIR text (TOSA on tensors) of an ONNX model.

    ``model``: a ``ModelProto`` or a path.  ``batch``: the size of dynamic
    batch dimensions (default 1; a static batch that differs is an error).
    ``fold_bn``: fold BatchNormalization into the preceding Conv when legal.
    ``bind``: graph inputs to treat as constants (name -> array).
    Raises :class:`OnnxImportError`.
    """
    import onnx
    if isinstance(model, (str, Path)):
        model = onnx.load(str(model))
    if batch is not None and batch < 1:
        raise OnnxImportError(f"batch must be positive, got {batch}")
    return _Importer(model, batch, fold_bn, bind, _sanitize(func_name)).run()


def import_onnx_file(path: Union[str, Path], **kwargs) -> str:
    """``import_onnx`` on a file, with load errors as OnnxImportError."""
    import onnx
    try:
        model = onnx.load(str(path))
    except Exception as e:  # noqa: BLE001 - protobuf raises various errors
        raise OnnxImportError(f"cannot read ONNX model '{path}': {e}") from e
    return import_onnx(model, **kwargs)


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
            np.save(p, np.ascontiguousarray(arr, dtype=np.float32))
            args.append(f"--input={p}")
        outs = [Path(d) / f"out{k}.npy" for k in range(num_outputs)]
        args += [f"--output={p}" for p in outs]
        tools.run_tool("qsim-run", args)
        return [np.load(p) for p in outs]
