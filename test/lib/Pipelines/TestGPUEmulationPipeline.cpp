//===- TestGPUEmulationPipeline.cpp - GPU loop rewrites on the CPU --------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// `--qsim-gpu-emulation-pipeline`: the loop transformations of
// --qsim-gpu-pipeline on the CPU. The same parallel loop nests (fusion,
// accumulators in registers, the dp4a rewrite with the dot product as vector
// arithmetic) run sequentially on the host. Not a way to run models: it tests
// the rewrites for bit-exactness against --qsim-cpu-pipeline where no GPU is
// available (test/GPU/emulation.mlir).
//
//===----------------------------------------------------------------------===//

#include "qsim/Pipelines/Pipelines.h"
#include "qsim/Transforms/GPU/Passes.h"
#include "qsim/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::qsim;

static void buildGPUEmulationPipeline(OpPassManager &pm,
                                      const QSimGPUPipelineOptions &options) {
  QSimMarkEntryPointsOptions entry;
  entry.emitCInterface = options.emitCInterface;
  pm.addPass(createQSimMarkEntryPoints(entry));
  addTensorToBufferPasses(pm);
  addGPUParallelLoopPasses(pm.nest<func::FuncOp>(), options,
                           /*emulateDot4=*/true);
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  addHostToLLVMPasses(pm, /*gpuRuntimeCalls=*/false);
}

namespace mlir {
namespace qsim {
namespace test {
void registerTestGPUEmulationPipeline() {
  PassPipelineRegistration<>(
      "qsim-test-gpu-int8-dot4-emulated",
      "Test pass: --qsim-gpu-int8-dot4 with the dot product as vector "
      "arithmetic (runs on the CPU)",
      [](OpPassManager &pm) {
        pm.addNestedPass<func::FuncOp>(createQSimGPUInt8Dot4EmulatingDots());
      });
  PassPipelineRegistration<QSimGPUPipelineOptions>(
      "qsim-gpu-emulation-pipeline",
      "Test pipeline: the parallel loop nests of --qsim-gpu-pipeline (fusion, "
      "accumulator promotion, dp4a as vector arithmetic) lowered for the "
      "host CPU, to check them bit for bit against --qsim-cpu-pipeline "
      "without a GPU",
      buildGPUEmulationPipeline);
}
} // namespace test
} // namespace qsim
} // namespace mlir
