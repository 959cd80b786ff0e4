"""Padding/stride arithmetic shared by convolutions and pools."""

from __future__ import annotations

from ..values import Val


class SpatialHelpers:
    def _spatial(self, node, in_hw, k_hw, allow_ceil=False):
        """(pads [(begin, end)] per dim, strides, dilations, out, input crops)."""
        a = node.attrs
        nd = len(in_hw)
        strides = list(a.get("strides", [1] * nd))
        dils = list(a.get("dilations", [1] * nd))
        if len(strides) != nd or any(s < 1 for s in strides):
            raise node.attr_error("strides", strides, f"need {nd} positive values")
        if len(dils) != nd or any(d < 1 for d in dils):
            raise node.attr_error("dilations", dils, f"need {nd} positive values")
        auto = a.get("auto_pad", "NOTSET")
        if auto not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
            raise node.attr_error("auto_pad", auto, "unknown value")
        if auto == "NOTSET":
            p = list(a.get("pads", [0] * (2 * nd)))
            if len(p) != 2 * nd or any(x < 0 for x in p):
                raise node.attr_error("pads", p, f"need {2 * nd} non-negative values")
            pads = [(p[i], p[i + nd]) for i in range(nd)]
        elif auto == "VALID":
            pads = [(0, 0)] * nd
        else:
            pads = []
            for i in range(nd):
                out = -(-in_hw[i] // strides[i])
                eff = (k_hw[i] - 1) * dils[i] + 1
                total = max(0, (out - 1) * strides[i] + eff - in_hw[i])
                small = total // 2
                pads.append((total - small, small) if auto == "SAME_LOWER"
                            else (small, total - small))
        ceil = int(a.get("ceil_mode", 0))
        if ceil and not allow_ceil:
            raise node.attr_error("ceil_mode", ceil, "not supported for this op")
        outs, extra = [], []
        for i in range(nd):
            eff = (k_hw[i] - 1) * dils[i] + 1
            span = in_hw[i] + pads[i][0] + pads[i][1] - eff
            if span < 0:
                raise node.error(f"kernel {list(k_hw)} (dilated) is larger than the "
                                 f"padded input {list(in_hw)}")
            if ceil:
                o = -(-span // strides[i]) + 1
                if (o - 1) * strides[i] >= in_hw[i] + pads[i][0]:
                    o -= 1
            else:
                o = span // strides[i] + 1
            outs.append(o)
            # padded extent actually read, minus what we have
            extra.append((o - 1) * strides[i] + eff - (in_hw[i] + pads[i][0] + pads[i][1]))
        return pads, strides, dils, outs, extra

    def _fit(self, x: Val, pads, extra, extra_pad_ok: bool):
        """Makes padded extents match TOSA's exact-division rule.

        ``extra[i] > 0``: more padding at the end (ceil mode), added to the
        op's own padding when ``extra_pad_ok``; ``< 0``: rows/cols the
        floor division drops: taken off the end padding first, then sliced
        off the input's end (NHWC value)."""
        pads = [list(p) for p in pads]
        crop = [0, 0]
        for i, e in enumerate(extra):
            if e > 0:
                assert extra_pad_ok
                pads[i][1] += e
            elif e < 0:
                cut = -e
                take = min(cut, pads[i][1])
                pads[i][1] -= take
                crop[i] = cut - take
        if any(crop):
            n, h, w, c = x.shape
            x = self.slice(x, (0, 0, 0, 0), (n, h - crop[0], w - crop[1], c),
                           tag="crop")
        return x, pads

    def _lift_1d(self, node, v: Val) -> Val:
        """[N, C, L] -> [N, C, 1, L] (1-D conv/pool as 2-D)."""
        v = self.plain(v)
        return self.reshape(v, (v.shape[0], v.shape[1], 1, v.shape[2]), tag="to_2d")

    def _with_1d(self, node):
        """Rewrites 1-D attributes of ``node`` into their 2-D form (H = 1)."""
        a = dict(node.attrs)
        for key, fill in (("kernel_shape", 1), ("strides", 1), ("dilations", 1)):
            if key in a:
                a[key] = [fill] + list(a[key])
        if "pads" in a:
            p = list(a["pads"])
            if len(p) == 2:
                a["pads"] = [0, p[0], 0, p[1]]
        return a
