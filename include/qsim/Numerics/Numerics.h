//===- Numerics.h - Integer semantics of quantization -----------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The integer semantics every qsim op, folder, lowering and reference test
// shares: rounding modes, saturation, real -> (multiplier, shift) derivation,
// quantize / dequantize / requantize of one element. Plain C++ with no MLIR or
// LLVM dependency, so the calibration code, the runtime and Python references
// can rely on exactly the same arithmetic. docs/Numerics.md is the contract in
// prose; unittests/Numerics checks it exhaustively or against references.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_NUMERICS_NUMERICS_H
#define QSIM_NUMERICS_NUMERICS_H

#include <cstdint>
#include <optional>

namespace mlir {
namespace qsim {
namespace numerics {

/// How a real value (or an exact integer quotient) is rounded to an integer.
/// The numeric values match the qsim dialect's RoundingMode enum.
enum class RoundingMode : uint32_t {
  /// Ties go to the even neighbour (IEEE default, numpy.round, ONNX).
  HalfToEven = 0,
  /// Ties go away from zero (C's round()).
  HalfAwayFromZero = 1,
  /// Ties go toward +infinity: floor(x + 0.5) (TVM's "UPWARD").
  HalfUp = 2,
  /// Truncation toward zero.
  TowardZero = 3,
  /// Toward -infinity.
  Floor = 4,
};

/// Smallest and largest value of a `bits`-wide integer (bits in [1, 63]).
int64_t minValue(unsigned bits, bool isSigned);
int64_t maxValue(unsigned bits, bool isSigned);

/// Clamps `v` into [lo, hi].
int64_t saturate(int64_t v, int64_t lo, int64_t hi);

/// Rounds a double to the nearest integer value under `mode` (the result is
/// an integral double; NaN stays NaN, infinities stay infinite).
double roundToIntegral(double x, RoundingMode mode);

/// Exact integer division by 2^shift (shift in [0, 63]) rounded under `mode`.
/// For shift == 0 returns x.
int64_t roundingRightShift(int64_t x, unsigned shift, RoundingMode mode);

/// A positive real factor represented as multiplier * 2^-shift.
/// Normal form from deriveFixedPointMultiplier: multiplier in [2^30, 2^31),
/// shift in [0, 62]. Power-of-two form: multiplier a power of two (1 for
/// right shifts), which lowers to a plain shift.
struct FixedPointMultiplier {
  int32_t multiplier = 1;
  int32_t shift = 0;
  bool operator==(const FixedPointMultiplier &o) const {
    return multiplier == o.multiplier && shift == o.shift;
  }
};

/// Derives the Q31 fixed-point form of a positive finite real factor:
/// real = q * 2^e with q in [0.5, 1) (frexp), multiplier = round-half-away(
/// q * 2^31) (renormalised to 2^30 with e+1 when it reaches 2^31), shift =
/// 31 - e. Returns std::nullopt when real is not positive and finite or when
/// the shift would leave [0, 62] (real >= 2^31 - 2^-1 or real < 2^-32 - 2^-64,
/// the renormalisation included).
std::optional<FixedPointMultiplier> deriveFixedPointMultiplier(double real);

/// If `real` is exactly 2^k (k in [-62, 30]) returns the power-of-two form:
/// k <= 0: multiplier 1, shift -k; k > 0: multiplier 2^k, shift 0.
std::optional<FixedPointMultiplier> derivePowerOfTwoMultiplier(double real);

/// True iff `x` is a positive finite exact power of two; stores its exponent.
bool isPowerOfTwo(double x, int *exponent = nullptr);

/// True iff `scale` can be the scale of a quantization point: a positive
/// normal f32 whose 2^16-fold (the largest integer grid) is still finite, so
/// that neither x / scale nor q * scale turn a finite value into inf or 0
/// for lack of exponent range.
bool isUsableScale(double scale);

/// round((x * m.multiplier) / 2^m.shift) computed exactly in 128-bit
/// arithmetic, then saturated to the int64 range.
int64_t applyMultiplier(int64_t x, FixedPointMultiplier m, RoundingMode mode);

/// Quantization of one real: q = saturate(round(x / scale) + zeroPoint) to the
/// range of a bits-wide integer. `x / scale` is an IEEE float32 division (as
/// in ONNX QuantizeLinear); NaN quantizes to zeroPoint (saturated); +-inf
/// saturate.
int64_t quantize(float x, float scale, int64_t zeroPoint, unsigned bits,
                 bool isSigned, RoundingMode mode);

/// Dequantization: float32((q - zeroPoint)) * scale in float32.
float dequantize(int64_t q, float scale, int64_t zeroPoint);

/// Simulated quantization: dequantize(quantize(x)).
float fakeQuantize(float x, float scale, int64_t zeroPoint, unsigned bits,
                   bool isSigned, RoundingMode mode);

/// Requantization of one integer:
///   saturate(applyMultiplier(x - inZeroPoint, m, mode) + outZeroPoint,
///            lo, hi).
int64_t requantize(int64_t x, int64_t inZeroPoint, FixedPointMultiplier m,
                   int64_t outZeroPoint, int64_t lo, int64_t hi,
                   RoundingMode mode);

} // namespace numerics
} // namespace qsim
} // namespace mlir

#endif // QSIM_NUMERICS_NUMERICS_H
