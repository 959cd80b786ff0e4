//===- Numerics.cpp - Integer semantics of quantization -------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Implementation of the shared integer semantics declared in
// qsim/Numerics/Numerics.h. Everything here is exact: rounding of doubles is
// done by comparing exact fractions (independent of the floating-point
// environment's rounding mode), and every integer product or quotient is
// computed in 128-bit arithmetic before it is saturated.
//
//===----------------------------------------------------------------------===//

#include "qsim/Numerics/Numerics.h"

#include <cmath>
#include <limits>

namespace mlir {
namespace qsim {
namespace numerics {

namespace {

// `__extension__` keeps -pedantic builds quiet about the non-ISO type.
__extension__ typedef __int128 Int128;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

Int128 pow2(unsigned k) { return static_cast<Int128>(1) << k; }

int64_t saturateToInt64(Int128 v) {
  if (v < kInt64Min)
    return kInt64Min;
  if (v > kInt64Max)
    return kInt64Max;
  return static_cast<int64_t>(v);
}

int64_t saturate128(Int128 v, int64_t lo, int64_t hi) {
  if (v < lo)
    return lo;
  if (v > hi)
    return hi;
  return static_cast<int64_t>(v);
}

/// Exact division of `v` by 2^shift rounded under `mode`, for |v| < 2^126 and
/// shift in [0, 126]. Uses only well-defined operations: the floor quotient is
/// obtained from non-negative shifts, the remainder by multiplication.
Int128 roundingShift128(Int128 v, unsigned shift, RoundingMode mode) {
  if (shift == 0)
    return v;
  Int128 divisor = pow2(shift);
  // Floor quotient and remainder in [0, 2^shift).
  Int128 q = v >= 0 ? v >> shift : -((-v - 1) >> shift) - 1;
  Int128 rem = v - q * divisor;
  Int128 half = pow2(shift - 1);
  switch (mode) {
  case RoundingMode::Floor:
    return q;
  case RoundingMode::TowardZero:
    return (v < 0 && rem != 0) ? q + 1 : q;
  case RoundingMode::HalfUp:
    return rem >= half ? q + 1 : q;
  case RoundingMode::HalfAwayFromZero:
    if (rem == half)
      return v >= 0 ? q + 1 : q;
    return rem > half ? q + 1 : q;
  case RoundingMode::HalfToEven:
    if (rem == half)
      return (q & 1) ? q + 1 : q;
    return rem > half ? q + 1 : q;
  }
  return q;
}

/// v * m.multiplier * 2^-m.shift rounded under `mode`, for |v| <= 2^64. The
/// result is exact whenever it is below 2^100 in magnitude; larger results
/// (only possible for negative shifts) are replaced by +-2^100, which every
/// caller saturates anyway.
Int128 multiplyAndShift(Int128 v, FixedPointMultiplier m, RoundingMode mode) {
  Int128 product = v * m.multiplier; // |product| <= 2^95.
  if (m.shift >= 0) {
    // Beyond 2^97 the quotient is below 1/4 in magnitude; every mode gives the
    // same result as for any larger shift.
    unsigned shift = m.shift > 97 ? 97u : static_cast<unsigned>(m.shift);
    return roundingShift128(product, shift, mode);
  }
  // A negative shift is a left shift (not produced by the derivations).
  if (product == 0)
    return 0;
  Int128 bound = pow2(100);
  unsigned k = static_cast<unsigned>(-static_cast<int64_t>(m.shift));
  if (k > 31)
    return product > 0 ? bound : -bound;
  return product * pow2(k); // |product * 2^k| <= 2^126.
}

} // namespace

int64_t minValue(unsigned bits, bool isSigned) {
  if (!isSigned || bits == 0)
    return 0;
  if (bits >= 64)
    return kInt64Min;
  return -(static_cast<int64_t>(1) << (bits - 1));
}

int64_t maxValue(unsigned bits, bool isSigned) {
  if (bits == 0)
    return 0;
  if (isSigned)
    return bits >= 64 ? kInt64Max : (static_cast<int64_t>(1) << (bits - 1)) - 1;
  return bits >= 63 ? kInt64Max : (static_cast<int64_t>(1) << bits) - 1;
}

int64_t saturate(int64_t v, int64_t lo, int64_t hi) {
  if (v < lo)
    return lo;
  if (v > hi)
    return hi;
  return v;
}

double roundToIntegral(double x, RoundingMode mode) {
  // NaN, infinities and every |x| >= 2^52 are already integral.
  if (!(std::fabs(x) < 4503599627370496.0))
    return x;
  if (mode == RoundingMode::Floor)
    return std::floor(x);

  // Work on the magnitude: for a >= 0, a - floor(a) is exact (Sterbenz), while
  // x - floor(x) for small negative x is not (e.g. -0.5 + 2^-54).
  double a = std::fabs(x);
  double f = std::floor(a);
  double frac = a - f;
  bool negative = std::signbit(x);
  bool up = false; // Round the magnitude up to f + 1.
  switch (mode) {
  case RoundingMode::HalfToEven:
    up = frac > 0.5 || (frac == 0.5 && std::fmod(f, 2.0) != 0.0);
    break;
  case RoundingMode::HalfAwayFromZero:
    up = frac >= 0.5;
    break;
  case RoundingMode::HalfUp:
    // floor(x + 0.5): ties go up in value, i.e. toward zero for negative x.
    up = negative ? frac > 0.5 : frac >= 0.5;
    break;
  case RoundingMode::TowardZero:
  case RoundingMode::Floor: // Handled above.
    break;
  }
  // f + 1 is exact below 2^52. The result keeps the sign of x (-0.25 -> -0.0).
  return std::copysign(up ? f + 1.0 : f, x);
}

int64_t roundingRightShift(int64_t x, unsigned shift, RoundingMode mode) {
  // For shift >= 65 the quotient is below 1/4 in magnitude; the result is the
  // same as for shift 65.
  if (shift > 65)
    shift = 65;
  return saturateToInt64(roundingShift128(x, shift, mode));
}

std::optional<FixedPointMultiplier> deriveFixedPointMultiplier(double real) {
  if (!(real > 0.0) || !std::isfinite(real))
    return std::nullopt;
  int e = 0;
  double q = std::frexp(real, &e); // real = q * 2^e, q in [0.5, 1).
  // q * 2^31 is exact; std::round rounds half away from zero.
  int64_t m = static_cast<int64_t>(std::round(std::ldexp(q, 31)));
  if (m == (static_cast<int64_t>(1) << 31)) {
    m = static_cast<int64_t>(1) << 30;
    ++e;
  }
  int64_t shift = 31 - static_cast<int64_t>(e);
  if (shift < 0 || shift > 62)
    return std::nullopt;
  FixedPointMultiplier result;
  result.multiplier = static_cast<int32_t>(m);
  result.shift = static_cast<int32_t>(shift);
  return result;
}

std::optional<FixedPointMultiplier> derivePowerOfTwoMultiplier(double real) {
  int k = 0;
  if (!isPowerOfTwo(real, &k) || k < -62 || k > 30)
    return std::nullopt;
  FixedPointMultiplier result;
  if (k <= 0) {
    result.multiplier = 1;
    result.shift = -k;
  } else {
    result.multiplier = static_cast<int32_t>(1) << k;
    result.shift = 0;
  }
  return result;
}

bool isPowerOfTwo(double x, int *exponent) {
  if (!(x > 0.0) || !std::isfinite(x))
    return false;
  int e = 0;
  if (std::frexp(x, &e) != 0.5)
    return false;
  if (exponent)
    *exponent = e - 1;
  return true;
}

bool isUsableScale(double scale) {
  // Compared in double: a value that the f32 conversion would round to inf
  // or flush below the normal range is not a usable f32 scale either.
  return std::isfinite(scale) &&
         scale >= static_cast<double>(std::numeric_limits<float>::min()) &&
         scale * 65536.0 <=
             static_cast<double>(std::numeric_limits<float>::max());
}

int64_t applyMultiplier(int64_t x, FixedPointMultiplier m, RoundingMode mode) {
  return saturateToInt64(multiplyAndShift(x, m, mode));
}

int64_t quantize(float x, float scale, int64_t zeroPoint, unsigned bits,
                 bool isSigned, RoundingMode mode) {
  int64_t lo = minValue(bits, isSigned);
  int64_t hi = maxValue(bits, isSigned);
  // IEEE float32 division; the assignment discards any excess precision.
  float r = x / scale;
  if (std::isnan(r))
    return saturate(zeroPoint, lo, hi);
  double rounded = roundToIntegral(static_cast<double>(r), mode);
  // Clamp in floating point before converting: |rounded + zeroPoint| exceeds
  // the int64 range once |rounded| >= 2^64, so the bound decides the result.
  constexpr double kTwo64 = 18446744073709551616.0;
  if (rounded >= kTwo64)
    return hi;
  if (rounded <= -kTwo64)
    return lo;
  // |rounded| < 2^64 is integral, so the conversion is exact.
  Int128 v = static_cast<Int128>(rounded) + zeroPoint;
  return saturate128(v, lo, hi);
}

float dequantize(int64_t q, float scale, int64_t zeroPoint) {
  Int128 diff = static_cast<Int128>(q) - zeroPoint;
  float d = (diff >= kInt64Min && diff <= kInt64Max)
                ? static_cast<float>(static_cast<int64_t>(diff))
                : static_cast<float>(diff);
  return d * scale;
}

float fakeQuantize(float x, float scale, int64_t zeroPoint, unsigned bits,
                   bool isSigned, RoundingMode mode) {
  return dequantize(quantize(x, scale, zeroPoint, bits, isSigned, mode), scale,
                    zeroPoint);
}

int64_t requantize(int64_t x, int64_t inZeroPoint, FixedPointMultiplier m,
                   int64_t outZeroPoint, int64_t lo, int64_t hi,
                   RoundingMode mode) {
  // Computed without intermediate wrap-around or saturation: this equals the
  // header's formula whenever x - inZeroPoint and the scaled value fit int64.
  Int128 diff = static_cast<Int128>(x) - inZeroPoint;
  Int128 scaled = multiplyAndShift(diff, m, mode);
  return saturate128(scaled + outZeroPoint, lo, hi);
}

} // namespace numerics
} // namespace qsim
} // namespace mlir
