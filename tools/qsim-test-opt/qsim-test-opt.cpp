//===- qsim-test-opt.cpp - qsim-opt with the test passes ------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// qsim-opt plus the test-only passes and pipelines of test/lib, as mlir-opt
// links mlir/test/lib. Only the lit tests use it; it is not installed.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "qsim/InitAll.h"

namespace mlir {
namespace qsim {
namespace test {
void registerTestCPUEmulationPipeline();
void registerTestGPUEmulationPipeline();
} // namespace test
} // namespace qsim
} // namespace mlir

static void registerTestPasses() {
  mlir::qsim::test::registerTestCPUEmulationPipeline();
  mlir::qsim::test::registerTestGPUEmulationPipeline();
}

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::qsim::registerAllDialects(registry);

  mlir::registerAllPasses();
  mlir::qsim::registerAllPasses();
  registerTestPasses();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "qsim-mlir optimizer driver with test passes\n", registry));
}
