"""Conv (with batch-norm folding), ConvTranspose and BatchNormalization."""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from ..values import (Val, _Node, _prod,
                      _ty)


class ConvOps:
    def op_Conv(self, node, ins):
        self.check_attrs(node, ("auto_pad", "dilations", "group", "kernel_shape",
                                "pads", "strides"))
        x, w, b = self.operands(node, ins, 2, 1)
        x = self.float_operand(node, x, 0)
        w = self.float_operand(node, w, 1)
        lx = x.logical_shape
        if len(lx) not in (3, 4):
            raise node.error(f"only 1-D and 2-D convolutions are supported (input "
                             f"shape {list(lx)})")
        self.require_rank(node, w, 1, (len(lx),))
        if len(lx) == 3:
            saved = node.attrs
            node.attrs = self._with_1d(node)
            try:
                x4 = self._lift_1d(node, x)
                wl = self.plain(w)
                w4 = self.reshape(wl, (wl.shape[0], wl.shape[1], 1, wl.shape[2]),
                                  tag="w_to_2d")
                y = self._conv2d(node, x4, w4, b)
            finally:
                node.attrs = saved
            y = self.plain(y)
            return [self.reshape(y, (y.shape[0], y.shape[1], y.shape[3]),
                                 tag="to_1d")]
        if len(lx) != 4:
            raise node.error(f"only 1-D and 2-D convolutions are supported (input "
                             f"shape {list(lx)})")
        return [self._conv2d(node, x, w, b)]

    def _grouped(self, xn: Val, w: Val, b: Val, group: int, pads, strides, dils,
                 outs) -> Val:
        """A grouped convolution with constant weights as upstream's
        ``linalg.conv_2d_nhwgc_gfhwc`` (TOSA has no grouped convolution):
        the input viewed as [N, H, W, G, C/G], the weights as [G, M/G, KH,
        KW, C/G], one op whatever the group count (RegNet, ResNeXt), which
        qsim-annotate quantizes and the CPU kernels take. The padding is a
        tosa.pad before it and the bias a tosa.add after it."""
        m, cg, kh, kw = w.shape
        mg = m // group
        xp = self.pad(xn, [(0, 0), tuple(pads[0]), tuple(pads[1]), (0, 0)],
                      tag="pad")
        n, hp, wp, _ = xp.shape
        x5 = self.reshape(xp, (n, hp, wp, group, cg), tag="by_group")
        w5 = Val((group, mg, kh, kw, cg), const=np.ascontiguousarray(
            w.const.reshape(group, mg, cg, kh, kw).transpose(0, 1, 3, 4, 2)),
            name=w.name)
        shape = (n, outs[0], outs[1], group, mg)
        loc = self.loc()
        zero = self.emit("arith.constant 0.0 : f32", loc)
        empty = self.emit(f"tensor.empty() : {_ty(shape)}", loc)
        init = self.emit(f"linalg.fill ins({zero} : f32) outs({empty} : {_ty(shape)}) "
                         f"-> {_ty(shape)}", loc)
        y5 = self.new(shape, "plain",
                      f"linalg.conv_2d_nhwgc_gfhwc {{dilations = dense<[{dils[0]}, "
                      f"{dils[1]}]> : tensor<2xi64>, strides = dense<[{strides[0]}, "
                      f"{strides[1]}]> : tensor<2xi64>}} ins({self.ssa(x5)}, "
                      f"{self.ssa(w5)} : {_ty(x5.shape)}, {_ty(w5.shape)}) outs({init} : "
                      f"{_ty(shape)}) -> {_ty(shape)}", loc)
        y = self.reshape(y5, (n, outs[0], outs[1], m), tag="nhwc")
        y.layout = "nhwc"
        bias = Val((1, 1, 1, m), "nhwc", const=np.ascontiguousarray(
            self.plain(b).const.reshape(1, 1, 1, m)), name=b.name)
        return self.binary("add", y, bias, "nhwc", self.loc("bias"))

    def _conv2d(self, node, x: Val, w: Val, b: Optional[Val]) -> Val:
        a = node.attrs
        n, c, h, wd = x.logical_shape
        wl = w.logical_shape
        if len(wl) != 4:
            raise node.error(f"weight shape {list(wl)} is not 4-D")
        m, cg, kh, kw = wl
        group = int(a.get("group", 1))
        if group < 1 or c % group or m % group or c // group != cg:
            raise node.attr_error("group", group, f"inconsistent with input channels "
                                  f"{c} and weight shape {list(wl)}")
        if "kernel_shape" in a and list(a["kernel_shape"]) != [kh, kw]:
            raise node.attr_error("kernel_shape", list(a["kernel_shape"]),
                                  f"differs from the weight's {[kh, kw]}")
        w = self.plain(w)

        # Batch norm folding: the conv's output feeds only a BatchNormalization.
        bn = self._foldable_bn(node, w, b)
        if bn is not None:
            bn_node, scale, shift = bn
            wc = w.const.astype(np.float64) * scale.reshape(-1, 1, 1, 1)
            bias = (b.const.astype(np.float64) if b is not None
                    else np.zeros(m)) * scale + shift
            w = Val(w.shape, const=wc.astype(np.float32), name=w.name)
            b = Val((m,), const=bias.astype(np.float32), name=f"{bn_node.name}/bias")
        elif b is None:
            b = Val((m,), const=np.zeros(m, np.float32), name=f"{node.name}/bias")
        else:
            b = self.plain(self.float_operand(node, b, 2))
            if b.shape != (m,):
                raise node.error(f"bias shape {list(b.shape)} is not [{m}]")

        pads, strides, dils, outs, extra = self._spatial(node, (h, wd), (kh, kw))
        xn = self.to_layout(x, "nhwc")
        xn, pads = self._fit(xn, pads, extra, extra_pad_ok=False)
        attrs = (f"acc_type = f32, dilation = array<i64: {dils[0]}, {dils[1]}>, "
                 f"pad = array<i64: {pads[0][0]}, {pads[0][1]}, {pads[1][0]}, "
                 f"{pads[1][1]}>, stride = array<i64: {strides[0]}, {strides[1]}>")
        zp = self.zp()

        def conv(xv: Val, wv: Val, bv: Val, depthwise: bool, loc: str) -> Val:
            if depthwise:
                cout = wv.shape[2] * wv.shape[3]
                opname = "tosa.depthwise_conv2d"
            else:
                cout = wv.shape[0]
                opname = "tosa.conv2d"
            shape = (xv.shape[0], outs[0], outs[1], cout)
            return self.new(shape, "nhwc",
                            f"{opname} {self.ssa(xv)}, {self.ssa(wv)}, {self.ssa(bv)}, "
                            f"{zp}, {zp} {{{attrs}}} : ({_ty(xv.shape)}, {_ty(wv.shape)}, "
                            f"{_ty(bv.shape)}, tensor<1xf32>, tensor<1xf32>) -> "
                            f"{_ty(shape)}", loc)

        if group == 1:
            wt = self.transpose(w, (0, 2, 3, 1), tag="weight_ohwi")  # OIHW -> OHWI
            y = conv(xn, wt, b, False, self.loc())
        elif group == c:
            mult = m // c
            wr = self.reshape(w, (c, mult, kh, kw), tag="weight_cm")
            wt = self.transpose(wr, (2, 3, 0, 1), tag="weight_hwcm")  # -> HWCM
            y = conv(xn, wt, b, True, self.loc())
        elif w.is_const and b.is_const:
            y = self._grouped(xn, w, b, group, pads, strides, dils, outs)
        else:
            mg = m // group
            parts = []
            for g in range(group):
                xg = self.slice(xn, (0, 0, 0, g * cg), (xn.shape[0], xn.shape[1],
                                                       xn.shape[2], cg), tag=f"group{g}_in")
                wg = self.slice(w, (g * mg, 0, 0, 0), (mg, cg, kh, kw),
                                tag=f"group{g}_weight")
                bg = self.slice(b, (g * mg,), (mg,), tag=f"group{g}_bias")
                wgt = self.transpose(wg, (0, 2, 3, 1), tag=f"group{g}_weight_ohwi")
                parts.append(conv(xg, wgt, bg, False, self.loc(f"group{g}")))
            y = self.concat(parts, 3, "nhwc", self.loc())
        if bn is not None:
            self.values[bn_node.outputs[0]] = y
        return y

    def _bn_params(self, node: _Node, ins) -> Tuple[np.ndarray, np.ndarray]:
        """Constant (scale, shift) of an inference BatchNormalization, float64."""
        eps = float(node.attrs.get("epsilon", 1e-5))
        arrs = []
        for pos in range(1, 5):
            v = ins[pos]
            arrs.append(v.const.astype(np.float64).reshape(-1))
        gamma, beta, mean, var = arrs
        # Match ONNX: (x - mean) / sqrt(var + eps) * gamma + beta, with
        # var + eps rounded in float32 as the reference computes it.
        denom = np.sqrt((var.astype(np.float32) + np.float32(eps)).astype(np.float64))
        scale = gamma / denom
        return scale, beta - mean * scale

    def _check_bn(self, node: _Node):
        allowed = ["epsilon", "momentum"]
        if self.opset < 7:
            allowed += ["is_test", "spatial", "consumed_inputs"]
        elif self.opset < 9:
            allowed += ["spatial"]
        elif self.opset >= 14:
            allowed += ["training_mode"]
        self.check_attrs(node, allowed)
        if node.attrs.get("training_mode", 0):
            raise node.attr_error("training_mode", node.attrs["training_mode"],
                                  "only inference is supported")
        if self.opset < 7 and not node.attrs.get("is_test", 0):
            raise node.attr_error("is_test", node.attrs.get("is_test", 0),
                                  "only inference (is_test=1) is supported")
        if node.attrs.get("spatial", 1) != 1:
            raise node.attr_error("spatial", node.attrs["spatial"],
                                  "only spatial=1 is supported")

    def _foldable_bn(self, node: _Node, w: Val, b: Optional[Val]):
        if not self.fold_bn:
            return None
        out = node.outputs[0]
        users = self.consumers.get(out, [])
        if len(users) != 1 or out in self.graph_outputs:
            return None
        k = users[0]
        bn = self.nodes[k]
        if bn.op_type != "BatchNormalization" or bn.inputs[0] != out:
            return None
        if any(o and (o in self.consumers or o in self.graph_outputs)
               for o in bn.outputs[1:]):
            return None
        if not w.is_const or (b is not None and not b.is_const):
            return None
        params = []
        for name in bn.inputs[1:5]:
            v = self.values.get(name)
            if v is None or not v.is_const or v.const.dtype != np.float32:
                return None
            params.append(v)
        saved, self.node = self.node, bn
        try:
            self._check_bn(bn)
        finally:
            self.node = saved
        scale, shift = self._bn_params(bn, [None] + params)
        if scale.shape != (w.shape[0],):
            return None
        self.skipped.add(k)
        return bn, scale, shift

    def op_BatchNormalization(self, node, ins):
        self._check_bn(node)
        x = self.float_operand(node, ins[0], 0)
        if len(ins) < 5 or any(v is None for v in ins[1:5]):
            raise node.error("needs 5 inputs (X, scale, B, mean, var)")
        ls = x.logical_shape
        if len(ls) < 2:
            raise node.error(f"input shape {list(ls)} has no channel axis")
        c = ls[1]
        for pos in range(1, 5):
            if _prod(ins[pos].shape) != c:
                raise node.error(f"input #{pos} has shape {list(ins[pos].shape)}, "
                                 f"expected [{c}]")
        if len(ls) == 4:
            x = self.to_layout(x, "nhwc")
            bshape = (1, 1, 1, c)
        else:
            x = self.plain(x)
            bshape = (1, c) + (1,) * (len(ls) - 2)
        layout = x.layout
        if all(v.is_const for v in ins[1:5]):
            scale, shift = self._bn_params(node, ins)
            s = Val(bshape, layout, const=scale.astype(np.float32).reshape(bshape),
                    name=f"{node.name}/scale")
            t = Val(bshape, layout, const=shift.astype(np.float32).reshape(bshape),
                    name=f"{node.name}/shift")
            y = self.binary("mul", x, s, layout, self.loc("mul"))
            return [self.binary("add", y, t, layout, self.loc())]
        # Runtime parameters: (x - mean) * (gamma * rsqrt(var + eps)) + beta.
        eps = float(node.attrs.get("epsilon", 1e-5))
        gamma, beta, mean, var = [self.reshape(self.plain(self.float_operand(node, v, i + 1)),
                                               bshape, tag="param")
                                  for i, v in enumerate(ins[1:5])]
        for v in (gamma, beta, mean, var):
            v.layout = layout
        e = Val(bshape, layout, const=np.full(bshape, eps, np.float32))
        ve = self.binary("add", var, e, layout, self.loc("var_eps"))
        inv = self.unary("rsqrt", ve, self.loc("rsqrt"))
        s = self.binary("mul", gamma, inv, layout, self.loc("scale"))
        xc = self.binary("sub", x, mean, layout, self.loc("center"))
        y = self.binary("mul", xc, s, layout, self.loc("mul"))
        return [self.binary("add", y, beta, layout, self.loc())]

    # -- ConvTranspose ------------------------------------------------------

    def op_ConvTranspose(self, node, ins):
        self.check_attrs(node, ("auto_pad", "dilations", "group", "kernel_shape",
                                "output_padding", "output_shape", "pads", "strides"))
        x, w, b = self.operands(node, ins, 2, 1)
        x = self.float_operand(node, x, 0)
        w = self.float_operand(node, w, 1)
        lx = x.logical_shape
        if len(lx) not in (3, 4):
            raise node.error(f"only 1-D and 2-D convolutions are supported (input "
                             f"shape {list(lx)})")
        self.require_rank(node, w, 1, (len(lx),))
        if len(lx) == 3:
            saved = node.attrs
            a = self._with_1d(node)
            for key in ("output_padding", "output_shape"):
                if key in a:
                    v = list(a[key])
                    a[key] = [0 if key == "output_padding" else 1] + v[-1:]
            node.attrs = a
            try:
                x4 = self._lift_1d(node, x)
                wl = self.plain(w)
                if wl.rank != 3:
                    raise node.error(f"weight shape {list(wl.shape)} is not 3-D")
                w4 = self.reshape(wl, (wl.shape[0], wl.shape[1], 1, wl.shape[2]),
                                  tag="w_to_2d")
                y = self._conv_transpose2d(node, x4, w4, b)
            finally:
                node.attrs = saved
            y = self.plain(y)
            return [self.reshape(y, (y.shape[0], y.shape[1], y.shape[3]), tag="to_1d")]
        if len(lx) != 4:
            raise node.error(f"only 1-D and 2-D transposed convolutions are supported "
                             f"(input shape {list(lx)})")
        return [self._conv_transpose2d(node, x, w, b)]

    def _conv_transpose2d(self, node, x: Val, w: Val, b: Optional[Val]) -> Val:
        """ONNX out[s*i + k - pad_begin] += x[i] * W[k] is TOSA's
        transpose_conv2d with out_pad = (-pad_begin, output_padding -
        pad_end) per axis; dilated constant kernels get zeros between taps."""
        a = node.attrs
        n, c, h, wd = x.logical_shape
        w = self.plain(w)
        if w.rank != 4:
            raise node.error(f"weight shape {list(w.shape)} is not 4-D")
        cw, mg, kh, kw = w.shape
        group = int(a.get("group", 1))
        if group < 1 or c % group or cw != c:
            raise node.attr_error("group", group, f"inconsistent with input channels "
                                  f"{c} and weight shape {list(w.shape)}")
        m = mg * group
        if "kernel_shape" in a and list(a["kernel_shape"]) != [kh, kw]:
            raise node.attr_error("kernel_shape", list(a["kernel_shape"]),
                                  f"differs from the weight's {[kh, kw]}")
        strides = [int(s) for s in a.get("strides", [1, 1])]
        dils = [int(d) for d in a.get("dilations", [1, 1])]
        outpad = [int(p) for p in a.get("output_padding", [0, 0])]
        for key, vals in (("strides", strides), ("dilations", dils)):
            if len(vals) != 2 or any(v < 1 for v in vals):
                raise node.attr_error(key, vals, "need 2 positive values")
        if len(outpad) != 2 or any(p < 0 for p in outpad):
            raise node.attr_error("output_padding", outpad, "need 2 non-negative values")
        if dils != [1, 1]:
            # A dilated kernel is the kernel with d-1 zeros between taps.
            dh, dw = dils
            ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dw + 1
            if w.is_const:
                wc = np.zeros((cw, mg, ekh, ekw), np.float32)
                wc[:, :, ::dh, ::dw] = w.const
                w = Val(wc.shape, const=wc, name=w.name)
            else:
                w6 = self.reshape(w, (cw, mg, kh, 1, kw, 1), tag="dilate_split")
                w6 = self.pad(w6, [(0, 0), (0, 0), (0, 0), (0, dh - 1), (0, 0),
                                   (0, dw - 1)], tag="dilate_pad")
                w4 = self.reshape(w6, (cw, mg, kh * dh, kw * dw), tag="dilate_merge")
                w = self.slice(w4, (0, 0, 0, 0), (cw, mg, ekh, ekw), tag="dilate_crop")
            kh, kw = ekh, ekw
        full = [strides[i] * (d - 1) + outpad[i] + k
                for i, (d, k) in enumerate(((h, kh), (wd, kw)))]
        auto = a.get("auto_pad", "NOTSET")
        if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
            raise node.attr_error("auto_pad", auto, "unknown value")
        target = None
        if "output_shape" in a:
            target = [int(d) for d in a["output_shape"]][-2:]
            if len(target) != 2 or any(d < 1 for d in target):
                raise node.attr_error("output_shape", list(a["output_shape"]),
                                      "need 2 positive spatial sizes")
        elif auto in ("SAME_UPPER", "SAME_LOWER"):
            target = [h * strides[0], wd * strides[1]]
        if target is not None:
            pads = []
            for i in range(2):
                total = full[i] - target[i]
                small = total // 2
                pads.append((small, total - small) if auto == "SAME_UPPER"
                            else (total - small, small))
        elif auto == "VALID":
            pads = [(0, 0), (0, 0)]
        else:
            p = [int(v) for v in a.get("pads", [0, 0, 0, 0])]
            if len(p) != 4 or any(v < 0 for v in p):
                raise node.attr_error("pads", p, "need 4 non-negative values")
            pads = [(p[0], p[2]), (p[1], p[3])]
        outs = [full[i] - pads[i][0] - pads[i][1] for i in range(2)]
        if any(o < 1 for o in outs):
            raise node.error(f"output size {outs} is empty")
        # TOSA needs out_pad > -kernel: a larger cut is a slice of a bigger result.
        out_pad, crop = [], []
        for i, k in enumerate((kh, kw)):
            top, bottom = -pads[i][0], outpad[i] - pads[i][1]
            t2, b2 = (top if top > -k else 0), (bottom if bottom > -k else 0)
            out_pad += [t2, b2]
            crop.append((t2 - top, b2 - bottom))

        if b is None:
            b = Val((m,), const=np.zeros(m, np.float32), name=f"{node.name}/bias")
        else:
            b = self.plain(self.float_operand(node, b, 2))
            if b.shape != (m,):
                raise node.error(f"bias shape {list(b.shape)} is not [{m}]")
        xn = self.to_layout(x, "nhwc")
        cropped = any(v for cr in crop for v in cr)
        tosa_out = [outs[i] + crop[i][0] + crop[i][1] for i in range(2)]
        attrs = (f"acc_type = f32, out_pad = array<i64: {', '.join(map(str, out_pad))}>, "
                 f"stride = array<i64: {strides[0]}, {strides[1]}>")
        zp = self.zp()
        cg = c // group

        def tconv(xv: Val, wv: Val, bv: Val, loc: str) -> Val:
            shape = (xv.shape[0], tosa_out[0], tosa_out[1], wv.shape[0])
            return self.new(shape, "nhwc",
                            f"tosa.transpose_conv2d {self.ssa(xv)}, {self.ssa(wv)}, "
                            f"{self.ssa(bv)}, {zp}, {zp} {{{attrs}}} : ({_ty(xv.shape)}, "
                            f"{_ty(wv.shape)}, {_ty(bv.shape)}, tensor<1xf32>, "
                            f"tensor<1xf32>) -> {_ty(shape)}", loc)

        main = self.loc("uncropped") if cropped else self.loc()
        if group == 1:
            wt = self.transpose(w, (1, 2, 3, 0), tag="weight_ohwi")  # IOHW -> OHWI
            y = tconv(xn, wt, b, main)
        else:
            parts = []
            for g in range(group):
                xg = self.slice(xn, (0, 0, 0, g * cg), (n, h, wd, cg), tag=f"group{g}_in")
                wg = self.slice(w, (g * cg, 0, 0, 0), (cg, mg, kh, kw),
                                tag=f"group{g}_weight")
                bg = self.slice(b, (g * mg,), (mg,), tag=f"group{g}_bias")
                wgt = self.transpose(wg, (1, 2, 3, 0), tag=f"group{g}_weight_ohwi")
                parts.append(tconv(xg, wgt, bg, self.loc(f"group{g}")))
            y = self.concat(parts, 3, "nhwc", main)
        if cropped:
            loc = self.loc()
            s0 = self.shape_const((0, crop[0][0], crop[1][0], 0), loc)
            shape = (n, outs[0], outs[1], m)
            s1 = self.shape_const(shape, loc)
            y = self.new(shape, "nhwc",
                         f"tosa.slice {self.ssa(y)}, {s0}, {s1} : ({_ty(y.shape)}, "
                         f"!tosa.shape<4>, !tosa.shape<4>) -> {_ty(shape)}", loc)
        return y
