//===- NumericsTest.cpp - Tests for the quantization integer semantics ----===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Checks qsim/Numerics against references that are computed differently from
// the implementation: exact integer arithmetic on the test side, the C library
// rounding functions on long double, and stated properties (error bounds,
// idempotence, tie rules). Random inputs use fixed seeds.
//
//===----------------------------------------------------------------------===//

#include "qsim/Numerics/Numerics.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <vector>

using namespace mlir::qsim::numerics;

namespace {

__extension__ typedef __int128 Int128;

constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

const RoundingMode kAllModes[] = {
    RoundingMode::HalfToEven, RoundingMode::HalfAwayFromZero,
    RoundingMode::HalfUp, RoundingMode::TowardZero, RoundingMode::Floor};
const RoundingMode kNearestModes[] = {RoundingMode::HalfToEven,
                                      RoundingMode::HalfAwayFromZero,
                                      RoundingMode::HalfUp};

const char *modeName(RoundingMode mode) {
  switch (mode) {
  case RoundingMode::HalfToEven:
    return "HalfToEven";
  case RoundingMode::HalfAwayFromZero:
    return "HalfAwayFromZero";
  case RoundingMode::HalfUp:
    return "HalfUp";
  case RoundingMode::TowardZero:
    return "TowardZero";
  case RoundingMode::Floor:
    return "Floor";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Reference implementations (deliberately written differently).
//===----------------------------------------------------------------------===//

/// Reference rounding through the C library on long double. The x86 long
/// double (64-bit mantissa) makes floor(v + 0.5L) exact for every double v
/// that matters (for |v| < 2^-12 the inexact sum still floors to 0).
long double refRound(long double v, RoundingMode mode) {
  switch (mode) {
  case RoundingMode::HalfToEven: {
    int old = std::fegetround();
    std::fesetround(FE_TONEAREST);
    long double r = std::nearbyint(v);
    std::fesetround(old);
    return r;
  }
  case RoundingMode::HalfAwayFromZero:
    return std::round(v);
  case RoundingMode::HalfUp:
    return std::floor(v + 0.5L);
  case RoundingMode::TowardZero:
    return std::trunc(v);
  case RoundingMode::Floor:
    return std::floor(v);
  }
  return v;
}

/// Reference for k / 2 in pure integer arithmetic.
int64_t refRoundHalf(int64_t k, RoundingMode mode) {
  if (k % 2 == 0)
    return k / 2;
  int64_t lo = (k - 1) / 2; // Exact: k - 1 is even.
  int64_t hi = lo + 1;
  switch (mode) {
  case RoundingMode::HalfToEven:
    return lo % 2 == 0 ? lo : hi;
  case RoundingMode::HalfAwayFromZero:
    return k > 0 ? hi : lo;
  case RoundingMode::HalfUp:
    return hi;
  case RoundingMode::TowardZero:
    return k > 0 ? lo : hi;
  case RoundingMode::Floor:
    return lo;
  }
  return 0;
}

/// Reference rounded division n / d (d > 0) from C++'s truncating division
/// and a comparison of 2|r| with d.
Int128 refDivRound(Int128 n, Int128 d, RoundingMode mode) {
  Int128 q = n / d; // Toward zero.
  Int128 r = n % d; // Same sign as n.
  if (r == 0)
    return q;
  Int128 twiceAbsR = 2 * (r < 0 ? -r : r);
  int sign = n < 0 ? -1 : 1;
  Int128 away = q + sign; // The neighbour farther from zero.
  switch (mode) {
  case RoundingMode::TowardZero:
    return q;
  case RoundingMode::Floor:
    return n < 0 ? away : q;
  case RoundingMode::HalfToEven:
    if (twiceAbsR == d)
      return (q % 2 == 0) ? q : away;
    return twiceAbsR > d ? away : q;
  case RoundingMode::HalfAwayFromZero:
    return twiceAbsR >= d ? away : q;
  case RoundingMode::HalfUp:
    if (twiceAbsR == d)
      return n < 0 ? q : away; // The larger neighbour.
    return twiceAbsR > d ? away : q;
  }
  return q;
}

Int128 pow2(unsigned k) { return static_cast<Int128>(1) << k; }

int64_t clampRef(Int128 v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : static_cast<int64_t>(v));
}

//===----------------------------------------------------------------------===//
// Integer ranges and saturation.
//===----------------------------------------------------------------------===//

TEST(NumericsRange, MinMaxValue) {
  for (unsigned bits = 1; bits <= 63; ++bits) {
    // Independent formulas from unsigned shifts of all-ones.
    uint64_t unsignedMax = ~uint64_t(0) >> (64 - bits);
    uint64_t signedMax = bits == 1 ? 0 : ~uint64_t(0) >> (65 - bits);
    EXPECT_EQ(minValue(bits, false), 0) << bits;
    EXPECT_EQ(maxValue(bits, false), static_cast<int64_t>(unsignedMax)) << bits;
    EXPECT_EQ(maxValue(bits, true), static_cast<int64_t>(signedMax)) << bits;
    EXPECT_EQ(minValue(bits, true), -static_cast<int64_t>(signedMax) - 1)
        << bits;
  }
  EXPECT_EQ(minValue(8, true), -128);
  EXPECT_EQ(maxValue(8, true), 127);
  EXPECT_EQ(maxValue(8, false), 255);
  EXPECT_EQ(minValue(1, true), -1);
  EXPECT_EQ(maxValue(1, true), 0);
  EXPECT_EQ(maxValue(63, false), kI64Max);
}

TEST(NumericsRange, Saturate) {
  EXPECT_EQ(saturate(5, -3, 7), 5);
  EXPECT_EQ(saturate(-4, -3, 7), -3);
  EXPECT_EQ(saturate(8, -3, 7), 7);
  EXPECT_EQ(saturate(-3, -3, 7), -3);
  EXPECT_EQ(saturate(7, -3, 7), 7);
  EXPECT_EQ(saturate(kI64Min, -128, 127), -128);
  EXPECT_EQ(saturate(kI64Max, -128, 127), 127);
  EXPECT_EQ(saturate(kI64Max, kI64Min, kI64Max), kI64Max);
}

//===----------------------------------------------------------------------===//
// roundToIntegral.
//===----------------------------------------------------------------------===//

TEST(NumericsRound, AllHalvesExhaustive) {
  for (int64_t k = -2000; k <= 2000; ++k) {
    double x = static_cast<double>(k) / 2.0;
    for (RoundingMode mode : kAllModes) {
      double got = roundToIntegral(x, mode);
      EXPECT_EQ(got, static_cast<double>(refRoundHalf(k, mode)))
          << "x=" << x << " mode=" << modeName(mode);
      EXPECT_EQ(got, static_cast<double>(refRound(x, mode)))
          << "x=" << x << " mode=" << modeName(mode);
    }
  }
}

TEST(NumericsRound, TiesTable) {
  struct Row {
    double x;
    double even, away, up, zero, floor;
  };
  const Row rows[] = {
      {0.5, 0, 1, 1, 0, 0},       {1.5, 2, 2, 2, 1, 1},
      {2.5, 2, 3, 3, 2, 2},       {-0.5, 0, -1, 0, 0, -1},
      {-1.5, -2, -2, -1, -1, -2}, {-2.5, -2, -3, -2, -2, -3},
  };
  for (const Row &r : rows) {
    EXPECT_EQ(roundToIntegral(r.x, RoundingMode::HalfToEven), r.even) << r.x;
    EXPECT_EQ(roundToIntegral(r.x, RoundingMode::HalfAwayFromZero), r.away)
        << r.x;
    EXPECT_EQ(roundToIntegral(r.x, RoundingMode::HalfUp), r.up) << r.x;
    EXPECT_EQ(roundToIntegral(r.x, RoundingMode::TowardZero), r.zero) << r.x;
    EXPECT_EQ(roundToIntegral(r.x, RoundingMode::Floor), r.floor) << r.x;
  }
}

TEST(NumericsRound, EdgeCases) {
  // The largest double below 0.5: x + 0.5 rounds to 1.0 in double, but the
  // exact floor(x + 0.5) is 0.
  const double belowHalf = 0.49999999999999994;
  ASSERT_EQ(belowHalf, std::nextafter(0.5, 0.0));
  for (RoundingMode mode : kAllModes) {
    EXPECT_EQ(roundToIntegral(belowHalf, mode), 0.0) << modeName(mode);
    EXPECT_EQ(roundToIntegral(-belowHalf, mode),
              mode == RoundingMode::Floor ? -1.0 : 0.0)
        << modeName(mode);
  }
  // -0.5 + 2^-54: 1 + x is not representable (a naive x - floor(x) gives 0.5
  // and a false tie).
  const double nearNegHalf = -0.5 + std::ldexp(1.0, -54);
  EXPECT_EQ(roundToIntegral(nearNegHalf, RoundingMode::HalfAwayFromZero), 0.0);
  EXPECT_EQ(roundToIntegral(nearNegHalf, RoundingMode::HalfToEven), 0.0);
  EXPECT_EQ(roundToIntegral(nearNegHalf, RoundingMode::HalfUp), 0.0);
  const double justBelowNegHalf = std::nextafter(-0.5, -1.0);
  EXPECT_EQ(roundToIntegral(justBelowNegHalf, RoundingMode::HalfUp), -1.0);
  EXPECT_EQ(roundToIntegral(justBelowNegHalf, RoundingMode::HalfToEven), -1.0);

  // Large values: 2^51 + 0.5 is the largest tie with unit fraction 1/2;
  // from 2^52 on every double is an integer.
  const double two51 = std::ldexp(1.0, 51), two52 = std::ldexp(1.0, 52);
  EXPECT_EQ(roundToIntegral(two51 + 0.5, RoundingMode::HalfToEven), two51);
  EXPECT_EQ(roundToIntegral(two51 + 1.5, RoundingMode::HalfToEven), two51 + 2);
  EXPECT_EQ(roundToIntegral(two51 + 0.5, RoundingMode::HalfAwayFromZero),
            two51 + 1);
  EXPECT_EQ(roundToIntegral(two51 + 0.5, RoundingMode::HalfUp), two51 + 1);
  EXPECT_EQ(roundToIntegral(-two51 - 0.5, RoundingMode::HalfUp), -two51);
  EXPECT_EQ(roundToIntegral(-two51 - 0.5, RoundingMode::Floor), -two51 - 1);
  EXPECT_EQ(roundToIntegral(two52 - 0.5, RoundingMode::HalfToEven), two52);
  EXPECT_EQ(roundToIntegral(two52 - 0.5, RoundingMode::TowardZero), two52 - 1);
  for (RoundingMode mode : kAllModes) {
    EXPECT_EQ(roundToIntegral(two52 + 1, mode), two52 + 1);
    EXPECT_EQ(roundToIntegral(-two52 - 1, mode), -two52 - 1);
    EXPECT_EQ(roundToIntegral(1e300, mode), 1e300);
    EXPECT_EQ(roundToIntegral(std::numeric_limits<double>::max(), mode),
              std::numeric_limits<double>::max());
    EXPECT_TRUE(std::isnan(
        roundToIntegral(std::numeric_limits<double>::quiet_NaN(), mode)));
    EXPECT_EQ(roundToIntegral(HUGE_VAL, mode), HUGE_VAL);
    EXPECT_EQ(roundToIntegral(-HUGE_VAL, mode), -HUGE_VAL);
    EXPECT_EQ(roundToIntegral(0.0, mode), 0.0);
    EXPECT_EQ(roundToIntegral(std::numeric_limits<double>::denorm_min(), mode),
              0.0);
  }
  EXPECT_EQ(roundToIntegral(-std::numeric_limits<double>::denorm_min(),
                            RoundingMode::Floor),
            -1.0);
}

TEST(NumericsRound, RandomAgainstLibm) {
  std::mt19937_64 rng(0x5eed0001);
  std::uniform_real_distribution<double> wide(-1e6, 1e6);
  std::uniform_int_distribution<int64_t> ints(-(int64_t(1) << 53), int64_t(1)
                                                                       << 53);
  std::uniform_int_distribution<int> exps(-60, 60);
  std::vector<double> values;
  for (int i = 0; i < 20000; ++i)
    values.push_back(wide(rng));
  for (int i = 0; i < 20000; ++i) {
    // Random bit patterns: every exponent, sign and mantissa.
    uint64_t bits = rng();
    double d;
    static_assert(sizeof(d) == sizeof(bits), "double must be 64-bit");
    std::memcpy(&d, &bits, sizeof(d));
    if (!std::isnan(d))
      values.push_back(d);
  }
  for (int i = 0; i < 20000; ++i) {
    // Neighbours of exact ties (k + 0.5) * 2^e.
    double tie = std::ldexp(static_cast<double>(ints(rng) % 100000) + 0.5,
                            exps(rng) % 3);
    values.push_back(tie);
    values.push_back(std::nextafter(tie, HUGE_VAL));
    values.push_back(std::nextafter(tie, -HUGE_VAL));
  }
  for (int i = 0; i < 20000; ++i)
    values.push_back(std::ldexp(static_cast<double>(ints(rng)), exps(rng)));
  for (double x : values)
    for (RoundingMode mode : kAllModes)
      ASSERT_EQ(roundToIntegral(x, mode),
                static_cast<double>(refRound(x, mode)))
          << "x=" << x << " mode=" << modeName(mode);
}

TEST(NumericsRound, IndependentOfFloatingPointEnvironment) {
  const double values[] = {
      0.5, 1.5,  2.5,        -0.5, -1.5, -2.5, 0.49999999999999994,
      0.1, -0.7, 1e15 + 0.5, -3.75};
  const int envModes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
  for (double x : values) {
    for (RoundingMode mode : kAllModes) {
      double expected = roundToIntegral(x, mode);
      ASSERT_EQ(expected, static_cast<double>(refRound(x, mode)));
      for (int env : envModes) {
        int old = std::fegetround();
        std::fesetround(env);
        double got = roundToIntegral(x, mode);
        std::fesetround(old);
        EXPECT_EQ(got, expected) << "x=" << x << " mode=" << modeName(mode);
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// roundingRightShift.
//===----------------------------------------------------------------------===//

TEST(NumericsShift, SmallExhaustive) {
  for (int64_t x = -1024; x <= 1024; ++x) {
    for (unsigned s = 0; s <= 12; ++s) {
      long double quotient = static_cast<long double>(x) / (1 << s); // Exact.
      for (RoundingMode mode : kAllModes) {
        int64_t got = roundingRightShift(x, s, mode);
        EXPECT_EQ(got, static_cast<int64_t>(refRound(quotient, mode)))
            << "x=" << x << " s=" << s << " mode=" << modeName(mode);
        EXPECT_EQ(static_cast<double>(got),
                  roundToIntegral(static_cast<double>(quotient), mode));
      }
    }
  }
}

/// Checks the defining property of roundingRightShift for x and s >= 1:
/// d = x - r * 2^s lies in the rounding interval of `mode`.
void checkShiftProperty(int64_t x, unsigned s, RoundingMode mode) {
  int64_t r = roundingRightShift(x, s, mode);
  Int128 d = static_cast<Int128>(x) - static_cast<Int128>(r) * pow2(s);
  Int128 full = pow2(s), half = pow2(s - 1);
  switch (mode) {
  case RoundingMode::Floor:
    EXPECT_TRUE(d >= 0 && d < full) << x << " >> " << s;
    break;
  case RoundingMode::TowardZero:
    if (x >= 0)
      EXPECT_TRUE(d >= 0 && d < full) << x << " >> " << s;
    else
      EXPECT_TRUE(d <= 0 && d > -full) << x << " >> " << s;
    break;
  default: {
    Int128 absD = d < 0 ? -d : d;
    ASSERT_TRUE(absD <= half) << x << " >> " << s << " " << modeName(mode);
    if (absD != half)
      break;
    // A tie: the chosen neighbour must follow the tie rule.
    if (mode == RoundingMode::HalfToEven)
      EXPECT_EQ(r % 2, 0) << x << " >> " << s;
    else if (mode == RoundingMode::HalfUp)
      EXPECT_LT(d, 0) << x << " >> " << s; // r * 2^s above x.
    else
      EXPECT_EQ((x < 0), (d > 0)) << x << " >> " << s; // Away from zero.
    break;
  }
  }
}

TEST(NumericsShift, RandomProperties) {
  std::mt19937_64 rng(0x5eed0002);
  std::uniform_int_distribution<unsigned> shifts(1, 63);
  for (int i = 0; i < 200000; ++i) {
    int64_t x = static_cast<int64_t>(rng());
    unsigned s = shifts(rng);
    // Also narrower values, so small quotients are common.
    if (i % 2)
      x >>= (rng() % 63);
    for (RoundingMode mode : kAllModes) {
      checkShiftProperty(x, s, mode);
      ASSERT_EQ(roundingRightShift(x, s, mode),
                static_cast<int64_t>(refDivRound(x, pow2(s), mode)));
    }
    EXPECT_EQ(roundingRightShift(x, 0, RoundingMode::HalfUp), x);
  }
}

TEST(NumericsShift, RandomTies) {
  std::mt19937_64 rng(0x5eed0003);
  std::uniform_int_distribution<unsigned> shifts(1, 62);
  for (int i = 0; i < 50000; ++i) {
    unsigned s = shifts(rng);
    // x = (2k + 1) * 2^(s-1), an exact tie, within the int64 range.
    int64_t kMax = (int64_t(1) << (63 - s)) - 1;
    std::uniform_int_distribution<int64_t> ks(-kMax, kMax - 1);
    int64_t k = ks(rng);
    int64_t x =
        static_cast<int64_t>((2 * static_cast<Int128>(k) + 1) * pow2(s - 1));
    EXPECT_EQ(roundingRightShift(x, s, RoundingMode::Floor), k);
    EXPECT_EQ(roundingRightShift(x, s, RoundingMode::HalfUp), k + 1);
    EXPECT_EQ(roundingRightShift(x, s, RoundingMode::HalfToEven),
              k % 2 == 0 ? k : k + 1);
    EXPECT_EQ(roundingRightShift(x, s, RoundingMode::HalfAwayFromZero),
              x > 0 ? k + 1 : k);
    EXPECT_EQ(roundingRightShift(x, s, RoundingMode::TowardZero),
              x > 0 ? k : k + 1);
    for (RoundingMode mode : kAllModes)
      checkShiftProperty(x, s, mode);
  }
}

TEST(NumericsShift, Int64Corners) {
  for (RoundingMode mode : kAllModes) {
    // INT64_MIN is exactly -2^63.
    EXPECT_EQ(roundingRightShift(kI64Min, 63, mode), -1) << modeName(mode);
    EXPECT_EQ(roundingRightShift(kI64Min, 62, mode), -2) << modeName(mode);
    EXPECT_EQ(roundingRightShift(kI64Min, 0, mode), kI64Min);
    EXPECT_EQ(roundingRightShift(kI64Max, 0, mode), kI64Max);
    EXPECT_EQ(roundingRightShift(0, 63, mode), 0);
    for (unsigned s = 1; s <= 63; ++s) {
      checkShiftProperty(kI64Min, s, mode);
      checkShiftProperty(kI64Max, s, mode);
      checkShiftProperty(kI64Min + 1, s, mode);
      checkShiftProperty(-1, s, mode);
      checkShiftProperty(1, s, mode);
    }
  }
  // INT64_MAX / 2^63 = 1 - 2^-63.
  EXPECT_EQ(roundingRightShift(kI64Max, 63, RoundingMode::Floor), 0);
  EXPECT_EQ(roundingRightShift(kI64Max, 63, RoundingMode::TowardZero), 0);
  for (RoundingMode mode : kNearestModes)
    EXPECT_EQ(roundingRightShift(kI64Max, 63, mode), 1);
  // (INT64_MIN + 1) / 2^63 = -1 + 2^-63.
  EXPECT_EQ(roundingRightShift(kI64Min + 1, 63, RoundingMode::Floor), -1);
  EXPECT_EQ(roundingRightShift(kI64Min + 1, 63, RoundingMode::TowardZero), 0);
  for (RoundingMode mode : kNearestModes)
    EXPECT_EQ(roundingRightShift(kI64Min + 1, 63, mode), -1);
  // -2^62 / 2^63 = -0.5: a tie.
  const int64_t minusHalf = -(int64_t(1) << 62);
  EXPECT_EQ(roundingRightShift(minusHalf, 63, RoundingMode::HalfToEven), 0);
  EXPECT_EQ(roundingRightShift(minusHalf, 63, RoundingMode::HalfUp), 0);
  EXPECT_EQ(roundingRightShift(minusHalf, 63, RoundingMode::HalfAwayFromZero),
            -1);
  EXPECT_EQ(roundingRightShift(minusHalf, 63, RoundingMode::Floor), -1);
  EXPECT_EQ(roundingRightShift(-1, 1, RoundingMode::HalfToEven), 0);
  EXPECT_EQ(roundingRightShift(-1, 1, RoundingMode::HalfUp), 0);
  EXPECT_EQ(roundingRightShift(-1, 1, RoundingMode::HalfAwayFromZero), -1);
  EXPECT_EQ(roundingRightShift(-3, 1, RoundingMode::HalfToEven), -2);
}

//===----------------------------------------------------------------------===//
// Multiplier derivation.
//===----------------------------------------------------------------------===//

void checkNormalForm(double real) {
  std::optional<FixedPointMultiplier> m = deriveFixedPointMultiplier(real);
  ASSERT_TRUE(m.has_value()) << real;
  EXPECT_GE(m->multiplier, int32_t(1) << 30) << real;
  EXPECT_LE(m->multiplier, std::numeric_limits<int32_t>::max()) << real;
  EXPECT_GE(m->shift, 0) << real;
  EXPECT_LE(m->shift, 62) << real;
  // The multiplier is a nearest integer to real * 2^shift (exact scaling).
  double target = std::ldexp(real, m->shift);
  EXPECT_LE(std::fabs(static_cast<double>(m->multiplier) - target), 0.5)
      << real;
  // Relative error bound 2^-31.
  long double approx =
      std::ldexp(static_cast<long double>(m->multiplier), -m->shift);
  long double err = std::fabs(approx - static_cast<long double>(real));
  EXPECT_LE(err, std::ldexp(static_cast<long double>(real), -31)) << real;
}

TEST(NumericsMultiplier, RandomNormalForm) {
  std::mt19937_64 rng(0x5eed0004);
  std::uniform_real_distribution<double> mantissa(1.0, 2.0);
  std::uniform_int_distribution<int> exps(-30, 29);
  for (int i = 0; i < 100000; ++i)
    checkNormalForm(std::ldexp(mantissa(rng), exps(rng)));
  // Some typical scale ratios.
  for (double real :
       {0.0123, 0.3921568627, 1.0 / 3.0, 0.999999999, 1.5, 123.456, 1e-9, 1e9})
    checkNormalForm(real);
}

TEST(NumericsMultiplier, PowersOfTwo) {
  for (int k = -32; k <= 30; ++k) {
    std::optional<FixedPointMultiplier> m =
        deriveFixedPointMultiplier(std::ldexp(1.0, k));
    ASSERT_TRUE(m.has_value()) << k;
    EXPECT_EQ(m->multiplier, int32_t(1) << 30) << k;
    EXPECT_EQ(m->shift, 30 - k) << k;
  }
}

TEST(NumericsMultiplier, RoundingAndRenormalisation) {
  // real = (2^31 + 1) * 2^-32: q * 2^31 = 2^30 + 0.5, a tie, away from zero.
  std::optional<FixedPointMultiplier> m = deriveFixedPointMultiplier(
      std::ldexp(double((int64_t(1) << 31) + 1), -32));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, (FixedPointMultiplier{(1 << 30) + 1, 31}));
  // q * 2^31 = 2^31 - 0.5 rounds to 2^31 and renormalises to 2^30 * 2^-30.
  m = deriveFixedPointMultiplier(1.0 - std::ldexp(1.0, -32));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, (FixedPointMultiplier{1 << 30, 30}));
  // q * 2^31 = 2^31 - 0.75 rounds down.
  m = deriveFixedPointMultiplier(1.0 - 1.5 * std::ldexp(1.0, -32));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m,
            (FixedPointMultiplier{std::numeric_limits<int32_t>::max(), 31}));
}

TEST(NumericsMultiplier, RangeLimits) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double bad : {0.0, -0.0, -1.0, -0.25, nan, inf, -inf,
                     std::numeric_limits<double>::denorm_min(),
                     std::ldexp(1.0, 31), 1e10, std::ldexp(1.0, -33), 1e-12})
    EXPECT_FALSE(deriveFixedPointMultiplier(bad).has_value()) << bad;
  // Upper end: 2^31 - 1 is fine (shift 0); from 2^31 - 0.5 on the multiplier
  // rounds up to 2^31 and the shift would be -1.
  EXPECT_EQ(deriveFixedPointMultiplier(2147483647.0),
            (FixedPointMultiplier{std::numeric_limits<int32_t>::max(), 0}));
  EXPECT_EQ(deriveFixedPointMultiplier(2147483647.25),
            (FixedPointMultiplier{std::numeric_limits<int32_t>::max(), 0}));
  EXPECT_FALSE(deriveFixedPointMultiplier(2147483647.5).has_value());
  // Lower end: shift 62 means real in [2^-32 - 2^-64, 2^-31).
  EXPECT_EQ(deriveFixedPointMultiplier(std::ldexp(1.0, -32)),
            (FixedPointMultiplier{1 << 30, 62}));
  EXPECT_EQ(deriveFixedPointMultiplier(std::ldexp(1.5, -32)),
            (FixedPointMultiplier{3 << 29, 62}));
  const double lowest = std::ldexp(1.0, -32) - std::ldexp(1.0, -64);
  EXPECT_EQ(deriveFixedPointMultiplier(lowest),
            (FixedPointMultiplier{1 << 30, 62}));
  EXPECT_FALSE(
      deriveFixedPointMultiplier(std::nextafter(lowest, 0.0)).has_value());
}

TEST(NumericsMultiplier, PowerOfTwoForm) {
  for (int k = -70; k <= 40; ++k) {
    double real = std::ldexp(1.0, k);
    int e = 1000;
    ASSERT_TRUE(isPowerOfTwo(real, &e)) << k;
    EXPECT_EQ(e, k);
    std::optional<FixedPointMultiplier> m = derivePowerOfTwoMultiplier(real);
    if (k < -62 || k > 30) {
      EXPECT_FALSE(m.has_value()) << k;
      continue;
    }
    ASSERT_TRUE(m.has_value()) << k;
    if (k <= 0)
      EXPECT_EQ(*m, (FixedPointMultiplier{1, -k}));
    else
      EXPECT_EQ(*m, (FixedPointMultiplier{int32_t(1) << k, 0}));
  }
  EXPECT_TRUE(isPowerOfTwo(std::numeric_limits<double>::denorm_min()));
  EXPECT_TRUE(isPowerOfTwo(std::ldexp(1.0, 1023)));
  for (double bad :
       {0.0, -0.0, -1.0, -0.5, 3.0, 0.75, 1.0 + 1e-16 * 2,
        std::nextafter(1.0, 0.0), std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_FALSE(isPowerOfTwo(bad)) << bad;
    EXPECT_FALSE(derivePowerOfTwoMultiplier(bad).has_value()) << bad;
  }
  EXPECT_TRUE(isPowerOfTwo(1.0)); // Null exponent pointer is allowed.
}

TEST(NumericsTest, UsableScale) {
  const float fmin = std::numeric_limits<float>::min();
  const float fmax = std::numeric_limits<float>::max();
  EXPECT_TRUE(isUsableScale(1.0));
  EXPECT_TRUE(isUsableScale(fmin));
  EXPECT_TRUE(isUsableScale(std::ldexp(static_cast<double>(fmax), -16)));
  for (double bad :
       {0.0, -0.0, -1.0, static_cast<double>(fmin) / 2,
        std::nextafter(std::ldexp(static_cast<double>(fmax), -16), 1e300),
        1e300, std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN()})
    EXPECT_FALSE(isUsableScale(bad)) << bad;
}

//===----------------------------------------------------------------------===//
// applyMultiplier.
//===----------------------------------------------------------------------===//

TEST(NumericsApply, RandomInt32AgainstReference) {
  std::mt19937_64 rng(0x5eed0005);
  std::uniform_int_distribution<int64_t> xs(
      std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int32_t> ms(
      1, std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int32_t> shifts(0, 62);
  for (int i = 0; i < 100000; ++i) {
    int64_t x = xs(rng);
    FixedPointMultiplier m{ms(rng), shifts(rng)};
    // |x * m| < 2^62: the product fits int64.
    int64_t product = x * m.multiplier;
    for (RoundingMode mode : kAllModes) {
      int64_t expected =
          static_cast<int64_t>(refDivRound(product, pow2(m.shift), mode));
      ASSERT_EQ(applyMultiplier(x, m, mode), expected)
          << x << " * " << m.multiplier << " >> " << m.shift << " "
          << modeName(mode);
    }
    // Also against long double: the 62-bit product and its scaling by
    // 2^-shift are exact in a 64-bit mantissa.
    long double q = std::ldexp(static_cast<long double>(product), -m.shift);
    for (RoundingMode mode : kAllModes)
      ASSERT_EQ(applyMultiplier(x, m, mode),
                static_cast<int64_t>(refRound(q, mode)));
  }
}

TEST(NumericsApply, RandomInt64AndSaturation) {
  std::mt19937_64 rng(0x5eed0006);
  std::uniform_int_distribution<int32_t> ms(
      1, std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int32_t> shifts(0, 62);
  for (int i = 0; i < 50000; ++i) {
    int64_t x = static_cast<int64_t>(rng());
    FixedPointMultiplier m{ms(rng), shifts(rng)};
    Int128 product = static_cast<Int128>(x) * m.multiplier;
    for (RoundingMode mode : kAllModes)
      ASSERT_EQ(applyMultiplier(x, m, mode),
                clampRef(refDivRound(product, pow2(m.shift), mode), kI64Min,
                         kI64Max));
  }
  const FixedPointMultiplier two{2, 0};
  EXPECT_EQ(applyMultiplier(kI64Max, two, RoundingMode::HalfToEven), kI64Max);
  EXPECT_EQ(applyMultiplier(kI64Min, two, RoundingMode::HalfToEven), kI64Min);
  EXPECT_EQ(applyMultiplier(kI64Min, {std::numeric_limits<int32_t>::max(), 0},
                            RoundingMode::Floor),
            kI64Min);
  // 2^63 * (2^31 - 1) / 2^62 fits again.
  EXPECT_EQ(applyMultiplier(kI64Min, {std::numeric_limits<int32_t>::max(), 62},
                            RoundingMode::Floor),
            -2 * int64_t(std::numeric_limits<int32_t>::max()));
}

TEST(NumericsApply, PowerOfTwoMultipliersMatchShift) {
  std::mt19937_64 rng(0x5eed0007);
  for (int i = 0; i < 20000; ++i) {
    int64_t x = static_cast<int64_t>(rng()) >> (rng() % 64);
    for (int k = -62; k <= 0; k += 1 + static_cast<int>(rng() % 7)) {
      std::optional<FixedPointMultiplier> pot =
          derivePowerOfTwoMultiplier(std::ldexp(1.0, k));
      ASSERT_TRUE(pot.has_value());
      for (RoundingMode mode : kAllModes) {
        int64_t expected =
            roundingRightShift(x, static_cast<unsigned>(-k), mode);
        EXPECT_EQ(applyMultiplier(x, *pot, mode), expected);
        // The normal form 2^30 * 2^-(30 - k) denotes the same rational.
        if (k >= -31) {
          std::optional<FixedPointMultiplier> normal =
              deriveFixedPointMultiplier(std::ldexp(1.0, k));
          ASSERT_TRUE(normal.has_value());
          EXPECT_EQ(applyMultiplier(x, *normal, mode), expected);
        }
      }
    }
  }
  // Left shifts: 2^k with k > 0 multiplies exactly, saturating.
  for (int k = 1; k <= 30; ++k) {
    std::optional<FixedPointMultiplier> pot =
        derivePowerOfTwoMultiplier(std::ldexp(1.0, k));
    ASSERT_TRUE(pot.has_value());
    for (int64_t x : {int64_t(0), int64_t(1), int64_t(-7), int64_t(123456789),
                      kI64Max, kI64Min})
      EXPECT_EQ(applyMultiplier(x, *pot, RoundingMode::HalfToEven),
                clampRef(static_cast<Int128>(x) * pow2(k), kI64Min, kI64Max));
  }
}

//===----------------------------------------------------------------------===//
// quantize / dequantize / fakeQuantize.
//===----------------------------------------------------------------------===//

TEST(NumericsQuantize, TiesPerMode) {
  for (float scale : {0.5f, 0.25f, 2.0f}) {
    for (int64_t k = -40; k <= 40; ++k) {
      // x / scale = k + 0.5 exactly in float32.
      float x = static_cast<float>((static_cast<double>(k) + 0.5) * scale);
      ASSERT_EQ(x / scale, static_cast<float>(k) + 0.5f);
      for (RoundingMode mode : kAllModes) {
        int64_t expected = refRoundHalf(2 * k + 1, mode);
        EXPECT_EQ(quantize(x, scale, 0, 16, true, mode), expected)
            << "k=" << k << " scale=" << scale << " " << modeName(mode);
        EXPECT_EQ(quantize(x, scale, 3, 16, true, mode), expected + 3);
        EXPECT_EQ(quantize(x, scale, 100, 16, false, mode),
                  std::max<int64_t>(expected + 100, 0));
      }
    }
  }
}

TEST(NumericsQuantize, Float32Division) {
  // 0.25f / 0.1f is exactly 2.5 in float32, although the double quotient of
  // the same two floats lies just below 2.5.
  const float x = 0.25f, scale = 0.1f;
  ASSERT_EQ(x / scale, 2.5f);
  ASSERT_LT(static_cast<double>(x) / static_cast<double>(scale), 2.5);
  EXPECT_EQ(quantize(x, scale, 0, 8, true, RoundingMode::HalfAwayFromZero), 3);
  EXPECT_EQ(quantize(x, scale, 0, 8, true, RoundingMode::HalfUp), 3);
  EXPECT_EQ(quantize(x, scale, 0, 8, true, RoundingMode::HalfToEven), 2);
  EXPECT_EQ(quantize(-x, scale, 0, 8, true, RoundingMode::HalfAwayFromZero),
            -3);
  EXPECT_EQ(quantize(-x, scale, 0, 8, true, RoundingMode::HalfUp), -2);
}

TEST(NumericsQuantize, RandomAgainstReference) {
  std::mt19937_64 rng(0x5eed0008);
  std::uniform_real_distribution<float> xs(-300.0f, 300.0f);
  std::uniform_real_distribution<float> scales(0.001f, 3.0f);
  std::uniform_int_distribution<int64_t> zps(-20, 300);
  std::uniform_int_distribution<unsigned> bitsDist(2, 16);
  for (int i = 0; i < 100000; ++i) {
    float x = xs(rng), scale = scales(rng);
    int64_t zp = zps(rng);
    unsigned bits = bitsDist(rng);
    bool isSigned = rng() & 1;
    int64_t lo = isSigned ? -(int64_t(1) << (bits - 1)) : 0;
    int64_t hi =
        isSigned ? (int64_t(1) << (bits - 1)) - 1 : (int64_t(1) << bits) - 1;
    float r = x / scale;
    for (RoundingMode mode : kAllModes) {
      long double rounded = refRound(r, mode);
      int64_t expected = clampRef(static_cast<int64_t>(rounded) + zp, lo, hi);
      ASSERT_EQ(quantize(x, scale, zp, bits, isSigned, mode), expected)
          << x << " / " << scale << " zp=" << zp << " bits=" << bits;
    }
  }
}

TEST(NumericsQuantize, Saturation) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float big = std::numeric_limits<float>::max();
  for (unsigned bits = 2; bits <= 16; ++bits) {
    for (bool isSigned : {true, false}) {
      int64_t lo = isSigned ? -(int64_t(1) << (bits - 1)) : 0;
      int64_t hi =
          isSigned ? (int64_t(1) << (bits - 1)) - 1 : (int64_t(1) << bits) - 1;
      for (RoundingMode mode : kAllModes) {
        EXPECT_EQ(quantize(inf, 0.1f, 0, bits, isSigned, mode), hi);
        EXPECT_EQ(quantize(-inf, 0.1f, 0, bits, isSigned, mode), lo);
        EXPECT_EQ(quantize(big, 0.1f, 0, bits, isSigned, mode), hi);
        EXPECT_EQ(quantize(-big, 0.1f, 0, bits, isSigned, mode), lo);
        EXPECT_EQ(quantize(1e30f, 1e-30f, 0, bits, isSigned, mode), hi);
        EXPECT_EQ(quantize(3e9f, 1.0f, -5, bits, isSigned, mode), hi);
        // Just past the range: hi + 1 and lo - 1 in units of scale.
        EXPECT_EQ(
            quantize(static_cast<float>(hi + 1), 1.0f, 0, bits, isSigned, mode),
            hi);
        EXPECT_EQ(
            quantize(static_cast<float>(hi), 1.0f, 0, bits, isSigned, mode),
            hi);
        EXPECT_EQ(
            quantize(static_cast<float>(lo - 1), 1.0f, 0, bits, isSigned, mode),
            lo);
        EXPECT_EQ(
            quantize(static_cast<float>(lo), 1.0f, 0, bits, isSigned, mode),
            lo);
        // NaN goes to the zero point, itself saturated.
        EXPECT_EQ(quantize(nan, 0.1f, 1, bits, isSigned, mode), 1);
        EXPECT_EQ(quantize(nan, 0.1f, hi + 7, bits, isSigned, mode), hi);
        EXPECT_EQ(quantize(nan, 0.1f, lo - 7, bits, isSigned, mode), lo);
        // A zero point outside the range saturates as well.
        EXPECT_EQ(quantize(0.0f, 0.1f, hi + 7, bits, isSigned, mode), hi);
      }
    }
  }
  // The float -> int conversion never sees out-of-range values, even with
  // extreme zero points and 63-bit ranges.
  EXPECT_EQ(quantize(inf, 1.0f, kI64Min, 63, true, RoundingMode::HalfToEven),
            maxValue(63, true));
  EXPECT_EQ(quantize(-inf, 1.0f, kI64Max, 63, true, RoundingMode::HalfToEven),
            minValue(63, true));
  EXPECT_EQ(quantize(1e19f, 1.0f, kI64Min, 63, false, RoundingMode::Floor),
            static_cast<int64_t>(1e19f - 9223372036854775808.0f));
  EXPECT_EQ(quantize(-1e19f, 1.0f, kI64Max, 63, true, RoundingMode::Floor),
            static_cast<int64_t>(static_cast<Int128>(-1e19f) + kI64Max));
  EXPECT_EQ(quantize(-1e19f, 1.0f, kI64Max, 59, true, RoundingMode::Floor),
            minValue(59, true));
  // rounded + zeroPoint beyond the int64 range saturates, it does not wrap.
  EXPECT_EQ(
      quantize(9e18f, 1.0f, int64_t(1e18), 63, true, RoundingMode::HalfToEven),
      maxValue(63, true));
  EXPECT_EQ(quantize(-9e18f, 1.0f, -int64_t(1e18), 63, true,
                     RoundingMode::HalfToEven),
            minValue(63, true));
  EXPECT_EQ(
      quantize(9e18f, 1.0f, int64_t(1e18), 63, false, RoundingMode::HalfToEven),
      kI64Max);
  // 0 / 0 is NaN: zero point. x / 0 is +-inf: saturates.
  EXPECT_EQ(quantize(0.0f, 0.0f, 5, 8, true, RoundingMode::HalfToEven), 5);
  EXPECT_EQ(quantize(1.0f, 0.0f, 5, 8, true, RoundingMode::HalfToEven), 127);
  EXPECT_EQ(quantize(-1.0f, 0.0f, 5, 8, true, RoundingMode::HalfToEven), -128);
}

TEST(NumericsQuantize, Dequantize) {
  std::mt19937_64 rng(0x5eed0009);
  std::uniform_int_distribution<int64_t> qs(-40000, 40000);
  std::uniform_real_distribution<float> scales(1e-4f, 10.0f);
  for (int i = 0; i < 20000; ++i) {
    int64_t q = qs(rng), zp = qs(rng);
    float scale = scales(rng);
    // |q - zp| < 2^24 converts exactly; one float32 rounding of the product.
    double exact = static_cast<double>(q - zp) * static_cast<double>(scale);
    EXPECT_EQ(dequantize(q, scale, zp), static_cast<float>(exact));
  }
  EXPECT_EQ(dequantize(10, 0.25f, 2), 2.0f);
  EXPECT_EQ(dequantize(-128, 0.5f, -128), 0.0f);
  EXPECT_EQ(dequantize(0, 0.5f, 3), -1.5f);
  // q - zp beyond 2^24: float32 conversion rounds to nearest even.
  EXPECT_EQ(dequantize((int64_t(1) << 24) + 1, 1.0f, 0), 16777216.0f);
  EXPECT_EQ(dequantize((int64_t(1) << 24) + 3, 1.0f, 0), 16777220.0f);
  // No wrap-around for extreme operands.
  EXPECT_EQ(dequantize(kI64Max, 1.0f, kI64Min), 18446744073709551616.0f);
}

TEST(NumericsQuantize, FakeQuantizeIdempotent) {
  std::mt19937_64 rng(0x5eed000a);
  std::uniform_real_distribution<float> xs(-50.0f, 50.0f);
  std::uniform_real_distribution<float> scales(0.01f, 1.0f);
  std::uniform_int_distribution<int64_t> zps(-10, 10);
  std::uniform_int_distribution<unsigned> bitsDist(2, 16);
  int directedMisses = 0;
  for (int i = 0; i < 50000; ++i) {
    float x = xs(rng), scale = scales(rng);
    int64_t zp = zps(rng);
    unsigned bits = bitsDist(rng);
    bool isSigned = rng() & 1;
    for (RoundingMode mode : kAllModes) {
      float once = fakeQuantize(x, scale, zp, bits, isSigned, mode);
      int64_t q = quantize(x, scale, zp, bits, isSigned, mode);
      ASSERT_EQ(once, dequantize(q, scale, zp));
      int64_t again = quantize(once, scale, zp, bits, isSigned, mode);
      if (mode == RoundingMode::Floor || mode == RoundingMode::TowardZero) {
        // fl(fl(n * s) / s) may land one float32 ulp below n, which a directed
        // mode turns into n - 1: these modes are idempotent only up to one
        // step.
        ASSERT_LE(std::llabs(again - q), 1);
        directedMisses += again != q;
        continue;
      }
      // fl(fl(n * s) / s) is within one ulp of n (< 1/2 for |n| < 2^16), so
      // a nearest mode lands on the same integer.
      ASSERT_EQ(again, q) << x << " " << scale << " " << modeName(mode);
      ASSERT_EQ(fakeQuantize(once, scale, zp, bits, isSigned, mode), once);
    }
  }
  // The directed-mode exception is real (a few percent of these inputs).
  EXPECT_GT(directedMisses, 0);
  EXPECT_LT(directedMisses, 2 * 50000 / 10);
}

TEST(NumericsQuantize, RoundTripErrorBound) {
  std::mt19937_64 rng(0x5eed000b);
  std::uniform_int_distribution<int> exps(-8, 2);
  std::uniform_real_distribution<float> scales(0.001f, 2.0f);
  for (int i = 0; i < 50000; ++i) {
    // Power-of-two scales: division and product are exact, so the error is
    // at most scale / 2.
    float pot = std::ldexp(1.0f, exps(rng));
    float lo = -128 * pot, hi = 127 * pot;
    float x = std::uniform_real_distribution<float>(lo, hi)(rng);
    for (RoundingMode mode : kNearestModes) {
      float back = dequantize(quantize(x, pot, 0, 8, true, mode), pot, 0);
      EXPECT_LE(std::fabs(static_cast<double>(back) - x), pot / 2.0)
          << x << " " << pot;
    }
    // General scales: scale / 2 plus one float32 rounding of the quotient
    // and one of the product (relative 2^-24 each).
    float scale = scales(rng);
    int64_t zp = static_cast<int64_t>(rng() % 256);
    float ulo = (0 - zp) * scale, uhi = (255 - zp) * scale;
    float y = std::uniform_real_distribution<float>(ulo, uhi)(rng);
    for (RoundingMode mode : kNearestModes) {
      float back =
          dequantize(quantize(y, scale, zp, 8, false, mode), scale, zp);
      double bound = scale / 2.0 + std::ldexp(std::fabs(y) + scale, -23);
      EXPECT_LE(std::fabs(static_cast<double>(back) - y), bound)
          << y << " " << scale << " zp=" << zp;
    }
  }
}

//===----------------------------------------------------------------------===//
// requantize.
//===----------------------------------------------------------------------===//

TEST(NumericsRequantize, RandomAgainstLongDouble) {
  std::mt19937_64 rng(0x5eed000c);
  std::uniform_int_distribution<int64_t> xs(-(1 << 19), 1 << 19);
  std::uniform_int_distribution<int64_t> zps(-200, 200);
  std::uniform_real_distribution<double> mant(1.0, 2.0);
  std::uniform_int_distribution<int> exps(-20, 6);
  for (int i = 0; i < 100000; ++i) {
    int64_t x = xs(rng), zpIn = zps(rng), zpOut = zps(rng);
    std::optional<FixedPointMultiplier> m =
        deriveFixedPointMultiplier(std::ldexp(mant(rng), exps(rng)));
    ASSERT_TRUE(m.has_value());
    int64_t lo = -(int64_t(1) << 40), hi = int64_t(1) << 40;
    if (i % 2) { // Clamp to int8 or to a ReLU-style range.
      lo = (i % 4 == 1) ? -128 : zpOut;
      hi = 127;
    }
    // (x - zpIn) * M < 2^51: exact in a 64-bit mantissa, and so is the
    // division by 2^shift.
    long double v = std::ldexp(
        static_cast<long double>(x - zpIn) * m->multiplier, -m->shift);
    for (RoundingMode mode : kAllModes) {
      int64_t expected =
          clampRef(static_cast<int64_t>(refRound(v, mode)) + zpOut, lo, hi);
      ASSERT_EQ(requantize(x, zpIn, *m, zpOut, lo, hi, mode), expected)
          << x << " zpIn=" << zpIn << " M=" << m->multiplier
          << " s=" << m->shift << " " << modeName(mode);
    }
  }
}

TEST(NumericsRequantize, TiesAndBounds) {
  // Multiplier 0.5 (2^30 * 2^-31): (x - zpIn) odd gives ties.
  const FixedPointMultiplier half{1 << 30, 31};
  EXPECT_EQ(requantize(5, 2, half, 0, -128, 127, RoundingMode::HalfToEven), 2);
  EXPECT_EQ(requantize(7, 2, half, 0, -128, 127, RoundingMode::HalfToEven), 2);
  EXPECT_EQ(requantize(7, 2, half, 0, -128, 127, RoundingMode::HalfUp), 3);
  EXPECT_EQ(requantize(-3, 2, half, 0, -128, 127, RoundingMode::HalfUp), -2);
  EXPECT_EQ(
      requantize(-3, 2, half, 0, -128, 127, RoundingMode::HalfAwayFromZero),
      -3);
  EXPECT_EQ(requantize(-3, 2, half, 10, -128, 127, RoundingMode::Floor), 7);
  EXPECT_EQ(requantize(-3, 2, half, 10, -128, 127, RoundingMode::TowardZero),
            8);
  // Clamp bounds apply after the output zero point.
  EXPECT_EQ(requantize(1000, 0, half, 0, -128, 127, RoundingMode::HalfToEven),
            127);
  EXPECT_EQ(requantize(-1000, 0, half, 0, -128, 127, RoundingMode::HalfToEven),
            -128);
  EXPECT_EQ(requantize(-10, 0, half, -20, -20, 127, RoundingMode::HalfToEven),
            -20);
  EXPECT_EQ(requantize(200, 0, half, 50, 0, 255, RoundingMode::HalfToEven),
            150);
  // Extreme operands: the exact result saturates, nothing wraps around.
  const FixedPointMultiplier one{1 << 30, 30};
  for (RoundingMode mode : kAllModes) {
    EXPECT_EQ(requantize(kI64Max, kI64Min, one, 0, kI64Min, kI64Max, mode),
              kI64Max);
    EXPECT_EQ(requantize(kI64Min, kI64Max, one, 0, kI64Min, kI64Max, mode),
              kI64Min);
    EXPECT_EQ(requantize(kI64Max, 0, one, kI64Max, kI64Min, kI64Max, mode),
              kI64Max);
    EXPECT_EQ(requantize(kI64Max, -1, half, -kI64Max, kI64Min, kI64Max, mode),
              -(kI64Max / 2)); // (2^63) / 2 - (2^63 - 1) = -(2^62 - 1).
  }
  // Consistency with applyMultiplier when nothing overflows.
  std::mt19937_64 rng(0x5eed000d);
  for (int i = 0; i < 20000; ++i) {
    int64_t x = static_cast<int64_t>(rng()) >> 20;
    int64_t zpIn = static_cast<int64_t>(rng() % 1000) - 500;
    int64_t zpOut = static_cast<int64_t>(rng() % 1000) - 500;
    FixedPointMultiplier m{static_cast<int32_t>((rng() >> 34) | (1u << 30)),
                           static_cast<int32_t>(rng() % 63)};
    for (RoundingMode mode : kAllModes) {
      int64_t direct = applyMultiplier(x - zpIn, m, mode);
      if (direct == kI64Max || direct == kI64Min)
        continue;
      ASSERT_EQ(requantize(x, zpIn, m, zpOut, kI64Min, kI64Max, mode),
                direct + zpOut);
      ASSERT_EQ(requantize(x, zpIn, m, zpOut, -128, 127, mode),
                saturate(direct + zpOut, -128, 127));
    }
  }
}

} // namespace
