"""Softmax, LogSoftmax and normalizations (LayerNormalization,
InstanceNormalization), decomposed into TOSA reductions and elementwise ops.

On a 4-D NHWC value the logical axes map to physical ones
(``NCHW_TO_NHWC.index``), so no transposes are needed.
"""

from __future__ import annotations

from typing import List, Sequence

import numpy as np

from ..values import (NCHW_TO_NHWC as _NCHW_TO_NHWC, Val, _bcast_shape, _prod)


class NormalizationOps:
    def _norm_phys_axes(self, v: Val, axes: Sequence[int]) -> List[int]:
        if v.layout == "nhwc":
            return sorted(_NCHW_TO_NHWC.index(a) for a in axes)
        return sorted(axes)

    def _norm_float_input(self, node, v: Val, pos: int) -> Val:
        v = self.float_operand(node, v, pos)
        if not v.is_float:
            raise node.error(f"input #{pos} '{node.inputs[pos]}' has element type "
                             f"{v.dtype}; only float32 is supported")
        return v

    def _norm_chain(self, op: str, v: Val, phys: Sequence[int], tag: str) -> Val:
        for ax in phys:
            v = self.reduce(op, v, ax, self.loc(tag))
        return v

    def _norm_const(self, v: Val, value: float) -> Val:
        shape = (1,) * v.rank
        return Val(shape, v.layout, const=np.full(shape, value, np.float32))

    def _softmax(self, node, ins, log: bool):
        self.check_attrs(node, ("axis",))
        x = self._norm_float_input(node, ins[0], 0)
        r = len(x.logical_shape)
        if r == 0:
            raise node.error("scalar inputs are not supported")
        axis = int(node.attrs.get("axis", -1 if self.opset >= 13 else 1))
        if not -r <= axis < r:
            raise node.attr_error("axis", axis, f"out of range for rank {r}")
        if axis < 0:
            axis += r
        # Before opset 13 the input is coerced to 2-D at axis: the softmax
        # runs over all axes from ``axis`` on.
        axes = [axis] if self.opset >= 13 else list(range(axis, r))
        orig = x.shape
        if x.layout == "plain" and len(axes) > 1:
            x = self.reshape(x, (_prod(orig[:axis]), _prod(orig[axis:])), tag="to_2d")
            phys = [1]
        else:
            phys = self._norm_phys_axes(x, axes)
        layout = x.layout
        reshaped = x.shape != orig
        mx = self._norm_chain("max", x, phys, "max")
        d = self.binary("sub", x, mx, layout, self.loc("sub"))
        e = self.unary("exp", d, self.loc("exp"))
        s = self._norm_chain("sum", e, phys, "sum")
        final = self.loc("out") if reshaped else self.loc()
        if log:
            lg = self.unary("log", s, self.loc("log"))
            y = self.binary("sub", d, lg, layout, final)
        else:
            inv = self.unary("reciprocal", s, self.loc("reciprocal"))
            y = self.binary("mul", e, inv, layout, final)
        if reshaped:
            return [self.reshape(y, orig, loc=self.loc())]
        return [y]

    def op_Softmax(self, node, ins):
        with self.keeping_float("Softmax"):
            return self._softmax(node, ins, log=False)

    def op_LogSoftmax(self, node, ins):
        with self.keeping_float("LogSoftmax"):
            return self._softmax(node, ins, log=True)

    def _norm_stats(self, x: Val, phys: Sequence[int], count: int, eps: float):
        """(x - mean) * rsqrt(var + eps), mean, rsqrt(var + eps) over the
        physical axes ``phys`` (keepdims)."""
        layout = x.layout
        inv_n = self._norm_const(x, 1.0 / count)
        mean = self.binary("mul", self._norm_chain("sum", x, phys, "sum"), inv_n, layout,
                           self.loc("mean"))
        xc = self.binary("sub", x, mean, layout, self.loc("center"))
        sq = self.binary("mul", xc, xc, layout, self.loc("square"))
        var = self.binary("mul", self._norm_chain("sum", sq, phys, "var_sum"), inv_n, layout,
                          self.loc("var"))
        ve = self.binary("add", var, self._norm_const(x, eps), layout, self.loc("var_eps"))
        inv = self.unary("rsqrt", ve, self.loc("rsqrt"))
        return xc, mean, inv

    def _norm_operand(self, node, v: Val, pos: int, x: Val) -> Val:
        """A scale/bias operand broadcast (ONNX rules) to ``x``'s rank and
        layout."""
        v = self._norm_float_input(node, v, pos)
        ls = x.logical_shape
        if _bcast_shape(v.logical_shape, ls) != tuple(ls):
            raise node.error(f"input #{pos} shape {list(v.logical_shape)} does not "
                             f"broadcast to the input shape {list(ls)}")
        v = self.expand_rank(v, len(ls))
        return self.to_layout(v, x.layout) if x.layout == "nhwc" else v

    def op_LayerNormalization(self, node, ins):
        with self.keeping_float("LayerNormalization"):
            return self._layer_norm(node, ins)

    def _layer_norm(self, node, ins):
        self.check_attrs(node, ("axis", "epsilon", "stash_type"))
        st = int(node.attrs.get("stash_type", 1))
        if st != 1:
            raise node.attr_error("stash_type", st, "only 1 (float32 statistics) is "
                                  "supported")
        if len(ins) < 2 or ins[1] is None:
            raise node.error("needs inputs X and Scale")
        x = self._norm_float_input(node, ins[0], 0)
        ls = x.logical_shape
        r = len(ls)
        axis = int(node.attrs.get("axis", -1))
        if not -r <= axis < r:
            raise node.attr_error("axis", axis, f"out of range for rank {r}")
        if axis < 0:
            axis += r
        eps = float(node.attrs.get("epsilon", 1e-5))
        axes = list(range(axis, r))
        scale = self._norm_operand(node, ins[1], 1, x)
        bias = self._norm_operand(node, ins[2], 2, x) \
            if len(ins) > 2 and ins[2] is not None else None
        xc, mean, inv = self._norm_stats(x, self._norm_phys_axes(x, axes),
                                        _prod(ls[axis:]), eps)
        layout = x.layout
        y = self.binary("mul", xc, inv, layout, self.loc("normalized"))
        y = self.binary("mul", y, scale, layout,
                        self.loc() if bias is None else self.loc("scale"))
        if bias is not None:
            y = self.binary("add", y, bias, layout, self.loc())
        return [y, mean, inv]

    def op_InstanceNormalization(self, node, ins):
        with self.keeping_float("InstanceNormalization"):
            return self._instance_norm(node, ins)

    def _instance_norm(self, node, ins):
        self.check_attrs(node, ("epsilon",))
        if len(ins) < 3 or ins[1] is None or ins[2] is None:
            raise node.error("needs inputs input, scale and B")
        x = self._norm_float_input(node, ins[0], 0)
        ls = x.logical_shape
        if len(ls) < 3:
            raise node.error(f"input shape {list(ls)} has no spatial axes")
        c = ls[1]
        eps = float(node.attrs.get("epsilon", 1e-5))
        pshape = (1, c) + (1,) * (len(ls) - 2)
        params = []
        for pos in (1, 2):
            v = self._norm_float_input(node, ins[pos], pos)
            if v.logical_shape != (c,):
                raise node.error(f"input #{pos} has shape {list(v.logical_shape)}, "
                                 f"expected [{c}]")
            v = self.reshape(self.plain(v), pshape, tag="param")
            params.append(self.to_layout(v, "nhwc") if x.layout == "nhwc" else v)
        axes = list(range(2, len(ls)))
        xc, _, inv = self._norm_stats(x, self._norm_phys_axes(x, axes), _prod(ls[2:]), eps)
        layout = x.layout
        s = self.binary("mul", inv, params[0], layout, self.loc("scale"))
        y = self.binary("mul", xc, s, layout, self.loc("mul"))
        return [self.binary("add", y, params[1], layout, self.loc())]
