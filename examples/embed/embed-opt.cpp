//===- embed-opt.cpp - qsim embedded in another MLIR tool -----------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// How an MLIR compiler embeds qsim: register the dialect, the passes and the
// external models it wants, and attach QuantizableOpInterface to its own ops
// (here linalg.conv_1d_nwc_wcf stands for "an op of the embedder", one qsim
// has no rule for). The model says which operands are quantized and how the
// op is realized in integers, so annotate -> calibrate -> realize ->
// convert-qsim-to-linalg turn it into an int8 convolution with an int32
// accumulator.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "qsim/Conversion/Passes.h"
#include "qsim/Dialect/QSim/Extensions/QuantizableOpInterfaceImpl.h"
#include "qsim/Dialect/QSim/IR/QSimInterfaces.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "qsim/Dialect/QSim/Transforms/RealizeContext.h"

using namespace mlir;

namespace {
/// The embedder's rule for a 1-D convolution: input, weight [W, C, F] with
/// output channels on axis 2, realized as the same convolution on int8.
struct Conv1DModel
    : qsim::QuantizableOpInterface::ExternalModel<Conv1DModel,
                                                  linalg::Conv1DNwcWcfOp> {
  qsim::QuantOpCategory getQuantCategory(Operation *) const {
    return qsim::QuantOpCategory::Conv;
  }
  std::optional<qsim::QuantKind> getOperandQuantKind(Operation *,
                                                     unsigned i) const {
    if (i == 0)
      return qsim::QuantKind::Input;
    if (i == 1)
      return qsim::QuantKind::Weight;
    return std::nullopt;
  }
  std::optional<int64_t> getWeightChannelAxis(Operation *, unsigned i) const {
    return i == 1 ? std::optional<int64_t>(2) : std::nullopt;
  }

  /// int8 x int8 -> i32 conv_1d_nwc_wcf into a zero-filled init (the float
  /// init is dropped: its values are the caller's, not the conv's), then
  /// one requantize by s_in * s_w[f] / s_out per output channel.
  LogicalResult realize(Operation *op, qsim::RealizeContext &ctx,
                        qsim::SimQuantizeOp out) const {
    auto conv = cast<linalg::Conv1DNwcWcfOp>(op);
    // The accumulator starts at zero only if the float init does too.
    Value init = conv.getOutputs()[0];
    if (auto fill = init.getDefiningOp<linalg::FillOp>())
      init = fill.getInputs()[0];
    if (!matchPattern(init, m_AnyZeroFloat()))
      return failure();
    std::optional<qsim::IntValue> x = ctx.getInt(conv.getInputs()[0]);
    std::optional<qsim::IntValue> w = ctx.getInt(conv.getInputs()[1]);
    // Symmetric 8-bit operands: no zero-point corrections in the sum.
    if (!x || !w || x->params.isPerChannel() || x->params.hasZeroPoints() ||
        w->params.hasZeroPoints() || x->params.getBits() != 8 ||
        w->params.getBits() != 8)
      return failure();
    auto resTy = cast<RankedTensorType>(conv.getResult(0).getType());
    int64_t numOut = resTy.getShape().back();
    OpBuilder b(op);
    Location loc = op->getLoc();
    auto accTy = qsim::RealizeContext::withElementType(resTy, ctx.intType(32));
    Value zero = qsim::RealizeContext::zeroAccumulator(b, loc, accTy);
    auto acc = linalg::Conv1DNwcWcfOp::create(
        b, loc, TypeRange{accTy}, ValueRange{x->value, w->value},
        ValueRange{zero},
        ArrayRef<NamedAttribute>{b.getNamedAttr("strides", conv.getStrides()),
                                 b.getNamedAttr("dilations",
                                                conv.getDilations())});
    SmallVector<double> scales;
    for (int64_t f = 0; f < numOut; ++f)
      scales.push_back(
          static_cast<double>(x->params.getScale()) *
          w->params.getScale(w->params.isPerChannel() ? f : 0));
    qsim::QuantParamsAttr p = out.getParams();
    Value r = ctx.requantize(b, loc, acc.getResult(0), scales, /*inZp=*/0,
                             /*axis=*/resTy.getRank() - 1, p,
                             ctx.intType(p.getBits()), out.getRounding());
    if (!r)
      return failure();
    ctx.finish(op, out, {r, p});
    return success();
  }
};
} // namespace

int main(int argc, char **argv) {
  DialectRegistry registry;
  registry.insert<func::FuncDialect, tosa::TosaDialect, linalg::LinalgDialect,
                  tensor::TensorDialect, arith::ArithDialect,
                  qsim::QSimDialect>();
  qsim::registerQuantizableOpInterfaceExternalModels(registry);
  registry.addExtension(+[](MLIRContext *ctx, linalg::LinalgDialect *) {
    linalg::Conv1DNwcWcfOp::attachInterface<Conv1DModel>(*ctx);
  });
  qsim::registerQSimAnnotate();
  qsim::registerQSimCalibrate();
  qsim::registerQSimRealize();
  qsim::registerConvertQSimToLinalg();
  return asMainReturnCode(
      MlirOptMain(argc, argv, "qsim embedding example\n", registry));
}
