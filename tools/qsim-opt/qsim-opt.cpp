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
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::qsim::registerAllDialects(registry);

  mlir::registerAllPasses();
  mlir::qsim::registerAllPasses();

  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "qsim-mlir optimizer driver\n", registry);
  // The input is read to its end: a device such as /dev/zero never ends.
  if (inputFilename != "-") {
    llvm::sys::fs::file_status status;
    if (!llvm::sys::fs::status(inputFilename, status) &&
        status.type() != llvm::sys::fs::file_type::regular_file &&
        status.type() != llvm::sys::fs::file_type::directory_file) {
      llvm::errs() << "qsim-opt: error: cannot open input file '"
                   << inputFilename << "': not a regular file\n";
      return 1;
    }
  }
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
}
