"""Activations (float32 only); each keeps its operand's layout.

The decompositions follow the formulas onnxruntime evaluates, in the same
order of roundings, so that the import of ``x * HardSigmoid(x)`` or
HardSwish matches onnxruntime bit for bit; ops TOSA lacks (softplus, elu,
gelu, ...) are built from exp, log, erf, tanh, select and arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

from ..values import _Node, _bcast_shape
from .elementwise import F32


class ActivationOps:
    def _float_input(self, node: _Node, ins, attrs=()):
        self.check_attrs(node, tuple(attrs) + (("consumed_inputs",) if self.opset < 6
                                               else ()))
        return self._typed(node, ins[0], 0, F32)

    def _float_attr(self, node: _Node, name: str, default: float) -> float:
        v = node.attrs.get(name, default)
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            raise node.attr_error(name, v, "must be a finite float")
        return float(np.float32(v))

    def op_Sigmoid(self, node, ins):
        return self._unary_node(node, ins, "sigmoid")

    def op_Tanh(self, node, ins):
        return self._unary_node(node, ins, "tanh")

    def op_Exp(self, node, ins):
        return self._unary_node(node, ins, "exp")

    def op_Log(self, node, ins):
        return self._unary_node(node, ins, "log")

    def op_Erf(self, node, ins):
        return self._unary_node(node, ins, "erf")

    def op_Floor(self, node, ins):
        return self._unary_node(node, ins, "floor")

    def op_Ceil(self, node, ins):
        return self._unary_node(node, ins, "ceil")

    def _hard_sigmoid(self, x, alpha: float, beta: float, final: bool):
        """clamp(alpha * x + beta, 0, 1), rounded after the product and the
        sum (onnxruntime's order)."""
        ax = self._mul_const(x, alpha, self.loc("mul_alpha"))
        s = self._add_const(ax, beta, self.loc("add_beta"))
        return self.clamp(s, 0.0, 1.0, self.loc() if final else self.loc("clamp"))

    def op_HardSigmoid(self, node, ins):
        x = self._float_input(node, ins, ("alpha", "beta"))
        alpha = self._float_attr(node, "alpha", 0.2)
        beta = self._float_attr(node, "beta", 0.5)
        return [self._hard_sigmoid(x, alpha, beta, final=True)]

    def op_HardSwish(self, node, ins):
        """x * HardSigmoid(x) with alpha 1/6, beta 1/2 (the ONNX function)."""
        x = self._float_input(node, ins)
        hs = self._hard_sigmoid(x, 1.0 / 6.0, 0.5, final=False)
        return [self._tosa("mul", [x, hs], self.loc())]

    def op_LeakyRelu(self, node, ins):
        """max(x, alpha * x) for 0 <= alpha <= 1 (equal to x >= 0 ? x :
        alpha * x there), else the select."""
        x = self._float_input(node, ins, ("alpha",))
        alpha = self._float_attr(node, "alpha", 0.01)
        ax = self._mul_const(x, alpha, self.loc("mul_alpha"))
        if 0.0 <= alpha <= 1.0:
            return [self._tosa("maximum", [x, ax], self.loc())]
        ge = self._tosa("greater_equal", [x, self._like(x, 0.0)], self.loc("is_nonneg"),
                        dtype="i1")
        return [self._tosa("select", [ge, x, ax], self.loc(), dtype="f32")]

    def op_PRelu(self, node, ins):
        """x > 0 ? x : slope * x; the slope (constant or not) broadcasts to
        x's shape (unidirectionally)."""
        x = self._float_input(node, ins)
        slope = self._typed(node, ins[1], 1, F32)
        ls = slope.logical_shape
        if self.opset < 7 and len(ls) == 1 and ls[0] > 1 and x.rank >= 2 \
                and ls[0] == x.logical_shape[1]:
            # PRelu-6: a 1-D slope holds one value per channel (axis 1).
            slope = self.reshape(self.plain(slope), ls + (1,) * (x.rank - 2),
                                 tag="per_channel")
        if _bcast_shape(x.logical_shape, slope.logical_shape) != x.logical_shape:
            raise node.error(f"slope of shape {list(slope.logical_shape)} does not "
                             f"broadcast to the input's shape {list(x.logical_shape)}")
        (x, slope), layout = self._broadcast(node, [x, slope])
        xs = self._tosa("mul", [x, slope], self.loc("mul_slope"))
        gt = self._tosa("greater", [x, self._like(x, 0.0)], self.loc("is_pos"),
                        dtype="i1")
        return [self._tosa("select", [gt, x, xs], self.loc(), dtype="f32", layout=layout)]

    def op_Elu(self, node, ins):
        """x >= 0 ? x : alpha * (exp(x) - 1)."""
        x = self._float_input(node, ins, ("alpha",))
        alpha = self._float_attr(node, "alpha", 1.0)
        e = self._tosa("exp", [x], self.loc("exp"))
        em1 = self._add_const(e, -1.0, self.loc("sub_one"))
        neg = self._mul_const(em1, alpha, self.loc("mul_alpha"))
        ge = self._tosa("greater_equal", [x, self._like(x, 0.0)], self.loc("is_nonneg"),
                        dtype="i1")
        return [self._tosa("select", [ge, x, neg], self.loc(), dtype="f32")]

    def op_Selu(self, node, ins):
        """gamma * (x > 0 ? x : alpha * exp(x) - alpha)."""
        x = self._float_input(node, ins, ("alpha", "gamma"))
        alpha = self._float_attr(node, "alpha", 1.67326319217681884765625)
        gamma = self._float_attr(node, "gamma", 1.05070102214813232421875)
        e = self._tosa("exp", [x], self.loc("exp"))
        ae = self._mul_const(e, alpha, self.loc("mul_alpha"))
        neg = self._add_const(ae, -alpha, self.loc("sub_alpha"))
        gt = self._tosa("greater", [x, self._like(x, 0.0)], self.loc("is_pos"),
                        dtype="i1")
        sel = self._tosa("select", [gt, x, neg], self.loc("select"), dtype="f32")
        return [self._mul_const(sel, gamma, self.loc())]

    def op_Softplus(self, node, ins):
        """max(x, 0) + log(1 + exp(-|x|)): no overflow for large |x|."""
        x = self._float_input(node, ins)
        a = self._tosa("abs", [x], self.loc("abs"))
        na = self._tosa("negate", [a], self.loc("neg"))
        e = self._tosa("exp", [na], self.loc("exp"))
        e1 = self._add_const(e, 1.0, self.loc("add_one"))
        lg = self._tosa("log", [e1], self.loc("log"))
        r = self._tosa("maximum", [x, self._like(x, 0.0)], self.loc("relu"))
        return [self._tosa("add", [r, lg], self.loc())]

    def op_Softsign(self, node, ins):
        """x * reciprocal(1 + |x|) (no float division in TOSA)."""
        x = self._float_input(node, ins)
        a = self._tosa("abs", [x], self.loc("abs"))
        a1 = self._add_const(a, 1.0, self.loc("add_one"))
        r = self._tosa("reciprocal", [a1], self.loc("reciprocal"))
        return [self._tosa("mul", [x, r], self.loc())]

    def op_Gelu(self, node, ins):
        """approximate='none': 0.5 * x * (1 + erf(x / sqrt(2)));
        'tanh': 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))."""
        x = self._float_input(node, ins, ("approximate",))
        approx = node.attrs.get("approximate", "none")
        if approx == "none":
            s = self._mul_const(x, math.sqrt(0.5), self.loc("mul_rsqrt2"))
            t = self._tosa("erf", [s], self.loc("erf"))
        elif approx == "tanh":
            x2 = self._tosa("mul", [x, x], self.loc("square"))
            x3 = self._tosa("mul", [x2, x], self.loc("cube"))
            k = self._mul_const(x3, 0.044715, self.loc("mul_coef"))
            inner = self._tosa("add", [x, k], self.loc("add_x"))
            s = self._mul_const(inner, math.sqrt(2.0 / math.pi), self.loc("mul_scale"))
            t = self._tosa("tanh", [s], self.loc("tanh"))
        else:
            raise node.attr_error("approximate", approx, "only 'none' and 'tanh' exist")
        t1 = self._add_const(t, 1.0, self.loc("add_one"))
        hx = self._mul_const(x, 0.5, self.loc("half"))
        return [self._tosa("mul", [hx, t1], self.loc())]
