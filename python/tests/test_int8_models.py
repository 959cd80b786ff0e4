"""Integer models end to end: the int8 program equals a numpy integer
reference written here from the spec (docs/Numerics.md, the qsim-realize
description), bit for bit, and its dequantized output stays within the
quantization error of the float model.

Each model is TOSA on float tensors; it is quantized with
`--qsim-annotate --qsim-calibrate=global-scale=G --qsim-realize
--canonicalize`, run with qsim-run next to the float model on the same input,
and compared with the reference below.
"""

from pathlib import Path

import numpy as np
import pytest

from qsim import numerics as nm
from qsim import tools

G = 4.0                               # global activation range [-G, G]
S = np.float32(G / 127.0)             # every activation's scale
ZP = "\"tosa.const\"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>"


def _t(shape, elt="f32"):
    return "tensor<" + "x".join(str(d) for d in shape) + f"x{elt}>"


class Model:
    """A tiny TOSA writer: each method appends an op and returns its value."""

    def __init__(self, in_shape):
        self.lines = [f"  %zp = {ZP}"]
        self.in_shape = in_shape
        self.n = 0

    def _v(self):
        self.n += 1
        return f"%v{self.n}"

    def const(self, arr):
        v = self._v()
        t = _t(arr.shape)
        self.lines.append(f'  {v} = "tosa.const"() <{{values = {tools.dense_hex(arr.astype(np.float32))} '
                          f": {t}}}> : () -> {t}")
        return v

    def op(self, text, out_shape):
        v = self._v()
        self.lines.append(f"  {v} = {text} -> {_t(out_shape)}")
        return v

    def text(self, out, out_shape):
        body = "\n".join(self.lines)
        return (f"func.func @main(%x: {_t(self.in_shape)}) -> {_t(out_shape)} {{\n{body}\n"
                f"  return {out} : {_t(out_shape)}\n}}\n")


def conv(m, x, xs, w, b, pad, groups=False):
    wv, bv = m.const(w), m.const(b)
    n, h, wd, c = xs
    kh, kw = (w.shape[0], w.shape[1]) if groups else (w.shape[1], w.shape[2])
    co = w.shape[2] * w.shape[3] if groups else w.shape[0]
    out = [n, h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1, co]
    op = "tosa.depthwise_conv2d" if groups else "tosa.conv2d"
    return m.op(f"{op} {x}, {wv}, {bv}, %zp, %zp {{acc_type = f32, dilation = array<i64: 1, 1>, "
                f"pad = array<i64: {pad}, {pad}, {pad}, {pad}>, stride = array<i64: 1, 1>}} : "
                f"({_t(xs)}, {_t(w.shape)}, {_t(b.shape)}, tensor<1xf32>, tensor<1xf32>)", out), out


def relu(m, x, shape):
    return m.op(f"tosa.clamp {x} {{min_val = 0.0 : f32, max_val = 3.4028235e+38 : f32}} : ({_t(shape)})",
                shape)


# --------------------------------------------------------------------------
# The integer reference
# --------------------------------------------------------------------------

def quant(x, s=S, axis=None):
    return nm.quantize(np.asarray(x, np.float32), s, 0, 8, True, axis=axis).astype(np.int64)


def weight_scales(w, axis):
    """Per-channel max-abs / 127 in double, stored as f32 (--qsim-calibrate)."""
    moved = np.moveaxis(np.abs(w.astype(np.float64)), axis, 0).reshape(w.shape[axis], -1)
    amax = moved.max(axis=1)
    return np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)


def mult(real):
    m = nm.derive_power_of_two_multiplier(real) or nm.derive_fixed_point_multiplier(real)
    return int(m.multiplier), int(m.shift)


def requant(acc, reals, lo=-128, hi=127, zp_in=0, axis=-1):
    """qsim.requantize with one multiplier per channel along `axis`."""
    reals = np.atleast_1d(reals)
    ms = [mult(float(r)) for r in reals]
    if len(ms) == 1:
        return nm.requantize(acc, zp_in, ms[0], 0, lo, hi)
    return nm.requantize(acc, zp_in, (np.array([a for a, _ in ms], np.int64),
                                      np.array([b for _, b in ms], np.int64)),
                         0, lo, hi, axis=axis % acc.ndim)


def conv_int(xq, wq, pad):
    """NHWC x OHWI integer convolution, stride 1."""
    xp = np.pad(xq, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    o, kh, kw, _ = wq.shape
    n, h, w, _ = xp.shape
    oh, ow = h - kh + 1, w - kw + 1
    acc = np.zeros((n, oh, ow, o), np.int64)
    for i in range(kh):
        for j in range(kw):
            acc += np.einsum("nhwc,oc->nhwo", xp[:, i:i + oh, j:j + ow, :], wq[:, i, j, :])
    return acc


def depthwise_int(xq, wq, pad):
    """NHWC x [KH, KW, C, 1] integer depthwise convolution, stride 1."""
    xp = np.pad(xq, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    kh, kw = wq.shape[:2]
    n, h, w, c = xp.shape
    oh, ow = h - kh + 1, w - kw + 1
    acc = np.zeros((n, oh, ow, c), np.int64)
    for i in range(kh):
        for j in range(kw):
            acc += xp[:, i:i + oh, j:j + ow, :] * wq[i, j, :, 0]
    return acc


def conv_layer(xq, w, b, pad, relu_after, depthwise=False):
    """conv + int32 bias at s_in * s_w[c] + per-channel requantize (+ ReLU)."""
    axis = 2 if depthwise else 0
    sw = weight_scales(w, axis)
    wq = quant(w, sw, axis=axis)
    acc_scale = np.float64(S) * sw.astype(np.float64)
    bq = np.clip(nm.round_to_integral(b.astype(np.float64) / acc_scale), -2**31, 2**31 - 1)
    acc = (depthwise_int if depthwise else conv_int)(xq, wq, pad) + bq.astype(np.int64)
    return requant(acc, acc_scale / np.float64(S), lo=0 if relu_after else -128)


def common_add(aq, sa, b_float=None, bq=None, sb=None, relu_after=False):
    """Residual add: exact when the scales are equal here; a constant operand
    goes through the common 32-bit scale max(s1, s2) / 2^21."""
    lo = 0 if relu_after else -128
    if b_float is None:
        assert sa == sb
        return np.clip(aq + bq, lo, 127)
    sa = np.float64(sa)
    amax = np.abs(b_float.astype(np.float64)).max()
    sc = np.ldexp(max(sa, amax / 127.0), -21)
    a32 = requant(aq, sa / sc, lo=-2**31, hi=2**31 - 1)
    b32 = nm.round_to_integral(b_float.astype(np.float64) / sc).astype(np.int64)
    s = np.clip(a32 + b32, -2**31, 2**31 - 1)
    return requant(s, sc / np.float64(S), lo=lo)


# --------------------------------------------------------------------------
# Models: (builder, reference) pairs
# --------------------------------------------------------------------------

RNG = np.random.default_rng(1234)
X_SHAPE = [1, 6, 6, 4]


def rand(*shape, scale=0.25):
    return RNG.uniform(-scale, scale, shape).astype(np.float32)


W1, B1 = rand(4, 3, 3, 4), rand(4, scale=0.2)
W2, B2 = rand(4, 3, 3, 4), rand(4, scale=0.2)
WD, BD = rand(3, 3, 4, 1), rand(4, scale=0.2)
GAMMA = np.array([1.5, -0.5, 0.75, 2.0], np.float32).reshape(1, 1, 1, 4)
BETA = np.array([0.25, -0.5, 0.1, 0.0], np.float32).reshape(1, 1, 1, 4)
WFC, BFC = rand(1, 4, 3), rand(1, 1, 3, scale=0.2)


def conv_bias_relu():
    m = Model(X_SHAPE)
    c, s = conv(m, "%x", X_SHAPE, W1, B1, 1)
    r = relu(m, c, s)
    return m.text(r, s), lambda xq: conv_layer(xq, W1, B1, 1, True)


def residual_v1():
    m = Model(X_SHAPE)
    c1, s = conv(m, "%x", X_SHAPE, W1, B1, 1)
    r1 = relu(m, c1, s)
    c2, s = conv(m, r1, s, W2, B2, 1)
    a = m.op(f"tosa.add {c2}, %x : ({_t(s)}, {_t(s)})", s)
    r2 = relu(m, a, s)

    def ref(xq):
        h = conv_layer(xq, W1, B1, 1, True)
        h = conv_layer(h, W2, B2, 1, False)
        return common_add(h, S, bq=xq, sb=S, relu_after=True)
    return m.text(r2, s), ref


def residual_v2():
    """Pre-activation: BN (per-channel mul + add of constants), ReLU, conv,
    shortcut add."""
    m = Model(X_SHAPE)
    g, be = m.const(GAMMA), m.const(BETA)
    sh = m._v()
    m.lines.append(f'  {sh} = "tosa.const"() <{{values = dense<0> : tensor<1xi8>}}> : () -> tensor<1xi8>')
    mu = m.op(f"tosa.mul %x, {g}, {sh} : ({_t(X_SHAPE)}, {_t(GAMMA.shape)}, tensor<1xi8>)", X_SHAPE)
    ad = m.op(f"tosa.add {mu}, {be} : ({_t(X_SHAPE)}, {_t(BETA.shape)})", X_SHAPE)
    r = relu(m, ad, X_SHAPE)
    c, s = conv(m, r, X_SHAPE, W1, B1, 1)
    out = m.op(f"tosa.add {c}, %x : ({_t(s)}, {_t(s)})", s)

    def ref(xq):
        gmax = 32767.0
        gs = (np.abs(GAMMA.reshape(-1).astype(np.float64)) / gmax)
        gq = nm.round_to_integral(GAMMA.reshape(-1).astype(np.float64) / gs).astype(np.int64)
        acc_s = np.float64(S) * gs
        h = requant(xq * gq, acc_s / np.float64(S))
        h = common_add(h, S, b_float=BETA.reshape(-1), relu_after=True)
        h = conv_layer(h, W1, B1, 1, False)
        return common_add(h, S, bq=xq, sb=S)
    return m.text(out, s), ref


def depthwise():
    m = Model(X_SHAPE)
    c, s = conv(m, "%x", X_SHAPE, WD, BD, 1, groups=True)
    r = relu(m, c, s)
    return m.text(r, s), lambda xq: conv_layer(xq, WD, BD, 1, True, depthwise=True)


def concat():
    m = Model(X_SHAPE)
    c, s = conv(m, "%x", X_SHAPE, W1, B1, 1)
    out = [1, 6, 6, 8]
    v = m.op(f"tosa.concat {c}, %x {{axis = 3 : i32}} : ({_t(s)}, {_t(X_SHAPE)})", out)

    def ref(xq):
        return np.concatenate([conv_layer(xq, W1, B1, 1, False), xq], axis=3)
    return m.text(v, out), ref


def pools():
    m = Model(X_SHAPE)
    mp = m.op(f"tosa.max_pool2d %x {{kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, "
              f"stride = array<i64: 2, 2>}} : ({_t(X_SHAPE)})", [1, 3, 3, 4])
    ap = m.op(f"tosa.avg_pool2d {mp}, %zp, %zp {{acc_type = f32, kernel = array<i64: 3, 3>, "
              f"pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 3, 3>}} : "
              f"({_t([1, 3, 3, 4])}, tensor<1xf32>, tensor<1xf32>)", [1, 1, 1, 4])

    def ref(xq):
        mx = xq.reshape(1, 3, 2, 3, 2, 4).max(axis=(2, 4))
        sm = mx.reshape(1, 1, 3, 1, 3, 4).sum(axis=(2, 4))
        return requant(sm, 1.0 / 9.0)
    return m.text(ap, [1, 1, 1, 4]), ref


def fully_connected():
    m = Model(X_SHAPE)
    ap = m.op(f"tosa.avg_pool2d %x, %zp, %zp {{acc_type = f32, kernel = array<i64: 6, 6>, "
              f"pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 6, 6>}} : "
              f"({_t(X_SHAPE)}, tensor<1xf32>, tensor<1xf32>)", [1, 1, 1, 4])
    sh = m._v()
    m.lines.append(f"  {sh} = tosa.const_shape {{values = dense<[1, 1, 4]> : tensor<3xindex>}} : () -> !tosa.shape<3>")
    f = m.op(f"tosa.reshape {ap}, {sh} : ({_t([1, 1, 1, 4])}, !tosa.shape<3>)", [1, 1, 4])
    w, b = m.const(WFC), m.const(BFC)
    mm = m.op(f"tosa.matmul {f}, {w}, %zp, %zp : ({_t([1, 1, 4])}, {_t(WFC.shape)}, "
              f"tensor<1xf32>, tensor<1xf32>)", [1, 1, 3])
    out = m.op(f"tosa.add {mm}, {b} : ({_t([1, 1, 3])}, {_t(BFC.shape)})", [1, 1, 3])

    def ref(xq):
        p = requant(xq.sum(axis=(1, 2), keepdims=True), 1.0 / 36.0).reshape(1, 1, 4)
        sw = weight_scales(WFC, 2)
        wq = quant(WFC, sw, axis=2)
        # MatMul + bias add: the bias joins the int32 accumulator at
        # s_in * s_w[c] and one requantize follows, at the add's point.
        acc_scale = np.float64(S) * sw.astype(np.float64)
        bq = np.clip(nm.round_to_integral(BFC.reshape(-1).astype(np.float64) / acc_scale),
                     -2**31, 2**31 - 1)
        acc = np.einsum("bhc,bcw->bhw", p, wq) + bq.astype(np.int64)
        return requant(acc, acc_scale / np.float64(S))
    return m.text(out, [1, 1, 3]), ref


MODELS = {f.__name__: f for f in [conv_bias_relu, residual_v1, residual_v2, depthwise,
                                   concat, pools, fully_connected]}


def _run(mlir_path, x_path, out_path):
    tools.run_tool("qsim-run", [str(mlir_path), f"--input={x_path}", f"--output={out_path}"])
    return np.load(out_path)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_int8_matches_reference(name, tmp_path: Path):
    if tools.find_tool("qsim-run") is None:
        pytest.skip("qsim-run is not built")
    text, ref = MODELS[name]()
    fpath = tmp_path / "float.mlir"
    fpath.write_text(text)
    qtext = tools.run_tool("qsim-opt", [str(fpath), "--qsim-annotate",
                                        f"--qsim-calibrate=global-scale={G}",
                                        "--qsim-realize", "--canonicalize",
                                        "--convert-qsim-to-linalg"])
    assert "tosa.conv2d" not in qtext or "xi32>" in qtext
    qpath = tmp_path / "quant.mlir"
    qpath.write_text(qtext)
    x = np.random.default_rng(7).uniform(-1, 1, X_SHAPE).astype(np.float32)
    xpath = tmp_path / "x.npy"
    np.save(xpath, x)
    y_float = _run(fpath, xpath, tmp_path / "yf.npy")
    y_quant = _run(qpath, xpath, tmp_path / "yq.npy")

    y_int = ref(quant(x))
    y_ref = nm.dequantize(y_int, S).astype(np.float32)
    assert y_quant.shape == y_ref.shape
    diff = np.flatnonzero(y_quant.reshape(-1) != y_ref.reshape(-1))
    assert diff.size == 0, (f"{diff.size} elements differ from the integer reference, "
                            f"e.g. {y_quant.reshape(-1)[diff[:4]]} vs {y_ref.reshape(-1)[diff[:4]]}")
    # Within the quantization error of the float model: a few output steps
    # plus the propagated input/weight rounding (relative to the range).
    err = np.abs(y_quant - y_float).max()
    bound = 4 * S + 0.05 * np.abs(y_float).max()
    assert err <= bound, f"max |int8 - float| = {err}, bound {bound}"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_realization_matches_simulation(name, tmp_path: Path):
    """Every quantization point of the realized model holds the integers the
    simulated quantize computes from the same inputs, within one step
    (python/qsim/check_realize.py)."""
    from qsim import check_realize

    if tools.find_tool("qsim-run") is None:
        pytest.skip("qsim-run is not built")
    text, _ = MODELS[name]()
    fpath = tmp_path / "float.mlir"
    fpath.write_text(text)
    x = np.random.default_rng(7).uniform(-1, 1, X_SHAPE).astype(np.float32)
    res = check_realize.check(fpath, [x], ["--qsim-annotate",
                                           f"--qsim-calibrate=global-scale={G}",
                                           "--qsim-realize", "--canonicalize",
                                           "--convert-qsim-to-linalg"],
                              tmp_path / "check")
    assert res.ok, res.first.describe()
    assert len(res.points) >= 2 and all(c.elements > 0 for c in res.points)
