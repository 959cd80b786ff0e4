#!/usr/bin/env python3
"""Inputs and numpy references of the float-model execution tests.

    float_ref.py gen MODEL PREFIX    writes PREFIX.in<i>.npy
    float_ref.py check MODEL PREFIX  recomputes the results of MODEL from
                                     PREFIX.in<i>.npy in float64 and compares
                                     them with PREFIX.out<i>.npy (qsim-run's)

The references follow the TOSA specification's definitions (NHWC, OHWI
weights, [top, bottom, left, right] padding, average pooling that divides by
the number of non-padding elements) and are written with plain numpy loops,
independently of the MLIR lowering. `check` exits non-zero on a mismatch of
shape, dtype or value (float32 tolerance).
"""

import sys

import numpy as np

RTOL = 1e-5
ATOL = 1e-5

# ----------------------------------------------------------------------------
# TOSA reference semantics
# ----------------------------------------------------------------------------


def pad_nhwc(x, pad, value=0.0):
    top, bottom, left, right = pad
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)),
                  constant_values=value)


def out_size(size, before, after, kernel, stride, dilation=1):
    span = size - 1 + before + after - (kernel - 1) * dilation
    assert span % stride == 0, "TOSA requires an exact output size"
    return span // stride + 1


def conv2d(x, w, b, pad, stride, dilation):
    """x: NHWC, w: OHWI, b: O."""
    n, h, wd, c = x.shape
    o, kh, kw, _ = w.shape
    oh = out_size(h, pad[0], pad[1], kh, stride[0], dilation[0])
    ow = out_size(wd, pad[2], pad[3], kw, stride[1], dilation[1])
    xp = pad_nhwc(x, pad)
    out = np.zeros((n, oh, ow, o))
    for y in range(oh):
        for z in range(ow):
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, y * stride[0] + i * dilation[0],
                               z * stride[1] + j * dilation[1], :]
                    out[:, y, z, :] += patch @ w[:, i, j, :].T
    return out + b


def depthwise_conv2d(x, w, b, pad, stride, dilation):
    """x: NHWC, w: [KH, KW, C, M], b: C*M; output channel c*M + m."""
    n, h, wd, c = x.shape
    kh, kw, _, m = w.shape
    oh = out_size(h, pad[0], pad[1], kh, stride[0], dilation[0])
    ow = out_size(wd, pad[2], pad[3], kw, stride[1], dilation[1])
    xp = pad_nhwc(x, pad)
    out = np.zeros((n, oh, ow, c, m))
    for y in range(oh):
        for z in range(ow):
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, y * stride[0] + i * dilation[0],
                               z * stride[1] + j * dilation[1], :]
                    out[:, y, z] += patch[:, :, None] * w[i, j][None]
    return out.reshape(n, oh, ow, c * m) + b


def pool2d(x, kernel, stride, pad, kind):
    n, h, wd, c = x.shape
    oh = out_size(h, pad[0], pad[1], kernel[0], stride[0])
    ow = out_size(wd, pad[2], pad[3], kernel[1], stride[1])
    xp = pad_nhwc(x, pad, -np.inf if kind == "max" else 0.0)
    valid = pad_nhwc(np.ones((1, h, wd, 1)), pad, 0.0)
    out = np.zeros((n, oh, ow, c))
    for y in range(oh):
        for z in range(ow):
            ys = slice(y * stride[0], y * stride[0] + kernel[0])
            zs = slice(z * stride[1], z * stride[1] + kernel[1])
            window = xp[:, ys, zs, :]
            if kind == "max":
                out[:, y, z, :] = window.max(axis=(1, 2))
            else:
                # TOSA divides by the number of elements inside the input.
                count = valid[0, ys, zs, 0].sum()
                out[:, y, z, :] = window.sum(axis=(1, 2)) / count
    return out


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ----------------------------------------------------------------------------
# Models: inputs and references
# ----------------------------------------------------------------------------


def rand(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def conv_inputs(rng):
    return [rand(rng, 1, 10, 11, 3), rand(rng, 8, 3, 3, 3, scale=0.5),
            rand(rng, 8), rand(rng, 3, 3, 3, 2, scale=0.5), rand(rng, 6)]


def conv_reference(x, w, b, dw, db):
    c = np.clip(conv2d(x, w, b, (1, 0, 1, 1), (2, 2), (1, 1)), 0.0, 6.0)
    d = np.clip(depthwise_conv2d(x, dw, db, (2, 2, 2, 2), (1, 1), (2, 2)),
                -1.0, 1.0)
    return [c, d]


def matmul_inputs(rng):
    return [rand(rng, 2, 5, 7), rand(rng, 2, 7, 4), rand(rng, 4),
            rand(rng, 6, 3)]


def matmul_reference(a, b, bias, x):
    batched = a.astype(np.float64) @ b + bias
    # Fully-connected layer with constant weights: x @ W^T with W[o, i] =
    # 0.25 * (o - i), through tosa.transpose + tosa.matmul.
    wfc = 0.25 * (np.arange(5)[:, None] - np.arange(3)[None, :])
    fc = x.astype(np.float64) @ wfc.T
    return [batched, fc]


def pool_inputs(rng):
    return [rand(rng, 2, 9, 7, 4)]


def pool_reference(x):
    x = x.astype(np.float64)
    return [
        pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1), "max"),
        pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1), "avg"),
        pool2d(x, (2, 3), (1, 2), (0, 0, 0, 0), "avg"),
        x.mean(axis=(1, 2), keepdims=True),
    ]


def add_concat_inputs(rng):
    return [rand(rng, 1, 4, 5, 3), rand(rng, 1, 1, 1, 3), rand(rng, 1, 4, 5, 2)]


def add_concat_reference(a, bias, b):
    a, bias, b = (t.astype(np.float64) for t in (a, bias, b))
    s = a + bias
    m = s * a - b[..., :1]
    cat = np.concatenate([s, np.tanh(b), sigmoid(m)], axis=3)
    cat_h = np.concatenate([a, a * 2.0], axis=1)
    t = cat.transpose(0, 3, 1, 2).reshape(8, 20)
    r = np.maximum(cat.sum(axis=2, keepdims=True), 0.0)
    sl = cat[:, 1:3, 2:5, 1:4]
    return [cat, cat_h, t, r, sl]


def resnet_block_inputs(rng):
    return [rand(rng, 1, 8, 8, 8)]


def resnet_block_reference(x):
    """examples/models/resnet_block.mlir with its constant weights."""
    x = x.astype(np.float64)
    w1 = np.full((8, 3, 3, 8), 0.05)
    w2 = np.full((8, 3, 3, 8), -0.03)
    c1 = conv2d(x, w1, np.full(8, 0.1), (1, 1, 1, 1), (1, 1), (1, 1))
    r1 = np.maximum(c1, 0.0)
    c2 = conv2d(r1, w2, np.full(8, 0.02), (1, 1, 1, 1), (1, 1), (1, 1))
    r2 = np.maximum(c2 + x, 0.0)
    p = pool2d(r2, (8, 8), (8, 8), (0, 0, 0, 0), "avg").reshape(1, 1, 8)
    return [p @ np.full((1, 8, 10), 0.01)]


MODELS = {
    "conv": (conv_inputs, conv_reference),
    "matmul": (matmul_inputs, matmul_reference),
    "pool": (pool_inputs, pool_reference),
    "add_concat": (add_concat_inputs, add_concat_reference),
    "resnet_block": (resnet_block_inputs, resnet_block_reference),
}


def main(argv):
    if len(argv) != 4 or argv[1] not in ("gen", "check") or \
            argv[2] not in MODELS:
        sys.exit(__doc__)
    command, model, prefix = argv[1:]
    make_inputs, reference = MODELS[model]
    if command == "gen":
        rng = np.random.default_rng(20240611)
        for i, array in enumerate(make_inputs(rng)):
            np.save(f"{prefix}.in{i}.npy", array)
        return
    count = len(make_inputs(np.random.default_rng(0)))
    inputs = [np.load(f"{prefix}.in{i}.npy") for i in range(count)]
    expected = reference(*inputs)
    failures = []
    for i, ref in enumerate(expected):
        got = np.load(f"{prefix}.out{i}.npy")
        if got.dtype != np.float32:
            failures.append(f"result {i}: dtype {got.dtype}, expected float32")
        elif got.shape != ref.shape:
            failures.append(f"result {i}: shape {got.shape}, expected "
                            f"{ref.shape}")
        elif not np.allclose(got, ref, rtol=RTOL, atol=ATOL):
            err = np.abs(got - ref).max()
            where = np.unravel_index(np.abs(got - ref).argmax(), ref.shape)
            failures.append(f"result {i}: max abs error {err:.3g} at {where} "
                            f"(got {got[where]}, expected {ref[where]})")
    if failures:
        sys.exit(f"{model}: mismatch\n  " + "\n  ".join(failures))
    print(f"{model}: {len(expected)} result(s) match the numpy reference")


if __name__ == "__main__":
    main(sys.argv)
