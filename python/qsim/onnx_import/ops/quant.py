"""QuantizeLinear / DequantizeLinear and QLinearConv / QLinearMatMul of a
model quantized by another tool (QDQ ONNX, e.g. onnxruntime's
``quantize_static`` or ``qsim export-onnx``, and the QOperator format).

The importer's values are float tensors, so an integer tensor is imported
as its dequantized value: a ``QuantizeLinear`` (or a QLinear op's output)
is one ``qsim.sim_quantize`` with the file's scale and zero point fixed
(``point = "<node>.out"``, kind activation; uint8 as the same grid on
int8, zero point - 128), which is ``dequantize(quantize(x))`` in float32
as ONNX defines it (round half to even, saturate).  A DequantizeLinear of
such a tensor is the identity; of constant integers (a weight, an int32
bias) it folds like any constant node (``ImporterBase.fold``,
onnx.reference).  QLinearConv and QLinearMatMul are the float Conv / MatMul
(the importer's own handlers) on the dequantized input and constants
(weights ``(w - w_zp) * w_scale`` per tensor or per output channel, an
int32 bias times ``x_scale * w_scale``), then the output's
``qsim.sim_quantize``.  The module is then at the calibrate stage:
``--qsim-realize`` takes it directly.

Integers at the graph's boundary (int8/uint8 graph inputs read only by
DequantizeLinear / QLinearConv / QLinearMatMul, a QuantizeLinear whose
integers are a graph output, a QLinear op none of whose integer operands
is a pair) are imported as such and computed as ONNX defines them, in
float32 holding integers exactly: QuantizeLinear is
saturate(round_half_even(x / scale) + zero point) (per tensor or per axis;
x / scale as x * (1 / scale), within one unit in the last place),
DequantizeLinear (x - zero point) * scale, and the QLinear ops ONNX's
reference: the integer Conv / MatMul of the centered operands (exact:
refused when the accumulator could pass 2**24), times ``x_scale * w_scale
/ y_scale``, plus the output zero point, rounded half to even, saturated.
uint8 tensors go through ``tosa.rescale`` by 1 (tosa.cast has no unsigned
types).

Refused, with the node named: integer tensors used by other ops, an
integer tensor read with other parameters than its producer's, per-axis
or blocked parameters on a pair, integer types other than int8/uint8,
non-constant QLinear weights of a conv, a non-positive scale.
"""

from __future__ import annotations

import numpy as np

from ..emitter import CONSTANT_OPERANDS
from ..values import Val, _Node, _ty

_TYPES = {np.dtype(np.int8): "s8", np.dtype(np.uint8): "u8"}
#: MLIR element type of the integer tensors -> (numpy dtype, min, max)
_INT = {"i8": (np.int8, -128, 127), "ui8": (np.uint8, 0, 255)}
#: float32 holds every integer up to 2**24 exactly.
_EXACT = float(2 ** 24)

# Scales and zero points are constants (test harnesses and bind= make
# graph inputs of them constants); QLinearConv's weights too.
CONSTANT_OPERANDS.update({"QuantizeLinear": (1, 2), "DequantizeLinear": (1, 2),
                          "QLinearMatMul": (1, 2, 4, 5, 6, 7),
                          "QLinearConv": (1, 2, 3, 4, 5, 6, 7, 8)})


class QuantOps:
    def _qdq_params(self, node: _Node, ins):
        """(scale, zero point, MLIR type letter+bits) of a per-tensor
        QuantizeLinear/DequantizeLinear."""
        if node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            self.check_attrs(node, ("axis", "saturate", "block_size", "output_dtype"))
        if node.attrs.get("block_size", 0):
            raise node.attr_error("block_size", node.attrs["block_size"],
                                  "blocked quantization is not supported")
        if len(ins) < 2 or ins[1] is None or not ins[1].is_const:
            raise node.error("the scale must be a constant")
        scale = np.asarray(ins[1].const)
        if scale.size != 1:
            raise node.error(f"per-axis parameters ({scale.size} scales) on an "
                             f"activation are not supported")
        if scale.dtype != np.float32:
            raise node.error(f"scale of dtype {scale.dtype}: only float32 is supported")
        s = float(scale.reshape(()))
        if not (np.isfinite(s) and s > 0):
            raise node.error(f"scale {s} must be positive and finite")
        zp_v = ins[2] if len(ins) > 2 else None
        if zp_v is None:
            zp = np.zeros((), np.uint8)
        elif not zp_v.is_const:
            raise node.error("the zero point must be a constant")
        else:
            zp = np.asarray(zp_v.const)
        if zp.size != 1:
            raise node.error(f"{zp.size} zero points for one scale")
        if zp.dtype not in _TYPES:
            raise node.error(f"zero point of dtype {zp.dtype}: only int8 and uint8 are "
                             f"supported")
        return s, int(zp.reshape(())), _TYPES[zp.dtype]

    def _pairs(self):
        # ONNX tensor of integers -> (scale, zero point) of its pair, as the
        # file states them (uint8 zero points unshifted).
        return self.__dict__.setdefault("_qdq_pairs", {})

    def _sim_quantize(self, node: _Node, x, s: float, zp: int, ty: str, out: str):
        if ty == "u8":
            # The same grid on int8: q - 128 with zero point zp - 128 gives
            # the same dequantized values and clamps at the same reals;
            # --qsim-realize stores its integers as int8.
            ty, zp_s8 = "s8", zp - 128
        else:
            zp_s8 = zp
        params = f"<{ty}, scale = {float(np.float32(s))!r}" + (
            f", zero_point = {zp_s8}>" if zp_s8 else ">")
        text = (f"qsim.sim_quantize {self.ssa(x)} {params} "
                f"{{kind = #qsim<kind activation>, point = \"{_esc(node.name)}.out\"}} "
                f": {_ty(x.shape)}")
        y = self.new(x.shape, x.layout, text, self.loc())
        self._pairs()[out] = (float(np.float32(s)), zp)
        return y

    def _read_pair(self, node: _Node, ins, pos: int, spos: int):
        """Input ``pos`` of ``node``: integers of a pair, read with the
        scale and zero point at ``spos``, ``spos + 1``, which must be the
        pair's."""
        name = node.inputs[pos]
        pair = self._pairs().get(name)
        if pair is None:
            raise node.error(f"input #{pos} '{name}' must be the integers of a "
                             f"QuantizeLinear or of a QLinear op (integer tensors are "
                             f"not imported otherwise)")
        s, zp, _ = self._qdq_params(node, [None, *ins[spos:spos + 2]])
        if (float(np.float32(s)), zp) != pair:
            raise node.error(f"input #{pos} '{name}' is read with scale {s} and zero "
                             f"point {zp}, not its producer's {pair[0]} and {pair[1]}")
        return ins[pos]

    def op_QuantizeLinear(self, node: _Node, ins):
        if node.outputs[0] in self.graph_outputs:
            return [self._exact_quantize(node, ins)]
        s, zp, ty = self._qdq_params(node, ins)
        if node.attrs.get("output_dtype", 0):
            raise node.attr_error("output_dtype", node.attrs["output_dtype"],
                                  "the zero point's type is the output type")
        self._check_integer_users(node)
        x = self._typed(node, ins[0], 0, ("f32",))
        return [self._sim_quantize(node, x, s, zp, ty, node.outputs[0])]

    def _check_integer_users(self, node: _Node):
        out = node.outputs[0]
        users = [self.nodes[k] for k in self.consumers.get(out, [])]
        reads = {"DequantizeLinear": (0,), "QLinearConv": (0,), "QLinearMatMul": (0, 3)}
        if not users or out in self.graph_outputs or any(
                out not in [u.inputs[p] for p in reads.get(u.op_type, ())]
                for u in users):
            raise node.error("its integers must feed DequantizeLinear, QLinearConv or "
                             "QLinearMatMul nodes only; integer tensors are not imported")

    def op_DequantizeLinear(self, node: _Node, ins):
        if node.inputs[0] not in self._pairs() and ins[0].dtype in _INT:
            return [self._exact_dequantize(node, ins)]
        if node.inputs[0] not in self._pairs():
            raise node.error("a DequantizeLinear of a non-constant must read a "
                             "QuantizeLinear (a QuantizeLinear -> DequantizeLinear pair) "
                             "or a QLinear op")
        # The pair is the producer's qsim.sim_quantize, whose result is
        # already the dequantized float tensor.
        return [self._read_pair(node, ins, 0, 1)]

    def _dequantized_const(self, node: _Node, ins, pos: int, axis: int):
        """Constant integers at ``pos`` with scale and zero point at
        ``pos + 1``, ``pos + 2`` (per tensor, or per channel along
        ``axis``) as float32 values, as DequantizeLinear computes them."""
        v, sv, zv = ins[pos], ins[pos + 1], ins[pos + 2]
        if v is None or not v.is_const or sv is None or not sv.is_const or (
                zv is not None and not zv.is_const):
            raise node.error(f"input #{pos} '{node.inputs[pos]}' and its scale and zero "
                             f"point must be constants")
        q = np.asarray(v.const)
        if q.dtype not in _TYPES:
            raise node.error(f"input #{pos} of dtype {q.dtype}: only int8 and uint8")
        s = np.asarray(sv.const, np.float32).reshape(-1)
        z = (np.asarray(zv.const).astype(np.int64).reshape(-1) if zv is not None
             else np.zeros(1, np.int64))
        shape = [1] * q.ndim
        if s.size > 1:
            if q.shape[axis] != s.size:
                raise node.error(f"{s.size} scales for {q.shape[axis]} channels of input "
                                 f"#{pos}")
            shape[axis] = s.size
        w = ((q.astype(np.int64) - z.reshape(shape if z.size > 1 else [1] * q.ndim))
             .astype(np.float32) * s.reshape(shape))
        return w.astype(np.float32), s

    def _qlinear(self, node: _Node, op_type: str, inputs, vals, y_ins):
        """The float op ``op_type`` on dequantized ``vals``, then the output
        pair with the scale and zero point ``y_ins``."""
        from onnx import helper

        proto = helper.make_node(op_type, inputs, [node.outputs[0]], name=node.name)
        proto.attribute.extend(node.proto.attribute)
        fake = _Node(proto, node.name)
        y = getattr(self, f"op_{op_type}")(fake, vals)[0]
        s, zp, ty = self._qdq_params(node, [None, *y_ins])
        self._check_integer_users(node)
        return [self._sim_quantize(node, y, s, zp, ty, node.outputs[0])]

    def op_QLinearConv(self, node: _Node, ins):
        if node.inputs[0] not in self._pairs():
            return self._exact_qlinear(node, ins, "Conv")
        x = self._read_pair(node, ins, 0, 1)
        w, ws = self._dequantized_const(node, ins, 3, 0)
        vals = [x, Val(w.shape, const=w, name=node.inputs[3])]
        names = node.inputs[:1] + [node.inputs[3]]
        if len(ins) > 8 and ins[8] is not None:
            b = ins[8]
            if not b.is_const or np.asarray(b.const).dtype != np.int32:
                raise node.error("the bias must be a constant int32 tensor")
            xs = np.float32(np.asarray(ins[1].const).reshape(()))
            # The int32 bias is on the accumulator's grid, x_scale * w_scale.
            bf = (np.asarray(b.const).astype(np.float64)
                  * (xs * ws).astype(np.float64)).astype(np.float32)
            vals.append(Val(bf.shape, const=bf, name=node.inputs[8]))
            names.append(node.inputs[8])
        return self._qlinear(node, "Conv", names, vals, ins[6:8])

    def op_QLinearMatMul(self, node: _Node, ins):
        if not any(node.inputs[p] in self._pairs() for p in (0, 3)):
            return self._exact_qlinear(node, ins, "MatMul")
        vals = []
        for pos in (0, 3):
            if node.inputs[pos] in self._pairs():
                vals.append(self._read_pair(node, ins, pos, pos + 1))
            else:
                axis = -1 if pos == 3 else -2
                w, _ = self._dequantized_const(node, ins, pos, axis)
                vals.append(Val(w.shape, const=w, name=node.inputs[pos]))
        return self._qlinear(node, "MatMul", [node.inputs[0], node.inputs[3]], vals,
                             ins[6:8])

    # -- integer tensors at the graph's boundary -------------------------------
    # A standalone op whose integers are graph inputs or outputs computes
    # them as ONNX defines it, in float32 holding integers exactly.

    def _axis_params(self, node: _Node, sv: Val, zv, rank: int, axis: int):
        """(scale float32, zero point float32, MLIR integer type) of ``node``,
        shaped to broadcast against a rank-``rank`` tensor: per tensor, or
        per channel along ``axis``."""
        if sv is None or not sv.is_const:
            raise node.error("the scale must be a constant")
        s = np.asarray(sv.const)
        if s.dtype != np.float32:
            raise node.error(f"scale of dtype {s.dtype}: only float32 is supported")
        if not np.all(np.isfinite(s) & (s > 0)):
            raise node.error(f"scale {s.reshape(-1).tolist()} must be positive and finite")
        if zv is None:
            z = np.zeros((), np.uint8)
        elif not zv.is_const:
            raise node.error("the zero point must be a constant")
        else:
            z = np.asarray(zv.const)
        if z.dtype not in _TYPES:
            raise node.error(f"zero point of dtype {z.dtype}: only int8 and uint8 are "
                             f"supported")
        ty = "i8" if z.dtype == np.int8 else "ui8"
        shape = [1] * rank
        n = max(s.size, z.size)
        if n > 1:
            if s.ndim > 1 or z.ndim > 1 or s.size not in (1, n) or z.size not in (1, n):
                raise node.error(f"scale shape {list(s.shape)} and zero point shape "
                                 f"{list(z.shape)}: only per-tensor or 1-D per-axis "
                                 f"parameters are supported")
            if not -rank <= axis < rank:
                raise node.attr_error("axis", axis, f"out of range for rank {rank}")
            shape[axis % rank] = n
        sf = np.broadcast_to(s.reshape(-1), (n,)).astype(np.float32).reshape(shape)
        zf = np.broadcast_to(z.reshape(-1), (n,)).astype(np.float32).reshape(shape)
        return np.ascontiguousarray(sf), np.ascontiguousarray(zf), ty

    def _int_to_float(self, x: Val) -> Val:
        """An i8/ui8 tensor as float32 (exact)."""
        if x.dtype == "i8":
            return self._cast(x, "f32", self.loc("to_float"))
        # tosa.cast has no unsigned source; tosa.rescale by 1 widens ui8.
        wide = self._rescale_u8(x, "ui8", "i32", self.loc("widen"))
        return self._cast(wide, "f32", self.loc("to_float"))

    def _rescale_u8(self, x: Val, src: str, dst: str, loc: str) -> Val:
        """tosa.rescale by exactly 1 between i32 and ui8 (saturating)."""
        consts = []
        for value, t in (("1073741824", "i32"), ("30", "i8"), ("0", src), ("0", dst)):
            consts.append(self.emit(f'"tosa.const"() <{{values = dense<{value}> : '
                                    f'tensor<1x{t}>}}> : () -> tensor<1x{t}>', loc))
        uns_in, uns_out = ("true", "false") if src == "ui8" else ("false", "true")
        return self.new(x.shape, x.layout,
                        f"tosa.rescale {self.ssa(x)}, {', '.join(consts)} "
                        f"{{scale32 = true, rounding_mode = SINGLE_ROUND, "
                        f"per_channel = false, input_unsigned = {uns_in}, "
                        f"output_unsigned = {uns_out}}} : ({_ty(x.shape, src)}, "
                        f"tensor<1xi32>, tensor<1xi8>, tensor<1x{src}>, tensor<1x{dst}>) "
                        f"-> {_ty(x.shape, dst)}", loc, dtype=dst)

    def _round_saturate(self, v: Val, ty: str) -> Val:
        """float32 ``v`` rounded half to even and saturated to ``ty``."""
        _, lo, hi = _INT[ty]
        v = self.clamp(v, lo, hi, self.loc("saturate"))
        if ty == "i8":
            return self._cast(v, "i8", self.loc())
        wide = self._cast(v, "i32", self.loc("round"))
        return self._rescale_u8(wide, "i32", "ui8", self.loc())

    def _fconst(self, arr: np.ndarray, layout: str = "plain") -> Val:
        return Val(arr.shape, layout, const=np.ascontiguousarray(arr, np.float32))

    def _exact_quantize(self, node: _Node, ins) -> Val:
        """saturate(round_half_even(x / scale) + zero_point)."""
        self.check_attrs(node, ("axis", "saturate"))
        x = self.plain(self._typed(node, ins[0], 0, ("f32",)))
        s, z, ty = self._axis_params(node, ins[1], ins[2] if len(ins) > 2 else None,
                                     x.rank, int(node.attrs.get("axis", 1)))
        # x / scale as x * (1 / scale): the two differ by at most one unit in
        # the last place, which can move only a quotient within that of a
        # half-integer.
        q = self._tosa("mul", [x, self._fconst(np.float32(1) / s)], self.loc("div"))
        # Rounded before the zero point is added, as ONNX does; past 2**24
        # the value saturates anyway.
        q = self.clamp(q, -_EXACT, _EXACT, self.loc("bound"))
        q = self._cast(self._cast(q, "i32", self.loc("round")), "f32",
                       self.loc("rounded"))
        q = self._tosa("add", [q, self._fconst(z)], self.loc("zero_point"))
        return self._round_saturate(q, ty)

    def _exact_dequantize(self, node: _Node, ins) -> Val:
        """(x - zero_point) * scale in float32."""
        self.check_attrs(node, ("axis",))
        x = self.plain(ins[0])
        s, z, want = self._axis_params(node, ins[1], ins[2] if len(ins) > 2 else None,
                                       x.rank, int(node.attrs.get("axis", 1)))
        if x.dtype != want:
            raise node.error(f"input #0 '{node.inputs[0]}' is {x.dtype}, its zero point "
                             f"{want}")
        d = self._tosa("sub", [self._int_to_float(x), self._fconst(z)],
                       self.loc("zero_point"))
        return self._tosa("mul", [d, self._fconst(s)], self.loc())

    def _centered(self, node: _Node, ins, pos: int, axis: int):
        """Input ``pos`` minus its zero point (at ``pos + 2``) as float32
        integers, and the largest magnitude it can take."""
        v = ins[pos]
        zv = ins[pos + 2] if len(ins) > pos + 2 else None
        if v is None:
            raise node.error(f"input #{pos} is missing")
        if v.is_const:
            q = np.asarray(self.const_array(node, v, f"input #{pos}"))
            if q.dtype not in _TYPES:
                raise node.error(f"input #{pos} of dtype {q.dtype}: only int8 and uint8")
            _, z, _ = self._axis_params(node, ins[pos + 1], zv, q.ndim, axis)
            c = q.astype(np.float32) - z
            return self._fconst(c), float(np.max(np.abs(c), initial=0.0))
        if v.dtype not in _INT:
            raise node.error(f"input #{pos} '{node.inputs[pos]}' must be int8 or uint8 "
                             f"integers (a graph input or a QuantizeLinear output), "
                             f"not {v.dtype}")
        x = self.plain(v)
        _, z, ty = self._axis_params(node, ins[pos + 1], zv, x.rank, axis)
        if ty != x.dtype:
            raise node.error(f"input #{pos} '{node.inputs[pos]}' is {x.dtype}, its zero "
                             f"point {ty}")
        c = self._tosa("sub", [self._int_to_float(x), self._fconst(z)],
                       self.loc(f"centered{pos}"))
        _, lo, hi = _INT[ty]
        return c, float(np.max(np.maximum(np.abs(lo - z), np.abs(hi - z)), initial=0.0))

    def _exact_qlinear(self, node: _Node, ins, op_type: str):
        """ONNX's reference: the integer Conv / MatMul of the centered
        operands, times ``x_scale * w_scale / y_scale``, plus the output zero
        point, rounded half to even and saturated.  The integer products
        and sums are float32 ones, exact while they stay below 2**24 (checked
        from the operands' ranges)."""
        from onnx import helper

        names = [node.inputs[0], node.inputs[3]]
        a, amax = self._centered(node, ins, 0, 1)
        b, bmax = self._centered(node, ins, 3, 0 if op_type == "Conv" else -1)
        if op_type == "Conv":
            w = b.const
            depth = int(np.prod(w.shape[1:]))
        else:
            depth = int(b.shape[-2]) if b.rank > 1 else int(b.shape[0])
        bound = amax * bmax * depth
        vals = [a, b]
        bias = None
        if op_type == "Conv" and len(ins) > 8 and ins[8] is not None:
            bv = ins[8]
            if not bv.is_const or np.asarray(bv.const).dtype != np.int32:
                raise node.error("the bias must be a constant int32 tensor")
            bias = np.asarray(bv.const).astype(np.float32)
            bound += float(np.max(np.abs(bias), initial=0.0))
            vals.append(self._fconst(bias))
            names.append(node.inputs[8])
        if bound >= _EXACT:
            raise node.error(f"the integer accumulator can reach {bound:.0f} (depth "
                             f"{depth}), past 2**24: float32 would round it; only "
                             f"smaller products are imported exactly")
        proto = helper.make_node(op_type, names, [node.outputs[0]], name=node.name)
        proto.attribute.extend(node.proto.attribute)
        acc = self.plain(getattr(self, f"op_{op_type}")(_Node(proto, node.name), vals)[0])
        xs, _, _ = self._axis_params(node, ins[1], None, 1, 0)
        ws, _, _ = self._axis_params(node, ins[4], None, 1, 0)
        ys, yz, ty = self._axis_params(node, ins[6], ins[7] if len(ins) > 7 else None,
                                       acc.rank, 1)
        if ys.size != 1 or yz.size != 1:
            raise node.error("the output's scale and zero point must be per tensor")
        m = (xs.reshape(-1) * ws.reshape(-1) / ys.reshape(-1)).astype(np.float32)
        shape = [1] * acc.rank
        if m.size > 1:
            if op_type != "Conv" or m.size != acc.shape[1]:
                raise node.error(f"{m.size} weight scales for output shape "
                                 f"{list(acc.shape)}")
            shape[1] = m.size
        y = self._tosa("mul", [acc, self._fconst(m.reshape(shape))], self.loc("rescale"))
        y = self._tosa("add", [y, self._fconst(yz)], self.loc("zero_point"))
        return [self._round_saturate(y, ty)]


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')
