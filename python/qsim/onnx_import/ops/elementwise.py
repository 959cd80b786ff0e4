"""Elementwise ops: arithmetic, comparisons and logic with ONNX (numpy)
broadcasting, Where, Cast, Max/Min, Pow, Relu/Clip, Identity, Dropout,
Constant.

Every broadcasting op goes through ``_broadcast``: operands are brought to
the result's rank; when the result is 4-D and an operand is stored NHWC, all
operands go NHWC (constants are transposed at import), so elementwise chains
between convolutions need no transposes.  Unary ops keep their operand's
layout.

TOSA has no float division: ``a / b`` is ``a * reciprocal(b)``, and with a
constant ``b`` the reciprocal is a float32 constant.  That product is
rounded twice, so it can differ from a correctly rounded ``a / b`` in the
last bit (exact when ``b`` is a power of two, and ``1 / b`` alone is exact).
"""

from __future__ import annotations

import numpy as np

from ..values import (FLT_LOWEST, FLT_MAX, OnnxImportError, Val,
                      _Node, _bcast_shape, _ty)

#: MLIR element type -> the dtype name errors use.
_DTYPE_NAME = {"f32": "float32", "i32": "int32", "i64": "int64", "i1": "bool"}
#: MLIR element type -> numpy dtype of constants.
_NP = {"f32": np.float32, "i32": np.int32, "i64": np.int64, "i1": np.bool_}

F32 = ("f32",)
NUMERIC = ("f32", "i32", "i64")
BOOL = ("i1",)
ANY = ("f32", "i32", "i64", "i1")

#: ONNX Cast targets (TensorProto enum) -> MLIR element type.
_CAST_TARGETS = {1: "f32", 6: "i32", 7: "i64", 9: "i1"}
_CAST_NAMES = {"FLOAT": 1, "INT32": 6, "INT64": 7, "BOOL": 9}


def _dtype_name(elt: str) -> str:
    return _DTYPE_NAME.get(elt, elt)


class ElementwiseOps:
    # -- helpers shared with ops/activation.py -----------------------------

    def _typed(self, node: _Node, v: Val, pos: int, allowed) -> Val:
        """``v`` if its element type is in ``allowed``, else an error."""
        try:
            elt = v.dtype
        except OnnxImportError:  # a constant of a dtype MLIR has no name for
            elt = str(v.const.dtype)
        if elt not in allowed:
            names = ", ".join(_dtype_name(a) for a in allowed)
            raise node.error(f"input #{pos} '{node.inputs[pos]}' has dtype "
                             f"{_dtype_name(elt)}; {node.op_type} supports {names} only")
        return v

    def _same_dtype(self, node: _Node, vals, positions=None):
        positions = positions or range(len(vals))
        elts = [v.dtype for v in vals]
        if len(set(elts)) > 1:
            desc = ", ".join(f"#{p} {_dtype_name(e)}" for p, e in zip(positions, elts))
            raise node.error(f"inputs have different dtypes ({desc})")

    def _legacy_broadcast(self, node: _Node, a: Val, b: Val) -> Val:
        """Opset < 7 ``broadcast=1``: ``b`` aligns with ``a`` at ``axis``."""
        la, lb = a.logical_shape, b.logical_shape
        if not node.attrs.get("broadcast", 0) or len(lb) >= len(la):
            return b
        axis = int(node.attrs.get("axis", len(la) - len(lb)))
        if axis < 0:
            axis += len(la)
        if not 0 <= axis <= len(la) - len(lb):
            raise node.attr_error("axis", node.attrs.get("axis"),
                                  f"out of range for shapes {list(la)} and {list(lb)}")
        newb = (1,) * axis + tuple(lb) + (1,) * (len(la) - axis - len(lb))
        return self.reshape(self.plain(b), newb, tag="legacy_broadcast")

    def _broadcast(self, node: _Node, vals):
        """Operands brought to the broadcast rank, and their common layout."""
        out = ()
        for v in vals:
            s = _bcast_shape(out, v.logical_shape)
            if s is None:
                shapes = ", ".join(str(list(v.logical_shape)) for v in vals)
                raise node.error(f"shapes {shapes} do not broadcast")
            out = s
        rank = len(out)
        if rank == 0:
            raise node.error("scalar results are not supported")
        use_nhwc = rank == 4 and any(v.layout == "nhwc" for v in vals)
        ops = []
        for v in vals:
            if use_nhwc:
                v = v if v.layout == "nhwc" else self.to_layout(
                    self.expand_rank(v, 4), "nhwc")
            else:
                v = self.expand_rank(v, rank)
            ops.append(v)
        return ops, "nhwc" if use_nhwc else "plain"

    def _tosa(self, op: str, vals, loc: str, dtype=None, layout=None) -> Val:
        """``tosa.<op>`` of equal-rank operands (size-1 dims broadcast).
        ``dtype``: the result's element type (default: the first operand's);
        ``layout``: default the first operand's."""
        shape = ()
        for v in vals:
            shape = _bcast_shape(shape, v.shape)
        assert shape is not None and len({v.rank for v in vals}) == 1, \
            [v.shape for v in vals]
        dtype = dtype or vals[0].dtype
        layout = layout or vals[0].layout
        names = [self.ssa(v) for v in vals]
        types = [_ty(v.shape, v.dtype) for v in vals]
        if op == "mul":
            names.append(self.shift())
            types.append("tensor<1xi8>")
        elif op == "negate":
            names += [self.zp(), self.zp()]
            types += ["tensor<1xf32>", "tensor<1xf32>"]
        return self.new(shape, layout,
                        f"tosa.{op} {', '.join(names)} : ({', '.join(types)}) -> "
                        f"{_ty(shape, dtype)}", loc, dtype=dtype)

    def _scalar(self, value, dtype: str, rank: int) -> Val:
        """A constant of shape [1]*rank (any layout: all dims are 1)."""
        arr = np.full((1,) * rank, value, dtype=_NP[dtype])
        return Val(arr.shape, "plain", const=arr)

    def _like(self, v: Val, value) -> Val:
        """A broadcastable scalar constant of ``v``'s rank and dtype."""
        c = self._scalar(value, v.dtype, v.rank)
        c.layout = v.layout
        return c

    def _cast(self, v: Val, dtype: str, loc: str) -> Val:
        if v.dtype == dtype:
            return v
        return self.new(v.shape, v.layout,
                        f"tosa.cast {self.ssa(v)} : ({_ty(v.shape, v.dtype)}) -> "
                        f"{_ty(v.shape, dtype)}", loc, dtype=dtype)

    def _mul_const(self, x: Val, c: float, loc: str) -> Val:
        return self._tosa("mul", [x, self._like(x, np.float32(c))], loc)

    def _add_const(self, x: Val, c: float, loc: str) -> Val:
        return self._tosa("add", [x, self._like(x, np.float32(c))], loc)

    def _check_legacy(self, node: _Node, extra=()):
        """Attributes of ops that gained numpy broadcasting in opset 7."""
        if self.opset < 7:
            self.check_attrs(node, ("broadcast", "axis", "consumed_inputs") + tuple(extra))
        else:
            self.check_attrs(node, tuple(extra))

    def _binary_node(self, node: _Node, ins, allowed):
        """The two operands of a binary node: dtype-checked, equal dtypes,
        legacy-broadcast, brought to a common rank and layout."""
        a = self._typed(node, ins[0], 0, allowed)
        b = self._typed(node, ins[1], 1, allowed)
        self._same_dtype(node, [a, b])
        if self.opset < 7:
            b = self._legacy_broadcast(node, a, b)
        return self._broadcast(node, [a, b])

    # -- arithmetic ----------------------------------------------------------

    def _elementwise(self, node: _Node, ins, op: str):
        self._check_legacy(node)
        (a, b), _ = self._binary_node(node, ins, NUMERIC)
        return [self._tosa(op, [a, b], self.loc())]

    def op_Add(self, node, ins):
        return self._elementwise(node, ins, "add")

    def op_Sub(self, node, ins):
        return self._elementwise(node, ins, "sub")

    def op_Mul(self, node, ins):
        return self._elementwise(node, ins, "mul")

    def op_Div(self, node, ins):
        """Integers: tosa.intdiv (truncates toward zero, as ONNX).  Floats:
        ``a * reciprocal(b)`` (see the module docstring for the rounding)."""
        self._check_legacy(node)
        (a, b), _ = self._binary_node(node, ins, NUMERIC)
        if a.dtype != "f32":
            if b.is_const and np.any(b.const == 0):
                raise node.error("integer division by a constant zero")
            return [self._tosa("intdiv", [a, b], self.loc())]
        if b.is_const:
            with np.errstate(divide="ignore"):
                inv = (np.float32(1) / b.const).astype(np.float32)
            return [self._tosa("mul", [a, Val(b.shape, b.layout, const=inv)],
                               self.loc())]
        if a.is_const and np.all(a.const == 1) and _bcast_shape(a.shape, b.shape) \
                == b.shape:
            return [self._tosa("reciprocal", [b], self.loc())]
        r = self._tosa("reciprocal", [b], self.loc("reciprocal"))
        return [self._tosa("mul", [a, r], self.loc())]

    def _variadic(self, node: _Node, ins, op: str):
        self.check_attrs(node, ("consumed_inputs",) if self.opset < 6 else ())
        vals = [self._typed(node, v, i, NUMERIC) for i, v in enumerate(ins)]
        if not vals:
            raise node.error("needs at least one input")
        self._same_dtype(node, vals)
        if len(vals) == 1:
            return [vals[0]]
        ops, _ = self._broadcast(node, vals)
        acc = ops[0]
        for k, v in enumerate(ops[1:], start=1):
            last = k == len(ops) - 1
            acc = self._tosa(op, [acc, v], self.loc() if last else self.loc(op))
        return [acc]

    def op_Max(self, node, ins):
        return self._variadic(node, ins, "maximum")

    def op_Min(self, node, ins):
        return self._variadic(node, ins, "minimum")

    def op_Pow(self, node, ins):
        """A constant uniform exponent 1, 2 or 0.5 becomes x, x*x or
        sqrt(x) (= reciprocal(rsqrt(x))); anything else tosa.pow, with an
        integer exponent converted to float32."""
        self._check_legacy(node)
        x = self._typed(node, ins[0], 0, F32)
        y = self._typed(node, ins[1], 1, NUMERIC)
        if self.opset < 7:
            y = self._legacy_broadcast(node, x, y)
        out = _bcast_shape(x.logical_shape, y.logical_shape)
        if y.is_const and out == x.logical_shape and y.const.size:
            e = float(y.const.reshape(-1)[0])
            if np.all(y.const == y.const.reshape(-1)[0]) and e in (1.0, 2.0, 0.5):
                if e == 1.0:
                    return [x]
                if e == 2.0:
                    return [self._tosa("mul", [x, x], self.loc())]
                r = self._tosa("rsqrt", [x], self.loc("rsqrt"))
                return [self._tosa("reciprocal", [r], self.loc())]
        if y.is_const:
            y = Val(y.shape, y.layout, const=y.const.astype(np.float32), name=y.name)
        else:
            y = self._cast(y, "f32", self.loc("cast"))
        (x, y), _ = self._broadcast(node, [x, y])
        return [self._tosa("pow", [x, y], self.loc())]

    # -- unary ---------------------------------------------------------------

    def _unary_node(self, node: _Node, ins, op: str, allowed=F32):
        self.check_attrs(node, ("consumed_inputs",) if self.opset < 6 else ())
        x = self._typed(node, ins[0], 0, allowed)
        return [self._tosa(op, [x], self.loc())]

    def op_Neg(self, node, ins):
        self.check_attrs(node, ("consumed_inputs",) if self.opset < 6 else ())
        x = self._typed(node, ins[0], 0, NUMERIC)
        if x.dtype == "f32":
            return [self._tosa("negate", [x], self.loc())]
        return [self._tosa("sub", [self._like(x, 0), x], self.loc())]

    def op_Abs(self, node, ins):
        return self._unary_node(node, ins, "abs", NUMERIC)

    def op_Reciprocal(self, node, ins):
        return self._unary_node(node, ins, "reciprocal")

    def op_Sqrt(self, node, ins):
        """sqrt(x) = reciprocal(rsqrt(x)): TOSA has no sqrt."""
        self.check_attrs(node, ("consumed_inputs",) if self.opset < 6 else ())
        x = self._typed(node, ins[0], 0, F32)
        r = self._tosa("rsqrt", [x], self.loc("rsqrt"))
        return [self._tosa("reciprocal", [r], self.loc())]

    def op_Relu(self, node, ins):
        self.check_attrs(node, ("consumed_inputs",) if self.opset < 6 else ())
        x = self._typed(node, ins[0], 0, F32)
        return [self.clamp(x, 0.0, FLT_MAX, self.loc())]

    def op_Clip(self, node, ins):
        lo, hi = FLT_LOWEST, FLT_MAX
        if self.opset < 11:
            self.check_attrs(node, ("min", "max", "consumed_inputs"))
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
        x = self._typed(node, ins[0], 0, F32)
        lo, hi = max(lo, FLT_LOWEST), min(hi, FLT_MAX)
        if lo > hi:  # ONNX: every element becomes max
            lo = hi
        if x.is_const:
            return [Val(x.shape, x.layout, const=np.clip(x.const, lo, hi).astype(np.float32))]
        return [self.clamp(x, lo, hi, self.loc())]

    # -- comparisons and logic ---------------------------------------------------

    def _compare(self, node: _Node, ins, op: str, swap: bool = False, allowed=NUMERIC):
        self._check_legacy(node)
        (a, b), layout = self._binary_node(node, ins, allowed)
        if swap:
            a, b = b, a
        return [self._tosa(op, [a, b], self.loc(), dtype="i1", layout=layout)]

    def op_Equal(self, node, ins):
        return self._compare(node, ins, "equal", allowed=ANY)

    def op_Greater(self, node, ins):
        return self._compare(node, ins, "greater")

    def op_Less(self, node, ins):
        return self._compare(node, ins, "greater", swap=True)

    def op_GreaterOrEqual(self, node, ins):
        return self._compare(node, ins, "greater_equal")

    def op_LessOrEqual(self, node, ins):
        return self._compare(node, ins, "greater_equal", swap=True)

    def op_And(self, node, ins):
        return self._compare(node, ins, "logical_and", allowed=BOOL)

    def op_Or(self, node, ins):
        return self._compare(node, ins, "logical_or", allowed=BOOL)

    def op_Xor(self, node, ins):
        return self._compare(node, ins, "logical_xor", allowed=BOOL)

    def op_Not(self, node, ins):
        return self._unary_node(node, ins, "logical_not", BOOL)

    def op_Where(self, node, ins):
        self.check_attrs(node, ())
        c = self._typed(node, ins[0], 0, BOOL)
        x = self._typed(node, ins[1], 1, ANY)
        y = self._typed(node, ins[2], 2, ANY)
        self._same_dtype(node, [x, y], (1, 2))
        (c, x, y), layout = self._broadcast(node, [c, x, y])
        return [self._tosa("select", [c, x, y], self.loc(), dtype=x.dtype,
                           layout=layout)]

    # -- casts ----------------------------------------------------------------

    def op_Cast(self, node, ins):
        """To FLOAT, INT32, INT64 or BOOL.  float -> int truncates toward
        zero as ONNX does (tosa.cast rounds to nearest, so the value is
        floored or ceiled first); x -> BOOL is x != 0."""
        self.check_attrs(node, ("to", "saturate"))
        if "to" not in node.attrs:
            raise node.error("attribute 'to' is required")
        to = node.attrs["to"]
        from onnx import TensorProto
        if isinstance(to, str):  # Cast-1 names the type
            to_name = to.upper()
            code = _CAST_NAMES.get(to_name)
        else:
            code = int(to)
            try:
                to_name = TensorProto.DataType.Name(code)
            except ValueError:
                to_name = str(code)
        if code not in _CAST_TARGETS:
            raise node.attr_error("to", to_name, "only FLOAT, INT32, INT64 and BOOL "
                                  "are supported")
        return [self._cast_to(node, self._typed(node, ins[0], 0, ANY),
                              _CAST_TARGETS[code])]

    def op_CastLike(self, node, ins):
        self.check_attrs(node, ("saturate",))
        target = self._typed(node, ins[1], 1, ANY)
        return [self._cast_to(node, self._typed(node, ins[0], 0, ANY), target.dtype)]

    def _cast_to(self, node: _Node, x: Val, to: str) -> Val:
        src = x.dtype
        if src == to:
            return x
        if to == "i1":
            if src == "f32":  # NaN != 0 as well
                eq = self._tosa("equal", [x, self._like(x, 0.0)], self.loc("eq_zero"),
                                dtype="i1")
                return self._tosa("logical_not", [eq], self.loc(), dtype="i1")
            return self._cast(x, "i1", self.loc())
        if src == "f32":
            zero = self._like(x, 0.0)
            ge = self._tosa("greater_equal", [x, zero], self.loc("is_nonneg"), dtype="i1")
            fl = self._tosa("floor", [x], self.loc("floor"))
            ce = self._tosa("ceil", [x], self.loc("ceil"))
            x = self._tosa("select", [ge, fl, ce], self.loc("trunc"), dtype="f32",
                           layout=x.layout)
        elif src == "i1" and to != "i32":  # bool -> int32 -> float32 / int64
            x = self._cast(x, "i32", self.loc("to_i32"))
        return self._cast(x, to, self.loc())

    # -- the rest ---------------------------------------------------------------

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
        return [Val(arr.shape, "plain", const=np.asarray(arr, order="C"),
                    name=node.outputs[0])]
