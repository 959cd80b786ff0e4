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
  // Output channels: dim 1 for NCHW convolutions, the last dim otherwise.
  int64_t chanDim = isa<linalg::Conv2DNchwFchwOp>(op.getOperation())
                        ? 1
                        : resTy.getRank() - 1;
  int64_t numOut = resTy.getDimSize(chanDim);
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
                linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNhwcHwcOp,
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
  Value r = ctx.requantize(b, loc, acc->getResult(0), scales, 0, chanDim, p,
                           ctx.intType(p.getBits()), out.getRounding());
  if (!r)
    return failure();
  ctx.finish(op, out, IntValue{r, p});
  return success();
}
