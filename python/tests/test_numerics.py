"""Tests of the numpy reference qsim.numerics against hand-worked values
and against slow scalar references built on fractions.Fraction."""

import math
from fractions import Fraction

import numpy as np
import pytest

from qsim import numerics as qn
from qsim.numerics import FixedPointMultiplier as FPM
from qsim.numerics import RoundingMode as RM

HTE, HAFZ, HU, TZ, FL = (RM.HALF_TO_EVEN, RM.HALF_AWAY_FROM_ZERO, RM.HALF_UP,
                         RM.TOWARD_ZERO, RM.FLOOR)
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1


# ---------------------------------------------------------------------------
# Slow scalar references (exact rationals)
# ---------------------------------------------------------------------------


def ref_round(v: Fraction, mode: RM) -> int:
    """Rounds an exact rational under mode, from the mode's definition."""
    lo = math.floor(v)
    frac = v - lo  # in [0, 1)
    if mode is FL:
        return lo
    if mode is TZ:
        return lo if v >= 0 or frac == 0 else lo + 1
    if frac != Fraction(1, 2):
        return lo + 1 if frac > Fraction(1, 2) else lo
    # An exact tie between lo and lo + 1.
    if mode is HU:
        return lo + 1
    if mode is HAFZ:
        return lo + 1 if v > 0 else lo
    if mode is HTE:
        return lo if lo % 2 == 0 else lo + 1
    raise AssertionError(mode)


def ref_quantize(x, scale, zp, bits, signed, mode) -> int:
    lo, hi = qn.int_range(bits, signed)
    with np.errstate(all="ignore"):  # the contract's float32 division
        r32 = np.float32(x) / np.float32(scale)
    if np.isnan(r32):
        v = zp
    elif np.isinf(r32):
        v = hi if r32 > 0 else lo
    else:
        v = ref_round(Fraction(float(r32)), mode) + zp
    return min(max(v, lo), hi)


# ---------------------------------------------------------------------------
# Rounding modes and ranges
# ---------------------------------------------------------------------------


def test_rounding_mode_values_and_keywords():
    assert [int(m) for m in RM] == [0, 1, 2, 3, 4]
    assert [m.keyword for m in RM] == [
        "half_to_even", "half_away_from_zero", "half_up", "toward_zero",
        "floor"]
    for m in RM:
        assert RM.parse(m.keyword) is m
        assert RM.parse(m.name) is m
        assert RM.parse(int(m)) is m
    with pytest.raises(ValueError):
        RM.parse("nearest")


@pytest.mark.parametrize("bits,signed,lo,hi", [
    (8, True, -128, 127),
    (8, False, 0, 255),
    (4, True, -8, 7),
    (4, False, 0, 15),
    (2, True, -2, 1),
    (1, True, -1, 0),
    (1, False, 0, 1),
    (16, True, -32768, 32767),
    (32, False, 0, 4294967295),
    (32, True, -2147483648, 2147483647),
    (63, True, -(1 << 62), (1 << 62) - 1),
    (63, False, 0, (1 << 63) - 1),
])
def test_min_max_value(bits, signed, lo, hi):
    assert qn.min_value(bits, signed) == lo
    assert qn.max_value(bits, signed) == hi
    assert qn.int_range(bits, signed) == (lo, hi)


@pytest.mark.parametrize("bits", [0, 64, -1])
def test_min_max_value_rejects_bad_widths(bits):
    with pytest.raises(ValueError):
        qn.min_value(bits, True)
    with pytest.raises(ValueError):
        qn.max_value(bits, False)


def test_saturate():
    np.testing.assert_array_equal(
        qn.saturate(np.array([-300, -128, 0, 127, 300]), -128, 127),
        [-128, -128, 0, 127, 127])
    big = np.array([I64_MIN, I64_MAX], dtype=np.int64)
    np.testing.assert_array_equal(qn.saturate(big, -5, 5), [-5, 5])


# ---------------------------------------------------------------------------
# round_to_integral
# ---------------------------------------------------------------------------

_RTI_X = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.3, 0.7, 0.49999999999999994,
          2.0 ** 52 + 1, -(2.0 ** 52 + 1), 2.0 ** 60, math.nan, math.inf,
          -math.inf]
_P = 2.0 ** 52 + 1
_RTI_EXPECTED = {
    HTE: [-2, -2, 0, 0, 2, 2, 0, 1, 0, _P, -_P, 2.0 ** 60],
    HAFZ: [-3, -2, -1, 1, 2, 3, 0, 1, 0, _P, -_P, 2.0 ** 60],
    HU: [-2, -1, 0, 1, 2, 3, 0, 1, 0, _P, -_P, 2.0 ** 60],
    TZ: [-2, -1, 0, 0, 1, 2, 0, 0, 0, _P, -_P, 2.0 ** 60],
    FL: [-3, -2, -1, 0, 1, 2, -1, 0, 0, _P, -_P, 2.0 ** 60],
}


@pytest.mark.parametrize("mode", list(RM))
def test_round_to_integral_hand_cases(mode):
    got = qn.round_to_integral(np.array(_RTI_X), mode)
    expected = _RTI_EXPECTED[mode] + [math.nan, math.inf, -math.inf]
    np.testing.assert_array_equal(got, np.array(expected, dtype=np.float64))
    assert got.dtype == np.float64


@pytest.mark.parametrize("mode", list(RM))
def test_round_to_integral_matches_fraction_reference(mode):
    rng = np.random.default_rng(1234 + int(mode))
    # Halves, quarters and general values across magnitudes.
    x = np.concatenate([
        rng.integers(-1000, 1000, 500) / 2.0,
        rng.integers(-1000, 1000, 500) / 4.0,
        rng.standard_normal(500) * 10.0 ** rng.integers(-3, 17, 500),
    ])
    got = qn.round_to_integral(x, mode)
    for xi, gi in zip(x, got):
        assert gi == ref_round(Fraction(float(xi)), mode), (xi, mode)


# ---------------------------------------------------------------------------
# rounding_right_shift
# ---------------------------------------------------------------------------

_SHIFT1_X = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]  # halves: -2.5 .. 2.5
_SHIFT1 = {
    HTE: [-2, -2, -2, -1, 0, 0, 0, 1, 2, 2, 2],
    HAFZ: [-3, -2, -2, -1, -1, 0, 1, 1, 2, 2, 3],
    HU: [-2, -2, -1, -1, 0, 0, 1, 1, 2, 2, 3],
    TZ: [-2, -2, -1, -1, 0, 0, 0, 1, 1, 2, 2],
    FL: [-3, -2, -2, -1, -1, 0, 0, 1, 1, 2, 2],
}
_SHIFT2_X = [-7, -6, -5, -3, -2, -1, 1, 2, 3, 5, 6, 7]  # quarters
_SHIFT2 = {
    HTE: [-2, -2, -1, -1, 0, 0, 0, 0, 1, 1, 2, 2],
    HAFZ: [-2, -2, -1, -1, -1, 0, 0, 1, 1, 1, 2, 2],
    HU: [-2, -1, -1, -1, 0, 0, 0, 1, 1, 1, 2, 2],
    TZ: [-1, -1, -1, 0, 0, 0, 0, 0, 0, 1, 1, 1],
    FL: [-2, -2, -2, -1, -1, -1, 0, 0, 0, 1, 1, 1],
}
# x >> 63 at the int64 extremes and at +-2^62 (exact +-1/2), and a tie
# beyond 2^53: (2^53 + 1) / 2 = 2^52 + 1/2.
_EXTREME_X = [I64_MIN, I64_MAX, -(1 << 62), 1 << 62]
_EXTREME = {
    HTE: [-1, 1, 0, 0],
    HAFZ: [-1, 1, -1, 1],
    HU: [-1, 1, 0, 1],
    TZ: [-1, 0, 0, 0],
    FL: [-1, 0, -1, 0],
}
_BIG_TIE = {HTE: 1 << 52, HAFZ: (1 << 52) + 1, HU: (1 << 52) + 1,
            TZ: 1 << 52, FL: 1 << 52}


@pytest.mark.parametrize("mode", list(RM))
def test_rounding_right_shift_hand_cases(mode):
    x1 = np.array(_SHIFT1_X, dtype=np.int64)
    np.testing.assert_array_equal(qn.rounding_right_shift(x1, 1, mode),
                                  _SHIFT1[mode])
    x2 = np.array(_SHIFT2_X, dtype=np.int64)
    np.testing.assert_array_equal(qn.rounding_right_shift(x2, 2, mode),
                                  _SHIFT2[mode])
    xe = np.array(_EXTREME_X, dtype=np.int64)
    got = qn.rounding_right_shift(xe, 63, mode)
    np.testing.assert_array_equal(got, _EXTREME[mode])
    assert got.dtype == np.int64
    big = np.array([(1 << 53) + 1], dtype=np.int64)
    assert int(qn.rounding_right_shift(big, 1, mode)[0]) == _BIG_TIE[mode]
    # shift 0 is the identity, also at the extremes.
    np.testing.assert_array_equal(qn.rounding_right_shift(xe, 0, mode), xe)


def test_rounding_right_shift_rejects_bad_shift():
    with pytest.raises(ValueError):
        qn.rounding_right_shift(np.array([1]), 64)
    with pytest.raises(ValueError):
        qn.rounding_right_shift(np.array([1]), -1)


@pytest.mark.parametrize("mode", list(RM))
def test_rounding_right_shift_matches_fraction_reference(mode):
    rng = np.random.default_rng(99 + int(mode))
    n = 3000
    x = np.concatenate([
        rng.integers(I64_MIN, I64_MAX, n, dtype=np.int64, endpoint=True),
        rng.integers(-1000, 1000, n, dtype=np.int64),
        np.array([I64_MIN, I64_MIN + 1, -1, 0, 1, I64_MAX - 1, I64_MAX]),
    ])
    shifts = rng.integers(0, 64, x.size)
    got = qn.rounding_right_shift(x, shifts, mode)
    for xi, si, gi in zip(x.tolist(), shifts.tolist(), got.tolist()):
        assert gi == ref_round(Fraction(xi, 1 << si), mode), (xi, si, mode)
    # A scalar shift gives the same as the broadcast one.
    np.testing.assert_array_equal(
        qn.rounding_right_shift(x, 17, mode),
        qn.rounding_right_shift(x, np.full(x.shape, 17), mode))


# ---------------------------------------------------------------------------
# Multiplier derivation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("real,expected", [
    # real = q * 2^e, q in [0.5, 1): multiplier = round(q * 2^31), shift = 31 - e
    (0.5, FPM(1 << 30, 31)),                     # q = 0.5, e = 0
    (1.0, FPM(1 << 30, 30)),                     # q = 0.5, e = 1
    (0.75, FPM(3 << 29, 31)),                    # q = 0.75, e = 0
    (0.1, FPM(1717986918, 34)),                  # q = 0.8, e = -3: 1717986918.4
    (1.0 / 3.0, FPM(1431655765, 32)),            # q = 2/3, e = -1: ...765.33
    (math.sqrt(0.5), FPM(1518500250, 31)),       # 1518500249.98
    (3.0, FPM(3 << 29, 29)),                     # q = 0.75, e = 2
    (0.5 + 2.0 ** -32, FPM((1 << 30) + 1, 31)),  # 2^30 + 1/2: tie goes up
    (1.0 - 2.0 ** -32, FPM(1 << 30, 30)),        # 2^31 - 1/2 -> 2^31: renormalised
    (1.0 - 2.0 ** -33, FPM(1 << 30, 30)),        # 2^31 - 1/4 -> 2^31: renormalised
    (1.0 - 2.0 ** -31, FPM((1 << 31) - 1, 31)),  # exactly 2^31 - 1
    (2.0 ** 30, FPM(1 << 30, 0)),                # largest power of two
    (2.0 ** 31 - 1, FPM((1 << 31) - 1, 0)),      # shift 0
    (2.0 ** -31, FPM(1 << 30, 61)),
    (2.0 ** -32, FPM(1 << 30, 62)),              # shift 62: still in range
    (0.75 * 2.0 ** -31, FPM(3 << 29, 62)),       # q = 0.75, e = -31
])
def test_derive_fixed_point_multiplier_examples(real, expected):
    got = qn.derive_fixed_point_multiplier(real)
    assert got == expected
    assert isinstance(got.multiplier, int) and isinstance(got.shift, int)


@pytest.mark.parametrize("real", [
    0.0, -0.0, -0.5, math.inf, -math.inf, math.nan,
    2.0 ** 31,           # shift would be -1
    2.0 ** 31 - 0.25,    # rounds up to 2^31 * 2^31: shift -1
    2.0 ** 40,
    2.0 ** -33,          # shift would be 63
    0.75 * 2.0 ** -32,   # q = 0.75, e = -32: shift 63
    1e-300, 5e-324,
])
def test_derive_fixed_point_multiplier_rejects(real):
    assert qn.derive_fixed_point_multiplier(real) is None


def test_derive_fixed_point_multiplier_properties():
    rng = np.random.default_rng(7)
    reals = np.exp(rng.uniform(math.log(2.0 ** -31), math.log(2.0 ** 30), 2000))
    for r in reals.tolist():
        m = qn.derive_fixed_point_multiplier(r)
        assert m is not None
        assert (1 << 30) <= m.multiplier < (1 << 31)
        assert 0 <= m.shift <= 62
        # |multiplier - r * 2^shift| <= 1/2, exactly.
        err = Fraction(m.multiplier) - Fraction(r) * (1 << m.shift)
        assert abs(err) <= Fraction(1, 2), (r, m)


@pytest.mark.parametrize("real,expected", [
    (1.0, FPM(1, 0)),
    (0.5, FPM(1, 1)),
    (0.125, FPM(1, 3)),
    (2.0 ** -62, FPM(1, 62)),
    (2.0, FPM(2, 0)),
    (8.0, FPM(8, 0)),
    (2.0 ** 30, FPM(1 << 30, 0)),
    (2.0 ** -63, None),
    (2.0 ** 31, None),
    (3.0, None),
    (0.75, None),
    (0.1, None),
    (0.0, None),
    (-2.0, None),
    (math.inf, None),
    (math.nan, None),
])
def test_derive_power_of_two_multiplier(real, expected):
    assert qn.derive_power_of_two_multiplier(real) == expected


def test_is_power_of_two():
    assert qn.power_of_two_exponent(1.0) == 0
    assert qn.power_of_two_exponent(0.25) == -2
    assert qn.power_of_two_exponent(1024.0) == 10
    assert qn.power_of_two_exponent(5e-324) == -1074  # smallest subnormal
    assert qn.power_of_two_exponent(2.0 ** -1030) == -1030
    assert qn.power_of_two_exponent(np.float32(0.0625)) == -4
    for x in (0.0, -1.0, -0.5, 3.0, 0.1, math.inf, math.nan, 1.0 + 2 ** -52):
        assert not qn.is_power_of_two(x)
        assert qn.power_of_two_exponent(x) is None
    assert qn.is_power_of_two(2.0 ** 100)


# ---------------------------------------------------------------------------
# apply_multiplier / requantize
# ---------------------------------------------------------------------------

_HALF = FPM(1 << 30, 31)  # exactly 0.5
_AM_X = [-3, -1, 0, 1, 3, 100, 1 << 62]
_AM = {
    HTE: [-2, 0, 0, 0, 2, 50, 1 << 61],
    HAFZ: [-2, -1, 0, 1, 2, 50, 1 << 61],
    HU: [-1, 0, 0, 1, 2, 50, 1 << 61],
    TZ: [-1, 0, 0, 0, 1, 50, 1 << 61],
    FL: [-2, -1, 0, 0, 1, 50, 1 << 61],
}


@pytest.mark.parametrize("mode", list(RM))
def test_apply_multiplier_hand_cases(mode):
    x = np.array(_AM_X, dtype=np.int64)
    got = qn.apply_multiplier(x, _HALF, mode)
    np.testing.assert_array_equal(got, _AM[mode])
    assert got.dtype == np.int64
    # A (multiplier, shift) pair and keyword shift are the same thing.
    np.testing.assert_array_equal(qn.apply_multiplier(x, (1 << 30, 31), mode),
                                  got)
    np.testing.assert_array_equal(
        qn.apply_multiplier(x, 1 << 30, mode, shift=31), got)


def test_apply_multiplier_q31_and_saturation():
    m = qn.derive_fixed_point_multiplier(0.1)  # (1717986918, 34)
    x = np.array([1000, -1000], dtype=np.int64)
    # 1000 * 1717986918 / 2^34 = 99.99999997671694
    np.testing.assert_array_equal(qn.apply_multiplier(x, m, HTE), [100, -100])
    np.testing.assert_array_equal(qn.apply_multiplier(x, m, TZ), [99, -99])
    np.testing.assert_array_equal(qn.apply_multiplier(x, m, FL), [99, -100])
    # 128-bit products saturate to int64.
    big = np.array([I64_MAX, I64_MIN, 1 << 40, -(1 << 40), 3], dtype=np.int64)
    np.testing.assert_array_equal(
        qn.apply_multiplier(big, FPM(1 << 30, 0), HTE),
        [I64_MAX, I64_MIN, I64_MAX, I64_MIN, 3 << 30])
    # ... and exact ones come back exactly: (2^63 - 1) * (2^31 - 1) / 2^62.
    exact = Fraction(I64_MAX * ((1 << 31) - 1), 1 << 62)
    got = qn.apply_multiplier(np.array([I64_MAX]), FPM((1 << 31) - 1, 62), HU)
    assert int(got[0]) == ref_round(exact, HU)


@pytest.mark.parametrize("mode", list(RM))
def test_apply_multiplier_matches_fraction_reference(mode):
    rng = np.random.default_rng(2024 + int(mode))
    x = np.concatenate([
        rng.integers(-(1 << 31), 1 << 31, 800, dtype=np.int64),
        rng.integers(I64_MIN, I64_MAX, 800, dtype=np.int64, endpoint=True),
    ])
    for r in (0.3, 0.0123, 1.7, 2.0 ** -20, 1234.5):
        m = qn.derive_fixed_point_multiplier(r)
        got = qn.apply_multiplier(x, m, mode)
        for xi, gi in zip(x.tolist(), got.tolist()):
            v = ref_round(Fraction(xi * m.multiplier, 1 << m.shift), mode)
            assert gi == min(max(v, I64_MIN), I64_MAX), (xi, m, mode)


def test_apply_multiplier_per_channel():
    x = np.array([[10, 10, 10], [-7, -7, -7]], dtype=np.int64)
    mults = np.array([1 << 30, 3 << 29, 1 << 30])
    shifts = np.array([31, 31, 33])  # 0.5, 0.75, 0.125
    got = qn.apply_multiplier(x, (mults, shifts), HTE, axis=1)
    # 5, 7.5 -> 8, 1.25 -> 1 ; -3.5 -> -4, -5.25 -> -5, -0.875 -> -1
    np.testing.assert_array_equal(got, [[5, 8, 1], [-4, -5, -1]])


@pytest.mark.parametrize("mode,expected", [
    (HTE, [61, -4, -68, 59]),
    (HU, [61, -4, -68, 60]),
    (FL, [61, -4, -68, 59]),
])
def test_requantize_hand_cases(mode, expected):
    # x - 2 = [128, -2, -130, 125]; * 0.5 = [64, -1, -65, 62.5]; - 3
    x = np.array([130, 0, -128, 127], dtype=np.int64)
    got = qn.requantize(x, 2, _HALF, -3, -128, 127, mode)
    np.testing.assert_array_equal(got, expected)


def test_requantize_saturates():
    times4 = FPM(1 << 30, 28)  # exactly 4.0
    x = np.array([100, -100, 10, 0], dtype=np.int64)
    np.testing.assert_array_equal(qn.requantize(x, 0, times4, 0, -128, 127),
                                  [127, -128, 40, 0])
    # u8 output with zero point 128: 128 + 4x
    np.testing.assert_array_equal(qn.requantize(x, 0, times4, 128, 0, 255),
                                  [255, 0, 168, 128])
    # Clamp narrowed to ReLU6-like bounds.
    np.testing.assert_array_equal(qn.requantize(x, 0, times4, 0, 0, 24),
                                  [24, 0, 24, 0])


# ---------------------------------------------------------------------------
# quantize / dequantize / fake_quantize
# ---------------------------------------------------------------------------

# x / 0.5 = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]: every element a tie.
_TIES_X = [-1.25, -0.75, -0.25, 0.25, 0.75, 1.25]
_TIES = {
    HTE: [-2, -2, 0, 0, 2, 2],
    HAFZ: [-3, -2, -1, 1, 2, 3],
    HU: [-2, -1, 0, 1, 2, 3],
    TZ: [-2, -1, 0, 0, 1, 2],
    FL: [-3, -2, -1, 0, 1, 2],
}


@pytest.mark.parametrize("mode", list(RM))
def test_quantize_ties(mode):
    got = qn.quantize(np.array(_TIES_X, np.float32), 0.5, 0, 8, True, mode)
    np.testing.assert_array_equal(got, _TIES[mode])
    assert got.dtype == np.int64
    # A zero point shifts after rounding.
    got_zp = qn.quantize(np.array(_TIES_X, np.float32), 0.5, 10, 8, False, mode)
    np.testing.assert_array_equal(got_zp, np.array(_TIES[mode]) + 10)
    # Keywords work as modes.
    np.testing.assert_array_equal(
        qn.quantize(np.array(_TIES_X, np.float32), 0.5, 0, 8, True,
                    mode.keyword), _TIES[mode])


def test_quantize_uses_float32_division():
    s = np.float32(0.1)
    # float32(0.25) / float32(0.1) is exactly 2.5 in float32, although the
    # exact quotient is 2.49999996...: ties decide.
    x = np.float32(0.25)
    assert Fraction(float(x)) / Fraction(float(s)) < Fraction(5, 2)
    assert qn.quantize([x], s, 0, 8, True, HU)[0] == 3
    assert qn.quantize([x], s, 0, 8, True, HAFZ)[0] == 3
    assert qn.quantize([x], s, 0, 8, True, HTE)[0] == 2
    # 0x3EE66667 / float32(0.1) is exactly 4.5 in float32 (exact 4.5000001).
    x = np.array([0x3EE66667], dtype=np.uint32).view(np.float32)
    assert Fraction(float(x[0])) / Fraction(float(s)) > Fraction(9, 2)
    assert qn.quantize(x, s, 0, 8, True, HTE)[0] == 4
    assert qn.quantize(x, s, 0, 8, True, TZ)[0] == 4
    # The scale is taken as float32 too: 0.1 (double) becomes float32(0.1).
    assert qn.quantize([x[0]], 0.1, 0, 8, True, HTE)[0] == 4


def test_quantize_saturation_nan_inf():
    x = np.array([1000, -1000, np.inf, -np.inf, np.nan, 0.0, -0.0], np.float32)
    np.testing.assert_array_equal(qn.quantize(x, 0.5, 0, 8, True),
                                  [127, -128, 127, -128, 0, 0, 0])
    np.testing.assert_array_equal(qn.quantize(x, 0.5, 3, 8, False),
                                  [255, 0, 255, 0, 3, 3, 3])
    np.testing.assert_array_equal(qn.quantize(x, 0.5, 0, 4, True),
                                  [7, -8, 7, -8, 0, 0, 0])
    np.testing.assert_array_equal(qn.quantize(x, 0.5, -2, 2, True),
                                  [1, -2, 1, -2, -2, -2, -2])
    # NaN goes to the zero point, saturated into the range.
    assert qn.quantize([np.nan], 1.0, 300, 8, False)[0] == 255
    assert qn.quantize([np.nan], 1.0, -300, 8, True)[0] == -128
    # Ties at the edge of the range: 7.5 -> 8 (HTE) saturates to 7 in s4.
    np.testing.assert_array_equal(
        qn.quantize(np.array([3.75, -4.25], np.float32), 0.5, 0, 4, True, HTE),
        [7, -8])
    # u8 with zero point 128: -128.5 -> -128 (HTE) + 128 = 0; 127.5 -> 128 -> 255
    np.testing.assert_array_equal(
        qn.quantize(np.array([-64.25, 63.75], np.float32), 0.5, 128, 8, False),
        [0, 255])


def test_quantize_wide_formats_are_exact():
    x = np.array([2.0 ** 60, -(2.0 ** 60), 1e30, -1e30, 5.0], np.float32)
    np.testing.assert_array_equal(
        qn.quantize(x, 1.0, 7, 63, True),
        [(1 << 60) + 7, -(1 << 60) + 7, (1 << 62) - 1, -(1 << 62), 12])
    np.testing.assert_array_equal(
        qn.quantize(x, 1.0, 0, 63, False),
        [1 << 60, 0, (1 << 63) - 1, 0, 5])
    np.testing.assert_array_equal(
        qn.quantize(x, 1.0, -1, 32, True),
        [(1 << 31) - 1, -(1 << 31), (1 << 31) - 1, -(1 << 31), 4])


CONFIGS = [(8, True, 0), (8, False, 128), (8, False, 3), (4, True, 0),
           (4, False, 5), (2, True, -1), (16, True, 100), (12, False, 0)]


@pytest.mark.parametrize("mode", list(RM))
@pytest.mark.parametrize("bits,signed,zp", CONFIGS)
@pytest.mark.parametrize("pow2_scale", [True, False])
def test_quantize_matches_scalar_reference(mode, bits, signed, zp, pow2_scale):
    rng = np.random.default_rng(bits * 100 + int(signed) * 10 + int(mode))
    # With a power-of-two scale, k * scale / 2 are exact ties of x / scale.
    scale = np.float32(0.125 if pow2_scale else rng.uniform(0.01, 2.0))
    qmax = qn.max_value(bits, signed)
    n = 400
    halves = rng.integers(-2 * qmax - 4, 2 * qmax + 4, n).astype(np.float32)
    x = np.concatenate([
        halves * scale / np.float32(2),  # ties (exact with pow2_scale)
        rng.standard_normal(n) * scale * qmax / 2,
        rng.standard_normal(n) * scale * qmax * 4,  # saturating
        [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e38, -1e38, 1e-40],
    ]).astype(np.float32)
    got = qn.quantize(x, scale, zp, bits, signed, mode)
    for xi, gi in zip(x, got.tolist()):
        assert gi == ref_quantize(xi, scale, zp, bits, signed, mode), \
            (float(xi), float(scale), zp, bits, signed, mode)


def test_dequantize():
    q = np.array([-128, -1, 0, 1, 127], dtype=np.int64)
    got = qn.dequantize(q, 0.5)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [-64.0, -0.5, 0.0, 0.5, 63.5])
    np.testing.assert_array_equal(qn.dequantize(np.array([3, 0, 255]), 0.25, 3),
                                  [0.0, -0.75, 63.0])
    # q - zp is rounded to float32 once: 2^24 + 1 -> 2^24.
    got = qn.dequantize(np.array([(1 << 24) + 1], dtype=np.int64), 1.0)
    assert got[0] == np.float32(1 << 24)
    # Integer inputs of any dtype.
    np.testing.assert_array_equal(
        qn.dequantize(np.array([-3, 200], dtype=np.int16), 2.0, -3), [0, 406])
    np.testing.assert_array_equal(
        qn.dequantize(np.array([250], dtype=np.uint8), 1.0, 0), [250])


def test_dequantize_is_a_rounded_float32_product():
    rng = np.random.default_rng(5)
    q = rng.integers(-(1 << 15), 1 << 15, 5000)
    for scale in (0.1, 0.0123, 3.7, 1e-7):
        s32 = np.float32(scale)
        got = qn.dequantize(q, scale, 17)
        # |q - zp| < 2^24 and s32 has 24 bits: the float64 product is exact,
        # so rounding it once to float32 is the correctly rounded product.
        want = (np.float64(q - 17) * np.float64(s32)).astype(np.float32)
        np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("mode", list(RM))
def test_fake_quantize(mode):
    x = np.array(_TIES_X, np.float32)
    got = qn.fake_quantize(x, 0.5, 0, 8, True, mode)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.array(_TIES[mode], np.float32) * 0.5)
    # NaN -> zero point -> +0.0 ; -0.0 -> +0.0 ; saturation.
    y = qn.fake_quantize(np.array([np.nan, -0.0, 1e9, -1e9], np.float32), 0.5,
                         0, 8, True, mode)
    np.testing.assert_array_equal(y.view(np.uint32),
                                  np.array([0.0, 0.0, 63.5, -64.0],
                                           np.float32).view(np.uint32))


@pytest.mark.parametrize("mode", [HTE, HAFZ, HU])
def test_fake_quantize_properties_nearest_modes(mode):
    rng = np.random.default_rng(11 + int(mode))
    scale = np.float32(0.037)
    x = (rng.standard_normal(5000) * 2.0).astype(np.float32)
    y = qn.fake_quantize(x, scale, 0, 8, True, mode)
    inside = np.abs(x) < 127 * scale
    # Error at most half a step (plus float32 rounding) inside the range.
    assert np.all(np.abs(y[inside] - x[inside]) <= scale * 0.5 * (1 + 1e-5))
    # Idempotent with round-to-nearest modes.
    np.testing.assert_array_equal(
        qn.fake_quantize(y, scale, 0, 8, True, mode), y)
    # Outputs lie on the grid.
    q = np.round(y.astype(np.float64) / np.float64(scale))
    assert np.all((q >= -128) & (q <= 127))


def test_per_channel_matches_per_tensor():
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 3)) * 3).astype(np.float32)
    scales = np.array([0.5, 0.25, 1.0], np.float32)
    zps = np.array([0, 1, -2])
    for mode in RM:
        q = qn.quantize(x, scales, zps, 8, True, mode, axis=1)
        fq = qn.fake_quantize(x, scales, zps, 8, True, mode, axis=1)
        for c in range(3):
            np.testing.assert_array_equal(
                q[:, c], qn.quantize(x[:, c], scales[c], zps[c], 8, True, mode))
            np.testing.assert_array_equal(
                fq[:, c],
                qn.fake_quantize(x[:, c], scales[c], zps[c], 8, True, mode))
        np.testing.assert_array_equal(
            qn.dequantize(q, scales, zps, axis=1), fq)
        # Negative axes count from the end.
        np.testing.assert_array_equal(
            qn.quantize(x, scales, zps, 8, True, mode, axis=-1), q)
    s0 = np.array([0.5, 0.25, 1.0, 2.0], np.float32)
    q0 = qn.quantize(x, s0, 0, 8, True, HTE, axis=0)
    for r in range(4):
        np.testing.assert_array_equal(q0[r], qn.quantize(x[r], s0[r], 0, 8, True))
    # A one-element scale list is per-tensor.
    np.testing.assert_array_equal(qn.quantize(x, [0.5], [0], 8, True),
                                  qn.quantize(x, 0.5, 0, 8, True))


def test_per_channel_errors():
    x = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError):
        qn.quantize(x, [0.5, 0.25, 1.0], 0, 8, True)  # no axis
    with pytest.raises(ValueError):
        qn.quantize(x, [0.5, 0.25], 0, 8, True, axis=1)  # wrong count
    with pytest.raises(ValueError):
        qn.quantize(x, [0.5, 0.25, 1.0], 0, 8, True, axis=2)  # bad axis
