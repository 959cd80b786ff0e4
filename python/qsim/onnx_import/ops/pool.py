"""Pooling: MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool."""

from __future__ import annotations

from ..values import (Val, _ty)


class PoolOps:
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

    def op_GlobalMaxPool(self, node, ins):
        self.check_attrs(node, ())
        x = self.float_operand(node, ins[0], 0)
        ls = x.logical_shape
        if len(ls) < 3:
            raise node.error(f"input shape {list(ls)} has no spatial axes")
        if len(ls) != 4:
            # [N, C, D1, ...]: a maximum over every spatial axis.
            v = self.plain(x)
            for ax in range(2, len(ls)):
                v = self.reduce("max", v, ax, self.loc() if ax == len(ls) - 1
                                else self.loc("max"))
            return [v]
        xn = self.to_layout(x, "nhwc")
        n, h, w, c = xn.shape
        shape = (n, 1, 1, c)
        return [self.new(shape, "nhwc",
                         f"tosa.max_pool2d {self.ssa(xn)} {{kernel = array<i64: {h}, {w}>, "
                         f"pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}} : "
                         f"({_ty(xn.shape)}) -> {_ty(shape)}", self.loc())]
