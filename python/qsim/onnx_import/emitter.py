"""The importer's core: one emitter of TOSA text, value layouts, and the
driver that walks the graph and dispatches each node to an ``op_<Type>``
handler (the handlers live in ``ops/``, one file per family)."""

from __future__ import annotations

import contextlib
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from .. import tools
from .values import (NCHW_TO_NHWC as _NCHW_TO_NHWC, NHWC_TO_NCHW as _NHWC_TO_NCHW, OnnxImportError,
                     OnnxImportBug,
                     Val, _Node, _bcast_shape, _f32,
                     _prod, _quote, _ty)

#: Operand positions that must be compile-time constants (initializers,
#: Constant nodes or inputs bound with ``bind=``).
CONSTANT_OPERANDS = {"Reshape": (1,), "Clip": (1, 2), "Dropout": (1, 2),
                     "Slice": (1, 2, 3, 4), "Pad": (1, 2, 3), "Tile": (1,),
                     "Expand": (1,), "Squeeze": (1,), "Unsqueeze": (1,),
                     "Split": (1,)}

#: onnxruntime's contrib-op domain: its nodes dispatch to ``ms_<Type>``
#: handlers (ops/quant.py: the QOperator ops of ``quantize_static``); any
#: other of its ops is refused by name.
MS_DOMAIN = "com.microsoft"


def _with_keep_float(text: str, why: str) -> str:
    """``text`` (one op, its type signature last) with the discardable
    attribute ``qsim.keep_float = "why"``, which qsim-annotate reads: merged
    into the op's attribute dictionary when it has one before the
    signature, else added as one."""
    at = text.rfind(" : (")
    if at < 0 or text.startswith(('"tosa.const"', "tosa.const_shape")):
        return text
    head, tail = text[:at], text[at:]
    attr = f"qsim.keep_float = {_quote(why)}"
    if head.endswith("}") and not head.endswith("}>"):
        return f"{head[:-1]}, {attr}}}{tail}"
    return f"{head} {{{attr}}}{tail}"

class ImporterBase:
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
        # While set, the ops emitted carry qsim.keep_float = <this>: a
        # decomposition whose statistics need float (softmax, layer norm).
        self.keep_float: Optional[str] = None

    @classmethod
    def supported_ops(cls) -> List[str]:
        """Every op type with an ``op_<Type>`` handler."""
        return sorted(n[3:] for n in dir(cls) if n.startswith("op_"))

    @classmethod
    def supported_ms_ops(cls) -> List[str]:
        """Every com.microsoft op type with an ``ms_<Type>`` handler."""
        return sorted(n[3:] for n in dir(cls) if n.startswith("ms_"))

    def pass_pairs(self, node: _Node, first: int):
        """Called after each node's handler, which emitted the lines from
        ``first`` (ops/quant.py overrides it)."""

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
        if self.keep_float is not None and not prelude:
            text = _with_keep_float(text, self.keep_float)
        line = f"    {ssa} = {text} loc({_quote(loc)})"
        (self.prelude if prelude else self.lines).append(line)
        return ssa

    @contextlib.contextmanager
    def keeping_float(self, why: str):
        """The ops emitted inside carry ``qsim.keep_float = why``: qsim-annotate
        leaves them in float (a softmax's or a normalization's statistics lose
        everything on an 8-bit grid: the squares of a layer norm span 10^-11 to
        10^5)."""
        old, self.keep_float = self.keep_float, why
        try:
            yield
        finally:
            self.keep_float = old

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
        if arr.dtype not in (np.float32, np.int32, np.int64, np.bool_):
            raise self.node.error(
                f"constant {v.name or ''} of dtype {arr.dtype} used as a tensor "
                f"operand; only float32 (and int32/int64/bool) tensors are "
                f"supported") if self.node \
                else OnnxImportError(f"constant of dtype {arr.dtype} used as a tensor")
        if arr.ndim == 0:
            arr = arr.reshape(1)
            v = Val((1,), v.layout, const=arr, name=v.name)
        t = _ty(arr.shape, v.dtype)
        loc = v.name if v.name else self.loc("const")
        if arr.dtype == np.bool_:  # i1 hex is bit-packed: spell the elements
            body = str(arr.tolist()).replace("True", "true").replace("False", "false")
            dense = f"dense<{body}>"
        else:
            dense = tools.dense_hex(arr)
        v.ssa = self.emit(f'"tosa.const"() <{{values = {dense} : {t}}}> '
                          f": () -> {t}", loc)
        return v.ssa

    def new(self, shape, layout, text: str, loc: str, dtype: str = "f32") -> Val:
        return Val(shape, layout, ssa=self.emit(text, loc), dtype=dtype)

    # -- primitive ops (fold constants) -------------------------------------

    def transpose(self, v: Val, perm: Sequence[int], layout="plain",
                  tag="transpose") -> Val:
        perm = tuple(int(p) for p in perm)
        shape = tuple(v.shape[p] for p in perm)
        if v.is_const:
            return Val(shape, layout, const=np.ascontiguousarray(
                np.transpose(v.const, perm)), name=v.name)
        if perm == tuple(range(len(perm))):
            return Val(v.shape, layout, ssa=v.ssa, dtype=v.dtype)
        ps = ", ".join(map(str, perm))
        e = v.dtype
        return self.new(shape, layout,
                        f"tosa.transpose {self.ssa(v)} {{perms = array<i32: {ps}>}} : "
                        f"({_ty(v.shape, e)}) -> {_ty(shape, e)}", self.loc(tag), dtype=e)

    def reshape(self, v: Val, shape: Sequence[int], tag="reshape", loc=None) -> Val:
        shape = tuple(int(d) for d in shape)
        if _prod(shape) != _prod(v.shape):
            raise self.node.error(f"cannot reshape {list(v.shape)} to {list(shape)}")
        if v.is_const:
            return Val(shape, "plain", const=v.const.reshape(shape), name=v.name)
        if shape == v.shape and loc is None:
            return Val(shape, "plain", ssa=v.ssa, dtype=v.dtype)
        loc = loc or self.loc(tag)
        s = self.shape_const(shape, loc)
        e = v.dtype
        return self.new(shape, "plain",
                        f"tosa.reshape {self.ssa(v)}, {s} : ({_ty(v.shape, e)}, "
                        f"!tosa.shape<{len(shape)}>) -> {_ty(shape, e)}", loc, dtype=e)

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
        e = v.dtype
        return self.new(size, v.layout,
                        f"tosa.slice {self.ssa(v)}, {s0}, {s1} : ({_ty(v.shape, e)}, "
                        f"!tosa.shape<{r}>, !tosa.shape<{r}>) -> {_ty(size, e)}", loc,
                        dtype=e)

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
        e = vals[0].dtype
        types = ", ".join(_ty(v.shape, e) for v in vals)
        return self.new(shape, layout,
                        f"tosa.concat {names} {{axis = {axis} : i32}} : ({types}) -> "
                        f"{_ty(shape, e)}", loc, dtype=e)

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
        e = v.dtype
        return self.new(shape, layout,
                        f"tosa.transpose {self.ssa(v)} {{perms = array<i32: {ps}>}} : "
                        f"({_ty(v.shape, e)}) -> {_ty(shape, e)}", f"{v.name}/{tag}",
                        dtype=e)

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
            if imp.domain not in ("", "ai.onnx", MS_DOMAIN) and any(
                    n.domain == imp.domain for n in g.node):
                raise OnnxImportError(f"operator set domain '{imp.domain}' is not "
                                      f"supported")
        for k, n in enumerate(g.node):
            if n.domain == MS_DOMAIN and n.op_type not in self.supported_ms_ops():
                name = n.name or (n.output[0] if n.output else f"node{k}")
                raise OnnxImportError(
                    f"node '{name}' ({n.op_type}): operator '{MS_DOMAIN}.{n.op_type}' is "
                    f"not supported (supported in domain '{MS_DOMAIN}': "
                    f"{', '.join(self.supported_ms_ops())})")

        # Constants: initializers, then bound inputs.
        for init in g.initializer:
            if init.data_location == onnx.TensorProto.EXTERNAL:
                raise OnnxImportError(f"initializer '{init.name}' has external data; "
                                      f"load the model with its data first")
            try:
                arr = numpy_helper.to_array(init)
            except Exception as e:  # noqa: BLE001 - bytes that do not fit dims/type
                raise OnnxImportError(f"initializer '{init.name}' cannot be read "
                                      f"(its data does not match its dims and "
                                      f"type): {e}") from None
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

        self.consumers: Dict[str, List[int]] = {}
        for k, n in enumerate(g.node):
            for name in n.input:
                if name:
                    self.consumers.setdefault(name, []).append(k)
        self.graph_outputs = {o.name for o in g.output}

        # Arguments: the graph inputs without a constant.
        args = []
        for i, inp in enumerate(g.input):
            if inp.name in self.values:
                continue
            shape, dtype = self._input_shape(inp)
            v = Val(shape, "plain", ssa=f"%arg{len(args)}", name=inp.name, dtype=dtype)
            args.append((v, inp.name))
            self.values[inp.name] = v

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
            contrib = node.proto.domain == MS_DOMAIN
            if node.proto.domain not in ("", "ai.onnx") and not contrib:
                raise node.error(f"operator domain '{node.proto.domain}' is not supported")
            required = self._required_inputs(node)
            ins = []
            for pos, name in enumerate(node.inputs):
                if not name:
                    if pos in required:
                        raise node.error(f"input #{pos} is empty, but {node.op_type} "
                                         f"requires it")
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
            # Constant inputs fold whatever the op (ConstantOfShape, Range,
            # ... of static shapes need no handler).
            handler = getattr(self, f"{'ms' if contrib else 'op'}_{node.op_type}", None)
            if handler is None and not self.foldable(node, ins):
                raise node.error(f"operator '{node.op_type}' is not supported "
                                 f"(supported: {', '.join(self.supported_ops())})")
            # The last line of defence: whatever a handler did not check
            # becomes an error naming the node, flagged as the importer's bug.
            first = len(self.lines)
            try:
                outs = self.fold(node, ins) if self.foldable(node, ins) \
                    else handler(node, ins)
            except OnnxImportError:
                raise
            except Exception as e:  # noqa: BLE001 - see OnnxImportBug
                raise node.bug(e) from e
            for name, v in zip(node.outputs, outs):
                if name and v is not None:
                    if v.name is None:
                        v.name = name
                    self.values[name] = v
            try:
                self.pass_pairs(node, first)
            except OnnxImportError:
                raise
            except Exception as e:  # noqa: BLE001 - see OnnxImportBug
                raise node.bug(e) from e
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
            if v.is_const and v.const.dtype not in (np.float32, np.int64, np.int32,
                                                    np.bool_):
                raise OnnxImportError(f"graph output '{o.name}' has dtype "
                                      f"{v.const.dtype}; only FLOAT (float32), INT64, "
                                      f"INT32 and BOOL outputs are supported")
            v = self.plain(v)
            if v.rank == 0:
                raise OnnxImportError(f"graph output '{o.name}' is a scalar; "
                                      f"only ranked tensors are supported")
            results.append(v)
        ret_names = [self.ssa(v) for v in results]
        ret_types = [_ty(v.shape, v.dtype) for v in results]

        sig = ", ".join(f"{v.ssa}: {_ty(v.shape, v.dtype)} loc({_quote(n)})"
                        for v, n in args)
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

    def _required_inputs(self, node: _Node) -> set:
        """Positions of ``node``'s inputs that its ONNX schema does not mark
        optional (the checker refuses an empty single input; an empty one
        among variadic inputs it lets through)."""
        import onnx
        try:
            schema = onnx.defs.get_schema(node.op_type, self.opset, "")
        except Exception:  # noqa: BLE001 - no schema: the handler decides
            return set()
        formal = list(schema.inputs)
        optional = onnx.defs.OpSchema.FormalParameterOption.Optional
        out = set()
        for pos in range(len(node.inputs)):
            if not formal:
                break
            f = formal[min(pos, len(formal) - 1)]
            if f.option != optional:
                out.add(pos)
        return out

    def _const_val(self, arr: np.ndarray, name: str) -> Val:
        if arr.dtype == np.float64 or arr.dtype == np.float16:
            raise OnnxImportError(f"initializer '{name}' has dtype {arr.dtype}; only "
                                  f"float32 tensors (and integer shape operands) are "
                                  f"supported")
        if arr.dtype.kind not in "fiub":
            raise OnnxImportError(f"initializer '{name}' has unsupported dtype {arr.dtype}")
        # np.asarray keeps rank 0 (np.ascontiguousarray makes scalars 1-D)
        return Val(arr.shape, "plain", const=np.asarray(arr, order="C"), name=name)

    #: op -> input positions holding integers that ops/quant.py reads.
    QUANTIZED_OPERANDS = {"DequantizeLinear": (0,), "QLinearConv": (0,),
                          "QLinearMatMul": (0, 3)}

    def _quantized_operand_only(self, name: str) -> bool:
        """Whether every use of ``name`` is a quantized operand."""
        uses = [(n.op_type, pos) for n in self.graph.node
                for pos, i in enumerate(n.input) if i == name]
        return bool(uses) and name not in self.graph_outputs and all(
            pos in self.QUANTIZED_OPERANDS.get(op, ()) for op, pos in uses)

    def _input_shape(self, inp) -> Tuple[Tuple[int, ...], str]:
        """(static shape, MLIR element type) of a graph input."""
        import onnx
        tt = inp.type.tensor_type
        if not inp.type.HasField("tensor_type"):
            raise OnnxImportError(f"graph input '{inp.name}' is not a tensor")
        elts = {onnx.TensorProto.FLOAT: "f32", onnx.TensorProto.INT64: "i64",
                onnx.TensorProto.INT32: "i32", onnx.TensorProto.BOOL: "i1"}
        if tt.elem_type in (onnx.TensorProto.INT8, onnx.TensorProto.UINT8) \
                and self._quantized_operand_only(inp.name):
            # Integers that only the quantization ops read
            # (ops/quant.py, which dequantizes them exactly).
            elts = {onnx.TensorProto.INT8: "i8", onnx.TensorProto.UINT8: "ui8"}
        if tt.elem_type not in elts:
            dt = (onnx.TensorProto.DataType.Name(tt.elem_type)
                  if tt.elem_type in onnx.TensorProto.DataType.values()
                  else f"{tt.elem_type} (no ONNX data type)")
            raise OnnxImportError(f"graph input '{inp.name}' has element type {dt}; "
                                  f"only FLOAT (float32) inputs are supported (and "
                                  f"INT64, INT32, BOOL ones for indices and masks, "
                                  f"INT8, UINT8 ones read only by DequantizeLinear, "
                                  f"QLinearConv and QLinearMatMul)")
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
                shape = ",".join(str(x.dim_value) if x.HasField("dim_value") else "?"
                                 for x in tt.shape.dim)
                raise OnnxImportError(f"graph input '{inp.name}' has a dynamic dimension "
                                      f"{i} ('{what}') in [{shape}]; give its shape with "
                                      f"--input-shape {inp.name}=D0,D1,... (only the "
                                      f"batch dimension 0 defaults, to --batch or 1)")
        if not dims:
            raise OnnxImportError(f"graph input '{inp.name}' is a scalar; bind it to a "
                                  f"constant or make it an initializer")
        return tuple(dims), elts[tt.elem_type]

    # -- constant folding ---------------------------------------------------------

    #: Ops never folded here: they have handlers that make constants
    #: themselves, or they have no inputs to fold.
    NO_FOLD = ("Constant", "Identity", "Dropout")

    def foldable(self, node: _Node, ins) -> bool:
        """Whether every input of ``node`` is a compile-time constant, so that
        its outputs are computed now (Shape/Gather/Concat/Cast chains of
        static shapes, weight transposes, ...)."""
        present = [v for v in ins if v is not None]
        return (node.op_type not in self.NO_FOLD and bool(present)
                and node.proto.domain in ("", "ai.onnx")
                and all(v.is_const for v in present))

    def fold(self, node: _Node, ins) -> List[Val]:
        """Outputs of a node with constant inputs, computed by ONNX's
        reference evaluator (the ONNX semantics, not a copy of them)."""
        from onnx.reference import ReferenceEvaluator
        feeds = {}
        for name, v in zip(node.inputs, ins):
            if name and v is not None:
                feeds[name] = v.const if v.layout == "plain" else np.transpose(
                    v.const, _NHWC_TO_NCHW)
        try:
            ev = ReferenceEvaluator(node.proto, opsets={"": self.opset})
            results = ev.run(None, feeds)
        except Exception as e:  # noqa: BLE001 - the evaluator raises many kinds
            raise node.error(f"constant folding failed: {type(e).__name__}: {e}") from e
        outs = []
        for name, arr in zip(node.outputs, results):
            arr = np.asarray(arr)
            if arr.dtype == np.float64 and any(
                    v is not None and v.const.dtype == np.float32 for v in ins):
                arr = arr.astype(np.float32)
            outs.append(Val(arr.shape, "plain", const=np.asarray(arr, order="C"),
                            name=name or None))
        return outs

    def op_Shape(self, node, ins):
        """The static shape of a value: always a constant."""
        self.check_attrs(node, ("start", "end"))
        shape = list(ins[0].logical_shape)
        r = len(shape)
        start = int(node.attrs.get("start", 0))
        end = int(node.attrs.get("end", r))
        start = min(max(start + r if start < 0 else start, 0), r)
        end = min(max(end + r if end < 0 else end, 0), r)
        return [Val((max(end - start, 0),), const=np.array(shape[start:end], np.int64))]

    def op_Size(self, node, ins):
        self.check_attrs(node, ())
        return [Val((), const=np.array(_prod(ins[0].logical_shape), np.int64))]

    # -- helpers for handlers ---------------------------------------------------

    def check_attrs(self, node: _Node, allowed: Iterable[str]):
        allowed = set(allowed)
        for a in node.attrs:
            if a not in allowed:
                raise node.attr_error(a, node.attrs[a], "unknown attribute for this "
                                      "importer")

    def operands(self, node: _Node, ins, required: int, optional: int = 0):
        """``ins`` checked to hold the ``required`` leading inputs (present)
        and at most ``optional`` more; padded with ``None`` to that length."""
        if len(ins) < required or any(v is None for v in ins[:required]):
            raise node.error(f"needs {required} input(s), got "
                             f"{sum(v is not None for v in ins[:required])}")
        if len(ins) > required + optional:
            raise node.error(f"takes at most {required + optional} inputs, got "
                             f"{len(ins)}")
        return list(ins) + [None] * (required + optional - len(ins))

    def require_rank(self, node: _Node, v: Val, pos: int, ranks: Iterable[int]) -> Val:
        """``v`` if its (logical) rank is one of ``ranks``, else an error
        naming input #pos."""
        ranks = tuple(ranks)
        r = len(v.logical_shape)
        if r not in ranks:
            want = " or ".join(map(str, ranks))
            raise node.error(f"input #{pos} '{node.inputs[pos]}' has rank {r} (shape "
                             f"{list(v.logical_shape)}); {node.op_type} needs rank {want}")
        return v

    def const_array(self, node: _Node, v: Val, what: str) -> np.ndarray:
        if v is None or not v.is_const:
            raise node.error(f"{what} must be a constant")
        return v.const if v.layout == "plain" else np.transpose(v.const, _NHWC_TO_NCHW)

    def float_operand(self, node: _Node, v: Val, pos: int) -> Val:
        if v.is_const and v.const.dtype != np.float32:
            raise node.error(f"input #{pos} '{node.inputs[pos]}' has dtype "
                             f"{v.const.dtype}; only FLOAT (float32) inputs are "
                             f"supported here")
        return v
