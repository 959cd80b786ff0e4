"""QuantizeLinear / DequantizeLinear of a model quantized by another tool
(QDQ ONNX, e.g. onnxruntime's ``quantize_static`` or ``qsim export-onnx``).

A ``QuantizeLinear -> DequantizeLinear`` pair on an activation with the same
scale and zero point is one ``qsim.sim_quantize`` with those parameters
fixed (``point = "<node>.out"`` of the QuantizeLinear, kind activation;
uint8 as the same grid on int8, zero point - 128):
``dequantize(quantize(x))`` in float32, which is the pair's ONNX semantics
(round half to even, saturate to the integer type).  A DequantizeLinear of
constant integers (a weight, an int32 bias) is folded to its float values
like any constant node (``ImporterBase.fold``, onnx.reference).

Refused, with the node named: a QuantizeLinear whose integers are used
other than by one DequantizeLinear with the same parameters (the importer's
values are float tensors), per-axis activation parameters, a block size,
integer types other than int8/uint8, and a DequantizeLinear of a
non-constant that no QuantizeLinear feeds.
"""

from __future__ import annotations

import numpy as np

from ..values import _Node, _ty

_TYPES = {np.dtype(np.int8): "s8", np.dtype(np.uint8): "u8"}


class QuantOps:
    def _qdq_params(self, node: _Node, ins):
        """(scale, zero point, MLIR type letter+bits) of a per-tensor
        QuantizeLinear/DequantizeLinear."""
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

    def op_QuantizeLinear(self, node: _Node, ins):
        s, zp, ty = self._qdq_params(node, ins)
        if node.attrs.get("output_dtype", 0):
            raise node.attr_error("output_dtype", node.attrs["output_dtype"],
                                  "the zero point's type is the output type")
        out = node.outputs[0]
        users = [self.nodes[k] for k in self.consumers.get(out, [])]
        if not users or out in self.graph_outputs or any(
                u.op_type != "DequantizeLinear" or u.inputs[0] != out for u in users):
            raise node.error("its integers must feed DequantizeLinear nodes only "
                             "(a QuantizeLinear -> DequantizeLinear pair); integer "
                             "tensors are not imported")
        for u in users:
            params = [self.values.get(n) if n else None for n in u.inputs[1:3]]
            us = params[0]
            uz = params[1] if len(params) > 1 else None
            same = (us is not None and us.is_const
                    and np.asarray(us.const).reshape(-1).tolist() == [np.float32(s)]
                    and (int(np.asarray(uz.const).reshape(())) if uz is not None
                         and uz.is_const else 0) == zp)
            if not same:
                raise node.error(f"DequantizeLinear '{u.name}' does not use the same "
                                 f"scale and zero point")
        x = self._typed(node, ins[0], 0, ("f32",))
        if ty == "u8":
            # The same grid on int8: q - 128 with zero point zp - 128 gives
            # the same dequantized values and clamps at the same reals;
            # --qsim-realize stores its integers as int8.
            ty, zp = "s8", zp - 128
        params = f"<{ty}, scale = {float(np.float32(s))!r}" + (
            f", zero_point = {zp}>" if zp else ">")
        text = (f"qsim.sim_quantize {self.ssa(x)} {params} "
                f"{{kind = #qsim<kind activation>, point = \"{_esc(node.name)}.out\"}} "
                f": {_ty(x.shape)}")
        y = self.new(x.shape, x.layout, text, self.loc())
        self.__dict__.setdefault("_qdq_pairs", set()).add(out)
        return [y]

    def op_DequantizeLinear(self, node: _Node, ins):
        if node.inputs[0] not in self.__dict__.get("_qdq_pairs", ()):
            raise node.error("a DequantizeLinear of a non-constant must read a "
                             "QuantizeLinear (a QuantizeLinear -> DequantizeLinear pair)")
        # The pair is the QuantizeLinear's qsim.sim_quantize, whose result is
        # already the dequantized float tensor.
        return [ins[0]]


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')
