"""The lowered qsim.requantize equals the exact numpy reference.

Random per-channel multipliers and shifts, every rounding mode, zero points
and clamps, inputs across the whole i32 range plus values that hit the ties
exactly (a multiplier of 2^30 makes x * m / 2^s land on halves). Shifts of
33..63 with a signed i32 input and no input zero point take the 32-bit-lane
form of --convert-qsim-to-linalg; other shifts take the i64 form; both run
through --qsim-cpu-pipeline and qsim-run.
"""

import subprocess
import zlib

import numpy as np
import pytest

from qsim import numerics, tools

QSIM_OPT = tools.find_tool("qsim-opt")
QSIM_RUN = tools.find_tool("qsim-run")

pytestmark = pytest.mark.skipif(
    QSIM_OPT is None or QSIM_RUN is None, reason="qsim tools not built")

MODES = ["half_to_even", "half_up", "half_away_from_zero", "floor",
         "toward_zero"]


def inputs(rng, rows, channels):
    x = rng.integers(-2**31, 2**31, size=(rows, channels), dtype=np.int64)
    special = np.array([-2**31, 2**31 - 1, 0, 1, -1, 4, -4, 12, -12, 2**20 + 4,
                        -(2**20) - 4], dtype=np.int64)
    x[:len(special), :] = special[:, None]
    # Small values: ties for power-of-two multipliers.
    x[len(special):len(special) + 64, :] = rng.integers(
        -64, 64, size=(64, channels))
    return x.astype(np.int32)


def run_lowered(tmp_path, name, text, x):
    """Runs `text`'s @main on x through the lowering (qsim-run): the input
    is a function argument, so no folder computes the result."""
    src = tmp_path / f"{name}.mlir"
    src.write_text(text)
    xin, out = tmp_path / f"{name}.x.npy", tmp_path / f"{name}.y.npy"
    np.save(xin, x)
    subprocess.run([str(QSIM_RUN), str(src), f"--input={xin}",
                    f"--output={out}"], check=True)
    return np.load(out).astype(np.int64)


def lowered_text(tmp_path, name, text):
    src = tmp_path / f"{name}.lower.mlir"
    src.write_text(text)
    return subprocess.run(
        [str(QSIM_OPT), str(src), "--convert-qsim-to-linalg"],
        check=True, capture_output=True, text=True).stdout


def assert_bits(got, ref, x, label=""):
    assert got.shape == ref.shape
    diff = np.argwhere(got != ref)
    assert diff.size == 0, (
        f"{label}{len(diff)} differ, first at {diff[0]}: "
        f"x={x[tuple(diff[0])]}, got {got[tuple(diff[0])]}, "
        f"want {ref[tuple(diff[0])]}")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shift_range", [(33, 63), (1, 40)])
def test_requantize_lowering_matches_reference(tmp_path, mode, shift_range):
    rng = np.random.default_rng(zlib.crc32(f"{mode}{shift_range}".encode()))
    channels = 8
    mult = rng.integers(1, 2**31, size=channels)
    mult[0] = 2**30
    mult[1] = 2**31 - 1
    shift = rng.integers(shift_range[0], shift_range[1] + 1, size=channels)
    shift[0] = shift_range[0]
    out_zp = int(rng.integers(-20, 20))
    clamp_lo, clamp_hi = -100, 120
    x = inputs(rng, 96, channels)
    text = f"""func.func @main(%x: tensor<96x{channels}xi32>) -> tensor<96x{channels}xi8> {{
  %y = qsim.requantize %x multiplier [{", ".join(map(str, mult))}] shift [{", ".join(map(str, shift))}] axis 1 rounding {mode}
      {{output_zero_point = {out_zp} : i64, clamp_min = {clamp_lo} : i64, clamp_max = {clamp_hi} : i64}}
      : tensor<96x{channels}xi32> -> tensor<96x{channels}xi8>
  return %y : tensor<96x{channels}xi8>
}}
"""
    got = run_lowered(tmp_path, "rq", text, x)
    ref = numerics.requantize(
        x.astype(np.int64), 0, mult, out_zp, clamp_lo, clamp_hi, mode=mode,
        shift=shift, axis=1)
    # Not degenerate: clamping does not decide everything.
    inside = (ref > clamp_lo) & (ref < clamp_hi)
    assert inside.sum() > 50
    assert_bits(got, ref, x)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("in_type,out_type,unsigned,in_zp", [
    ("i8", "i32", False, 0),     # int8 brought to a residual add's scale
    ("i8", "i8", False, -3),     # with an input zero point and a clamp
    ("i8", "i16", True, 128),    # unsigned input
    ("i16", "i32", False, 0),
])
def test_requantize_narrow_input_matches_reference(tmp_path, mode, in_type,
                                                    out_type, unsigned, in_zp):
    """Narrow inputs take the 32-bit split form (x * (m >> s) plus the
    rounded x * (m mod 2^s) >> s) where their range allows it, per channel;
    the rest the i64 form. Shifts 0 (power-of-two multipliers) and 1..30."""
    rng = np.random.default_rng(zlib.crc32(
        f"{mode}{in_type}{out_type}{unsigned}".encode()))
    bits = int(in_type[1:])
    channels = 8
    for shifted in (False, True, "split", "split_ties"):
        if shifted in ("split", "split_ties"):
            # Small shifts and multipliers of m / 2^s in [0.5, 2): the split
            # form (m mod 2^s small enough). With an i8 input, odd
            # multipliers and s >= 9 never tie (a tie needs an odd multiple
            # of 2^(s-1) > |x - zp|), so half_up's code is taken for every
            # round-to-nearest mode (i16 inputs can tie: the test stays)...
            shift = rng.integers(9, 15, size=channels)
            mult = rng.integers(2**(shift - 1), 2**(shift + 1)) | 1
            if shifted == "split_ties":
                # ...unless a channel can: m / 2^s = 1 + 1/4 puts every
                # x = 2 mod 4 on a half, and the tie test must stay.
                mult[2] = 2**int(shift[2]) + 2**(int(shift[2]) - 2)
        elif shifted:
            mult = rng.integers(2**30, 2**31, size=channels)
            mult[0] = 2**30
            # Ratios near 1 for an i8 result (no saturation everywhere).
            shift = rng.integers(27 if out_type == "i8" else bits, 31,
                                 size=channels)
            shift[1] = 30
        else:
            mult = 2 ** rng.integers(0, 2 if out_type == "i8" else 31 - bits,
                                     size=channels)
            shift = np.zeros(channels, dtype=np.int64)
        lo_x, hi_x = (0, 2**bits) if unsigned else (-2**(bits - 1), 2**(bits - 1))
        x = rng.integers(lo_x, hi_x, size=(96, channels))
        x[0, :], x[1, :] = lo_x, hi_x - 1
        np_type = {("i8", False): np.int8, ("i8", True): np.uint8,
                   ("i16", False): np.int16}[(in_type, unsigned)]
        x = x.astype(np_type)
        out_bits = int(out_type[1:])
        lo, hi = -2**(out_bits - 1), 2**(out_bits - 1) - 1
        clamp = ""
        if out_type == "i8":
            lo, hi = -100, 120
            clamp = f", clamp_min = {lo} : i64, clamp_max = {hi} : i64"
        flags = ", input_unsigned" if unsigned else ""
        text = f"""func.func @main(%x: tensor<96x{channels}x{in_type}>) -> tensor<96x{channels}x{out_type}> {{
  %y = qsim.requantize %x multiplier [{", ".join(map(str, mult))}] shift [{", ".join(map(str, shift))}] axis 1 rounding {mode}
      {{input_zero_point = {in_zp} : i64{clamp}{flags}}}
      : tensor<96x{channels}x{in_type}> -> tensor<96x{channels}x{out_type}>
  return %y : tensor<96x{channels}x{out_type}>
}}
"""
        if shifted in ("split", "split_ties"):
            lowered = lowered_text(tmp_path, f"rq{shifted}", text)
            if mode != "toward_zero":  # never split
                assert "i64" not in lowered, lowered  # the split form
            if mode in ("half_to_even", "half_away_from_zero"):
                # Their tie tests: bit 0 of the quotient, the sign of x.
                tie_test = "arith.andi" in lowered or "arith.cmpi" in lowered
                assert tie_test == (shifted == "split_ties" or bits == 16), (
                    lowered)
        got = run_lowered(tmp_path, f"rq{shifted}", text, x)
        ref = numerics.requantize(
            x.astype(np.int64), in_zp, mult, 0, lo, hi, mode=mode,
            shift=shift, axis=1)
        assert len(np.unique(ref)) > 20
        assert_bits(got, ref, x, f"shifted={shifted}: ")


@pytest.mark.parametrize("mode", ["half_to_even", "half_away_from_zero"])
def test_requantize_tie_free_bound(tmp_path, mode):
    """The 32-bit form takes half_up's code for the other round-to-nearest
    modes only when no i32 input can tie: m = m' * 2^t with t < s - 32. At
    t = s - 32 the input -2^31 ties; the multipliers 3 * 2^t are small, so
    those ties (-3/2) land inside the clamp and tell the modes apart. One
    tensor with every channel at t = s - 33 (tie-free), one with a channel
    at t = s - 32 (must keep the tie test)."""
    shifts = np.array([33, 34, 36, 40, 47, 33, 38, 45])
    x = inputs(np.random.default_rng(7), 96, len(shifts)).astype(np.int64)
    # Odd multiples of 2^k for each k in range: the tie candidates.
    for k in range(0, 31):
        x[11 + k, :] = 2**k * (1 if k % 2 else -3)
    x = x.astype(np.int32)
    for variant in ("tie_free", "ties"):
        sp = shifts - 32
        mult = 3 * 2 ** (sp - 1)
        # Plus some ordinary multipliers (odd: never tie).
        mult[5:] = [1518500249, 1073741825, 2147483647]
        if variant == "ties":
            mult[2] = 3 * 2 ** int(sp[2])
        text = f"""func.func @main(%x: tensor<96x8xi32>) -> tensor<96x8xi8> {{
  %y = qsim.requantize %x multiplier [{", ".join(map(str, mult))}] shift [{", ".join(map(str, shifts))}] axis 1 rounding {mode}
      {{clamp_min = -100 : i64, clamp_max = 120 : i64}}
      : tensor<96x8xi32> -> tensor<96x8xi8>
  return %y : tensor<96x8xi8>
}}
"""
        # The tie test compares the low word with zero.
        lowered = lowered_text(tmp_path, variant, text)
        assert ("arith.cmpi ne" in lowered) == (variant == "ties"), lowered
        got = run_lowered(tmp_path, variant, text, x)
        ref = numerics.requantize(
            x.astype(np.int64), 0, mult, 0, -100, 120, mode=mode,
            shift=shifts, axis=1)
        if variant == "ties":
            # The tie is there and the modes differ on it.
            half_up = numerics.requantize(
                x.astype(np.int64), 0, mult, 0, -100, 120, mode="half_up",
                shift=shifts, axis=1)
            assert (half_up != ref).any()
        assert_bits(got, ref, x, f"{variant}: ")


@pytest.mark.parametrize("mode", ["half_to_even", "half_away_from_zero"])
@pytest.mark.parametrize("bias,tie_free", [(-(2**22 - 129), True),
                                           (-(3 * 2**22 - 128), False)])
def test_requantize_accumulator_bound(tmp_path, mode, bias, tie_free):
    """A multiplier with many trailing zeros (2^17, shift 40: ties at odd
    multiples of 2^22) is still tie-free when the convolution's accumulator
    cannot reach 2^22: |x * 1 + bias| <= 128 + |bias| = 2^22 - 1. With bias
    -(3 * 2^22 - 128) the input -128 lands on the tie -3/2 (half_up: -1,
    the other two: -2): the tie test must stay, and the bits match the
    reference for every i8 input."""
    text = f"""func.func @main(%x: tensor<1x1x256x1xi8>) -> tensor<1x1x256x1xi8> {{
  %w = "tosa.const"() {{values = dense<1> : tensor<1x1x1x1xi8>}} : () -> tensor<1x1x1x1xi8>
  %b = "tosa.const"() {{values = dense<{bias}> : tensor<1xi32>}} : () -> tensor<1xi32>
  %z = "tosa.const"() {{values = dense<0> : tensor<1xi8>}} : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %z, %z {{acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}} : (tensor<1x1x256x1xi8>, tensor<1x1x1x1xi8>, tensor<1xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x1x256x1xi32>
  %y = qsim.requantize %acc multiplier [131072] shift [40] rounding {mode} : tensor<1x1x256x1xi32> -> tensor<1x1x256x1xi8>
  return %y : tensor<1x1x256x1xi8>
}}
"""
    lowered = lowered_text(tmp_path, "conv", text)
    assert ("arith.cmpi ne" not in lowered) == tie_free, lowered
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 1, 256, 1)
    got = run_lowered(tmp_path, "conv", text, x).ravel()
    acc = x.astype(np.int64).ravel() + bias
    ref = numerics.requantize(acc, 0, [131072], 0, -128, 127, mode=mode,
                              shift=[40])
    if not tie_free:  # the tie is reached, and the modes differ on it
        assert (numerics.requantize(acc, 0, [131072], 0, -128, 127,
                                    mode="half_up", shift=[40]) != ref).any()
    np.testing.assert_array_equal(got, ref)
