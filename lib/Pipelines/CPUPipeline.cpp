//===- CPUPipeline.cpp - tensors to the LLVM dialect for the CPU ----------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// `--qsim-cpu-pipeline`: a composition of upstream passes that lowers TOSA,
// linalg, tensor, arith and math on ranked static tensors to the LLVM dialect
// for mlir::ExecutionEngine. Convolutions and matmuls with constant weights
// become register-tiled vector micro-kernels with fused epilogues
// (--convert-linalg-to-cpu-kernels, option `microkernels`); everything else
// is lowered to plain scf loops.
//
//===----------------------------------------------------------------------===//

#include "qsim/Pipelines/Pipelines.h"

#include "qsim/Conversion/Passes.h"
#include "qsim/Transforms/CPU/Passes.h"
#include "qsim/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/AsyncToLLVM/AsyncToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Async/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::qsim::buildQSimCPUPipeline(OpPassManager &pm,
                                      const QSimCPUPipelineOptions &options) {
  QSimMarkEntryPointsOptions entry;
  entry.emitCInterface = options.emitCInterface;
  pm.addPass(createQSimMarkEntryPoints(entry));
  addTensorToBufferPasses(pm, [&](OpPassManager &funcPm) {
    std::string microkernels = options.microkernels;
    if (microkernels == "none")
      return;
    ConvertLinalgToCPUKernelsOptions kernels;
    // "emulate-<target>": the target's kernels with the dot instructions in
    // generic vector ops (tests a target's kernels on any host).
    StringRef target = microkernels;
    kernels.emulate = target.consume_front("emulate-");
    kernels.target = target.str();
    kernels.reportInt32 = options.reportInt32;
    kernels.cacheKB = options.cacheKB;
    kernels.maddubs = options.maddubs;
    kernels.reportKernels = options.reportKernels;
    funcPm.addPass(createConvertLinalgToCPUKernels(kernels));
    funcPm.addPass(createCanonicalizerPass());
    funcPm.addPass(createCSEPass());
    // The pads the kernels read (convolution borders): border-only fills.
    funcPm.addPass(createPadToBorderFill());
  }, /*keepNamedContractions=*/true);

  // Threads: the marked pixel loops to scf.parallel, then upstream's
  // async-parallel-for and async runtime lowering (the JIT loads
  // libmlir_async_runtime for the mlirAsyncRuntime* calls).
  unsigned threads = options.threads;
  QSimCPUParallelizeMarkedLoopsOptions parallelize;
  parallelize.parallelize = threads > 1;
  pm.nest<func::FuncOp>().addPass(
      createQSimCPUParallelizeMarkedLoops(parallelize));
  if (threads > 1) {
    AsyncParallelForPassOptions parallelFor;
    parallelFor.asyncDispatch = false;
    parallelFor.numWorkerThreads = static_cast<int32_t>(threads);
    parallelFor.minTaskSize = 1;
    pm.addPass(createAsyncParallelForPass(parallelFor));
    pm.addPass(createAsyncToAsyncRuntimePass());
    pm.addPass(createAsyncRuntimeRefCountingPass());
    pm.addPass(createAsyncRuntimeRefCountingOptPass());
    pm.addPass(createCanonicalizerPass());
  }

  // Loops for the remaining linalg ops; the vector ops of the micro-kernels
  // (1-D transfers become plain or masked loads and stores).
  pm.nest<func::FuncOp>().addPass(createQSimCPUStridedCopiesToLinalg());
  pm.nest<func::FuncOp>().addPass(createConvertLinalgToLoopsPass());
  pm.nest<func::FuncOp>().addPass(createLoopInvariantCodeMotionPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // To the LLVM dialect. Math ops go first: libm has no vector entry points,
  // so MathToLibm unrolls a vector erf (fused into a kernel's epilogue) into
  // vector.extract / from_elements, which VectorToLLVM must still see. Ops
  // with LLVM intrinsics become intrinsics before that, so they stay vectors.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  if (threads > 1)
    pm.addPass(createConvertAsyncToLLVMPass());
  addHostToLLVMPasses(pm, /*gpuRuntimeCalls=*/false);
}

void mlir::qsim::registerQSimCPUPipeline() {
  PassPipelineRegistration<QSimCPUPipelineOptions>(
      "qsim-cpu-pipeline",
      "Lower TOSA/linalg/arith/math/tensor on static tensors to the LLVM "
      "dialect for the CPU (mlir::ExecutionEngine, qsim-run)",
      buildQSimCPUPipeline);
}
