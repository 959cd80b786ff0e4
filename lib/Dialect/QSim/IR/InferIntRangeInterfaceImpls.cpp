//===- InferIntRangeInterfaceImpls.cpp - ranges of qsim results -----------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The integer-range rules of the realize-stage ops (as upstream's arith ops
// have theirs): for tensors, the bounds of the elements. Analyses walk them
// through InferIntRangeInterface (qsim/Analysis/ElementRanges.h), so the
// lowering and the kernels share one set of rules. Every bound is sound for
// every rounding mode.
//
//===----------------------------------------------------------------------===//

#include "qsim/Dialect/QSim/IR/QSimOps.h"

#include "qsim/Numerics/Numerics.h"

#include "mlir/Interfaces/Utils/InferIntRangeCommon.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::qsim;
namespace nm = qsim::numerics;

static unsigned getElementWidth(Value v) {
  return cast<ShapedType>(v.getType()).getElementTypeBitWidth();
}

/// The range [lo, hi] (int64 values in the signedness of the type) as
/// ranges of `bits`-bit integers.
static ConstantIntRanges getRange(unsigned bits, int64_t lo, int64_t hi,
                                  bool isUnsigned) {
  if (isUnsigned)
    return ConstantIntRanges::fromUnsigned(APInt(bits, lo), APInt(bits, hi));
  return ConstantIntRanges::fromSigned(APInt(bits, lo, /*isSigned=*/true),
                                       APInt(bits, hi, /*isSigned=*/true));
}

/// The signed bounds of a range of at most 64 bits.
static std::pair<int64_t, int64_t> getSignedBounds(const ConstantIntRanges &r) {
  return {r.smin().getSExtValue(), r.smax().getSExtValue()};
}

//===----------------------------------------------------------------------===//
// RequantizeOp
//===----------------------------------------------------------------------===//

void RequantizeOp::inferResultRanges(ArrayRef<ConstantIntRanges> argRanges,
                                     SetIntRangeFn setResultRange) {
  unsigned outBits = getElementWidth(getResult());
  int64_t lo = getLowerBound(), hi = getUpperBound();
  // |x - zp_in| for the input's range, read with the op's signedness (the
  // verifier keeps the input within 32 bits).
  const ConstantIntRanges &in = argRanges[0];
  int64_t xLo = getInputUnsigned() ? int64_t(in.umin().getZExtValue())
                                   : in.smin().getSExtValue();
  int64_t xHi = getInputUnsigned() ? int64_t(in.umax().getZExtValue())
                                   : in.smax().getSExtValue();
  int64_t zp = getInputZeroPoint();
  int64_t maxX = std::max(std::abs(xLo - zp), std::abs(xHi - zp));
  // |round((x - zp_in) * m / 2^s)| <= floor(|x - zp_in| * m / 2^s) + 1 in
  // every rounding mode (m > 0 and s in [0, 63] by the verifier).
  std::optional<int64_t> ratio;
  if (maxX <= (int64_t(1) << 33)) {
    ratio = 0;
    for (auto [m, s] : llvm::zip_equal(getMultiplier(), getShift())) {
      unsigned __int128 p = (unsigned __int128)maxX * uint32_t(m);
      if (s > 62 || (p >> s) >= (unsigned __int128)(int64_t(1) << 62)) {
        ratio = std::nullopt;
        break;
      }
      ratio = std::max<int64_t>(*ratio, int64_t(p >> s) + 1);
    }
  }
  if (ratio) {
    // Before the clamp the result is within b = ratio + |zp_out| of 0. (A
    // bound about zp_out would be tighter on one side; this symmetric one
    // is the magnitude --convert-qsim-to-linalg's 32-bit forms check.)
    int64_t b = *ratio + std::abs(static_cast<int64_t>(getOutputZeroPoint()));
    int64_t clampedLo = std::clamp(-b, lo, hi);
    int64_t clampedHi = std::clamp(b, lo, hi);
    lo = clampedLo;
    hi = clampedHi;
  }
  setResultRange(getResult(), getRange(outBits, lo, hi, getOutputUnsigned()));
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

void CastOp::inferResultRanges(ArrayRef<ConstantIntRanges> argRanges,
                               SetIntRangeFn setResultRange) {
  unsigned inBits = getElementWidth(getInput());
  unsigned outBits = getElementWidth(getResult());
  const ConstantIntRanges &in = argRanges[0];
  // Widening reads the input with the op's signedness (the same width is
  // the identity).
  if (isWidening()) {
    if (inBits == outBits)
      return setResultRange(getResult(), in);
    return setResultRange(getResult(), getIsUnsigned()
                                           ? intrange::extUIRange(in, outBits)
                                           : intrange::extSIRange(in, outBits));
  }
  // Narrowing reads the input as signed and saturates to the destination's
  // range.
  if (inBits > 64)
    return setResultRange(getResult(), ConstantIntRanges::maxRange(outBits));
  bool isUnsigned = getIsUnsigned();
  int64_t lo = nm::minValue(outBits, !isUnsigned);
  int64_t hi = nm::maxValue(outBits, !isUnsigned);
  auto [xLo, xHi] = getSignedBounds(in);
  setResultRange(getResult(), getRange(outBits, std::clamp(xLo, lo, hi),
                                       std::clamp(xHi, lo, hi), isUnsigned));
}

//===----------------------------------------------------------------------===//
// AddOp / MulOp
//===----------------------------------------------------------------------===//

/// The range of a scaled binary op: its exact result for operands in
/// [a0, a1] x [b0, b1] lies in the hull of `combine` over the corners, per
/// channel (`combine` is monotone in each operand), saturated to the signed
/// range of the result type. Results wider than 32 bits (whose 64-bit
/// arithmetic could wrap) get the full range.
template <typename OpTy, typename Fn>
static void inferScaledBinary(OpTy op, ArrayRef<ConstantIntRanges> argRanges,
                              SetIntRangeFn setResultRange, size_t channels,
                              Fn combine) {
  unsigned bits = getElementWidth(op.getResult());
  auto full = [&] {
    setResultRange(op.getResult(), ConstantIntRanges::maxRange(bits));
  };
  if (bits > 32)
    return full();
  auto [a0, a1] = getSignedBounds(argRanges[0]);
  auto [b0, b1] = getSignedBounds(argRanges[1]);
  __int128 lo = 0, hi = 0;
  for (size_t c = 0; c < channels; ++c) {
    std::array<__int128, 4> corners = {combine(a0, b0, c), combine(a0, b1, c),
                                       combine(a1, b0, c), combine(a1, b1, c)};
    __int128 cLo = *llvm::min_element(corners);
    __int128 cHi = *llvm::max_element(corners);
    lo = c == 0 ? cLo : std::min(lo, cLo);
    hi = c == 0 ? cHi : std::max(hi, cHi);
  }
  int64_t tLo = nm::minValue(bits, /*isSigned=*/true);
  int64_t tHi = nm::maxValue(bits, /*isSigned=*/true);
  setResultRange(op.getResult(),
                 getRange(bits, int64_t(std::clamp<__int128>(lo, tLo, tHi)),
                          int64_t(std::clamp<__int128>(hi, tLo, tHi)),
                          /*isUnsigned=*/false));
}

void AddOp::inferResultRanges(ArrayRef<ConstantIntRanges> argRanges,
                              SetIntRangeFn setResultRange) {
  // Each operand is shifted left exactly to the result scale, per channel
  // (by at most 31: the verifier).
  inferScaledBinary(
      *this, argRanges, setResultRange, getNumScaleChannels(),
      [&](int64_t a, int64_t b, size_t c) -> __int128 {
        return __int128(a) * (__int128(1) << getOperandShift(0, c)) +
               __int128(b) * (__int128(1) << getOperandShift(1, c));
      });
}

void MulOp::inferResultRanges(ArrayRef<ConstantIntRanges> argRanges,
                              SetIntRangeFn setResultRange) {
  inferScaledBinary(
      *this, argRanges, setResultRange, /*channels=*/1,
      [](int64_t a, int64_t b, size_t) -> __int128 { return __int128(a) * b; });
}
