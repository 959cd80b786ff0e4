//===- TosaRealize.cpp - integer rules of TOSA ops ------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The `realize` rules of tosa.conv2d, depthwise_conv2d, matmul, clamp,
// avg_pool2d and concat: int8 operands, int32 accumulation and a requantize to
// the output's parameters. max_pool2d, reshape, transpose and slice keep
// their input's scale and use the interface's default rule.
//
//===----------------------------------------------------------------------===//

#include "RealizeRules.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "qsim/Dialect/QSim/Transforms/RealizeContext.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qsim;
namespace nm = mlir::qsim::numerics;

//===----------------------------------------------------------------------===//
// Convolutions and matmul
//===----------------------------------------------------------------------===//

/// The float result of an integer accumulator `acc` whose last dimension
/// has the per-channel `scales`: f32(acc) * f32(scale[c]), for a
/// contraction realized without an output point.
static Value accumulatorToFloat(OpBuilder &b, Location loc, Value acc,
                                ArrayRef<double> scales,
                                RankedTensorType floatType) {
  auto cast = tosa::CastOp::create(b, loc, floatType, acc);
  SmallVector<int64_t> shape(floatType.getRank(), 1);
  shape.back() = static_cast<int64_t>(scales.size());
  SmallVector<float> values(scales.begin(), scales.end());
  auto scaleType = RankedTensorType::get(shape, floatType.getElementType());
  Value scale = RealizeContext::tosaConst(
      b, loc, DenseElementsAttr::get(scaleType, ArrayRef<float>(values)));
  // tosa.mul's shift operand: a one-element i8 zero.
  Value shift = RealizeContext::zeroPointTensor(b, loc, 0, b.getI8Type());
  return tosa::MulOp::create(b, loc, floatType, cast, scale, shift);
}

LogicalResult mlir::qsim::realizeTosaConv(Operation *op, RealizeContext &ctx,
                                          SimQuantizeOp out) {
  std::optional<IntValue> in = ctx.getInt(op->getOperand(0));
  std::optional<IntValue> w = ctx.getInt(op->getOperand(1));
  DenseElementsAttr bias;
  if (!in || !w || in->params.isPerChannel() || w->params.hasZeroPoints() ||
      in->params.getBits() != 8 || w->params.getBits() != 8 ||
      !matchPattern(op->getOperand(2), m_Constant(&bias)))
    return failure();
  auto resTy = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t numOut = resTy.getShape().back();
  int64_t numW = w->params.getNumScales();
  // Depthwise: output channel c*M+m uses the scale of input channel c.
  int64_t perW = numW == 1 ? numOut : numOut / numW;
  double sIn = in->params.getScale();
  auto accScale = [&](int64_t c) {
    return sIn *
           static_cast<double>(w->params.getScale(numW == 1 ? 0 : c / perW));
  };
  OpBuilder b(op);
  Location loc = op->getLoc();
  Value biasQ = RealizeContext::tosaConst(
      b, loc, RealizeContext::quantizeBias(bias, numOut, accScale));
  Value inZp = RealizeContext::zeroPointTensor(
      b, loc, in->params.getZeroPoint(), ctx.intType(8));
  Value wZp = RealizeContext::zeroPointTensor(b, loc, 0, ctx.intType(8));
  Operation *conv = b.clone(*op);
  conv->setOperands({in->value, w->value, biasQ, inZp, wZp});
  conv->getResult(0).setType(
      RealizeContext::withElementType(resTy, ctx.intType(32)));
  conv->setAttr("acc_type", TypeAttr::get(ctx.intType(32)));
  SmallVector<double> scales;
  for (int64_t c = 0; c < numOut; ++c)
    scales.push_back(accScale(c));
  if (!out) {
    ctx.finishFloat(op, accumulatorToFloat(b, loc, conv->getResult(0), scales,
                                           resTy));
    return success();
  }
  QuantParamsAttr p = out.getParams();
  Value r =
      ctx.requantize(b, loc, conv->getResult(0), scales, 0, resTy.getRank() - 1,
                     p, ctx.intType(p.getBits()), out.getRounding());
  if (!r) {
    conv->erase();
    return failure();
  }
  ctx.finish(op, out, IntValue{r, p});
  return success();
}

LogicalResult mlir::qsim::realizeTosaMatmul(Operation *operation,
                                            RealizeContext &ctx,
                                            SimQuantizeOp out) {
  auto op = cast<tosa::MatMulOp>(operation);
  std::optional<IntValue> a = ctx.getInt(op.getA());
  std::optional<IntValue> w = ctx.getInt(op.getB());
  if (!a || !w || a->params.isPerChannel() || a->params.getBits() != 8 ||
      w->params.getBits() != 8 ||
      (w->params.isPerChannel() && w->params.hasZeroPoints()))
    return failure();
  auto resTy = cast<RankedTensorType>(op.getType());
  int64_t numOut = resTy.getShape().back();
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value aZp = RealizeContext::zeroPointTensor(b, loc, a->params.getZeroPoint(),
                                              ctx.intType(8));
  Value bZp = RealizeContext::zeroPointTensor(b, loc, w->params.getZeroPoint(),
                                              ctx.intType(8));
  auto mm = tosa::MatMulOp::create(
      b, loc, RealizeContext::withElementType(resTy, ctx.intType(32)), a->value,
      w->value, aZp, bZp);
  SmallVector<double> scales;
  for (int64_t c = 0; c < numOut; ++c)
    scales.push_back(static_cast<double>(a->params.getScale()) *
                     w->params.getScale(w->params.isPerChannel() ? c : 0));
  if (!out) {
    Value f = accumulatorToFloat(b, loc, mm, scales, resTy);
    ctx.recordAccumulator(f, mm, scales);
    ctx.finishFloat(op, f);
    return success();
  }
  QuantParamsAttr p = out.getParams();
  Value r = ctx.requantize(b, loc, mm, scales, 0, resTy.getRank() - 1, p,
                           ctx.intType(p.getBits()), out.getRounding());
  if (!r)
    return failure();
  ctx.finish(op, out, IntValue{r, p});
  return success();
}

//===----------------------------------------------------------------------===//
// Clamp, pooling, concat
//===----------------------------------------------------------------------===//

LogicalResult mlir::qsim::realizeTosaClamp(Operation *operation,
                                           RealizeContext &ctx,
                                           SimQuantizeOp out) {
  auto op = cast<tosa::ClampOp>(operation);
  std::optional<IntValue> x = ctx.getInt(op.getInput());
  auto minAttr = dyn_cast<FloatAttr>(op.getMinValAttr());
  auto maxAttr = dyn_cast<FloatAttr>(op.getMaxValAttr());
  if (!x || !minAttr || !maxAttr)
    return failure();
  QuantParamsAttr p = out.getParams();
  auto bound = [&](double v) {
    return nm::quantize(static_cast<float>(v), p.getScale(), p.getZeroPoint(),
                        p.getBits(), p.getIsSigned(),
                        toNumerics(out.getRounding()));
  };
  int64_t lo = bound(minAttr.getValueAsDouble());
  int64_t hi = bound(maxAttr.getValueAsDouble());
  OpBuilder b(op);
  Value r = ctx.requantize(b, op.getLoc(), x->value, {x->params.getScale()},
                           x->params.getZeroPoint(), std::nullopt, p,
                           ctx.intType(p.getBits()), out.getRounding(), lo, hi);
  if (!r)
    return failure();
  ctx.finish(op, out, IntValue{r, p});
  return success();
}

LogicalResult mlir::qsim::realizeTosaAvgPool(Operation *operation,
                                             RealizeContext &ctx,
                                             SimQuantizeOp out) {
  auto op = cast<tosa::AvgPool2dOp>(operation);
  std::optional<IntValue> x = ctx.getInt(op.getInput());
  if (!x || x->params.isPerChannel() ||
      llvm::any_of(op.getPad(), [](int64_t p) { return p != 0; }))
    return failure();
  ArrayRef<int64_t> kernel = op.getKernel();
  ArrayRef<int64_t> stride = op.getStride();
  auto resTy = cast<RankedTensorType>(op.getType());
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32 = ctx.intType(32);
  int64_t count = kernel[0] * kernel[1];
  // linalg.pooling_nhwc_sum sign-extends its input to the accumulator type,
  // so int8 input is summed as it is, without an i32 copy of the feature
  // map (the CPU kernels' int8 pooling form), and the window's zero points,
  // count * zp, are taken off by the requantize. Exact while the sum cannot
  // leave i32; otherwise (and for unsigned storage, which the sign extension
  // would misread) the input is widened, minus zp, first.
  unsigned bits = x->params.getBits();
  int64_t zp = x->params.getZeroPoint();
  bool direct = x->params.getIsSigned() && bits <= 16 &&
                count < (int64_t(1) << (31 - bits));
  Value in = direct ? x->value : ctx.widen(b, loc, *x);
  auto accTy = RealizeContext::withElementType(resTy, i32);
  Value init = RealizeContext::zeroAccumulator(b, loc, accTy);
  Value window = tensor::EmptyOp::create(b, loc, kernel, i32);
  auto sum = linalg::PoolingNhwcSumOp::create(
      b, loc, TypeRange{accTy}, ValueRange{in, window}, ValueRange{init},
      ArrayRef<NamedAttribute>{
          b.getNamedAttr("strides", b.getI64TensorAttr(stride)),
          b.getNamedAttr("dilations", b.getI64TensorAttr({1, 1}))});
  QuantParamsAttr p = out.getParams();
  Value r = ctx.requantize(
      b, loc, sum.getResult(0),
      {static_cast<double>(x->params.getScale()) / static_cast<double>(count)},
      direct ? count * zp : 0, std::nullopt, p, ctx.intType(p.getBits()),
      out.getRounding());
  if (!r)
    return failure();
  ctx.finish(op, out, IntValue{r, p});
  return success();
}

LogicalResult mlir::qsim::realizeTosaConcat(Operation *operation,
                                            RealizeContext &ctx,
                                            SimQuantizeOp out) {
  auto op = cast<tosa::ConcatOp>(operation);
  QuantParamsAttr p = out.getParams();
  OpBuilder b(op);
  SmallVector<Value> ins;
  for (Value in : op.getInput1()) {
    std::optional<IntValue> x = ctx.getInt(in);
    if (!x || x->params.isPerChannel() || x->params.getBits() != p.getBits())
      return failure();
    Value v = x->value;
    if (x->params != p)
      v = ctx.requantize(b, op.getLoc(), v, {x->params.getScale()},
                         x->params.getZeroPoint(), std::nullopt, p,
                         ctx.intType(p.getBits()), out.getRounding());
    if (!v)
      return failure();
    ins.push_back(v);
  }
  Operation *clone = b.clone(*op);
  clone->setOperands(ins);
  clone->getResult(0).setType(
      RealizeContext::withElementType(op.getType(), ctx.intType(p.getBits())));
  ctx.finish(op, out, IntValue{clone->getResult(0), p});
  return success();
}

LogicalResult mlir::qsim::realizeTosaPad(Operation *operation,
                                         RealizeContext &ctx,
                                         SimQuantizeOp out) {
  auto op = cast<tosa::PadOp>(operation);
  std::optional<IntValue> x = ctx.getInt(op.getInput1());
  DenseFPElementsAttr padAttr;
  if (!x || x->params.isPerChannel() ||
      !matchPattern(op.getPadConst(), m_Constant(&padAttr)) ||
      padAttr.getNumElements() != 1)
    return failure();
  // The padding value must be on the input's grid (a zero-padded
  // convolution input: the zero point); otherwise the op stays float.
  QuantParamsAttr p = x->params;
  double q = padAttr.getValues<APFloat>()[0].convertToDouble() /
                 p.getScale() +
             p.getZeroPoint();
  if (q != std::round(q) || q < p.getQMin() || q > p.getQMax())
    return failure();
  OpBuilder b(op);
  Type intType = ctx.intType(p.getBits());
  auto constType = RankedTensorType::get({1}, intType);
  Value padConst = tosa::ConstOp::create(
      b, op.getLoc(), constType,
      DenseElementsAttr::get(constType,
                             b.getIntegerAttr(intType, int64_t(q))));
  Value r = tosa::PadOp::create(
      b, op.getLoc(),
      RealizeContext::withElementType(op.getType(), intType), x->value,
      op.getPadding(), padConst);
  ctx.finish(op, out, IntValue{r, p});
  return success();
}
