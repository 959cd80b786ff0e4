//===- CPUPipeline.cpp - tensors to the LLVM dialect for the CPU ----------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// `--qsim-cpu-pipeline`: a composition of upstream passes that lowers TOSA,
// linalg, tensor, arith and math on ranked static tensors to the LLVM dialect
// for mlir::ExecutionEngine. Loops are plain scf loops for now; tiling,
// packing and vectorization slot in between bufferization and the lowering to
// loops later.
//
//===----------------------------------------------------------------------===//

#include "qsim/Pipelines/Pipelines.h"

#include "PipelineUtils.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::qsim::buildQSimCPUPipeline(OpPassManager &pm,
                                      const QSimCPUPipelineOptions &options) {
  pm.addPass(createMarkEntryPointsPass("qsim-cpu-mark-entry-points",
                                      options.emitCInterface,
                                      /*registerGPUTranslations=*/false));
  addTensorToBufferPasses(pm);

  // Loops. The place for tiling, packing and vectorization later.
  pm.nest<func::FuncOp>().addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // To the LLVM dialect.
  addHostToLLVMPasses(pm, /*gpuRuntimeCalls=*/false);
}

void mlir::qsim::registerQSimCPUPipeline() {
  PassPipelineRegistration<QSimCPUPipelineOptions>(
      "qsim-cpu-pipeline",
      "Lower TOSA/linalg/arith/math/tensor on static tensors to the LLVM "
      "dialect for the CPU (mlir::ExecutionEngine, qsim-run)",
      buildQSimCPUPipeline);
}
