//===- RealizeContext.cpp - building blocks of realize rules --------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Dialect/QSim/Transforms/RealizeContext.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "qsim/Dialect/QSim/IR/QSimInterfaces.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::qsim;
namespace nm = mlir::qsim::numerics;

/// Derives the integer form of a positive real factor: an exact power of
/// two becomes a shift, anything else the Q31 fixed-point form.
static std::optional<nm::FixedPointMultiplier> multiplierFor(double real) {
  if (auto p = nm::derivePowerOfTwoMultiplier(real))
    return p;
  return nm::deriveFixedPointMultiplier(real);
}

std::optional<IntValue> RealizeContext::getInt(Value f) {
  auto it = intOf.find(f);
  if (it != intOf.end())
    return it->second;
  auto sq = f.getDefiningOp<SimQuantizeOp>();
  if (!sq)
    return std::nullopt;
  OpBuilder b(ctx);
  b.setInsertionPointAfter(sq);
  QuantParamsAttr p = sq.getParams();
  auto q = QuantizeOp::create(
      b, sq.getLoc(), withElementType(f.getType(), intType(p.getBits())),
      sq.getInput(), p, sq.getRoundingAttr(), sq.getPointAttr());
  IntValue v{q.getResult(), p};
  intOf[f] = v;
  return v;
}

void RealizeContext::finish(Operation *op, SimQuantizeOp out, IntValue result) {
  Value v = result.value;
  if (result.params != out.getParams()) {
    OpBuilder b(op);
    b.setInsertionPointAfterValue(v);
    QuantParamsAttr p = out.getParams();
    v = requantize(b, op->getLoc(), v, {result.params.getScale()},
                   result.params.getZeroPoint(), std::nullopt, p,
                   intType(p.getBits()), out.getRounding());
  }
  intOf[out.getResult()] = IntValue{v, out.getParams()};
  realized.insert(op);
}

void RealizeContext::finishFloat(Operation *op, Value value) {
  op->getResult(0).replaceAllUsesWith(value);
  realized.insert(op);
}

bool RealizeContext::isBiasShaped(ShapedType bias, ShapedType result) {
  if (!bias.hasRank() || !result.hasRank() ||
      bias.getRank() != result.getRank() || bias.getRank() == 0)
    return false;
  ArrayRef<int64_t> bs = bias.getShape();
  return llvm::all_of(bs.drop_back(), [](int64_t d) { return d == 1; }) &&
         (bs.back() == 1 || bs.back() == result.getShape().back());
}

void RealizeContext::recordAccumulator(Value floatResult, Value acc,
                                       ArrayRef<double> scales) {
  accOf[floatResult] = Accumulator{acc, SmallVector<double>(scales)};
}

const RealizeContext::Accumulator *
RealizeContext::getAccumulator(Value floatResult) const {
  auto it = accOf.find(floatResult);
  return it == accOf.end() ? nullptr : &it->second;
}

Value RealizeContext::requantize(OpBuilder &b, Location loc, Value acc,
                                 ArrayRef<double> inScales, int64_t inZp,
                                 std::optional<int64_t> axis,
                                 QuantParamsAttr out, Type outElem,
                                 RoundingMode mode, std::optional<int64_t> lo,
                                 std::optional<int64_t> hi) {
  SmallVector<int32_t> mults, shifts;
  for (double s : inScales) {
    std::optional<nm::FixedPointMultiplier> m =
        multiplierFor(s / static_cast<double>(out ? out.getScale() : 1.0f));
    if (!m)
      return {};
    mults.push_back(m->multiplier);
    shifts.push_back(m->shift);
  }
  // One entry when every channel agrees.
  if (llvm::all_equal(mults) && llvm::all_equal(shifts)) {
    mults.resize(1);
    shifts.resize(1);
    axis = std::nullopt;
  }
  auto i64 = IntegerType::get(ctx, 64);
  auto intAttr = [&](int64_t v) { return IntegerAttr::get(i64, v); };
  int64_t outZp = out ? out.getZeroPoint() : 0;
  return RequantizeOp::create(
      b, loc, withElementType(acc.getType(), outElem), acc,
      DenseI32ArrayAttr::get(ctx, mults), DenseI32ArrayAttr::get(ctx, shifts),
      axis ? intAttr(*axis) : IntegerAttr(), intAttr(inZp), intAttr(outZp),
      lo ? intAttr(*lo) : IntegerAttr(), hi ? intAttr(*hi) : IntegerAttr(),
      UnitAttr(), UnitAttr(), RoundingModeAttr::get(ctx, mode));
}

Value RealizeContext::widen(OpBuilder &b, Location loc, IntValue x) {
  Type i32 = withElementType(x.value.getType(), intType(32));
  if (x.params.getZeroPoint() == 0)
    return CastOp::create(b, loc, i32, x.value, UnitAttr());
  // (x - zp) by an identity requantize that subtracts the zero point.
  return requantize(b, loc, x.value, {1.0}, x.params.getZeroPoint(),
                    std::nullopt, QuantParamsAttr(), intType(32),
                    RoundingMode::HalfToEven);
}

Value RealizeContext::tosaConst(OpBuilder &b, Location loc,
                                DenseElementsAttr attr) {
  return tosa::ConstOp::create(b, loc, attr.getType(), attr);
}

Value RealizeContext::zeroPointTensor(OpBuilder &b, Location loc, int64_t zp,
                                      Type elem) {
  auto type = RankedTensorType::get({1}, elem);
  return tosaConst(
      b, loc,
      DenseElementsAttr::get(
          type, APInt(elem.getIntOrFloatBitWidth(), zp, /*isSigned=*/true)));
}

Value RealizeContext::zeroAccumulator(OpBuilder &b, Location loc,
                                      RankedTensorType type) {
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  Value zero = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type.getElementType(), 0));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

DenseElementsAttr
RealizeContext::quantizeBias(DenseElementsAttr bias, int64_t numOut,
                             function_ref<double(int64_t)> accScale) {
  SmallVector<APInt> q;
  SmallVector<float> values;
  for (APFloat v : bias.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(v.convertToFloat());
  }
  for (int64_t c = 0; c < numOut; ++c) {
    double b = values[values.size() == 1 ? 0 : c];
    double r =
        nm::roundToIntegral(b / accScale(c), nm::RoundingMode::HalfToEven);
    r = std::clamp(r, -2147483648.0, 2147483647.0);
    q.push_back(APInt(32, static_cast<int64_t>(r), /*isSigned=*/true));
  }
  auto type =
      RankedTensorType::get({numOut}, IntegerType::get(bias.getContext(), 32));
  return DenseElementsAttr::get(type, q);
}

LogicalResult mlir::qsim::detail::realizeScalePreserving(RealizeContext &ctx,
                                                         Operation *op,
                                                         SimQuantizeOp out) {
  // A destination-style op would keep its float init: it needs its own rule.
  if (!cast<QuantizableOpInterface>(op).preservesScale() ||
      isa<DestinationStyleOpInterface>(op) || op->getNumOperands() == 0)
    return failure();
  std::optional<IntValue> x = ctx.getInt(op->getOperand(0));
  if (!x || x->params.isPerChannel())
    return failure();
  OpBuilder b(op);
  Operation *clone = b.clone(*op);
  clone->setOperand(0, x->value);
  clone->getResult(0).setType(RealizeContext::withElementType(
      op->getResult(0).getType(), ctx.intType(x->params.getBits())));
  ctx.finish(op, out, IntValue{clone->getResult(0), x->params});
  return success();
}
