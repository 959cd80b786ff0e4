//===- TosaElementwiseRealize.cpp - rules of tosa.add and tosa.mul --------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The `realize` rules of tosa.add and tosa.mul, with an operand that is
// either simulated-quantized or a float constant (a bias-like offset, a
// batch-norm factor that did not fold into a conv).
//
//===----------------------------------------------------------------------===//

#include "RealizeRules.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "qsim/Dialect/QSim/Transforms/RealizeContext.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qsim;
namespace nm = mlir::qsim::numerics;

/// The float constant behind a simulated-quantized constant operand.
static DenseElementsAttr floatConstant(Value v) {
  if (auto sq = v.getDefiningOp<SimQuantizeOp>())
    v = sq.getInput();
  DenseElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr)) && attr.getType().hasStaticShape() &&
      isa<FloatType>(attr.getElementType()))
    return attr;
  return {};
}

static SmallVector<double> floatValues(DenseElementsAttr attr) {
  SmallVector<double> out;
  for (APFloat v : attr.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    out.push_back(v.convertToDouble());
  }
  return out;
}

/// Quantizes constant values at `scale` into an i32 constant of `type`'s
/// shape; fails when a value does not fit.
static DenseElementsAttr quantizeConstant(ArrayRef<double> values,
                                          RankedTensorType type,
                                          function_ref<double(size_t)> scale) {
  SmallVector<APInt> q;
  for (auto [i, v] : llvm::enumerate(values)) {
    double r = nm::roundToIntegral(v / scale(i), nm::RoundingMode::HalfToEven);
    if (std::fabs(r) > 2147483647.0)
      return {};
    q.push_back(APInt(32, static_cast<int64_t>(r), /*isSigned=*/true));
  }
  return DenseElementsAttr::get(
      RealizeContext::withElementType(type,
                                      IntegerType::get(type.getContext(), 32)),
      q);
}

/// `acc + bias` in int32 at the accumulator's scales, then one requantize:
/// the add of a constant that varies at most along the last dimension to a
/// contraction realized without an output point (annotate leaves that
/// point out when the add is the contraction's only reader).
static LogicalResult realizeBiasAdd(tosa::AddOp op, RealizeContext &ctx,
                                    SimQuantizeOp out) {
  auto resTy = cast<RankedTensorType>(op.getType());
  int64_t n = resTy.getShape().back();
  for (unsigned i = 0; i < 2; ++i) {
    Value accF = op->getOperand(i);
    const RealizeContext::Accumulator *acc = ctx.getAccumulator(accF);
    DenseElementsAttr bias = floatConstant(op->getOperand(1 - i));
    if (!acc || !bias ||
        cast<RankedTensorType>(accF.getType()).getShape() != resTy.getShape())
      continue;
    if (!RealizeContext::isBiasShaped(cast<ShapedType>(bias.getType()), resTy))
      continue;
    ArrayRef<double> scales = acc->scales;
    auto scaleOf = [&](int64_t c) {
      return scales[scales.size() == 1 ? 0 : c];
    };
    DenseElementsAttr q1 = RealizeContext::quantizeBias(bias, n, scaleOf);
    SmallVector<int64_t> shape(resTy.getRank(), 1);
    shape.back() = n;
    auto i32 = ctx.intType(32);
    DenseElementsAttr q = q1.reshape(RankedTensorType::get(shape, i32));
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value sum = tosa::AddOp::create(
        b, loc, RealizeContext::withElementType(resTy, i32), acc->value,
        RealizeContext::tosaConst(b, loc, q));
    QuantParamsAttr p = out.getParams();
    Value r = ctx.requantize(b, loc, sum, scales, 0, resTy.getRank() - 1, p,
                             ctx.intType(p.getBits()), out.getRounding());
    if (!r) {
      sum.getDefiningOp()->erase();
      return failure();
    }
    ctx.finish(op, out, IntValue{r, p});
    return success();
  }
  return failure();
}

LogicalResult mlir::qsim::realizeTosaAdd(Operation *operation,
                                         RealizeContext &ctx,
                                         SimQuantizeOp out) {
  auto op = cast<tosa::AddOp>(operation);
  if (out && succeeded(realizeBiasAdd(op, ctx, out)))
    return success();
  Value lhsF = op.getInput1(), rhsF = op.getInput2();
  auto resTy = cast<RankedTensorType>(op.getType());
  // qsim.add broadcasts only its rhs.
  if (cast<RankedTensorType>(lhsF.getType()).getShape() != resTy.getShape())
    std::swap(lhsF, rhsF);
  if (cast<RankedTensorType>(lhsF.getType()).getShape() != resTy.getShape())
    return failure();
  std::optional<IntValue> lhs = ctx.getInt(lhsF);
  if (!lhs || floatConstant(lhsF))
    return failure();
  DenseElementsAttr rhsCst = floatConstant(rhsF);
  std::optional<IntValue> rhs;
  if (!rhsCst) {
    rhs = ctx.getInt(rhsF);
    if (!rhs)
      return failure();
  }
  unsigned bits = lhs->params.getBits();
  if (rhs)
    bits = std::max(bits, rhs->params.getBits());
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32 = ctx.intType(32);
  double s1 = lhs->params.getScale();
  Value a32, b32;
  double sa, sb, sc;
  int e;
  bool exact = false;
  if (rhs && !lhs->params.hasZeroPoints() && !rhs->params.hasZeroPoints()) {
    // Scales a power of two apart: the finer side stays, the coarser one is
    // shifted left exactly; |x| <= 2^(bits-1) * 2^k, twice, fits int32.
    double s2 = rhs->params.getScale();
    double hiS = std::max(s1, s2), loS = std::min(s1, s2);
    if (nm::isPowerOfTwo(hiS / loS, &e) && std::ldexp(loS, e) == hiS &&
        static_cast<int>(bits) + e + 1 <= 31) {
      exact = true;
      a32 = CastOp::create(
          b, loc, RealizeContext::withElementType(lhs->value.getType(), i32),
          lhs->value, UnitAttr());
      b32 = CastOp::create(
          b, loc, RealizeContext::withElementType(rhs->value.getType(), i32),
          rhs->value, UnitAttr());
      sa = s1;
      sb = s2;
      sc = loS;
    }
  }
  if (!exact) {
    // A common 32-bit scale fine enough that rescaling loses nothing that
    // matters, coarse enough that |terms| <= 2^29 and the sum fits int32.
    double qmax = nm::maxValue(bits, true);
    double range2 = 0;
    SmallVector<double> cvals;
    if (rhs) {
      range2 = rhs->params.getScale();
    } else {
      cvals = floatValues(rhsCst);
      double amax = 0;
      for (double v : cvals)
        amax = std::max(amax, std::fabs(v));
      range2 = amax / qmax;
    }
    sc = std::ldexp(std::max(s1, range2), -(29 - static_cast<int>(bits)));
    // x (scale s, zero point zp) -> x - zp at the common scale sc.
    auto rescale = [&](IntValue v, double s) {
      return ctx.requantize(b, loc, v.value, {s / sc}, v.params.getZeroPoint(),
                            std::nullopt, QuantParamsAttr(), i32,
                            out.getRounding());
    };
    a32 = rescale(*lhs, s1);
    if (rhs) {
      b32 = rescale(*rhs, rhs->params.getScale());
    } else {
      DenseElementsAttr q =
          quantizeConstant(cvals, cast<RankedTensorType>(rhsCst.getType()),
                           [&](size_t) { return sc; });
      if (!q)
        return failure();
      b32 = RealizeContext::tosaConst(b, loc, q);
    }
    if (!a32 || !b32)
      return failure();
    sa = sb = sc;
  }
  auto add = AddOp::create(
      b, loc, RealizeContext::withElementType(resTy, i32), a32, b32,
      DenseF64ArrayAttr::get(b.getContext(), {sa}),
      DenseF64ArrayAttr::get(b.getContext(), {sb}),
      DenseF64ArrayAttr::get(b.getContext(), {sc}), IntegerAttr());
  QuantParamsAttr p = out.getParams();
  Value r = ctx.requantize(b, loc, add, {sc}, 0, std::nullopt, p,
                           ctx.intType(p.getBits()), out.getRounding());
  if (!r)
    return failure();
  ctx.finish(op, out, IntValue{r, p});
  return success();
}

LogicalResult mlir::qsim::realizeTosaMul(Operation *operation,
                                         RealizeContext &ctx,
                                         SimQuantizeOp out) {
  auto op = cast<tosa::MulOp>(operation);
  Value lhsF = op.getInput1(), rhsF = op.getInput2();
  auto resTy = cast<RankedTensorType>(op.getType());
  if (cast<RankedTensorType>(lhsF.getType()).getShape() != resTy.getShape())
    std::swap(lhsF, rhsF);
  if (cast<RankedTensorType>(lhsF.getType()).getShape() != resTy.getShape() ||
      floatConstant(lhsF))
    return failure();
  std::optional<IntValue> x = ctx.getInt(lhsF);
  if (!x)
    return failure();
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32 = ctx.intType(32);
  Value x32 = ctx.widen(b, loc, *x);
  SmallVector<double> gScales;
  std::optional<int64_t> axis;
  Value g32;
  if (DenseElementsAttr g = floatConstant(rhsF)) {
    // A per-channel affine factor (batch norm): 16-bit-class precision per
    // channel along the last dim when the constant varies only there.
    auto gTy = cast<RankedTensorType>(g.getType());
    int64_t n = gTy.getNumElements();
    bool lastDimOnly = gTy.getRank() == resTy.getRank() &&
                       gTy.getShape().back() == n &&
                       resTy.getShape().back() == n;
    SmallVector<double> vals = floatValues(g);
    unsigned gBits =
        std::min<unsigned>(16, 30 - static_cast<int>(x->params.getBits()));
    double gmax = nm::maxValue(gBits, true);
    size_t channels = lastDimOnly ? n : 1;
    for (size_t c = 0; c < channels; ++c) {
      double amax = 0;
      for (size_t i = 0; i < vals.size(); ++i)
        if (channels == 1 || i == c)
          amax = std::max(amax, std::fabs(vals[i]));
      gScales.push_back(amax > 0 ? amax / gmax : 1.0);
    }
    if (channels > 1)
      axis = resTy.getRank() - 1;
    DenseElementsAttr q = quantizeConstant(
        vals, gTy, [&](size_t i) { return gScales[channels > 1 ? i : 0]; });
    if (!q)
      return failure();
    g32 = RealizeContext::tosaConst(b, loc, q);
  } else {
    std::optional<IntValue> y = ctx.getInt(rhsF);
    if (!y)
      return failure();
    g32 = ctx.widen(b, loc, *y);
    gScales.push_back(y->params.getScale());
  }
  SmallVector<double> accScales;
  for (double s : gScales)
    accScales.push_back(static_cast<double>(x->params.getScale()) * s);
  auto mul = MulOp::create(
      b, loc, RealizeContext::withElementType(resTy, i32), x32, g32,
      DenseF64ArrayAttr::get(b.getContext(),
                             {static_cast<double>(x->params.getScale())}),
      DenseF64ArrayAttr::get(b.getContext(), gScales),
      DenseF64ArrayAttr::get(b.getContext(), accScales),
      axis ? b.getI64IntegerAttr(*axis) : IntegerAttr());
  QuantParamsAttr p = out.getParams();
  Value r = ctx.requantize(b, loc, mul, accScales, 0, axis, p,
                           ctx.intType(p.getBits()), out.getRounding());
  if (!r)
    return failure();
  ctx.finish(op, out, IntValue{r, p});
  return success();
}
