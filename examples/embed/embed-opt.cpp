//===- embed-opt.cpp - qsim embedded in another MLIR tool -----------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// How an MLIR compiler embeds qsim: register the dialect, the passes and the
// external models it wants, and attach QuantizableOpInterface to its own ops
// (here linalg.conv_1d_nwc_wcf stands for "an op of the embedder").
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "qsim/Dialect/QSim/Extensions/QuantizableOpInterfaceImpl.h"
#include "qsim/Dialect/QSim/IR/QSimOps.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"

using namespace mlir;

namespace {
/// The embedder's rule for a 1-D convolution: input, weight [W, C, F] with
/// output channels on axis 2.
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
  return asMainReturnCode(
      MlirOptMain(argc, argv, "qsim embedding example\n", registry));
}
