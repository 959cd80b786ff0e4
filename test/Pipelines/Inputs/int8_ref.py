#!/usr/bin/env python3
"""Inputs and exact numpy reference of qsim-cpu-pipeline-int8.mlir.

    int8_ref.py gen PREFIX    writes PREFIX.in<i>.npy
    int8_ref.py check PREFIX  recomputes the results from the inputs with
                              TOSA's integer definitions (int64 numpy) and
                              compares them bit for bit with PREFIX.out<i>.npy

conv2d: the input zero point is subtracted before the multiply and padding
holds the zero point (so it contributes 0); rescale: apply_scale_32 of the
TOSA specification, then the output zero point and saturation.
"""

import sys

import numpy as np

INPUT_ZP = -7
MULTIPLIERS = [1518500250, 1073741824, 2147483647, 1431655765]
SHIFT = 38
OUTPUT_ZP = 3


def conv2d_i8(x, w, b, input_zp):
    n, h, wd, c = x.shape
    o, kh, kw, _ = w.shape
    xz = x.astype(np.int64) - input_zp
    xp = np.pad(xz, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = np.zeros((n, h, wd, o), np.int64)
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + h, j:j + wd, :] @ w[:, i, j, :].astype(np.int64).T
    return out + b


def apply_scale_32(value, multiplier, shift, double_round):
    value = value.astype(np.int64)
    round_ = np.int64(1) << (shift - 1)
    if double_round and shift > 31:
        round_ = np.where(value >= 0, round_ + (1 << 30), round_ - (1 << 30))
    return (value * multiplier + round_) >> shift


def reference(x, w, b):
    acc = conv2d_i8(x, w, b, INPUT_ZP)
    assert acc.min() >= -2**31 and acc.max() < 2**31
    mult = np.array(MULTIPLIERS, np.int64)
    scaled = apply_scale_32(acc, mult, SHIFT, double_round=True) + OUTPUT_ZP
    q = np.clip(scaled, -128, 127).astype(np.int8)
    relu = np.maximum(q, OUTPUT_ZP).astype(np.int8)
    return [acc.astype(np.int32), relu]


def main(argv):
    if len(argv) != 3 or argv[1] not in ("gen", "check"):
        sys.exit(__doc__)
    prefix = argv[2]
    if argv[1] == "gen":
        rng = np.random.default_rng(7)
        np.save(f"{prefix}.in0.npy",
                rng.integers(-128, 128, (1, 6, 5, 3)).astype(np.int8))
        np.save(f"{prefix}.in1.npy",
                rng.integers(-128, 128, (4, 3, 3, 3)).astype(np.int8))
        np.save(f"{prefix}.in2.npy",
                rng.integers(-5000, 5000, (4,)).astype(np.int32))
        return
    inputs = [np.load(f"{prefix}.in{i}.npy") for i in range(3)]
    failures = []
    for i, ref in enumerate(reference(*inputs)):
        got = np.load(f"{prefix}.out{i}.npy")
        if got.dtype != ref.dtype or got.shape != ref.shape:
            failures.append(f"result {i}: {got.dtype}{got.shape}, expected "
                            f"{ref.dtype}{ref.shape}")
        elif not np.array_equal(got, ref):
            bad = int((got != ref).sum())
            failures.append(f"result {i}: {bad} of {ref.size} elements differ")
    if failures:
        sys.exit("int8: mismatch\n  " + "\n  ".join(failures))
    print("int8: 2 result(s) match the reference bit for bit")


if __name__ == "__main__":
    main(sys.argv)
