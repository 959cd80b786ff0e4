"""Reductions: ReduceMean/Sum/Max/Min/Prod/L1/L2/SumSquare/LogSum/LogSumExp.

A reduction over axes of a 4-D NHWC value reduces the matching physical
axes and stays NHWC (keepdims); ReduceMean over H and W of an NHWC value is
one ``tosa.avg_pool2d``, other means are ``reduce_sum * (1/n)``.
"""

from __future__ import annotations

from typing import List, Sequence

import numpy as np

from ..emitter import CONSTANT_OPERANDS
from ..values import (NCHW_TO_NHWC as _NCHW_TO_NHWC, NHWC_TO_NCHW as _NHWC_TO_NCHW,
                      Val, _prod, _ty)

_REDUCE_OPS = ("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
               "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum",
               "ReduceLogSumExp")
# The axes input (ReduceSum since opset 13, the others since 18) decides the
# result's shape: it must be known at import.
CONSTANT_OPERANDS.update({op: (1,) for op in _REDUCE_OPS})


class ReduceOps:
    def _red_axes(self, node, ins, rank: int):
        """(sorted logical axes, keepdims), or (None, keepdims) for the
        identity (empty axes with noop_with_empty_axes)."""
        axes_input = self.opset >= (13 if node.op_type == "ReduceSum" else 18)
        if axes_input:
            self.check_attrs(node, ("keepdims", "noop_with_empty_axes"))
            axes = []
            if len(ins) > 1 and ins[1] is not None:
                arr = self.const_array(node, ins[1], "input #1 (axes)")
                if arr.dtype.kind != "i":
                    raise node.error(f"'axes' has dtype {arr.dtype}, expected int64")
                axes = [int(a) for a in arr.reshape(-1)]
            if not axes and node.attrs.get("noop_with_empty_axes", 0):
                return None, True
        else:
            self.check_attrs(node, ("axes", "keepdims"))
            axes = [int(a) for a in node.attrs.get("axes", [])]
        keep = bool(node.attrs.get("keepdims", 1))
        if not axes:
            axes = list(range(rank))
        norm = []
        for a in axes:
            if not -rank <= a < rank:
                raise node.error(f"axis {a} is out of range for rank {rank}")
            norm.append(a + rank if a < 0 else a)
        if len(set(norm)) != len(norm):
            raise node.error(f"axes {axes} repeat an axis")
        return sorted(norm), keep

    def _red_chain(self, op: str, v: Val, phys: Sequence[int], tag: str) -> Val:
        """``op`` over each of the physical axes ``phys``; the last op is the
        node's principal op unless ``tag`` names it."""
        for k, ax in enumerate(phys):
            last = k == len(phys) - 1
            loc = self.loc() if last and tag is None else self.loc(tag or op)
            v = self.reduce(op, v, ax, loc)
        return v

    def _red_squeeze(self, node, v: Val, axes: List[int]) -> Val:
        """Drops the (size-1) logical ``axes`` of a keepdims result."""
        ls = v.logical_shape
        shape = [d for i, d in enumerate(ls) if i not in axes]
        if not shape:
            raise node.error("reducing every axis without keepdims gives a scalar, "
                             "which is not supported")
        if v.layout == "nhwc":
            # Without the size-1 dims, NHWC and NCHW orders may coincide.
            order = [_NHWC_TO_NCHW[p] for p in range(4) if v.shape[p] > 1]
            if order != sorted(order):
                v = self.plain(v)
        return self.reshape(v, shape, loc=self.loc("squeeze"))

    def _red_reduce(self, node, ins, kind: str):
        x = self.float_operand(node, ins[0], 0)
        if not x.is_float:
            raise node.error(f"input has element type {x.dtype}; only float32 is "
                             f"supported")
        ls = x.logical_shape
        rank = len(ls)
        if rank == 0:
            raise node.error("scalar inputs are not supported")
        axes, keep = self._red_axes(node, ins, rank)
        if axes is None:
            return [x]
        phys = sorted(_NCHW_TO_NHWC.index(a) for a in axes) if x.layout == "nhwc" \
            else axes
        count = _prod([ls[a] for a in axes])
        layout = x.layout

        def scale(v: Val, f: float, tag: str) -> Val:
            c = Val((1,) * v.rank, layout, const=np.full((1,) * v.rank, f, np.float32))
            return self.binary("mul", v, c, layout, self.loc(tag))

        if kind == "mean" and layout == "nhwc" and phys == [1, 2]:
            n, hh, ww, c = x.shape
            shape = (n, 1, 1, c)
            zp = self.zp()
            y = self.new(shape, "nhwc",
                         f"tosa.avg_pool2d {self.ssa(x)}, {zp}, {zp} {{acc_type = f32, "
                         f"kernel = array<i64: {hh}, {ww}>, pad = array<i64: 0, 0, 0, "
                         f"0>, stride = array<i64: 1, 1>}} : ({_ty(x.shape)}, "
                         f"tensor<1xf32>, tensor<1xf32>) -> {_ty(shape)}",
                         self.loc() if keep else self.loc("avg_pool"))
        elif kind == "mean":
            s = self._red_chain("sum", x, phys, "sum")
            y = scale(s, 1.0 / count, None if keep else "mean")
        elif kind in ("sum", "max", "min", "prod"):
            y = self._red_chain({"prod": "product"}.get(kind, kind), x, phys,
                                   None if keep else kind)
        elif kind == "l1":
            y = self._red_chain("sum", self.unary("abs", x, self.loc("abs")), phys,
                                   None if keep else "sum")
        elif kind in ("l2", "sum_square"):
            sq = self.binary("mul", x, x, layout, self.loc("square"))
            if kind == "sum_square":
                y = self._red_chain("sum", sq, phys, None if keep else "sum")
            else:
                s = self._red_chain("sum", sq, phys, "sum")
                # sqrt(s) = 1 / rsqrt(s), which is also exact at s = 0 (1/inf).
                r = self.unary("rsqrt", s, self.loc("rsqrt"))
                y = self.unary("reciprocal", r, self.loc() if keep else self.loc("sqrt"))
        elif kind == "log_sum":
            s = self._red_chain("sum", x, phys, "sum")
            y = self.unary("log", s, self.loc() if keep else self.loc("log"))
        else:  # log_sum_exp, shifted by the maximum so exp cannot overflow
            m = self._red_chain("max", x, phys, "max")
            e = self.unary("exp", self.binary("sub", x, m, layout, self.loc("shift")),
                           self.loc("exp"))
            s = self._red_chain("sum", e, phys, "sum")
            lg = self.unary("log", s, self.loc("log"))
            y = self.binary("add", lg, m, layout, self.loc() if keep else self.loc("add"))
        if keep:
            return [y]
        return [self._red_squeeze(node, y, axes)]

    def op_ReduceMean(self, node, ins):
        return self._red_reduce(node, ins, "mean")

    def op_ReduceSum(self, node, ins):
        return self._red_reduce(node, ins, "sum")

    def op_ReduceMax(self, node, ins):
        return self._red_reduce(node, ins, "max")

    def op_ReduceMin(self, node, ins):
        return self._red_reduce(node, ins, "min")

    def op_ReduceProd(self, node, ins):
        return self._red_reduce(node, ins, "prod")

    def op_ReduceL1(self, node, ins):
        return self._red_reduce(node, ins, "l1")

    def op_ReduceL2(self, node, ins):
        return self._red_reduce(node, ins, "l2")

    def op_ReduceSumSquare(self, node, ins):
        return self._red_reduce(node, ins, "sum_square")

    def op_ReduceLogSum(self, node, ins):
        return self._red_reduce(node, ins, "log_sum")

    def op_ReduceLogSumExp(self, node, ins):
        return self._red_reduce(node, ins, "log_sum_exp")
