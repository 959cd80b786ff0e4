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

Refused, with the node named: integer tensors used by other ops or at the
graph's boundary, an integer tensor read with other parameters than its
producer's, per-axis or blocked parameters on an activation, integer types
other than int8/uint8, non-constant QLinear weights of a conv, a
non-positive scale.
"""

from __future__ import annotations

import numpy as np

from ..values import Val, _Node, _ty

_TYPES = {np.dtype(np.int8): "s8", np.dtype(np.uint8): "u8"}


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


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')
