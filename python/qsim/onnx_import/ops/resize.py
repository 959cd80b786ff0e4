"""Resize and Upsample.

Resize is separable: along each resized axis an output element is a
weighted sum of a few input elements (1 tap for nearest, 2 for linear, 4
for cubic).  ``_axis_taps`` computes those taps with the ONNX formulas
(coordinate transformation, nearest rounding, cubic coefficients, edge
clamping, exclude_outside).  A 4-D resize of H and W whose taps
``tosa.resize`` reproduces exactly (checked by simulating TOSA's integer
sampling positions) becomes one ``tosa.resize`` in NHWC; any other resize
becomes, per axis, one ``tosa.gather`` per tap plus weighted sums with
constant weights.
"""

from __future__ import annotations

from fractions import Fraction
from typing import List, Optional, Tuple

import numpy as np

from ..emitter import CONSTANT_OPERANDS
from ..values import (NCHW_TO_NHWC as _NCHW_TO_NHWC, Val, _prod, _ty)

# scales and sizes shape the output: they must be known at import.
CONSTANT_OPERANDS.update({"Resize": (2, 3), "Upsample": (1,)})

_COORD_MODES = ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                "half_pixel_symmetric")
_NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")

#: tosa.resize limits (TOSA 1.0 ERROR_IF and level checks).
_TOSA_MAX_N = 2048
_TOSA_MAX_SCALE = 256


def _axis_taps(length: int, out: int, scale: float, mode: str, coord: str,
               nearest_mode: str, cubic_a: float, exclude_outside: bool
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indices [out, taps] int64, weights [out, taps] float64, sampling
    positions [out] float64) of a 1-D
    ONNX resize of ``length`` elements to ``out``; ``scale`` is the
    axis's ONNX scale (out / length when sizes are given)."""
    x = np.arange(out, dtype=np.float64)
    s = float(scale)
    out_f = s * length  # the reference's (possibly fractional) output length
    if coord == "align_corners":
        xo = np.zeros(out) if out_f == 1 else x * (length - 1) / (out_f - 1)
    elif coord == "asymmetric":
        xo = x / s
    elif coord == "pytorch_half_pixel":
        xo = (x + 0.5) / s - 0.5 if out > 1 else np.zeros(out)
    elif coord == "half_pixel":
        xo = (x + 0.5) / s - 0.5
    else:  # half_pixel_symmetric
        adjustment = out / out_f
        xo = length / 2 * (1 - adjustment) + (x + 0.5) / s - 0.5
    if mode == "nearest":
        if nearest_mode == "floor":
            idx = np.floor(xo)
        elif nearest_mode == "ceil":
            idx = np.ceil(xo)
        elif nearest_mode == "round_prefer_ceil":
            idx = np.floor(xo + 0.5)
        else:  # round_prefer_floor
            idx = np.ceil(xo - 0.5)
        idx = np.clip(idx, 0, length - 1).astype(np.int64)
        return idx[:, None], np.ones((out, 1)), xo
    # Taps around x: base = ceil(x) - 1, ratio = x - base in (0, 1].
    base = np.ceil(xo) - 1
    ratio = xo - base
    if mode == "linear":
        offs = np.array([0, 1])
        w = np.stack([1 - ratio, ratio], axis=1)
    else:  # cubic
        a = cubic_a
        r = ratio
        offs = np.array([-1, 0, 1, 2])
        w = np.stack([
            ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
            ((a * ((1 - r) + 1) - 5 * a) * ((1 - r) + 1) + 8 * a) * ((1 - r) + 1)
            - 4 * a], axis=1)
    raw = base.astype(np.int64)[:, None] + offs[None, :]
    if exclude_outside:
        w = np.where((raw < 0) | (raw >= length), 0.0, w)
        w = w / w.sum(axis=1, keepdims=True)
    return np.clip(raw, 0, length - 1), w, xo


def _dense(idx: np.ndarray, w: np.ndarray, length: int) -> np.ndarray:
    """The [out, length] interpolation matrix of a set of taps."""
    m = np.zeros((idx.shape[0], length))
    for k in range(idx.shape[1]):
        np.add.at(m, (np.arange(idx.shape[0]), idx[:, k]), w[:, k])
    return m


def _tosa_taps(length: int, out: int, n: int, d: int, off: int, nearest: bool):
    """Taps of tosa.resize along one axis (TOSA 1.0 pseudocode)."""
    y = np.arange(out, dtype=np.int64) * d + off
    i = np.floor_divide(y, n)
    r = y - i * n
    i0 = np.maximum(i, 0)
    i1 = np.minimum(i + 1, length - 1)
    if nearest:
        return np.where(2 * r >= n, i1, i0)[:, None], np.ones((out, 1))
    f = r / n
    return np.stack([i0, i1], axis=1), np.stack([1 - f, f], axis=1)


def _tosa_params(length: int, out: int, idx: np.ndarray, w: np.ndarray,
                 xo: np.ndarray, nearest: bool) -> Optional[Tuple[int, int, int, int]]:
    """(n, d, offset, border) with which tosa.resize samples this axis as
    ONNX does (the same indices; weights within 1e-6), or None.  TOSA
    samples at x = (o * d + offset) / n and rounds half up in nearest mode,
    so ONNX's other roundings become offset shifts; every candidate is
    checked by simulation."""
    want = _dense(idx, w, length)
    if out == 1:
        # Only the first position matters: step 1 over a denominator that
        # expresses it.
        slope = Fraction(1, Fraction(float(xo[0])).limit_denominator(256).denominator)
    else:
        slope = Fraction(float(xo[1] - xo[0])).limit_denominator(256)
    if slope <= 0:
        return None
    for k in (1, 2, 3, 4, 6, 8):
        n, d = slope.denominator * k, slope.numerator * k
        if n > _TOSA_MAX_N or d >= 16 * n or Fraction(n, d) > _TOSA_MAX_SCALE:
            break
        if nearest:
            start = int(np.floor(xo[0] * n)) - 2 * n
            offs = range(start, start + 4 * n + 1)
        else:
            offs = [int(round(xo[0] * n))]
        for off in offs:
            if off < -n or off >= 16 * n:
                continue
            border = (out - 1) * d - (length - 1) * n + off
            if border < -16 * n or border >= n:
                continue
            ti, tw = _tosa_taps(length, out, n, d, off, nearest)
            if nearest:
                if np.array_equal(ti[:, 0], idx[:, 0]):
                    return n, d, off, border
            elif np.allclose(_dense(ti, tw, length), want, rtol=0, atol=1e-6):
                return n, d, off, border
    return None


class ResizeOps:
    def op_Resize(self, node, ins):
        a = node.attrs
        op = self.opset
        allowed = ["mode"]
        if op >= 11:
            allowed += ["coordinate_transformation_mode", "cubic_coeff_a",
                        "exclude_outside", "extrapolation_value", "nearest_mode"]
        if op >= 18:
            allowed += ["antialias", "axes", "keep_aspect_ratio_policy"]
        self.check_attrs(node, allowed)
        x = self.float_operand(node, ins[0], 0)
        rank = len(x.logical_shape)
        if op < 11:
            scales = self._resize_operand(node, ins, 1, "scales")
            sizes = None
        else:
            scales = self._resize_operand(node, ins, 2, "scales")
            sizes = self._resize_operand(node, ins, 3, "sizes")
        if (scales is None) == (sizes is None):
            raise node.error("exactly one of 'scales' and 'sizes' must be given")
        mode = a.get("mode", "nearest")
        if mode not in ("nearest", "linear", "cubic"):
            raise node.attr_error("mode", mode, "expected nearest, linear or cubic")
        if op < 11:
            # Resize-10 samples like Upsample (asymmetric, nearest rounds down).
            if mode == "cubic":
                raise node.attr_error("mode", mode, "not in Resize-10")
            if mode == "nearest" and any(float(s) < 1 for s in scales):
                raise node.error(f"nearest downsampling (scales {list(scales)}) is "
                                 f"not supported before opset 11: its rounding is "
                                 f"not specified")
            coord, nearest_mode = "asymmetric", "floor"
        else:
            coord = a.get("coordinate_transformation_mode", "half_pixel")
            if coord == "tf_crop_and_resize":
                raise node.attr_error("coordinate_transformation_mode", coord,
                                      "cropping to a region of interest is not supported")
            if coord not in _COORD_MODES or (coord == "half_pixel_symmetric" and op < 19):
                raise node.attr_error("coordinate_transformation_mode", coord,
                                      f"expected one of {', '.join(_COORD_MODES[:4])}")
            nearest_mode = a.get("nearest_mode", "round_prefer_floor")
            if nearest_mode not in _NEAREST_MODES:
                raise node.attr_error("nearest_mode", nearest_mode,
                                      f"expected one of {', '.join(_NEAREST_MODES)}")
        if a.get("antialias", 0):
            raise node.attr_error("antialias", a["antialias"],
                                  "antialiased resizing is not supported")
        policy = a.get("keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":
            raise node.attr_error("keep_aspect_ratio_policy", policy,
                                  "only 'stretch' is supported")
        axes = list(range(rank))
        if "axes" in a:
            axes = [int(ax) + rank if int(ax) < 0 else int(ax) for ax in a["axes"]]
            if sorted(set(axes)) != sorted(axes) or any(not 0 <= ax < rank for ax in axes):
                raise node.attr_error("axes", list(a["axes"]),
                                      f"not distinct axes of a rank-{rank} tensor")
        given = scales if scales is not None else sizes
        if len(given) != len(axes):
            what = "scales" if scales is not None else "sizes"
            raise node.error(f"'{what}' has {len(given)} values for {len(axes)} axes")
        return [self._resize_nd(node, x, axes, scales, sizes, mode, coord, nearest_mode,
                             float(a.get("cubic_coeff_a", -0.75)),
                             bool(a.get("exclude_outside", 0)))]

    def op_Upsample(self, node, ins):
        if self.opset >= 10:
            raise node.error("Upsample is deprecated since opset 10 (use Resize)")
        x = self.float_operand(node, ins[0], 0)
        if self.opset < 9:
            self.check_attrs(node, ("mode", "scales"))
            if "scales" not in node.attrs:
                raise node.error("attribute 'scales' is required")
            scales = np.array(node.attrs["scales"], np.float32)
        else:
            self.check_attrs(node, ("mode",))
            scales = self._resize_operand(node, ins, 1, "scales")
            if scales is None:
                raise node.error("input #1 'scales' is required")
        mode = node.attrs.get("mode", "nearest")
        if mode == "bilinear":
            mode = "linear"
        if mode not in ("nearest", "linear"):
            raise node.attr_error("mode", mode, "expected nearest or linear")
        rank = len(x.logical_shape)
        if len(scales) != rank:
            raise node.error(f"'scales' has {len(scales)} values for rank {rank}")
        if any(float(s) < 1 for s in scales):
            raise node.error(f"scales {list(scales)} must be >= 1")
        return [self._resize_nd(node, x, list(range(rank)), scales, None, mode,
                             "asymmetric", "floor", -0.75, False)]

    def _resize_operand(self, node, ins, pos: int, what: str) -> Optional[np.ndarray]:
        """A constant scales/sizes input; None when absent or empty."""
        if len(ins) <= pos or ins[pos] is None:
            return None
        arr = self.const_array(node, ins[pos], f"input #{pos} ({what})").reshape(-1)
        if arr.size == 0:
            return None
        if what == "scales":
            if arr.dtype != np.float32:
                raise node.error(f"'scales' has dtype {arr.dtype}, expected float32")
            if any(not np.isfinite(s) or s <= 0 for s in arr):
                raise node.error(f"'scales' {arr.tolist()} must be positive")
        else:
            if arr.dtype.kind != "i" or any(s <= 0 for s in arr):
                raise node.error(f"'sizes' {arr.tolist()} must be positive integers")
        return arr

    def _resize_nd(self, node, x: Val, axes: List[int], scales, sizes, mode: str,
                   coord: str, nearest_mode: str, cubic_a: float,
                   exclude_outside: bool) -> Val:
        if not x.is_float:
            raise node.error(f"input has element type {x.dtype}; only float32 is "
                             f"supported")
        ls = list(x.logical_shape)
        taps = {}
        out_shape = list(ls)
        for i, ax in enumerate(axes):
            length = ls[ax]
            if sizes is not None:
                out = int(sizes[i])
                scale = out / length
            else:
                scale = float(scales[i])
                out = int(np.floor(np.float64(scale) * length))
                if out < 1:
                    raise node.error(f"scale {scale} gives an empty axis {ax} "
                                     f"(length {length})")
            out_shape[ax] = out
            it, wt, xo = _axis_taps(length, out, scale, mode, coord, nearest_mode,
                                    cubic_a, exclude_outside)
            if out == length and np.array_equal(_dense(it, wt, length), np.eye(length)):
                continue  # this axis is not resampled
            taps[ax] = (it, wt, xo)
        if not taps:
            return x
        if len(ls) == 4 and set(taps) <= {2, 3} and mode != "cubic":
            params = []
            for ax in (2, 3):
                p = _tosa_params(ls[ax], out_shape[ax], *taps[ax], mode == "nearest") \
                    if ax in taps else (1, 1, 0, 0)
                if p is None:
                    break
                params.append(p)
            else:
                return self._resize_tosa(x, params, out_shape, mode)
        v = x
        for ax in sorted(taps):
            phys = _NCHW_TO_NHWC.index(ax) if v.layout == "nhwc" else ax
            it, wt, _ = taps[ax]
            v = self._resize_axis(v, phys, it, wt, last=ax == max(taps))
        return v

    def _resize_tosa(self, x: Val, params, out_shape, mode: str) -> Val:
        xn = self.to_layout(x, "nhwc")
        (ny, dy, oy, by), (nx, dx, ox, bx) = params
        loc = self.loc()
        scale = self.shape_const((ny, dy, nx, dx), loc)
        offset = self.shape_const((oy, ox), loc)
        border = self.shape_const((by, bx), loc)
        n, c, oh, ow = out_shape
        shape = (n, oh, ow, c)
        tmode = "NEAREST_NEIGHBOR" if mode == "nearest" else "BILINEAR"
        return self.new(shape, "nhwc",
                        f"tosa.resize {self.ssa(xn)}, {scale}, {offset}, {border} "
                        f"{{mode = {tmode}}} : ({_ty(xn.shape)}, !tosa.shape<4>, "
                        f"!tosa.shape<2>, !tosa.shape<2>) -> {_ty(shape)}", loc)

    def _resize_axis(self, v: Val, axis: int, idx: np.ndarray, w: np.ndarray,
                     last: bool) -> Val:
        """Physical ``axis`` of ``v`` resampled: sum over taps of
        gather(v, idx[:, k]) * w[:, k]."""
        shape = list(v.shape)
        layout = v.layout
        length, out = shape[axis], idx.shape[0]
        outer, inner = _prod(shape[:axis]), _prod(shape[axis + 1:])
        v3 = self.reshape(v, (outer, length, inner), tag=f"axis{axis}_3d")
        # Taps whose weights are all zero (exclude_outside, integer positions)
        # contribute nothing.
        keep = [k for k in range(idx.shape[1]) if np.any(w[:, k] != 0)]
        acc = None
        for k in keep:
            ind = np.ascontiguousarray(np.broadcast_to(idx[:, k].astype(np.int32),
                                                       (outer, out)))
            iv = Val((outer, out), const=ind, name=f"{self.node.name}/axis{axis}_tap{k}")
            gshape = (outer, out, inner)
            g = self.new(gshape, "plain",
                         f"tosa.gather {self.ssa(v3)}, {self.ssa(iv)} : "
                         f"({_ty(v3.shape)}, {_ty(iv.shape, 'i32')}) -> {_ty(gshape)}",
                         self.loc(f"axis{axis}_gather{k}"))
            if not np.all(w[:, k] == 1):
                wc = Val((1, out, 1), const=w[:, k].astype(np.float32).reshape(1, out, 1),
                         name=f"{self.node.name}/axis{axis}_weight{k}")
                g = self.binary("mul", g, wc, "plain", self.loc(f"axis{axis}_mul{k}"))
            acc = g if acc is None else self.binary("add", acc, g, "plain",
                                                    self.loc(f"axis{axis}_add{k}"))
        shape[axis] = out
        r = self.reshape(acc, shape, tag=f"axis{axis}_out",
                         loc=self.loc() if last else None)
        r.layout = layout
        return r
