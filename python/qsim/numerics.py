"""Vectorised numpy reference of the qsim integer-semantics contract.

This module restates, in numpy, the contract documented in
``include/qsim/Numerics/Numerics.h`` (and ``docs/Numerics.md``): rounding
modes, saturation, the real -> (multiplier, shift) derivations and
quantize / dequantize / fake-quantize / requantize.  It is written from the
contract's text, not from the C++ implementation, so that the two can be
checked against each other (``python/tests/test_fold_bitexact.py`` compares
it bit for bit with the constant folders of the qsim dialect).

Conventions
-----------
* Every integer result is exact.  Fast paths use ``int64`` arithmetic only
  where it provably cannot overflow; otherwise the computation falls back to
  Python integers held in ``object`` arrays (arbitrary precision), so values
  beyond 2**53 (or products beyond 2**63) are still exact.
* Floating-point steps happen in the precision the contract names: the
  ``x / scale`` of :func:`quantize` is an IEEE float32 division and the
  product of :func:`dequantize` a float32 multiplication.
* Per-channel parameters: ``scale`` / ``zero_point`` may be 1-D arrays with
  one entry per channel of ``x`` along ``axis``.
"""

from __future__ import annotations

import enum
import math
from typing import NamedTuple, Optional, Tuple, Union

import numpy as np

__all__ = [
    "RoundingMode",
    "ROUNDING_MODES",
    "FixedPointMultiplier",
    "min_value",
    "max_value",
    "int_range",
    "saturate",
    "round_to_integral",
    "rounding_right_shift",
    "derive_fixed_point_multiplier",
    "derive_power_of_two_multiplier",
    "power_of_two_exponent",
    "is_power_of_two",
    "apply_multiplier",
    "quantize",
    "dequantize",
    "fake_quantize",
    "requantize",
]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


# ---------------------------------------------------------------------------
# Rounding modes
# ---------------------------------------------------------------------------


class RoundingMode(enum.IntEnum):
    """Rounding of a real (or of an exact quotient) to an integer.

    The numeric values equal the C++ ``numerics::RoundingMode`` and the
    qsim dialect's ``RoundingMode`` enum; :attr:`keyword` is the spelling
    used in MLIR (``rounding half_up``).
    """

    HALF_TO_EVEN = 0  #: ties to the even neighbour (IEEE, numpy.round, ONNX)
    HALF_AWAY_FROM_ZERO = 1  #: ties away from zero (C ``round``)
    HALF_UP = 2  #: ties toward +inf, i.e. floor(x + 1/2) computed exactly
    TOWARD_ZERO = 3  #: truncation
    FLOOR = 4  #: toward -inf

    @property
    def keyword(self) -> str:
        """The MLIR keyword, e.g. ``'half_to_even'``."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: Union["RoundingMode", int, str]) -> "RoundingMode":
        """Accepts a member, its integer value, its MLIR keyword or name."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            key = value.strip().upper()
            try:
                return cls[key]
            except KeyError:
                raise ValueError(f"unknown rounding mode {value!r}") from None
        return cls(int(value))

    def __str__(self) -> str:  # pragma: no cover - cosmetic
        return self.keyword


ROUNDING_MODES: Tuple[RoundingMode, ...] = tuple(RoundingMode)

RoundingLike = Union[RoundingMode, int, str]


# ---------------------------------------------------------------------------
# Integer ranges and saturation
# ---------------------------------------------------------------------------


def _check_bits(bits: int) -> int:
    bits = int(bits)
    if not 1 <= bits <= 63:
        raise ValueError(f"bits must be in [1, 63], got {bits}")
    return bits


def min_value(bits: int, signed: bool = True) -> int:
    """Smallest value of a ``bits``-wide integer (bits in [1, 63])."""
    bits = _check_bits(bits)
    return -(1 << (bits - 1)) if signed else 0


def max_value(bits: int, signed: bool = True) -> int:
    """Largest value of a ``bits``-wide integer (bits in [1, 63])."""
    bits = _check_bits(bits)
    return (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1


def int_range(bits: int, signed: bool = True) -> Tuple[int, int]:
    """``(min_value, max_value)`` of a ``bits``-wide integer."""
    return min_value(bits, signed), max_value(bits, signed)


def _as_exact_ints(v) -> np.ndarray:
    """An integer array: int64 when possible, else an object array of ints."""
    arr = np.asarray(v)
    if arr.dtype == object:
        return np.vectorize(int, otypes=[object])(arr) if arr.size else arr
    if arr.dtype.kind == "b":
        return arr.astype(np.int64)
    if arr.dtype.kind == "i":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "u":
        if arr.size and int(arr.max()) > _INT64_MAX:
            return arr.astype(object)
        return arr.astype(np.int64)
    raise TypeError(f"expected an integer array, got dtype {arr.dtype}")


def _to_int64(arr: np.ndarray) -> np.ndarray:
    """Converts an exact integer array whose values fit int64 to int64."""
    if arr.dtype == object:
        out = np.empty(arr.shape, dtype=np.int64)
        flat = out.reshape(-1)
        for i, v in enumerate(arr.reshape(-1)):
            flat[i] = int(v)
        return out
    return arr.astype(np.int64, copy=False)


def _bounds(arr: np.ndarray) -> Tuple[int, int]:
    if arr.size == 0:
        return 0, 0
    return int(arr.min()), int(arr.max())


def _fits_int64(lo: int, hi: int) -> bool:
    return _INT64_MIN <= lo and hi <= _INT64_MAX


def _exact_sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a - b exactly (int64 when the result provably fits)."""
    alo, ahi = _bounds(a)
    blo, bhi = _bounds(b)
    if (a.dtype != object and b.dtype != object
            and _fits_int64(alo - bhi, ahi - blo)):
        return a - b
    return a.astype(object) - b.astype(object)


def _exact_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    alo, ahi = _bounds(a)
    blo, bhi = _bounds(b)
    if (a.dtype != object and b.dtype != object
            and _fits_int64(alo + blo, ahi + bhi)):
        return a + b
    return a.astype(object) + b.astype(object)


def saturate(v, lo, hi) -> np.ndarray:
    """Clamps the integers ``v`` into ``[lo, hi]`` (exact, any magnitude)."""
    a = _as_exact_ints(v)
    lo_a = _as_exact_ints(lo)
    hi_a = _as_exact_ints(hi)
    if a.dtype == object or lo_a.dtype == object or hi_a.dtype == object:
        a = a.astype(object)
        res = np.minimum(np.maximum(a, lo_a.astype(object)), hi_a.astype(object))
        rlo, rhi = _bounds(np.asarray(res))
        return _to_int64(np.asarray(res)) if _fits_int64(rlo, rhi) else res
    return np.minimum(np.maximum(a, lo_a), hi_a)


# ---------------------------------------------------------------------------
# Rounding
# ---------------------------------------------------------------------------


def round_to_integral(x, mode: RoundingLike = RoundingMode.HALF_TO_EVEN):
    """Rounds float64 values to integral float64 values under ``mode``.

    NaN stays NaN and infinities stay infinite.  All modes are exact (no
    ``x + 0.5`` intermediate rounding): ``x - trunc(x)`` and, where it
    matters, ``x - floor(x)`` are exact in binary floating point.
    """
    mode = RoundingMode.parse(mode)
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        if mode is RoundingMode.HALF_TO_EVEN:
            return np.rint(x)
        if mode is RoundingMode.TOWARD_ZERO:
            return np.trunc(x)
        if mode is RoundingMode.FLOOR:
            return np.floor(x)
        if mode is RoundingMode.HALF_AWAY_FROM_ZERO:
            t = np.trunc(x)
            frac = np.abs(x - t)  # exact; NaN for NaN and +-inf
            return np.where(frac >= 0.5, t + np.copysign(1.0, x), t)
        if mode is RoundingMode.HALF_UP:
            f = np.floor(x)
            frac = x - f  # in [0, 1); only inexact in (-1/2, 0), harmlessly
            return np.where(frac >= 0.5, f + 1.0, f)
    raise AssertionError(mode)  # pragma: no cover


def _round_shift_generic(x, s, mode: RoundingMode):
    """Rounds x / 2**s for Python-int object arrays (or int64 without
    overflow concerns); s >= 0 broadcastable."""
    x = np.asarray(x, dtype=object)
    s = np.asarray(s, dtype=object)
    one = np.ones_like(s)
    q = x >> s  # floor division by 2**s
    rem = x & ((one << s) - 1)  # x mod 2**s, non-negative
    # half = 2**(s-1) for s >= 1; for s == 0 there is no fractional part.
    half = np.where(s > 0, one << np.maximum(s - 1, 0), 0)
    return _apply_rounding(x, q, rem, half, s > 0, mode)


def _apply_rounding(x, q, rem, half, has_frac, mode: RoundingMode):
    above = rem > half
    tie = (rem == half) & has_frac
    nonzero = rem != 0
    if mode is RoundingMode.FLOOR:
        inc = np.zeros(np.shape(q), dtype=bool)
    elif mode is RoundingMode.TOWARD_ZERO:
        inc = nonzero & (x < 0)
    elif mode is RoundingMode.HALF_UP:
        inc = above | tie
    elif mode is RoundingMode.HALF_AWAY_FROM_ZERO:
        inc = above | (tie & (x >= 0))
    elif mode is RoundingMode.HALF_TO_EVEN:
        odd = (q & 1) == 1
        inc = above | (tie & odd)
    else:  # pragma: no cover
        raise AssertionError(mode)
    inc = np.asarray(inc, dtype=bool)
    if np.asarray(q).dtype == object:
        return q + inc.astype(np.int64).astype(object)
    return q + inc.astype(np.int64)


def rounding_right_shift(x, shift, mode: RoundingLike = RoundingMode.HALF_TO_EVEN):
    """Exact ``x / 2**shift`` rounded under ``mode`` (shift in [0, 63]).

    ``x`` is an int64 array (other integer arrays, or Python ints beyond
    int64 in object arrays, are accepted too); ``shift`` an int or an array
    broadcastable against ``x``.  ``shift == 0`` returns ``x``.
    """
    mode = RoundingMode.parse(mode)
    xa = _as_exact_ints(x)
    sa = np.asarray(shift)
    if sa.dtype.kind not in "iu" and sa.dtype != object:
        raise TypeError("shift must be an integer")
    sa = sa.astype(np.int64)
    if sa.size and (sa.min() < 0 or sa.max() > 63):
        raise ValueError("shift must be in [0, 63]")
    if xa.dtype == object:
        return _round_shift_generic(xa, sa, mode)
    xa, sa = np.broadcast_arrays(xa, sa)
    q = np.right_shift(xa, sa)  # arithmetic shift: floor(x / 2**s)
    # mask = 2**s - 1 without overflowing int64 at s == 63.
    mask = np.where(sa >= 63, np.int64(_INT64_MAX),
                    np.left_shift(np.int64(1), np.minimum(sa, 62)) - 1)
    rem = xa & mask
    half = np.where(sa > 0, np.left_shift(np.int64(1), np.maximum(sa - 1, 0)),
                    np.int64(0))
    # q + 1 cannot overflow: q <= (2**63 - 1) >> 1 whenever a tie/excess exists.
    return _apply_rounding(xa, q, rem, half, sa > 0, mode).astype(np.int64)


# ---------------------------------------------------------------------------
# Fixed-point multipliers
# ---------------------------------------------------------------------------


class FixedPointMultiplier(NamedTuple):
    """A positive real represented as ``multiplier * 2**-shift``."""

    multiplier: int = 1
    shift: int = 0

    def value(self) -> float:
        """The represented real (exact as a Python float when it fits)."""
        return math.ldexp(float(self.multiplier), -int(self.shift))


def power_of_two_exponent(x) -> Optional[int]:
    """``k`` when ``x`` is a positive finite exact power of two ``2**k``
    (subnormals included), else ``None``."""
    x = float(x)
    if not (x > 0.0 and math.isfinite(x)):
        return None
    mant, exp = math.frexp(x)  # x = mant * 2**exp, mant in [0.5, 1)
    if mant != 0.5:
        return None
    return exp - 1


def is_power_of_two(x) -> bool:
    """True iff ``x`` is a positive finite exact power of two."""
    return power_of_two_exponent(x) is not None


def derive_fixed_point_multiplier(real) -> Optional[FixedPointMultiplier]:
    """Q31 form of a positive finite real factor.

    With ``real = q * 2**e`` and ``q`` in [0.5, 1): ``multiplier`` is
    ``q * 2**31`` rounded half away from zero (renormalised to ``2**30``
    with ``e + 1`` when it reaches ``2**31``) and ``shift = 31 - e``.
    Returns ``None`` when ``real`` is not positive and finite or when the
    shift falls outside [0, 62].
    """
    real = float(real)
    if not (real > 0.0 and math.isfinite(real)):
        return None
    q, e = math.frexp(real)
    scaled = q * 2.0 ** 31  # exact: scaling by a power of two
    m = math.floor(scaled)
    if scaled - m >= 0.5:  # exact difference; ties go up (away from zero)
        m += 1
    if m == 1 << 31:
        m = 1 << 30
        e += 1
    shift = 31 - e
    if not 0 <= shift <= 62:
        return None
    return FixedPointMultiplier(int(m), int(shift))


def derive_power_of_two_multiplier(real) -> Optional[FixedPointMultiplier]:
    """If ``real == 2**k`` exactly with k in [-62, 30]: ``(1, -k)`` for
    ``k <= 0`` and ``(2**k, 0)`` for ``k > 0``; otherwise ``None``."""
    k = power_of_two_exponent(real)
    if k is None or not -62 <= k <= 30:
        return None
    if k <= 0:
        return FixedPointMultiplier(1, -k)
    return FixedPointMultiplier(1 << k, 0)


def _split_multiplier(m, shift=None):
    if shift is None:
        if isinstance(m, tuple):  # FixedPointMultiplier or (mult, shift)
            m, shift = m
        else:
            raise TypeError("give a FixedPointMultiplier, a (multiplier, "
                            "shift) pair, or multiplier and shift")
    mult = np.asarray(m)
    sh = np.asarray(shift)
    if mult.dtype.kind not in "iu" or sh.dtype.kind not in "iu":
        raise TypeError("multiplier and shift must be integers")
    mult = mult.astype(np.int64)
    sh = sh.astype(np.int64)
    if sh.size and sh.min() < 0:
        raise ValueError("shift must be non-negative")
    return mult, sh


def apply_multiplier(x, m, mode: RoundingLike = RoundingMode.HALF_TO_EVEN,
                     *, shift=None, axis: Optional[int] = None) -> np.ndarray:
    """``round(x * multiplier / 2**shift)`` computed exactly, saturated to
    the int64 range.

    ``m`` is a :class:`FixedPointMultiplier`, a ``(multiplier, shift)``
    pair, or the multiplier with ``shift=`` given separately.  Multiplier
    and shift may be 1-D arrays (one entry per channel along ``axis``).
    """
    mode = RoundingMode.parse(mode)
    xa = _as_exact_ints(x)
    mult, sh = _split_multiplier(m, shift)
    mult = _per_channel(mult, xa.ndim, axis, np.shape(xa), "multiplier")
    sh = _per_channel(sh, xa.ndim, axis, np.shape(xa), "shift")
    xlo, xhi = _bounds(xa)
    mlo, mhi = _bounds(mult)
    xmax = max(abs(xlo), abs(xhi))
    mmax = max(abs(mlo), abs(mhi))
    if (xa.dtype != object and xmax * mmax <= _INT64_MAX
            and (sh.size == 0 or int(sh.max()) <= 63)):
        prod = xa * mult
        res = rounding_right_shift(prod, np.broadcast_to(sh, prod.shape), mode)
        return res.astype(np.int64)
    prod = xa.astype(object) * mult.astype(object)
    res = _round_shift_generic(prod, sh.astype(object), mode)
    res = np.minimum(np.maximum(res, _INT64_MIN), _INT64_MAX)
    return _to_int64(np.asarray(res, dtype=object))


# ---------------------------------------------------------------------------
# Quantize / dequantize
# ---------------------------------------------------------------------------


def _per_channel(param, ndim: int, axis: Optional[int], shape, what: str):
    """Reshapes a per-channel parameter so that it broadcasts along axis."""
    p = np.asarray(param)
    if p.ndim == 0:
        return p
    p = p.reshape(-1)
    if p.size == 1:
        return p.reshape(())
    if axis is None:
        raise ValueError(f"{what} has {p.size} entries but no axis is given")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} out of range for rank {ndim}")
    axis = axis % ndim
    if shape[axis] != p.size:
        raise ValueError(
            f"{what} has {p.size} entries but dimension {axis} has size "
            f"{shape[axis]}")
    new_shape = [1] * ndim
    new_shape[axis] = p.size
    return p.reshape(new_shape)


def quantize(x, scale, zero_point=0, bits: int = 8, signed: bool = True,
             mode: RoundingLike = RoundingMode.HALF_TO_EVEN,
             axis: Optional[int] = None) -> np.ndarray:
    """``saturate(round(x / scale) + zero_point)`` into the range of a
    ``bits``-wide integer; returns int64.

    ``x`` and ``scale`` are taken as float32 and ``x / scale`` is a float32
    division.  NaN quantizes to ``zero_point`` (saturated); +-inf saturate.
    ``scale`` and ``zero_point`` may be per-channel arrays along ``axis``.
    """
    mode = RoundingMode.parse(mode)
    lo, hi = int_range(bits, signed)
    x32 = np.asarray(x, dtype=np.float32)
    s32 = _per_channel(np.asarray(scale, dtype=np.float32), x32.ndim, axis,
                       x32.shape, "scale")
    zp = _per_channel(_as_exact_ints(zero_point), x32.ndim, axis, x32.shape,
                      "zero_point")
    with np.errstate(all="ignore"):
        ratio = np.divide(x32, s32, dtype=np.float32)
    r = round_to_integral(ratio.astype(np.float64), mode)
    r = np.where(np.isnan(r), 0.0, r)
    r, zp = np.broadcast_arrays(r, zp)

    zlo, zhi = _bounds(zp)
    bound = 1 << 62
    if zp.dtype != object and lo - zhi >= -bound and hi - zlo <= bound:
        # Every clamp bound lies inside [-2**62, 2**62]: pre-clipping the
        # (integral) ratio there is exact, and so is int64 arithmetic.
        ri = np.clip(r, -float(bound), float(bound)).astype(np.int64)
        zi = zp.astype(np.int64)
        return np.clip(ri, lo - zi, hi - zi) + zi
    # Exotic ranges: Python integers.  2**66 exceeds every |bound| here.
    big = float(1 << 66)
    rc = np.clip(r, -big, big)
    ro = np.vectorize(int, otypes=[object])(rc) if rc.size else rc.astype(object)
    res = saturate(ro + zp.astype(object), lo, hi)
    return _to_int64(np.asarray(res))


def dequantize(q, scale, zero_point=0, axis: Optional[int] = None) -> np.ndarray:
    """``float32(q - zero_point) * scale`` in float32 (``q - zero_point`` is
    exact integer arithmetic, rounded once to float32)."""
    qa = _as_exact_ints(q)
    s32 = _per_channel(np.asarray(scale, dtype=np.float32), qa.ndim, axis,
                       qa.shape, "scale")
    zp = _per_channel(_as_exact_ints(zero_point), qa.ndim, axis, qa.shape,
                      "zero_point")
    d = _exact_sub(qa, zp)
    if d.dtype == object:
        raise OverflowError("q - zero_point does not fit in int64")
    # int64 -> float32 is one correctly rounded conversion in numpy.
    with np.errstate(all="ignore"):
        return np.multiply(d.astype(np.float32), s32, dtype=np.float32)


def fake_quantize(x, scale, zero_point=0, bits: int = 8, signed: bool = True,
                  mode: RoundingLike = RoundingMode.HALF_TO_EVEN,
                  axis: Optional[int] = None) -> np.ndarray:
    """Simulated quantization: ``dequantize(quantize(x))`` in float32."""
    q = quantize(x, scale, zero_point, bits, signed, mode, axis)
    return dequantize(q, scale, zero_point, axis)


def requantize(x, in_zero_point, m, out_zero_point, lo, hi,
               mode: RoundingLike = RoundingMode.HALF_TO_EVEN, *,
               shift=None, axis: Optional[int] = None) -> np.ndarray:
    """``saturate(apply_multiplier(x - in_zero_point, m, mode)
    + out_zero_point, lo, hi)``, exact; returns int64.

    ``m`` as for :func:`apply_multiplier` (per-channel arrays along
    ``axis`` allowed).
    """
    xa = _as_exact_ints(x)
    izp = _as_exact_ints(in_zero_point)
    ozp = _as_exact_ints(out_zero_point)
    d = _exact_sub(xa, izp)
    a = apply_multiplier(d, m, mode, shift=shift, axis=axis)
    r = _exact_add(a, ozp)
    return _to_int64(np.asarray(saturate(r, lo, hi)))
