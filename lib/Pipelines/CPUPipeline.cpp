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
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::qsim::buildQSimCPUPipeline(OpPassManager &pm,
                                      const QSimCPUPipelineOptions &options) {
  buildQSimCPUPipeline(pm, options, /*emulateDots=*/false);
}

void mlir::qsim::buildQSimCPUPipeline(OpPassManager &pm,
                                      const QSimCPUPipelineOptions &options,
                                      bool emulateDots) {
  QSimMarkEntryPointsOptions entry;
  entry.emitCInterface = options.emitCInterface;
  pm.addPass(createQSimMarkEntryPoints(entry));
  addTensorToBufferPasses(pm, [&](OpPassManager &funcPm) {
    std::string microkernels = options.microkernels;
    if (microkernels == "none")
      return;
    ConvertLinalgToCPUKernelsOptions kernels;
    kernels.target = microkernels;
    kernels.reportInt32 = options.reportInt32;
    kernels.cacheKB = options.cacheKB;
    kernels.maddubs = options.maddubs;
    kernels.reportKernels = options.reportKernels;
    funcPm.addPass(emulateDots
                       ? createConvertLinalgToCPUKernelsEmulatingDots(kernels)
                       : createConvertLinalgToCPUKernels(kernels));
    funcPm.addPass(createCanonicalizerPass());
    funcPm.addPass(createCSEPass());
    // The pads the kernels read (convolution borders): border-only fills.
    funcPm.addPass(createPadToBorderFill());
    // Contractions no kernel took (attention's activation matmuls): their
    // reduction outside the contiguous output dimension, for LLVM's
    // vectorizer.
    funcPm.addPass(createQSimCPUInterchangeContractions());
    // Float reductions along a row (softmax, layer norm): 16 partials per
    // output, updated by a contiguous loop LLVM vectorizes.
    funcPm.addPass(createQSimCPUSplitReductions());
    // Each output row of those reductions and contractions: one vector,
    // held in registers across the reduction once upstream's subset
    // hoisting has taken its read and write out of the reduction loop.
    funcPm.addPass(createQSimCPUVectorizeRows());
    funcPm.addPass(createCanonicalizerPass());
    funcPm.addPass(createLoopInvariantSubsetHoistingPass());
    funcPm.addPass(vector::createLowerVectorMultiReductionPass());
  }, /*keepNamedContractions=*/true);

  // Threads: the micro-kernels' marked tile loops and the loops of every
  // other linalg op over their parallel dimensions become scf.parallel; the
  // outermost ones with enough work stay parallel and become OpenMP
  // worksharing loops (static schedule: each thread writes its own disjoint
  // part, so the bits do not depend on the thread count). threads=0 leaves
  // the team size to the OpenMP runtime (OMP_NUM_THREADS,
  // omp_set_num_threads); threads=1 emits no OpenMP at all.
  unsigned threads = options.threads;
  bool parallel = threads != 1;
  // The rows of qsim-cpu-vectorize-rows: parallel loops with threads.
  pm.nest<func::FuncOp>().addPass(parallel ? createForallToParallelLoopPass()
                                           : createForallToForLoopPass());
  QSimCPUParallelizeMarkedLoopsOptions parallelize;
  parallelize.parallelize = parallel;
  pm.nest<func::FuncOp>().addPass(
      createQSimCPUParallelizeMarkedLoops(parallelize));

  // Loops for the remaining linalg ops; the vector ops of the micro-kernels
  // (1-D transfers become plain or masked loads and stores).
  pm.nest<func::FuncOp>().addPass(createQSimCPUStridedCopiesToLinalg());
  if (parallel) {
    pm.nest<func::FuncOp>().addPass(createConvertLinalgToParallelLoopsPass());
    pm.nest<func::FuncOp>().addPass(createLoopInvariantCodeMotionPass());
    QSimCPUSelectParallelLoopsOptions select;
    select.minWork = options.minParallelWork;
    pm.nest<func::FuncOp>().addPass(createQSimCPUSelectParallelLoops(select));
    ConvertSCFToOpenMPPassOptions openMP;
    openMP.numThreads = threads;
    pm.addPass(createConvertSCFToOpenMPPass(openMP));
    // The conversion wraps each loop body in memref.alloca_scope, which
    // must keep one block; the bodies have no allocas yet (those of
    // vector-to-scf go to omp.parallel, an allocation scope: one per
    // thread), so the canonicalizer inlines the scopes before SCF becomes
    // branches.
    pm.addPass(createCanonicalizerPass());
  } else {
    pm.nest<func::FuncOp>().addPass(createConvertLinalgToLoopsPass());
    pm.nest<func::FuncOp>().addPass(createLoopInvariantCodeMotionPass());
  }
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // exp as arithmetic: libm's expf has no vector entry point, so loops
  // around a call stay scalar (softmax, sigmoid).
  pm.nest<func::FuncOp>().addPass(createQSimCPUApproximateMath());

  // To the LLVM dialect. Math ops go first: libm has no vector entry points,
  // so MathToLibm unrolls a vector erf (fused into a kernel's epilogue) into
  // vector.extract / from_elements, which VectorToLLVM must still see. Ops
  // with LLVM intrinsics become intrinsics before that, so they stay vectors.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  addHostToLLVMPasses(pm, /*gpuRuntimeCalls=*/false);
  if (parallel) {
    pm.addPass(createConvertOpenMPToLLVMPass());
    pm.addPass(createReconcileUnrealizedCastsPass());
  }
}

void mlir::qsim::registerQSimCPUPipeline() {
  PassPipelineRegistration<QSimCPUPipelineOptions>(
      "qsim-cpu-pipeline",
      "Lower TOSA/linalg/arith/math/tensor on static tensors to the LLVM "
      "dialect for the CPU (mlir::ExecutionEngine, qsim-run)",
      [](OpPassManager &pm, const QSimCPUPipelineOptions &options) {
        buildQSimCPUPipeline(pm, options);
      });
}
