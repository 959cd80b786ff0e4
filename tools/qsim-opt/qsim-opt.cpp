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
#include "qsim/InitAll.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::qsim::registerAllDialects(registry);

  mlir::registerAllPasses();
  mlir::qsim::registerAllPasses();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "qsim-mlir optimizer driver\n", registry));
}
