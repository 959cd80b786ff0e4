"""Softmax and normalizations."""

from __future__ import annotations

from ..values import _prod


class NormalizationOps:
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
