//===- QSimToLinalg.cpp - qsim ops to linalg.generic ----------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Lowers every qsim op to an elementwise linalg.generic on tensors whose body
// (arith/math on scalars) computes the integer contract of docs/Numerics.md.
// The folders in QSimOps.cpp evaluate the same contract through the
// QSimNumerics library, so a folded constant and the lowered code agree bit
// for bit; the lit tests check this for every op and rounding mode.
//
// Ranges that make the integer arithmetic safe (all guaranteed by the op
// verifiers):
//   * quantize/dequantize/sim_quantize: at most 16 bits, so q, zp and q - zp
//     fit an i32 and are exact in f32.
//   * requantize: input and output at most 32 bits and 0 < multiplier < 2^31,
//     so |(x - zp_in) * multiplier| < 2^32 * 2^31 = 2^63 fits an i64.
//   * add/mul: computed in i64 like the folders; for element types of at
//     most 32 bits (the realize pass's i8/i32) nothing overflows: shifted
//     operands stay below 2^62, products below 2^62. i64 elements wrap here
//     (the folders' int64 arithmetic overflows too); wider ones are
//     rejected.
//
//===----------------------------------------------------------------------===//

#include "qsim/Conversion/QSimToLinalg/QSimToLinalg.h"

#include "llvm/ADT/bit.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"
#include "qsim/Analysis/ElementRanges.h"
#include "qsim/Dialect/QSim/IR/QSimOps.h"
#include "qsim/Numerics/Numerics.h"

#include <cmath>

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_CONVERTQSIMTOLINALG
#include "qsim/Conversion/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;
namespace nm = mlir::qsim::numerics;

//===----------------------------------------------------------------------===//
// Building one elementwise linalg.generic
//===----------------------------------------------------------------------===//

namespace {

/// A per-channel scalar of a generic body: a constant in the body when every
/// channel has the same value, else an extra 1-D constant input of the
/// generic read through the map `(d0, ..., dn) -> (d_axis)`.
struct ChannelParam {
  TypedAttr uniform;
  unsigned argIndex = 0;

  /// Materializes the value inside the body (call once per body).
  Value get(ImplicitLocOpBuilder &b, ValueRange args) const {
    if (uniform)
      return arith::ConstantOp::create(b, uniform);
    return args[argIndex];
  }
};

/// Collects the operands and indexing maps of an elementwise linalg.generic
/// over the shape of `resultType` and creates it.
class ElementwiseGeneric {
public:
  ElementwiseGeneric(OpBuilder &builder, Location loc,
                     RankedTensorType resultType, std::optional<int64_t> axis)
      : builder(builder), loc(loc), resultType(resultType), axis(axis) {}

  /// Adds a tensor read through `map` (identity if null); returns the index
  /// of its block argument.
  unsigned addInput(Value tensor, AffineMap map = {}) {
    if (!map)
      map = builder.getMultiDimIdentityMap(resultType.getRank());
    inputs.push_back(tensor);
    maps.push_back(map);
    return inputs.size() - 1;
  }

  /// Adds a channel parameter from one value per channel (or a single value
  /// for the whole tensor).
  ChannelParam addChannelParam(ArrayRef<TypedAttr> values) {
    assert(!values.empty() && "a parameter needs at least one value");
    ChannelParam param;
    if (llvm::all_equal(values)) {
      param.uniform = values.front();
      return param;
    }
    assert(axis && "per-channel values need an axis");
    Type elemTy = values.front().getType();
    auto tableTy =
        RankedTensorType::get({static_cast<int64_t>(values.size())}, elemTy);
    SmallVector<Attribute> elems(values.begin(), values.end());
    Value table = arith::ConstantOp::create(
        builder, loc, DenseElementsAttr::get(tableTy, elems));
    MLIRContext *ctx = builder.getContext();
    param.argIndex =
        addInput(table, AffineMap::get(resultType.getRank(), 0,
                                       getAffineDimExpr(*axis, ctx), ctx));
    return param;
  }

  /// Creates the generic; dynamic result sizes are read from `shapeSource`.
  /// `body` computes the result element from the block arguments (inputs
  /// in the order they were added).
  Value create(Value shapeSource,
               function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> body) {
    SmallVector<Value> dynSizes;
    for (int64_t d = 0, e = resultType.getRank(); d < e; ++d)
      if (resultType.isDynamicDim(d))
        dynSizes.push_back(tensor::DimOp::create(builder, loc, shapeSource, d));
    Value init = tensor::EmptyOp::create(builder, loc, resultType.getShape(),
                                         resultType.getElementType(), dynSizes);
    SmallVector<AffineMap> allMaps(maps);
    allMaps.push_back(builder.getMultiDimIdentityMap(resultType.getRank()));
    SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        builder, loc, TypeRange{resultType}, inputs, ValueRange{init}, allMaps,
        iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
          ImplicitLocOpBuilder b(nestedLoc, nested);
          Value result = body(b, args.drop_back());
          linalg::YieldOp::create(b, result);
        });
    return generic.getResult(0);
  }

private:
  OpBuilder &builder;
  Location loc;
  RankedTensorType resultType;
  std::optional<int64_t> axis;
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
};

} // namespace

//===----------------------------------------------------------------------===//
// Scalar helpers
//===----------------------------------------------------------------------===//

static TypedAttr f32Attr(OpBuilder &b, float v) { return b.getF32FloatAttr(v); }

static TypedAttr intAttr(OpBuilder &b, Type type, int64_t v) {
  return b.getIntegerAttr(type, v);
}

static Value constF32(ImplicitLocOpBuilder &b, float v) {
  return arith::ConstantOp::create(b, f32Attr(b, v));
}

static Value constInt(ImplicitLocOpBuilder &b, Type type, int64_t v) {
  return arith::ConstantOp::create(b, intAttr(b, type, v));
}

/// Converts a float to another float type with round-to-nearest-even, as
/// APFloat::convert does in the folders.
static Value convertFloat(ImplicitLocOpBuilder &b, Value v, Type to) {
  auto from = cast<FloatType>(v.getType());
  auto toTy = cast<FloatType>(to);
  if (from == toTy)
    return v;
  if (from.getWidth() < toTy.getWidth())
    return arith::ExtFOp::create(b, toTy, v);
  if (from.getWidth() > toTy.getWidth())
    return arith::TruncFOp::create(b, toTy, v);
  // Same width, different formats (f16 <-> bf16): f32 holds both exactly.
  Value wide = arith::ExtFOp::create(b, b.getF32Type(), v);
  return arith::TruncFOp::create(b, toTy, wide);
}

/// Extends (or keeps) an integer to `to` with the given signedness.
static Value extendInt(ImplicitLocOpBuilder &b, Value v, Type to,
                       bool isUnsigned) {
  if (v.getType() == to)
    return v;
  if (isUnsigned)
    return arith::ExtUIOp::create(b, to, v);
  return arith::ExtSIOp::create(b, to, v);
}

/// Truncates (or keeps) an integer to `to`.
static Value truncInt(ImplicitLocOpBuilder &b, Value v, Type to) {
  if (v.getType() == to)
    return v;
  return arith::TruncIOp::create(b, to, v);
}

/// Rounds an f32 to an integral f32 under `mode` (numerics::roundToIntegral).
static Value roundToIntegral(ImplicitLocOpBuilder &b, Value r,
                             RoundingMode mode) {
  switch (mode) {
  case RoundingMode::HalfToEven:
    return math::RoundEvenOp::create(b, r);
  case RoundingMode::HalfAwayFromZero:
    return math::RoundOp::create(b, r);
  case RoundingMode::TowardZero:
    return math::TruncOp::create(b, r);
  case RoundingMode::Floor:
    return math::FloorOp::create(b, r);
  case RoundingMode::HalfUp: {
    // floor(r + 0.5) would round 0.49999997 up (the sum rounds to 1), so the
    // fraction is tested instead. r - floor(r) is exact (Sterbenz) except
    // for -1/2 < r < 0, where the exact fraction exceeds 1/2 and a rounded
    // one still compares >= 1/2. NaN and infinities give a NaN fraction: no
    // increment, and the caller handles them.
    Value f = math::FloorOp::create(b, r);
    Value frac = arith::SubFOp::create(b, r, f);
    Value up = arith::CmpFOp::create(b, arith::CmpFPredicate::OGE, frac,
                                     constF32(b, 0.5f));
    Value next = arith::AddFOp::create(b, f, constF32(b, 1.0f));
    return arith::SelectOp::create(b, up, next, f);
  }
  }
  llvm_unreachable("unknown rounding mode");
}

//===----------------------------------------------------------------------===//
// Quantize / dequantize / sim_quantize
//===----------------------------------------------------------------------===//

namespace {
/// Channel parameters of a quantize-like body.
struct QuantParamsInBody {
  ChannelParam scale;   // f32
  ChannelParam zp;      // i32, only with nonzero zero points
  ChannelParam lowest;  // f32: qmin - zp, only for quantization
  ChannelParam highest; // f32: qmax - zp, only for quantization
  bool hasZeroPoint = false;
};
} // namespace

/// Adds the scale and zero point of every channel, and with `quantizing`
/// the clamp bounds of the rounded quotient.
static QuantParamsInBody addQuantParams(ElementwiseGeneric &generic,
                                        OpBuilder &b, QuantParamsAttr p,
                                        bool quantizing) {
  size_t n = p.getNumScales();
  int64_t qmin = p.getQMin(), qmax = p.getQMax();
  SmallVector<TypedAttr> scales, zps, lows, highs;
  for (size_t c = 0; c < n; ++c) {
    int64_t zp = p.getZeroPoint(c);
    scales.push_back(f32Attr(b, p.getScale(c)));
    zps.push_back(intAttr(b, b.getI32Type(), zp));
    // At most 17-bit magnitudes: exact in f32.
    lows.push_back(f32Attr(b, static_cast<float>(qmin - zp)));
    highs.push_back(f32Attr(b, static_cast<float>(qmax - zp)));
  }
  QuantParamsInBody result;
  result.hasZeroPoint = p.hasZeroPoints();
  result.scale = generic.addChannelParam(scales);
  if (result.hasZeroPoint)
    result.zp = generic.addChannelParam(zps);
  if (quantizing) {
    result.lowest = generic.addChannelParam(lows);
    result.highest = generic.addChannelParam(highs);
  }
  return result;
}

/// q - zp of numerics::quantize as an i32: the f32 quotient x / scale is
/// rounded, clamped in float to [qmin - zp, qmax - zp] (so the conversion is
/// exact and never out of range) and converted; NaN gives 0 (q = zp).
static Value emitQuantizeOffset(ImplicitLocOpBuilder &b, Value x, Value scale,
                                Value lowest, Value highest,
                                RoundingMode mode) {
  Value xf = convertFloat(b, x, b.getF32Type());
  Value r = arith::DivFOp::create(b, xf, scale);
  Value rounded = roundToIntegral(b, r, mode);
  Value clamped = arith::MinimumFOp::create(
      b, arith::MaximumFOp::create(b, rounded, lowest), highest);
  Value isNan = arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, r, r);
  Value safe = arith::SelectOp::create(b, isNan, constF32(b, 0.0f), clamped);
  return arith::FPToSIOp::create(b, b.getI32Type(), safe);
}

/// f32(offset) * scale converted to `resultType` (numerics::dequantize with
/// offset = q - zp, exact in f32).
static Value emitDequantizeOffset(ImplicitLocOpBuilder &b, Value offset,
                                  Value scale, Type resultType) {
  Value f = arith::SIToFPOp::create(b, b.getF32Type(), offset);
  Value product = arith::MulFOp::create(b, f, scale);
  return convertFloat(b, product, resultType);
}

namespace {
struct QuantizeOpConversion : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QuantParamsAttr p = op.getParams();
    auto resultType = cast<RankedTensorType>(op.getType());
    RoundingMode mode = op.getRounding();
    ElementwiseGeneric generic(rewriter, op.getLoc(), resultType, p.getAxis());
    unsigned in = generic.addInput(adaptor.getInput());
    QuantParamsInBody params =
        addQuantParams(generic, rewriter, p, /*quantizing=*/true);
    Type elemTy = resultType.getElementType();
    Value result = generic.create(
        adaptor.getInput(), [&](ImplicitLocOpBuilder &b, ValueRange args) {
          Value offset = emitQuantizeOffset(
              b, args[in], params.scale.get(b, args),
              params.lowest.get(b, args), params.highest.get(b, args), mode);
          // offset + zp is in [qmin, qmax] by the clamp: no saturation.
          Value q =
              params.hasZeroPoint
                  ? arith::AddIOp::create(b, offset, params.zp.get(b, args))
                  : offset;
          return truncInt(b, q, elemTy);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DequantizeOpConversion : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QuantParamsAttr p = op.getParams();
    auto resultType = cast<RankedTensorType>(op.getType());
    ElementwiseGeneric generic(rewriter, op.getLoc(), resultType, p.getAxis());
    unsigned in = generic.addInput(adaptor.getInput());
    QuantParamsInBody params =
        addQuantParams(generic, rewriter, p, /*quantizing=*/false);
    Type elemTy = resultType.getElementType();
    bool isUnsigned = !p.getIsSigned();
    Value result = generic.create(
        adaptor.getInput(), [&](ImplicitLocOpBuilder &b, ValueRange args) {
          // q and zp have at most 16 bits: q - zp fits an i32.
          Value q = extendInt(b, args[in], b.getI32Type(), isUnsigned);
          Value offset =
              params.hasZeroPoint
                  ? arith::SubIOp::create(b, q, params.zp.get(b, args))
                  : q;
          return emitDequantizeOffset(b, offset, params.scale.get(b, args),
                                      elemTy);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SimQuantizeOpConversion : OpConversionPattern<SimQuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SimQuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QuantParamsAttr p = op.getParams();
    auto resultType = cast<RankedTensorType>(op.getType());
    RoundingMode mode = op.getRounding();
    ElementwiseGeneric generic(rewriter, op.getLoc(), resultType, p.getAxis());
    unsigned in = generic.addInput(adaptor.getInput());
    QuantParamsInBody params =
        addQuantParams(generic, rewriter, p, /*quantizing=*/true);
    Type elemTy = resultType.getElementType();
    Value result = generic.create(
        adaptor.getInput(), [&](ImplicitLocOpBuilder &b, ValueRange args) {
          // dequantize(quantize(x)) only needs q - zp, which the quantize
          // computes before adding the zero point. Going through the integer
          // also turns a rounded -0.0 into +0.0, as in the folder.
          Value scale = params.scale.get(b, args);
          Value offset =
              emitQuantizeOffset(b, args[in], scale, params.lowest.get(b, args),
                                 params.highest.get(b, args), mode);
          return emitDequantizeOffset(b, offset, scale, elemTy);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Requantize
//===----------------------------------------------------------------------===//

namespace {
/// The shift of a requantize and the constants its rounding needs, as
/// values of the body: 2^shift - 1 (the remainder mask), the tie 2^(shift-1)
/// and the tie minus one (0 and all ones for shift 0).
struct ShiftValues {
  Value shift, mask, half, halfMinusOne, halfOrOne;
};
} // namespace

/// Materializes the shift values in the body: constants when the shift is
/// uniform, else derived from the channel's shift (the shifts are unsigned
/// in [0, 63], so 1 << 63 is the bit pattern 2^63).
static ShiftValues getShiftValues(ImplicitLocOpBuilder &b,
                                  const ChannelParam &shift, ValueRange args,
                                  bool extendFromI32 = false) {
  Type i64 = b.getI64Type();
  ShiftValues v;
  v.shift = shift.get(b, args);
  if (!shift.uniform && extendFromI32)
    v.shift = arith::ExtUIOp::create(b, i64, v.shift);
  if (shift.uniform) {
    uint64_t pow = uint64_t(1) << cast<IntegerAttr>(shift.uniform).getInt();
    v.mask = constInt(b, i64, static_cast<int64_t>(pow - 1));
    v.half = constInt(b, i64, static_cast<int64_t>(pow >> 1));
    v.halfMinusOne = constInt(b, i64, static_cast<int64_t>((pow >> 1) - 1));
    v.halfOrOne = (pow >> 1) != 0
                      ? v.half
                      : constInt(b, i64, static_cast<int64_t>((pow + 1) >> 1));
    return v;
  }
  Value one = constInt(b, i64, 1);
  Value pow = arith::ShLIOp::create(b, one, v.shift);
  v.mask = arith::SubIOp::create(b, pow, one);
  v.half = arith::ShRUIOp::create(b, pow, one);
  v.halfMinusOne = arith::SubIOp::create(b, v.half, one);
  v.halfOrOne =
      arith::ShRUIOp::create(b, arith::AddIOp::create(b, pow, one), one);
  return v;
}

/// round(p / 2^shift) under `mode` for an i64 p, exact for every shift in
/// [0, 63] (numerics::roundingRightShift). With the floor quotient
/// q = p >> shift and the remainder r = p & (2^shift - 1) in [0, 2^shift),
/// the result is q or q + 1. The remainder reaches the tie when
/// r >= 2^(shift-1); for shift 0 (r = 0, half = 0) that test must fail, so
/// it is written `r >u half - 1` (half - 1 is all ones then).
static Value emitRoundingShift(ImplicitLocOpBuilder &b, Value p,
                               const ShiftValues &s, RoundingMode mode) {
  Type i64 = b.getI64Type();
  Value q = arith::ShRSIOp::create(b, p, s.shift);
  if (mode == RoundingMode::Floor)
    return q;
  Value r = arith::AndIOp::create(b, p, s.mask);
  Value up;
  switch (mode) {
  case RoundingMode::Floor:
    llvm_unreachable("handled above");
  case RoundingMode::TowardZero: {
    Value zero = constInt(b, i64, 0);
    Value negative =
        arith::CmpIOp::create(b, arith::CmpIPredicate::slt, p, zero);
    Value inexact = arith::CmpIOp::create(b, arith::CmpIPredicate::ne, r, zero);
    up = arith::AndIOp::create(b, negative, inexact);
    break;
  }
  case RoundingMode::HalfUp:
    // r >= 2^(shift-1), written r >u half - 1 (never true for shift 0).
    up = arith::CmpIOp::create(b, arith::CmpIPredicate::ugt, r, s.halfMinusOne);
    break;
  case RoundingMode::HalfAwayFromZero:
  case RoundingMode::HalfToEven: {
    // Up when r + t > 2^(shift-1), where t (0 or 1) says whether a tie
    // goes up (q odd, or p non-negative): r > half always goes up, r = half
    // goes up with t, r < half never (r + t <= half). For shift 0 the bound
    // is 1 and r = 0, so never. r + t <= 2^63 as unsigned: no overflow.
    // Six ops instead of ten; the same bits (bitexact-requantize.mlir).
    Value t;
    if (mode == RoundingMode::HalfAwayFromZero) {
      Value zero = constInt(b, i64, 0);
      t = arith::ExtUIOp::create(
          b, i64,
          arith::CmpIOp::create(b, arith::CmpIPredicate::sge, p, zero));
    } else {
      t = arith::AndIOp::create(b, q, constInt(b, i64, 1));
    }
    up = arith::CmpIOp::create(b, arith::CmpIPredicate::ugt,
                               arith::AddIOp::create(b, r, t), s.halfOrOne);
    break;
  }
  }
  // |q| <= 2^62 whenever shift >= 1, so q + 1 cannot overflow.
  return arith::AddIOp::create(b, q, arith::ExtUIOp::create(b, i64, up));
}

/// The largest |x - zero_point| of a requantize input of type `inType`.
static int64_t maxInputMagnitude(IntegerType inType, bool isUnsigned,
                                 int64_t zeroPoint) {
  unsigned bits = inType.getWidth();
  int64_t lo = isUnsigned ? 0 : -(int64_t(1) << (bits - 1));
  int64_t hi = isUnsigned ? (int64_t(1) << bits) - 1
                          : (int64_t(1) << (bits - 1)) - 1;
  return std::max(std::abs(lo - zeroPoint), std::abs(hi - zeroPoint));
}

/// For a requantize whose input has at most 16 bits, the per-channel split
/// (mh, ml) = (m >> s, m mod 2^s) of the multiplier when the 32-bit form is
/// exact (see its use); every shift is 0 or every shift is in [1, 30].
static std::optional<SmallVector<std::pair<int64_t, int64_t>>>
getSmallInputSplit(RequantizeOp op, IntegerType inType) {
  if (!inType || inType.getWidth() > 16 ||
      op.getRounding() == RoundingMode::TowardZero)
    return std::nullopt;
  auto resultType = cast<RankedTensorType>(op.getType());
  if (resultType.getElementTypeBitWidth() > 32 ||
      static_cast<int64_t>(op.getLowerBound()) < INT32_MIN ||
      static_cast<int64_t>(op.getUpperBound()) > INT32_MAX)
    return std::nullopt;
  int64_t outZp = static_cast<int64_t>(op.getOutputZeroPoint());
  if (std::abs(outZp) >= (int64_t(1) << 16))
    return std::nullopt;
  int64_t maxX = maxInputMagnitude(inType, op.getInputUnsigned(),
                                   op.getInputZeroPoint());
  ArrayRef<int32_t> shifts = op.getShift();
  bool shifted = shifts.front() != 0;
  constexpr int64_t limit = int64_t(1) << 31;
  SmallVector<std::pair<int64_t, int64_t>> parts;
  for (auto [m, s] : llvm::zip_equal(op.getMultiplier(), shifts)) {
    if (m < 0 || (s != 0) != shifted || s < 0 || s > 30)
      return std::nullopt;
    int64_t mh = int64_t(m) >> s, ml = int64_t(m) & ((int64_t(1) << s) - 1);
    // |x| * mh + |x| * ml / 2^s + 1 (rounding) + |zp_out| for the result,
    // |x| * ml + 2^s for the low part with its rounding constant.
    if (maxX * mh + ((maxX * ml) >> s) + 1 + std::abs(outZp) >= limit ||
        maxX * ml + (int64_t(1) << s) >= limit)
      return std::nullopt;
    parts.push_back({mh, ml});
  }
  return parts;
}

/// An upper bound of |v| for an operand of qsim.add or qsim.mul (signed):
/// the element range of the shared analysis where `v` is the result of a
/// qsim.requantize (its clamp bounds, and its input's range times its
/// largest ratio) or of a qsim.cast, with that op's input anywhere in its
/// type's range; the type's range otherwise. At most 2^31 for types up to 32
/// bits. (A deeper walk would tighten some bounds and so change the emitted
/// code; these are the bounds the 32-bit forms were checked with.)
static int64_t maxMagnitude(Value v) {
  unsigned bits = cast<RankedTensorType>(v.getType()).getElementTypeBitWidth();
  if (bits > 32)
    return int64_t(1) << 62;
  ElementRanges ranges({/*maxDepth=*/0, [](Operation *op) {
                          return isa<RequantizeOp, CastOp>(op);
                        }});
  return getMaxMagnitude(*ranges.get(v));
}

/// An upper bound of |acc| for the i32 accumulator of a TOSA convolution,
/// depthwise convolution or matmul whose weights (and bias) are constants,
/// from the shared analysis: its filters' weight sums times the input's
/// bound as maxMagnitude gives it (2^31 when there is no smaller bound).
static int64_t accumulatorMagnitude(Value v) {
  ElementRanges ranges({/*maxDepth=*/1, [](Operation *op) {
                          return isa<tosa::Conv2DOp, tosa::DepthwiseConv2DOp,
                                     tosa::MatMulOp, RequantizeOp, CastOp>(op);
                        }});
  return getMaxMagnitude(*ranges.get(v));
}

/// Whether no input of magnitude at most `maxX` makes x * m an exact tie,
/// (2k + 1) * 2^(shift-1), on any channel: the round-to-nearest modes then
/// agree. With m = m' * 2^t (m' odd), a tie needs x to be an odd multiple
/// of 2^(shift-1-t) (t >= shift never ties), so |x| < 2^(shift-1-t) rules
/// it out. `tighter`, asked at most once and only for a channel that
/// `maxX` does not settle, may give a smaller bound.
static bool tiesImpossible(ArrayRef<int32_t> multipliers,
                           ArrayRef<int32_t> shifts, int64_t maxX,
                           function_ref<std::optional<int64_t>()> tighter) {
  std::optional<std::optional<int64_t>> bound;
  return llvm::all_of(llvm::zip_equal(multipliers, shifts), [&](auto ms) {
    auto [m, sh] = ms;
    int t = llvm::countr_zero(static_cast<uint32_t>(m));
    if (m == 0 || t >= sh)
      return true;
    int64_t tie = int64_t(1) << (sh - 1 - t); // shift <= 63
    if (maxX < tie)
      return true;
    if (!bound)
      bound = tighter();
    return *bound && **bound < tie;
  });
}

/// The tail of a requantize: + zp_out, clamp to [lo, hi], narrowing to the
/// output type; in the type of `x` (i32 or i64), which holds all of them.
static Value emitOutputZeroPointAndClamp(ImplicitLocOpBuilder &b, Value x,
                                         int64_t outZp, int64_t lo, int64_t hi,
                                         Type elemTy) {
  Type type = x.getType();
  if (outZp != 0)
    x = arith::AddIOp::create(b, x, constInt(b, type, outZp));
  x = arith::MaxSIOp::create(b, x, constInt(b, type, lo));
  x = arith::MinSIOp::create(b, x, constInt(b, type, hi));
  return truncInt(b, x, elemTy);
}

/// The element type of a requantize's (converted) input, when an integer.
static IntegerType getInputElementType(Value input) {
  return dyn_cast<IntegerType>(
      cast<RankedTensorType>(input.getType()).getElementType());
}

/// One i32 attribute per channel. The per-channel tables of every form hold
/// i32 (multipliers and shifts both fit): in the i64 form the multiplier is
/// sign-extended in the body, which tells LLVM that the i64 product is a
/// 32 x 32 -> 64 one (one pmuldq on x86 rather than a full 64-bit multiply).
static SmallVector<TypedAttr> getI32Attrs(OpBuilder &b,
                                          ArrayRef<int32_t> values) {
  return llvm::map_to_vector(
      values, [&](int32_t v) { return intAttr(b, b.getI32Type(), v); });
}

/// x - zp_in, widened to `type` (exact in both the 32- and 64-bit forms).
static Value emitCenteredInput(ImplicitLocOpBuilder &b, RequantizeOp op,
                               Value x, Type type) {
  x = extendInt(b, x, type, op.getInputUnsigned());
  int64_t inZp = op.getInputZeroPoint();
  if (inZp != 0)
    x = arith::SubIOp::create(b, x, constInt(b, type, inZp));
  return x;
}

/// The rounding mode whose code a 32-bit form emits: the round-to-nearest
/// modes differ only on exact ties, so where no input of magnitude at most
/// `maxX` ties (tiesImpossible), half_up's code, which needs no tie test,
/// gives the bits of half_to_even and half_away_from_zero too.
static RoundingMode
getTieFreeMode(RequantizeOp op, int64_t maxX,
               function_ref<std::optional<int64_t>()> tighter) {
  RoundingMode mode = op.getRounding();
  if ((mode == RoundingMode::HalfToEven ||
       mode == RoundingMode::HalfAwayFromZero) &&
      tiesImpossible(op.getMultiplier(), op.getShift(), maxX, tighter))
    return RoundingMode::HalfUp;
  return mode;
}

namespace {
/// The 32-bit form, for the common case of a convolution accumulator:
/// a signed i32 input without zero point, every shift >= 33, an output
/// of at most 16 bits, a rounding other than toward_zero. The product
/// x * m is split by arith.mulsi_extended into (low, high) i32 halves;
/// with s' = shift - 32 >= 1, the rounding constant added before the
/// shift has an all-ones (or zero) low word, so it reduces to one carry
/// into the high word (below). Everything stays in 32-bit lanes: a quarter
/// of the vector work of the i64 form on AVX2, which has no 64-bit shifts,
/// compares or min/max. The same bits (bitexact-requantize.mlir, the int8
/// model tests).
struct RequantizeAccumulator32BitOpConversion
    : OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  static bool matches(RequantizeOp op, Value input) {
    IntegerType inType = getInputElementType(input);
    ArrayRef<int32_t> shifts = op.getShift();
    int64_t lo = op.getLowerBound(), hi = op.getUpperBound();
    return inType && inType.getWidth() == 32 && !op.getInputUnsigned() &&
           op.getInputZeroPoint() == 0 &&
           !llvm::all_of(op.getMultiplier(),
                         [](int32_t m) { return m == 1; }) &&
           op.getRounding() != RoundingMode::TowardZero &&
           cast<RankedTensorType>(op.getType()).getElementTypeBitWidth() <=
               16 &&
           llvm::all_of(shifts, [](int32_t s) { return s >= 33 && s <= 63; }) &&
           std::abs(static_cast<int64_t>(op.getOutputZeroPoint())) <
               (int64_t(1) << 16) &&
           lo >= INT32_MIN && hi <= INT32_MAX;
  }

  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!matches(op, adaptor.getInput()))
      return rewriter.notifyMatchFailure(
          op, "not an i32 accumulator with shifts in [33, 63]");
    auto resultType = cast<RankedTensorType>(op.getType());
    ArrayRef<int32_t> shifts = op.getShift();
    int64_t outZp = op.getOutputZeroPoint();
    int64_t lo = op.getLowerBound(), hi = op.getUpperBound();
    Type elemTy = resultType.getElementType();
    Type i32 = rewriter.getI32Type();
    // An i32 x (|x| <= 2^31; -2^31 is an odd multiple of 2^31) cannot tie
    // when t < shift - 32; a convolution's accumulator bound (constant
    // weights) covers the channels with more trailing zeros. Half_up's form
    // needs only the high word (no tie test on the low one): about seven
    // vector ops less per vector.
    RoundingMode mode = getTieFreeMode(op, int64_t(1) << 31,
                                       [&]() -> std::optional<int64_t> {
                                         return accumulatorMagnitude(
                                             op.getInput());
                                       });
    ElementwiseGeneric generic(rewriter, op.getLoc(), resultType, op.getAxis());
    unsigned in = generic.addInput(adaptor.getInput());
    SmallVector<TypedAttr> sAttrs, halfAttrs;
    for (int32_t sh : shifts) {
      int32_t sp = sh - 32;
      sAttrs.push_back(intAttr(rewriter, i32, sp));
      halfAttrs.push_back(intAttr(rewriter, i32, (int64_t(1) << (sp - 1)) - 1));
    }
    ChannelParam multiplier =
        generic.addChannelParam(getI32Attrs(rewriter, op.getMultiplier()));
    ChannelParam sPrime = generic.addChannelParam(sAttrs);
    // 2^(s'-1) - 1 per channel.
    ChannelParam halfMinusOneParam = generic.addChannelParam(halfAttrs);
    Value result = generic.create(
        adaptor.getInput(), [&](ImplicitLocOpBuilder &b, ValueRange args) {
          auto product = arith::MulSIExtendedOp::create(
              b, args[in], multiplier.get(b, args));
          Value low = product.getLow(), high = product.getHigh();
          Value sp = sPrime.get(b, args);
          if (mode == RoundingMode::Floor)
            return emitOutputZeroPointAndClamp(
                b, arith::ShRSIOp::create(b, high, sp), outZp, lo, hi, elemTy);
          // y = (p + t) >> s with t = 2^(s-1) - 1 + c, c in {0, 1}: the
          // low word of t is all ones, so adding it carries into the
          // high word exactly when low + c != 0, and y = (high +
          // 2^(s'-1) - 1 + carry) >> s' (below 2^31: |high| <= 2^30).
          // half_up: c = 1, carry = 1. half_to_even: c is bit s of p,
          // (high >> s') & 1. half_away_from_zero: c = 1 for p >= 0,
          // 0 below (ties go down there), so carry = low != 0 or p >= 0.
          Value halfMinusOne = halfMinusOneParam.get(b, args);
          Value carry;
          if (mode == RoundingMode::HalfUp) {
            carry = constInt(b, i32, 1);
          } else {
            Value zero = constInt(b, i32, 0);
            Value lowNonZero =
                arith::CmpIOp::create(b, arith::CmpIPredicate::ne, low, zero);
            Value c;
            if (mode == RoundingMode::HalfAwayFromZero)
              c = arith::CmpIOp::create(b, arith::CmpIPredicate::sge, high,
                                        zero);
            else // HalfToEven
              c = arith::TruncIOp::create(b, b.getI1Type(),
                                          arith::ShRSIOp::create(b, high, sp));
            carry = arith::ExtUIOp::create(
                b, i32, arith::OrIOp::create(b, lowNonZero, c));
          }
          Value y = arith::ShRSIOp::create(
              b,
              arith::AddIOp::create(
                  b, arith::AddIOp::create(b, high, halfMinusOne), carry),
              sp);
          return emitOutputZeroPointAndClamp(b, y, outZp, lo, hi, elemTy);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The 32-bit form for a narrow input (at most 16 bits: an int8 tensor
/// brought to the finer scale of a residual add). With the multiplier
/// split at the shift, m = mh * 2^s + ml (ml < 2^s),
///   floor((x * m + t) / 2^s) = x * mh + floor((x * ml + t) / 2^s)
/// for every integer t, and the rounding constant t of each mode only
/// needs bit s of x * m, which is bit 0 of x * mh + (x * ml >> s). Used
/// when |x| * mh and |x| * ml + 2^s stay below 2^31 on every channel
/// (getSmallInputSplit checks it with the input's range); shift 0 is a
/// plain 32-bit product under the same check.
struct RequantizeNarrowInput32BitOpConversion
    : OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    IntegerType inType = getInputElementType(adaptor.getInput());
    std::optional<SmallVector<std::pair<int64_t, int64_t>>> split =
        getSmallInputSplit(op, inType);
    if (!split)
      return rewriter.notifyMatchFailure(
          op, "the split multiplier does not fit 32-bit lanes");
    auto resultType = cast<RankedTensorType>(op.getType());
    ArrayRef<int32_t> shifts = op.getShift();
    int64_t outZp = op.getOutputZeroPoint();
    int64_t lo = op.getLowerBound(), hi = op.getUpperBound();
    Type elemTy = resultType.getElementType();
    Type i32 = rewriter.getI32Type();
    bool unitMultiplier =
        llvm::all_of(op.getMultiplier(), [](int32_t m) { return m == 1; });
    bool shifted = shifts.front() != 0;
    // As in the accumulator form: half_up's code where no x in range ties.
    RoundingMode mode =
        getTieFreeMode(op,
                       maxInputMagnitude(inType, op.getInputUnsigned(),
                                         op.getInputZeroPoint()),
                       [] { return std::optional<int64_t>(); });
    ElementwiseGeneric generic(rewriter, op.getLoc(), resultType, op.getAxis());
    unsigned in = generic.addInput(adaptor.getInput());
    SmallVector<TypedAttr> mhAttrs, mlAttrs, sAttrs, halfAttrs;
    for (auto [i, parts] : llvm::enumerate(*split)) {
      int64_t sh = shifts[i];
      mhAttrs.push_back(intAttr(rewriter, i32, parts.first));
      mlAttrs.push_back(intAttr(rewriter, i32, parts.second));
      sAttrs.push_back(intAttr(rewriter, i32, sh));
      halfAttrs.push_back(
          intAttr(rewriter, i32, shifted ? int64_t(1) << (sh - 1) : 0));
    }
    ChannelParam mhParam = generic.addChannelParam(mhAttrs);
    ChannelParam mlParam, sParam, halfParam;
    if (shifted) {
      mlParam = generic.addChannelParam(mlAttrs);
      sParam = generic.addChannelParam(sAttrs);
      halfParam = generic.addChannelParam(halfAttrs);
    }
    Value result = generic.create(
        adaptor.getInput(), [&](ImplicitLocOpBuilder &b, ValueRange args) {
          Value x = emitCenteredInput(b, op, args[in], i32);
          Value a =
              unitMultiplier && !shifted
                  ? x
                  : Value(arith::MulIOp::create(b, x, mhParam.get(b, args)));
          if (!shifted)
            return emitOutputZeroPointAndClamp(b, a, outZp, lo, hi, elemTy);
          Value sh = sParam.get(b, args);
          Value low = arith::MulIOp::create(b, x, mlParam.get(b, args));
          Value t; // the rounding constant, 0 <= t < 2^s
          Value half = halfParam.get(b, args);
          switch (mode) {
          case RoundingMode::Floor:
            break;
          case RoundingMode::HalfUp:
            t = half;
            break;
          case RoundingMode::HalfAwayFromZero: {
            // Ties of a negative product (x < 0, m > 0) go down.
            Value neg = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, x,
                                              constInt(b, i32, 0));
            t = arith::SubIOp::create(b, half,
                                      arith::ExtUIOp::create(b, i32, neg));
            break;
          }
          default: { // HalfToEven (toward_zero is not split)
            Value q0 =
                arith::AddIOp::create(b, a, arith::ShRSIOp::create(b, low, sh));
            Value odd = arith::AndIOp::create(b, q0, constInt(b, i32, 1));
            t = arith::AddIOp::create(
                b, arith::SubIOp::create(b, half, constInt(b, i32, 1)), odd);
            break;
          }
          }
          if (t)
            low = arith::AddIOp::create(b, low, t);
          Value y =
              arith::AddIOp::create(b, a, arith::ShRSIOp::create(b, low, sh));
          return emitOutputZeroPointAndClamp(b, y, outZp, lo, hi, elemTy);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The general form, for every requantize: (x - zp_in) * m in i64 (x and
/// zp_in have at most 32 bits and the multiplier is below 2^31, so the
/// product stays below 2^63 in magnitude) and the exact rounding shift of
/// emitRoundingShift.
struct RequantizeGenericOpConversion : OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    ArrayRef<int32_t> multipliers = op.getMultiplier();
    ArrayRef<int32_t> shifts = op.getShift();
    RoundingMode mode = op.getRounding();
    int64_t outZp = op.getOutputZeroPoint();
    int64_t lo = op.getLowerBound(), hi = op.getUpperBound();
    Type elemTy = resultType.getElementType();
    Type i64 = rewriter.getI64Type();
    bool unitMultiplier =
        llvm::all_of(multipliers, [](int32_t m) { return m == 1; });
    bool noShift = llvm::all_of(shifts, [](int32_t s) { return s == 0; });
    ElementwiseGeneric generic(rewriter, op.getLoc(), resultType, op.getAxis());
    unsigned in = generic.addInput(adaptor.getInput());
    ChannelParam multiplier, shift;
    if (!unitMultiplier)
      multiplier = generic.addChannelParam(getI32Attrs(rewriter, multipliers));
    if (!noShift)
      shift = generic.addChannelParam(getI32Attrs(rewriter, shifts));
    Value result = generic.create(
        adaptor.getInput(), [&](ImplicitLocOpBuilder &b, ValueRange args) {
          Value x = emitCenteredInput(b, op, args[in], i64);
          if (!unitMultiplier) {
            Value m =
                multiplier.uniform
                    ? constInt(b, i64,
                               cast<IntegerAttr>(multiplier.uniform).getInt())
                    : Value(arith::ExtSIOp::create(b, i64,
                                                   multiplier.get(b, args)));
            x = arith::MulIOp::create(b, x, m);
          }
          if (!noShift) {
            ChannelParam shift64 = shift;
            if (shift.uniform)
              shift64.uniform = intAttr(
                  b, i64, cast<IntegerAttr>(shift.uniform).getInt());
            x = emitRoundingShift(
                b, x, getShiftValues(b, shift64, args, /*extendFromI32=*/true),
                mode);
          }
          return emitOutputZeroPointAndClamp(b, x, outZp, lo, hi, elemTy);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

/// The three lowerings of qsim.requantize, as TosaToArith's apply_scale
/// ones: the 32-bit forms, which apply to parts of the attribute space only,
/// first; the i64 form, which takes every requantize, last.
static void populateRequantizeConversionPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<RequantizeGenericOpConversion>(ctx, /*benefit=*/1);
  patterns.add<RequantizeAccumulator32BitOpConversion,
               RequantizeNarrowInput32BitOpConversion>(ctx, /*benefit=*/2);
}

//===----------------------------------------------------------------------===//
// Cast
//===----------------------------------------------------------------------===//

namespace {
struct CastOpConversion : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto resultType = cast<RankedTensorType>(op.getType());
    if (input.getType() == resultType) {
      rewriter.replaceOp(op, input);
      return success();
    }
    auto inElemTy = cast<IntegerType>(
        cast<RankedTensorType>(input.getType()).getElementType());
    auto outElemTy = cast<IntegerType>(resultType.getElementType());
    unsigned inBits = inElemTy.getWidth(), outBits = outElemTy.getWidth();
    if (inBits == outBits) {
      // Same element type, only the static shape information differs.
      rewriter.replaceOpWithNewOp<tensor::CastOp>(op, resultType, input);
      return success();
    }
    bool isUnsigned = op.getIsUnsigned();
    // Narrowing saturates the (signed) input to the destination range,
    // written in the input's width.
    APInt lo = isUnsigned ? APInt::getZero(inBits)
                          : APInt::getSignedMinValue(outBits).sext(inBits);
    APInt hi = isUnsigned ? APInt::getMaxValue(outBits).zext(inBits)
                          : APInt::getSignedMaxValue(outBits).sext(inBits);
    ElementwiseGeneric generic(rewriter, op.getLoc(), resultType, std::nullopt);
    unsigned in = generic.addInput(input);
    Value result = generic.create(input, [&](ImplicitLocOpBuilder &b,
                                             ValueRange args) {
      Value x = args[in];
      if (outBits > inBits)
        return extendInt(b, x, outElemTy, isUnsigned);
      x = arith::MaxSIOp::create(
          b, x, arith::ConstantOp::create(b, b.getIntegerAttr(inElemTy, lo)));
      x = arith::MinSIOp::create(
          b, x, arith::ConstantOp::create(b, b.getIntegerAttr(inElemTy, hi)));
      return truncInt(b, x, outElemTy);
    });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Add / Mul
//===----------------------------------------------------------------------===//

/// The map reading `rhs` under numpy broadcasting against a result of type
/// `resultType`: trailing dimensions aligned, static size-1 dimensions read
/// at 0 where the result is larger (a dimension of 1 in both stays an
/// identity dimension, so equal shapes give the identity map, which fusion
/// and the CPU kernels' epilogue matching recognise).
static AffineMap getBroadcastMap(RankedTensorType rhsType,
                                 RankedTensorType resultType,
                                 MLIRContext *ctx) {
  unsigned rank = resultType.getRank(), rrank = rhsType.getRank();
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < rrank; ++d) {
    unsigned rd = rank - rrank + d;
    if (rhsType.getDimSize(d) == 1 && resultType.getDimSize(rd) != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(rd, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// Shared lowering of qsim.add and qsim.mul: both operands sign-extended to
/// `wideBits` (64, as the folders read them, or 32 where the caller has
/// shown the exact result fits), combined by `combine`, saturated to the
/// signed range of the element type. `addParams` adds the channel
/// parameters `combine` reads.
template <typename OpTy>
static LogicalResult lowerScaledBinary(
    OpTy op, Value lhsTensor, Value rhsTensor,
    ConversionPatternRewriter &rewriter,
    function_ref<void(ElementwiseGeneric &)> addParams,
    function_ref<Value(ImplicitLocOpBuilder &, Value, Value, ValueRange)>
        combine,
    unsigned wideBits = 64) {
  auto resultType = cast<RankedTensorType>(op.getType());
  auto rhsType = cast<RankedTensorType>(rhsTensor.getType());
  ElementwiseGeneric generic(rewriter, op.getLoc(), resultType, op.getAxis());
  unsigned lhsIdx = generic.addInput(lhsTensor);
  unsigned rhsIdx =
      generic.addInput(rhsTensor, getBroadcastMap(rhsType, resultType,
                                                  op.getContext()));
  addParams(generic);
  auto elemTy = cast<IntegerType>(resultType.getElementType());
  unsigned bits = elemTy.getWidth();
  Value result =
      generic.create(lhsTensor, [&](ImplicitLocOpBuilder &b, ValueRange args) {
        Type wide = b.getIntegerType(wideBits);
        Value lhs = extendInt(b, args[lhsIdx], wide, /*isUnsigned=*/false);
        Value rhs = extendInt(b, args[rhsIdx], wide, /*isUnsigned=*/false);
        Value v = combine(b, lhs, rhs, args);
        if (bits < wideBits) {
          v = arith::MaxSIOp::create(
              b, v, constInt(b, wide, nm::minValue(bits, /*isSigned=*/true)));
          v = arith::MinSIOp::create(
              b, v, constInt(b, wide, nm::maxValue(bits, /*isSigned=*/true)));
        }
        return truncInt(b, v, elemTy);
      });
  rewriter.replaceOp(op, result);
  return success();
}

namespace {
struct AddOpConversion : OpConversionPattern<AddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Each operand is brought to the result scale by an exact left shift,
    // computed per channel at compile time as in AddOp::fold.
    SmallVector<unsigned> lhsShiftValues, rhsShiftValues;
    unsigned maxLhsShift = 0, maxRhsShift = 0;
    for (size_t c = 0, n = op.getNumScaleChannels(); c < n; ++c) {
      lhsShiftValues.push_back(op.getOperandShift(0, c));
      rhsShiftValues.push_back(op.getOperandShift(1, c));
      maxLhsShift = std::max(maxLhsShift, lhsShiftValues.back());
      maxRhsShift = std::max(maxRhsShift, rhsShiftValues.back());
    }
    bool lhsShifted = maxLhsShift != 0, rhsShifted = maxRhsShift != 0;
    // In 32-bit lanes when the exact sum fits, from the operands' ranges
    // (AVX2 has no 64-bit vector min/max, compares or arithmetic shifts; a
    // residual add of int8 tensors brought to a finer scale needs none).
    auto bitsOf = [](Value v) {
      return cast<RankedTensorType>(v.getType()).getElementTypeBitWidth();
    };
    // (A shift of 31 or more already rules it out, and is not applied to
    // the bounds: it could overflow them.)
    unsigned wideBits =
        bitsOf(op.getResult()) <= 32 && maxLhsShift < 31 &&
                maxRhsShift < 31 &&
                (maxMagnitude(op.getLhs()) << maxLhsShift) +
                        (maxMagnitude(op.getRhs()) << maxRhsShift) <
                    (int64_t(1) << 31)
            ? 32
            : 64;
    SmallVector<TypedAttr> lhsShifts, rhsShifts;
    for (auto [l, r] : llvm::zip(lhsShiftValues, rhsShiftValues)) {
      lhsShifts.push_back(rewriter.getIntegerAttr(
          rewriter.getIntegerType(wideBits), l));
      rhsShifts.push_back(rewriter.getIntegerAttr(
          rewriter.getIntegerType(wideBits), r));
    }
    ChannelParam lhsShift, rhsShift;
    return lowerScaledBinary(
        op, adaptor.getLhs(), adaptor.getRhs(), rewriter,
        [&](ElementwiseGeneric &generic) {
          lhsShift = generic.addChannelParam(lhsShifts);
          rhsShift = generic.addChannelParam(rhsShifts);
        },
        [&](ImplicitLocOpBuilder &b, Value lhs, Value rhs, ValueRange args) {
          // An operand below 2^31 shifted by at most 31 stays below 2^62
          // (64-bit form); below 2^30 by the choice above (32-bit form).
          if (lhsShifted)
            lhs = arith::ShLIOp::create(b, lhs, lhsShift.get(b, args));
          if (rhsShifted)
            rhs = arith::ShLIOp::create(b, rhs, rhsShift.get(b, args));
          return arith::AddIOp::create(b, lhs, rhs).getResult();
        },
        wideBits);
  }
};

struct MulOpConversion : OpConversionPattern<MulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // In 32-bit lanes when the exact product fits, as for qsim.add: an SE
    // block's broadcast multiply of two widened int8 tensors then costs a
    // vpmulld per 8 lanes instead of a 64-bit multiply and clamp.
    unsigned resultBits =
        cast<RankedTensorType>(op.getType()).getElementTypeBitWidth();
    int64_t lhsMax = maxMagnitude(op.getLhs());
    int64_t rhsMax = maxMagnitude(op.getRhs());
    unsigned wideBits =
        resultBits <= 32 && lhsMax < (int64_t(1) << 31) &&
                rhsMax < (int64_t(1) << 31) &&
                (rhsMax == 0 || lhsMax < (int64_t(1) << 31) / rhsMax)
            ? 32
            : 64;
    return lowerScaledBinary(
        op, adaptor.getLhs(), adaptor.getRhs(), rewriter,
        [](ElementwiseGeneric &) {},
        [](ImplicitLocOpBuilder &b, Value lhs, Value rhs, ValueRange) {
          return arith::MulIOp::create(b, lhs, rhs).getResult();
        },
        wideBits);
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Annotate
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Lut
//===----------------------------------------------------------------------===//

namespace {
/// `table[x + 2^(N-1)]` (`table[c, x + 2^(N-1)]` for a per-channel table,
/// `c` the last dimension's index): the table is a constant tensor that the
/// body reads with `tensor.extract` (a gather, which the vectorizer keeps as
/// one).
struct LutOpConversion : OpConversionPattern<LutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto resultType = cast<RankedTensorType>(op.getType());
    unsigned bits =
        cast<RankedTensorType>(input.getType()).getElementTypeBitWidth();
    Value table =
        arith::ConstantOp::create(rewriter, op.getLoc(), op.getTable());
    ElementwiseGeneric generic(rewriter, op.getLoc(), resultType, std::nullopt);
    unsigned in = generic.addInput(input);
    Value result =
        generic.create(input, [&](ImplicitLocOpBuilder &b, ValueRange args) {
          // At most 16 bits (the verifier), so the index fits an i32.
          Value x = extendInt(b, args[in], b.getI32Type(),
                              /*isUnsigned=*/false);
          Value offset =
              arith::AddIOp::create(b, x, constInt(b, b.getI32Type(),
                                                   int64_t(1) << (bits - 1)));
          SmallVector<Value, 2> indices;
          if (cast<ShapedType>(op.getTable().getType()).getRank() == 2)
            indices.push_back(
                linalg::IndexOp::create(b, resultType.getRank() - 1));
          indices.push_back(
              arith::IndexCastOp::create(b, b.getIndexType(), offset));
          return tensor::ExtractOp::create(b, table, indices).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

namespace {
struct AnnotateOpConversion : OpConversionPattern<AnnotateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AnnotateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};
} // namespace

void mlir::qsim::populateQSimToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AnnotateOpConversion, QuantizeOpConversion,
               DequantizeOpConversion, SimQuantizeOpConversion,
               CastOpConversion, AddOpConversion, MulOpConversion,
               LutOpConversion>(
      patterns.getContext());
  populateRequantizeConversionPatterns(patterns);
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct ConvertQSimToLinalgPass
    : qsim::impl::ConvertQSimToLinalgBase<ConvertQSimToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(checkAccumulators()))
      return signalPassFailure();
    // Every verified qsim op has a lowering (add/mul are limited to 32-bit
    // elements by their verifier, so the i64 arithmetic is exact).
    ConversionTarget target(getContext());
    target.addIllegalDialect<QSimDialect>();
    target.addLegalDialect<linalg::LinalgDialect, arith::ArithDialect,
                           math::MathDialect, tensor::TensorDialect>();
    RewritePatternSet patterns(&getContext());
    populateQSimToLinalgConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }

  /// Refuses an i32 accumulator that the analysis cannot bound inside
  /// int32: the lowered TOSA op would wrap silently on some input.
  LogicalResult checkAccumulators() {
    ElementRanges ranges;
    bool ok = true;
    getOperation().walk([&](Operation *op) {
      if (!isa<tosa::Conv2DOp, tosa::DepthwiseConv2DOp, tosa::MatMulOp>(op))
        return;
      std::optional<AccumulatorBound> acc = getAccumulatorBound(
          op,
          [&](Value x) {
            // Without a range, the element type's.
            std::optional<ConstantIntRanges> r = ranges.get(x);
            return r ? getMaxMagnitude(*r)
                     : getMaxMagnitude(ConstantIntRanges::maxRange(
                           getElementTypeOrSelf(x.getType())
                               .getIntOrFloatBitWidth()));
          },
          /*variableWeights=*/true);
      if (!acc)
        return;
      __int128 bound = acc->get();
      auto describe = [&](InFlightDiagnostic &diag) {
        diag << acc->weightSum << " * " << acc->input << " + " << acc->bias
             << " (largest filter sum of |w - zp_w|, max |x - zp_x|, max "
                "|bias|)";
      };
      if (bound > INT32_MAX) {
        InFlightDiagnostic diag =
            op->emitError("convert-qsim-to-linalg: the i32 accumulator can "
                          "overflow: |acc| <= ");
        describe(diag);
        // Above 2^63 only the terms are exact in the message.
        diag << " = " << static_cast<double>(bound) << " > 2147483647";
        ok = false;
        return;
      }
      if (emitRemarks) {
        InFlightDiagnostic diag = op->emitRemark("i32 accumulator |acc| <= ");
        describe(diag);
        diag << " = " << static_cast<int64_t>(bound) << ", margin "
             << INT32_MAX - static_cast<int64_t>(bound);
      }
    });
    return success(ok);
  }
};
} // namespace
