//===- QSimOps.cpp - qsim operations --------------------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Verifiers, folders and canonicalization patterns of the qsim ops. Every
// numeric fold goes through the QSimNumerics library so that the folded
// constants equal what the lowered integer code computes, bit for bit.
//
//===----------------------------------------------------------------------===//

#include "qsim/Dialect/QSim/IR/QSimOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Dialect/Traits.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qsim;
namespace nm = mlir::qsim::numerics;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {
/// Maps the linear index of an element of a static shape to its channel
/// along `axis` (0 without an axis).
struct ChannelIndexer {
  int64_t stride = 1;
  int64_t dim = 1;
  bool perChannel = false;

  ChannelIndexer(ShapedType type, std::optional<int64_t> axis) {
    if (!axis)
      return;
    perChannel = true;
    dim = type.getDimSize(*axis);
    for (int64_t d = *axis + 1, e = type.getRank(); d < e; ++d)
      stride *= type.getDimSize(d);
  }
  size_t operator()(int64_t linear) const {
    return perChannel ? static_cast<size_t>((linear / stride) % dim) : 0;
  }
};
} // namespace

/// Reads an integer element as a value of the given signedness.
static int64_t readInt(const APInt &v, bool isUnsigned) {
  return isUnsigned ? static_cast<int64_t>(v.getZExtValue()) : v.getSExtValue();
}

/// Reads a float element of any float type as f32.
static float readFloat(APFloat v) {
  bool losesInfo;
  v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
  return v.convertToFloat();
}

/// Converts an f32 value to the semantics of `type`.
static APFloat toFloatType(float f, FloatType type) {
  APFloat v(f);
  bool losesInfo;
  v.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven,
            &losesInfo);
  return v;
}

/// The constant elements of a static-shaped constant operand, if any.
static DenseElementsAttr getConstantElements(Attribute attr) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense || !dense.getType().hasStaticShape())
    return {};
  return dense;
}

static bool roundsToNearest(RoundingMode mode) {
  return mode == RoundingMode::HalfToEven ||
         mode == RoundingMode::HalfAwayFromZero ||
         mode == RoundingMode::HalfUp;
}

static bool hasStaticShape(Type t) {
  auto shaped = dyn_cast<ShapedType>(t);
  return shaped && shaped.hasStaticShape();
}

static LogicalResult verifyParams(Operation *op, QuantParamsAttr params,
                                  Type type, bool checkElementType,
                                  StringRef what) {
  return params.verifyForType([&] { return op->emitOpError(); }, type,
                              checkElementType, what);
}

//===----------------------------------------------------------------------===//
// AnnotateOp
//===----------------------------------------------------------------------===//

LogicalResult AnnotateOp::verify() {
  if (getPoint().empty())
    return emitOpError("needs a non-empty point name");
  return success();
}

//===----------------------------------------------------------------------===//
// SimQuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult SimQuantizeOp::verify() {
  return verifyParams(*this, getParams(), getInput().getType(),
                      /*checkElementType=*/false, "input");
}

OpFoldResult SimQuantizeOp::fold(FoldAdaptor adaptor) {
  // Simulated quantization with a round-to-nearest mode is idempotent for
  // identical parameters (the f32 round trip of q*s is within an ulp of q,
  // which floor/toward_zero could push to q-1).
  if (auto inner = getInput().getDefiningOp<SimQuantizeOp>())
    if (inner.getParams() == getParams() &&
        inner.getRounding() == getRounding() && roundsToNearest(getRounding()))
      return getInput();

  DenseElementsAttr input = getConstantElements(adaptor.getInput());
  if (!input)
    return {};
  auto type = cast<RankedTensorType>(getType());
  auto elemTy = cast<FloatType>(type.getElementType());
  QuantParamsAttr p = getParams();
  ChannelIndexer channel(type, p.getAxis());
  nm::RoundingMode mode = toNumerics(getRounding());
  SmallVector<APFloat> out;
  out.reserve(type.getNumElements());
  int64_t i = 0;
  for (APFloat v : input.getValues<APFloat>()) {
    size_t c = channel(i++);
    float r = nm::fakeQuantize(readFloat(v), p.getScale(c), p.getZeroPoint(c),
                               p.getBits(), p.getIsSigned(), mode);
    out.push_back(toFloatType(r, elemTy));
  }
  return DenseElementsAttr::get(type, out);
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  if (failed(verifyParams(*this, getParams(), getOutput().getType(),
                          /*checkElementType=*/true, "result")))
    return failure();
  return success();
}

OpFoldResult QuantizeOp::fold(FoldAdaptor adaptor) {
  // quantize(dequantize(q)) with the same parameters is q: within the
  // verified scale range f32((q - zp) * s) / s is within an ulp of q - zp,
  // which a round-to-nearest mode maps back to q - zp.
  if (auto deq = getInput().getDefiningOp<DequantizeOp>())
    if (deq.getParams() == getParams() && roundsToNearest(getRounding()) &&
        deq.getInput().getType() == getType())
      return deq.getInput();

  DenseElementsAttr input = getConstantElements(adaptor.getInput());
  if (!input)
    return {};
  auto type = cast<RankedTensorType>(getType());
  QuantParamsAttr p = getParams();
  ChannelIndexer channel(type, p.getAxis());
  nm::RoundingMode mode = toNumerics(getRounding());
  SmallVector<APInt> out;
  out.reserve(type.getNumElements());
  int64_t i = 0;
  for (APFloat v : input.getValues<APFloat>()) {
    size_t c = channel(i++);
    int64_t q = nm::quantize(readFloat(v), p.getScale(c), p.getZeroPoint(c),
                             p.getBits(), p.getIsSigned(), mode);
    out.push_back(APInt(p.getBits(), q, /*isSigned=*/true,
                        /*implicitTrunc=*/true));
  }
  return DenseElementsAttr::get(type, out);
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  return verifyParams(*this, getParams(), getInput().getType(),
                      /*checkElementType=*/true, "operand");
}

OpFoldResult DequantizeOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr input = getConstantElements(adaptor.getInput());
  if (!input)
    return {};
  auto type = cast<RankedTensorType>(getType());
  auto elemTy = cast<FloatType>(type.getElementType());
  QuantParamsAttr p = getParams();
  ChannelIndexer channel(type, p.getAxis());
  SmallVector<APFloat> out;
  out.reserve(type.getNumElements());
  int64_t i = 0;
  for (const APInt &v : input.getValues<APInt>()) {
    size_t c = channel(i++);
    float r = nm::dequantize(readInt(v, !p.getIsSigned()), p.getScale(c),
                             p.getZeroPoint(c));
    out.push_back(toFloatType(r, elemTy));
  }
  return DenseElementsAttr::get(type, out);
}

//===----------------------------------------------------------------------===//
// RequantizeOp
//===----------------------------------------------------------------------===//

static int64_t typeMin(Type t, bool isUnsigned) {
  return nm::minValue(getElementTypeOrSelf(t).getIntOrFloatBitWidth(),
                      !isUnsigned);
}
static int64_t typeMax(Type t, bool isUnsigned) {
  return nm::maxValue(getElementTypeOrSelf(t).getIntOrFloatBitWidth(),
                      !isUnsigned);
}

int64_t RequantizeOp::getLowerBound() {
  int64_t lo = typeMin(getType(), getOutputUnsigned());
  if (auto c = getClampMin())
    lo = std::max<int64_t>(lo, *c);
  return lo;
}

int64_t RequantizeOp::getUpperBound() {
  int64_t hi = typeMax(getType(), getOutputUnsigned());
  if (auto c = getClampMax())
    hi = std::min<int64_t>(hi, *c);
  return hi;
}

LogicalResult RequantizeOp::verify() {
  ArrayRef<int32_t> mult = getMultiplier(), shift = getShift();
  if (mult.empty() || mult.size() != shift.size())
    return emitOpError("needs as many shifts as multipliers (and at least "
                       "one), got ")
           << mult.size() << " multiplier(s) and " << shift.size()
           << " shift(s)";
  auto inTy = cast<RankedTensorType>(getInput().getType());
  unsigned inBits = inTy.getElementTypeBitWidth();
  unsigned outBits = getType().getElementTypeBitWidth();
  if (inBits > 32 || outBits > 32)
    return emitOpError("supports integers of at most 32 bits, got i")
           << std::max(inBits, outBits);
  if (getAxis()) {
    // I64Attr reads as uint64_t: a negative axis must be seen as one.
    int64_t axis = static_cast<int64_t>(*getAxis());
    if (axis < 0 || axis >= inTy.getRank())
      return emitOpError("axis ")
             << axis << " is outside the input rank " << inTy.getRank();
    int64_t dim = inTy.getDimSize(axis);
    if (ShapedType::isDynamic(dim))
      return emitOpError("per-channel axis ")
             << axis << " must be a static dimension";
    if (static_cast<int64_t>(mult.size()) != dim)
      return emitOpError("expected ")
             << dim << " per-channel multipliers for axis " << axis
             << ", got " << mult.size();
  } else if (mult.size() != 1) {
    return emitOpError("per-tensor requantize takes one multiplier, got ")
           << mult.size() << "; per-channel needs an axis";
  }
  for (auto [i, m] : llvm::enumerate(mult))
    if (m <= 0)
      return emitOpError("multiplier #") << i << " must be positive, got " << m;
  for (auto [i, s] : llvm::enumerate(shift))
    if (s < 0 || s > 63)
      return emitOpError("shift #") << i << " must be in [0, 63], got " << s;
  auto checkRange = [&](int64_t v, Type t, bool isUnsigned,
                        StringRef what) -> LogicalResult {
    int64_t lo = typeMin(t, isUnsigned), hi = typeMax(t, isUnsigned);
    if (v < lo || v > hi)
      return emitOpError() << what << " (" << v << ") is outside the range ["
                           << lo << ", " << hi << "] of its type";
    return success();
  };
  if (failed(checkRange(getInputZeroPoint(), inTy, getInputUnsigned(),
                        "input zero point")) ||
      failed(checkRange(getOutputZeroPoint(), getType(), getOutputUnsigned(),
                        "output zero point")))
    return failure();
  if (auto c = getClampMin())
    if (failed(checkRange(*c, getType(), getOutputUnsigned(), "clamp_min")))
      return failure();
  if (auto c = getClampMax())
    if (failed(checkRange(*c, getType(), getOutputUnsigned(), "clamp_max")))
      return failure();
  if (getLowerBound() > getUpperBound())
    return emitOpError("clamp_min (")
           << getLowerBound() << ") is greater than clamp_max ("
           << getUpperBound() << ")";
  return success();
}

/// True if the requantize maps every input value to itself.
static bool isIdentity(RequantizeOp op) {
  if (op.getInput().getType() != op.getType() ||
      op.getInputUnsigned() != op.getOutputUnsigned() ||
      op.getInputZeroPoint() != op.getOutputZeroPoint())
    return false;
  for (auto [m, s] : llvm::zip(op.getMultiplier(), op.getShift()))
    if (m != 1 || s != 0)
      return false;
  return op.getLowerBound() == typeMin(op.getType(), op.getOutputUnsigned()) &&
         op.getUpperBound() == typeMax(op.getType(), op.getOutputUnsigned());
}

OpFoldResult RequantizeOp::fold(FoldAdaptor adaptor) {
  if (isIdentity(*this))
    return getInput();
  DenseElementsAttr input = getConstantElements(adaptor.getInput());
  if (!input)
    return {};
  auto type = cast<RankedTensorType>(getType());
  ChannelIndexer channel(type, getAxis());
  nm::RoundingMode mode = toNumerics(getRounding());
  unsigned outBits = type.getElementTypeBitWidth();
  int64_t lo = getLowerBound(), hi = getUpperBound();
  SmallVector<APInt> out;
  out.reserve(type.getNumElements());
  int64_t i = 0;
  for (const APInt &v : input.getValues<APInt>()) {
    size_t c = channel(i++);
    size_t k = getMultiplier().size() == 1 ? 0 : c;
    int64_t y = nm::requantize(readInt(v, getInputUnsigned()),
                               getInputZeroPoint(),
                               {getMultiplier()[k], getShift()[k]},
                               getOutputZeroPoint(), lo, hi, mode);
    out.push_back(APInt(outBits, y, /*isSigned=*/true, /*implicitTrunc=*/true));
  }
  return DenseElementsAttr::get(type, out);
}

namespace {
/// requantize(cast_widen(x)) -> requantize(x): the widening is exact, so
/// the requantize can read x directly.
struct FoldWideningCastIntoRequantize : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto cast = op.getInput().getDefiningOp<CastOp>();
    if (!cast || !cast.isWidening())
      return failure();
    // Reading the wide value as unsigned only agrees with a zero extension.
    if (op.getInputUnsigned() && !cast.getIsUnsigned())
      return failure();
    Type narrow = cast.getInput().getType();
    int64_t zp = op.getInputZeroPoint();
    if (zp < typeMin(narrow, cast.getIsUnsigned()) ||
        zp > typeMax(narrow, cast.getIsUnsigned()))
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(cast.getInput());
      op.setInputUnsigned(cast.getIsUnsigned());
    });
    return success();
  }
};

/// requantize(requantize(x) by an exact left shift 2^k) -> requantize(x)
/// with the shift reduced by k: both compute round(x * M * 2^k / 2^s).
struct FoldExactShiftIntoRequantize : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<RequantizeOp>();
    if (!inner || inner.getAxis() || op.getInputZeroPoint() != 0 ||
        op.getInputUnsigned() != inner.getOutputUnsigned() ||
        inner.getInputZeroPoint() != 0 || inner.getOutputZeroPoint() != 0 ||
        inner.getClampMin() || inner.getClampMax() ||
        inner.getShift()[0] != 0)
      return failure();
    int32_t m = inner.getMultiplier()[0];
    if (!llvm::isPowerOf2_32(static_cast<uint32_t>(m)))
      return failure();
    unsigned k = llvm::Log2_32(static_cast<uint32_t>(m));
    // No saturation in the inner op: the shifted input range fits.
    unsigned inBits =
        getElementTypeOrSelf(inner.getInput().getType()).getIntOrFloatBitWidth();
    unsigned midBits = getElementTypeOrSelf(inner.getType()).getIntOrFloatBitWidth();
    bool sameSign = inner.getInputUnsigned() == inner.getOutputUnsigned();
    if (!sameSign || inBits + k > midBits)
      return failure();
    SmallVector<int32_t> shifts(op.getShift());
    for (int32_t &s : shifts) {
      if (s < static_cast<int32_t>(k))
        return failure();
      s -= k;
    }
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(inner.getInput());
      op.setInputUnsigned(inner.getInputUnsigned());
      op.setShift(shifts);
    });
    return success();
  }
};

/// requantize(requantize(x)) where the outer op only clamps (multiplier 1,
/// shift 0, zero points passed through) is one requantize with the
/// intersection of the bounds: a ReLU folded into the conv's requantize.
struct FoldClampIntoRequantize : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<RequantizeOp>();
    if (!inner || !inner->hasOneUse() ||
        !llvm::all_of(op.getMultiplier(), [](int32_t m) { return m == 1; }) ||
        !llvm::all_of(op.getShift(), [](int32_t s) { return s == 0; }) ||
        op.getInputUnsigned() != inner.getOutputUnsigned() ||
        op.getOutputUnsigned() != inner.getOutputUnsigned() ||
        op.getInputZeroPoint() != inner.getOutputZeroPoint() ||
        op.getOutputZeroPoint() != inner.getOutputZeroPoint())
      return failure();
    int64_t lo = std::max(inner.getLowerBound(), op.getLowerBound());
    int64_t hi = std::min(inner.getUpperBound(), op.getUpperBound());
    Type outTy = op.getType();
    bool isUnsigned = op.getOutputUnsigned();
    int64_t zp = op.getOutputZeroPoint();
    if (lo > hi || zp < typeMin(outTy, isUnsigned) ||
        zp > typeMax(outTy, isUnsigned))
      return failure();
    auto i64 = rewriter.getI64Type();
    rewriter.modifyOpInPlace(inner, [&] {
      inner.getResult().setType(cast<RankedTensorType>(outTy));
      inner.setClampMinAttr(lo == typeMin(outTy, isUnsigned)
                                ? IntegerAttr()
                                : IntegerAttr::get(i64, lo));
      inner.setClampMaxAttr(hi == typeMax(outTy, isUnsigned)
                                ? IntegerAttr()
                                : IntegerAttr::get(i64, hi));
    });
    rewriter.replaceOp(op, inner.getResult());
    return success();
  }
};

/// Replaces an op by an identical op (same operands, attributes and result
/// types) that comes earlier in the same block: a value feeding several
/// branches is widened or requantized once, not once per consumer. Plain
/// CSE would do this too, but pipelines that only canonicalize rely on it.
template <typename OpTy>
struct DeduplicateSiblings : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value input = op->getOperand(0);
    for (Operation *user : input.getUsers()) {
      if (user == op.getOperation() || user->getBlock() != op->getBlock() ||
          !user->isBeforeInBlock(op))
        continue;
      if (!OperationEquivalence::isEquivalentTo(
              op.getOperation(), user,
              OperationEquivalence::Flags::IgnoreLocations))
        continue;
      rewriter.replaceOp(op, user->getResults());
      return success();
    }
    return failure();
  }
};
} // namespace

void RequantizeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *context) {
  results.add<FoldWideningCastIntoRequantize, FoldExactShiftIntoRequantize,
              FoldClampIntoRequantize, DeduplicateSiblings<RequantizeOp>>(
      context);
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

LogicalResult CastOp::verify() {
  // The folder evaluates in int64_t, like the lowering's widest arithmetic.
  unsigned bits = std::max(getInput().getType().getElementTypeBitWidth(),
                           getType().getElementTypeBitWidth());
  if (bits > 64)
    return emitOpError("supports integers of at most 64 bits, got i") << bits;
  return success();
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  Type inTy = getInput().getType();
  if (inTy == getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<CastOp>()) {
    // widen then narrow back (same signedness): the value is in range.
    if (inner.isWidening() && !isWidening() &&
        inner.getInput().getType() == getType() &&
        inner.getIsUnsigned() == getIsUnsigned())
      return inner.getInput();
    // widen then widen: one widening.
    if (inner.isWidening() && isWidening() &&
        inner.getIsUnsigned() == getIsUnsigned()) {
      getInputMutable().assign(inner.getInput());
      return getResult();
    }
  }
  DenseElementsAttr input = getConstantElements(adaptor.getInput());
  if (!input)
    return {};
  auto type = cast<RankedTensorType>(getType());
  unsigned outBits = type.getElementTypeBitWidth();
  bool isUnsigned = getIsUnsigned();
  bool widening = isWidening();
  int64_t lo = typeMin(type, isUnsigned), hi = typeMax(type, isUnsigned);
  SmallVector<APInt> out;
  out.reserve(type.getNumElements());
  for (const APInt &v : input.getValues<APInt>()) {
    // Widening reads the narrow value with the op's signedness; narrowing
    // reads the wide value as signed and saturates.
    int64_t x = readInt(v, widening && isUnsigned);
    if (!widening)
      x = nm::saturate(x, lo, hi);
    out.push_back(APInt(outBits, x, /*isSigned=*/true, /*implicitTrunc=*/true));
  }
  return DenseElementsAttr::get(type, out);
}

void CastOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<DeduplicateSiblings<CastOp>>(context);
}

//===----------------------------------------------------------------------===//
// AddOp / MulOp
//===----------------------------------------------------------------------===//

/// Scale of channel `c` (arrays have one entry or one per channel).
static double scaleAt(ArrayRef<double> scales, size_t c) {
  return scales[scales.size() == 1 ? 0 : c];
}

/// Verifies the shared structure of add/mul: broadcastable shapes and scale
/// arrays of a consistent length.
template <typename OpTy>
static LogicalResult verifyScaledBinary(OpTy op) {
  auto lhsTy = cast<RankedTensorType>(op.getLhs().getType());
  auto rhsTy = cast<RankedTensorType>(op.getRhs().getType());
  auto resTy = cast<RankedTensorType>(op.getType());
  // The exact 64-bit evaluation (shifted sums, products) needs <= 32 bits.
  if (resTy.getElementTypeBitWidth() > 32)
    return op.emitOpError("supports integers of at most 32 bits, got ")
           << resTy.getElementType();
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(lhsTy.getShape(), rhsTy.getShape(),
                                          shape))
    return op.emitOpError("operand shapes ")
           << lhsTy << " and " << rhsTy << " are not broadcast-compatible";
  if (failed(verifyCompatibleShape(shape, resTy.getShape())))
    return op.emitOpError("result type ")
           << resTy << " does not match the broadcast shape of the operands";
  if (lhsTy.getShape() != resTy.getShape())
    return op.emitOpError("lhs must have the result shape (only rhs is "
                          "broadcast)");
  std::optional<int64_t> axis = op.getAxis();
  size_t channels = 1;
  if (axis) {
    if (*axis < 0 || *axis >= resTy.getRank())
      return op.emitOpError("axis ")
             << *axis << " is outside the result rank " << resTy.getRank();
    if (resTy.isDynamicDim(*axis))
      return op.emitOpError("per-channel axis must be a static dimension");
    channels = resTy.getDimSize(*axis);
  }
  auto checkScales = [&](ArrayRef<double> s, StringRef what) -> LogicalResult {
    if (s.size() != 1 && s.size() != channels)
      return op.emitOpError()
             << what << " has " << s.size() << " entries; expected 1"
             << (axis ? " or " + std::to_string(channels) : std::string());
    for (auto [i, v] : llvm::enumerate(s))
      if (!std::isfinite(v) || !(v > 0))
        return op.emitOpError() << what << " entry #" << i
                                << " must be finite and > 0, got " << v;
    return success();
  };
  if (failed(checkScales(op.getLhsScale(), "lhs_scale")) ||
      failed(checkScales(op.getRhsScale(), "rhs_scale")) ||
      failed(checkScales(op.getResultScale(), "result_scale")))
    return failure();
  return success();
}

/// Number of channels the scale arrays of `op` describe.
template <typename OpTy>
static size_t numScaleChannels(OpTy op) {
  return std::max({op.getLhsScale().size(), op.getRhsScale().size(),
                   op.getResultScale().size()});
}

/// log2(operand / result) when it is a non-negative integer.
static std::optional<unsigned> exactShift(double operand, double result) {
  int e;
  if (!nm::isPowerOfTwo(operand / result, &e) || e < 0 || e > 31)
    return std::nullopt;
  // The ratio must be exact, not a rounded quotient.
  if (std::ldexp(result, e) != operand)
    return std::nullopt;
  return static_cast<unsigned>(e);
}

size_t AddOp::getNumScaleChannels() { return numScaleChannels(*this); }

unsigned AddOp::getOperandShift(unsigned index, size_t channel) {
  ArrayRef<double> scales = index == 0 ? getLhsScale() : getRhsScale();
  return *exactShift(scaleAt(scales, channel),
                     scaleAt(getResultScale(), channel));
}

LogicalResult AddOp::verify() {
  if (failed(verifyScaledBinary(*this)))
    return failure();
  for (size_t c = 0, e = numScaleChannels(*this); c < e; ++c) {
    double r = scaleAt(getResultScale(), c);
    for (auto [s, what] : {std::pair(scaleAt(getLhsScale(), c), "lhs"),
                           std::pair(scaleAt(getRhsScale(), c), "rhs")})
      if (!exactShift(s, r))
        return emitOpError() << what << " scale " << s << " (channel " << c
                             << ") is not result_scale " << r
                             << " times 2^k with k in [0, 31]: the operand "
                                "cannot be rescaled exactly";
  }
  return success();
}

LogicalResult MulOp::verify() {
  if (failed(verifyScaledBinary(*this)))
    return failure();
  for (size_t c = 0, e = numScaleChannels(*this); c < e; ++c) {
    double expect = scaleAt(getLhsScale(), c) * scaleAt(getRhsScale(), c);
    double r = scaleAt(getResultScale(), c);
    // An infinite product would pass the relative comparison below.
    if (!std::isfinite(expect) ||
        std::abs(expect - r) > 1e-12 * std::abs(expect))
      return emitOpError("result_scale ")
             << r << " (channel " << c << ") must equal lhs_scale * rhs_scale = "
             << expect;
  }
  return success();
}

/// Elementwise evaluation of add/mul on constants with rhs broadcasting.
template <typename OpTy, typename Fn>
static Attribute foldScaledBinary(OpTy op, Attribute lhsAttr,
                                  Attribute rhsAttr, Fn fn) {
  DenseElementsAttr lhs = getConstantElements(lhsAttr);
  DenseElementsAttr rhs = getConstantElements(rhsAttr);
  if (!lhs || !rhs)
    return {};
  auto type = cast<RankedTensorType>(op.getType());
  auto rhsTy = cast<RankedTensorType>(rhs.getType());
  ArrayRef<int64_t> shape = type.getShape();
  ArrayRef<int64_t> rshape = rhsTy.getShape();
  ChannelIndexer channel(type, op.getAxis());
  unsigned bits = type.getElementTypeBitWidth();
  int64_t lo = nm::minValue(bits, true), hi = nm::maxValue(bits, true);
  SmallVector<APInt> lv(lhs.getValues<APInt>());
  SmallVector<APInt> rv(rhs.getValues<APInt>());
  SmallVector<APInt> out;
  out.reserve(type.getNumElements());
  size_t rank = shape.size(), rrank = rshape.size();
  SmallVector<int64_t> idx(rank, 0);
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    // Linear index into rhs under numpy broadcasting (trailing alignment).
    int64_t r = 0;
    for (size_t d = 0; d < rrank; ++d) {
      int64_t full = idx[rank - rrank + d];
      r = r * rshape[d] + (rshape[d] == 1 ? 0 : full);
    }
    int64_t v = fn(lv[i].getSExtValue(), rv[r].getSExtValue(), channel(i));
    out.push_back(APInt(bits, nm::saturate(v, lo, hi), /*isSigned=*/true,
                        /*implicitTrunc=*/true));
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, out);
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // x + 0 = x when x is already at the result scale and type.
  if (matchPattern(adaptor.getRhs(), m_Zero()) &&
      getLhs().getType() == getType() && getLhsScale() == getResultScale())
    return getLhs();
  size_t n = numScaleChannels(*this);
  SmallVector<unsigned> ls(n), rs(n);
  for (size_t c = 0; c < n; ++c) {
    ls[c] = getOperandShift(0, c);
    rs[c] = getOperandShift(1, c);
  }
  return foldScaledBinary(*this, adaptor.getLhs(), adaptor.getRhs(),
                          [&](int64_t a, int64_t b, size_t c) {
                            size_t k = n == 1 ? 0 : c;
                            return a * (int64_t(1) << ls[k]) +
                                   b * (int64_t(1) << rs[k]);
                          });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldScaledBinary(*this, adaptor.getLhs(), adaptor.getRhs(),
                          [](int64_t a, int64_t b, size_t) { return a * b; });
}

namespace {
/// Bias-scale unification: a constant operand of qsim.add whose scale is a
/// power-of-two multiple of the result scale is rescaled into a new constant
/// at the result scale (exactly, when no element overflows), so the add
/// needs no shift at run time.
struct UnifyConstantOperandScale : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    for (bool isRhs : {true, false}) {
      Value operand = isRhs ? op.getRhs() : op.getLhs();
      ArrayRef<double> scales = isRhs ? op.getRhsScale() : op.getLhsScale();
      if (scales == op.getResultScale())
        continue;
      DenseElementsAttr cst;
      if (!matchPattern(operand, m_Constant(&cst)) ||
          !hasStaticShape(operand.getType()))
        continue;
      auto type = cast<RankedTensorType>(operand.getType());
      unsigned bits = type.getElementTypeBitWidth();
      // Per-channel scales index the operand along the op's axis; only a
      // per-tensor operand scale or a rank-1 operand along the last axis of
      // the result is handled here.
      auto resTy = cast<RankedTensorType>(op.getType());
      bool perChannel = numScaleChannels(op) > 1;
      bool channelIsOperandDim =
          type.getRank() == 1 && op.getAxis() &&
          static_cast<int64_t>(*op.getAxis()) == resTy.getRank() - 1 &&
          type.getDimSize(0) == resTy.getDimSize(*op.getAxis());
      if (perChannel && !channelIsOperandDim)
        continue;
      SmallVector<APInt> out;
      bool ok = true;
      int64_t i = 0;
      for (const APInt &v : cst.getValues<APInt>()) {
        size_t c = perChannel && channelIsOperandDim ? i : 0;
        ++i;
        // A multiplication: shifting a negative value left is undefined.
        __int128 x = static_cast<__int128>(v.getSExtValue()) *
                     (static_cast<__int128>(1)
                      << op.getOperandShift(isRhs ? 1 : 0, c));
        if (x < nm::minValue(bits, true) || x > nm::maxValue(bits, true)) {
          ok = false;
          break;
        }
        out.push_back(APInt(bits, static_cast<int64_t>(x), /*isSigned=*/true));
      }
      if (!ok)
        continue;
      auto newCst = arith::ConstantOp::create(
          rewriter, operand.getLoc(), DenseElementsAttr::get(type, out));
      rewriter.modifyOpInPlace(op, [&] {
        if (isRhs) {
          op.getRhsMutable().assign(newCst);
          op.setRhsScale(op.getResultScale());
        } else {
          op.getLhsMutable().assign(newCst);
          op.setLhsScale(op.getResultScale());
        }
      });
      return success();
    }
    return failure();
  }
};
} // namespace

void AddOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<UnifyConstantOperandScale>(context);
}

void MulOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {}

#define GET_OP_CLASSES
#include "qsim/Dialect/QSim/IR/QSimOps.cpp.inc"
