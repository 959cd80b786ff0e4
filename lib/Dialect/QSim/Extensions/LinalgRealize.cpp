//===- LinalgRealize.cpp - integer rules of linalg ops --------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The `realize` rule of linalg convolutions and matmuls: the same named op
// on int8 inputs with a zero-filled i32 init, then a per-channel requantize.
//
//===----------------------------------------------------------------------===//

#include "RealizeRules.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "qsim/Dialect/QSim/Transforms/RealizeContext.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qsim;

LogicalResult mlir::qsim::realizeLinalgContraction(Operation *operation,
                                                   RealizeContext &ctx,
                                                   SimQuantizeOp out) {
  auto op = cast<linalg::LinalgOp>(operation);
  std::optional<IntValue> x = ctx.getInt(op.getDpsInputOperand(0)->get());
  std::optional<IntValue> w = ctx.getInt(op.getDpsInputOperand(1)->get());
  if (!x || !w || x->params.isPerChannel() || x->params.hasZeroPoints() ||
      w->params.hasZeroPoints() || op->getNumResults() != 1)
    return failure();
  auto resTy = cast<RankedTensorType>(op->getResult(0).getType());
  // Output channels: dim 1 for NCHW convolutions, the last dim otherwise;
  // grouped ones have two, (g, f): dims 1-2 (ngchw) or 3-4 (nhwgc), which
  // the requantize sees as one.
  bool grouped =
      isa<linalg::Conv2DNhwgcGfhwcOp, linalg::Conv2DNgchwGfchwOp>(op);
  int64_t chanDim = isa<linalg::Conv2DNchwFchwOp, linalg::Conv2DNgchwGfchwOp>(
                        op.getOperation())
                        ? 1
                        : resTy.getRank() - (grouped ? 2 : 1);
  if (grouped && !resTy.hasStaticShape())
    return failure();
  int64_t numOut = resTy.getDimSize(chanDim) *
                   (grouped ? resTy.getDimSize(chanDim + 1) : 1);
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto accTy = RealizeContext::withElementType(resTy, ctx.intType(32));
  Value init = RealizeContext::zeroAccumulator(b, loc, accTy);
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute a : op->getAttrs())
    if (a.getName() != "operandSegmentSizes")
      attrs.push_back(a);
  Operation *acc =
      llvm::TypeSwitch<Operation *, Operation *>(op.getOperation())
          .Case<linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNhwcHwcfOp,
                linalg::Conv2DNchwFchwOp, linalg::Conv2DNhwgcGfhwcOp,
                linalg::Conv2DNgchwGfchwOp, linalg::DepthwiseConv2DNhwcHwcOp,
                linalg::DepthwiseConv2DNhwcHwcmOp, linalg::MatmulOp,
                linalg::BatchMatmulOp>([&](auto concrete) {
            using OpTy = decltype(concrete);
            return OpTy::create(b, loc, TypeRange{accTy},
                                ValueRange{x->value, w->value},
                                ValueRange{init}, attrs)
                .getOperation();
          })
          .Default([](Operation *) { return nullptr; });
  if (!acc)
    return failure();
  int64_t numW = w->params.getNumScales();
  int64_t perW = numW == 1 ? numOut : numOut / numW;
  SmallVector<double> scales;
  for (int64_t c = 0; c < numOut; ++c)
    scales.push_back(static_cast<double>(x->params.getScale()) *
                     w->params.getScale(numW == 1 ? 0 : c / perW));
  QuantParamsAttr p = out.getParams();
  Value accValue = acc->getResult(0);
  // Grouped: requantized as [.., G * F, ..] (the kernels fuse the
  // requantize through the collapse) and expanded back.
  SmallVector<ReassociationIndices> channels;
  if (grouped) {
    for (int64_t d = 0; d < resTy.getRank(); ++d)
      if (d == chanDim + 1)
        channels.back().push_back(d);
      else
        channels.push_back({d});
    accValue = tensor::CollapseShapeOp::create(b, loc, accValue, channels);
  }
  Value r = ctx.requantize(b, loc, accValue, scales, 0, chanDim, p,
                           ctx.intType(p.getBits()), out.getRounding());
  if (!r)
    return failure();
  if (grouped)
    r = tensor::ExpandShapeOp::create(
        b, loc, RealizeContext::withElementType(resTy, ctx.intType(p.getBits())),
        r, channels);
  ctx.finish(op, out, IntValue{r, p});
  return success();
}
