//===- qsim-opt.cpp - qsim optimizer driver -------------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with the qsim dialect, its passes and the quantization rules of
// TOSA and linalg ops. Every upstream dialect and pass is registered too, so
// a user's input (TOSA, linalg, func, arith, tensor, ...) parses and the
// lowering pipelines can be composed from one tool.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "qsim/Conversion/Passes.h"
#include "qsim/Dialect/QSim/Extensions/QuantizableOpInterfaceImpl.h"
#include "qsim/Dialect/QSim/IR/QSimDialect.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "qsim/Pipelines/Pipelines.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mlir::qsim::QSimDialect>();
  mlir::qsim::registerQuantizableOpInterfaceExternalModels(registry);

  mlir::registerAllPasses();
  mlir::qsim::registerQSimPasses();
  mlir::qsim::registerQSimCPUPipeline();
  mlir::qsim::registerQSimGPUPipeline();
  mlir::qsim::registerQSimQuantizePipeline();
  mlir::qsim::registerQSimConversionPasses();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "qsim-mlir optimizer driver\n", registry));
}
