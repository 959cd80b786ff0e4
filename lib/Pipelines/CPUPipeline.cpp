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

#include "PipelineUtils.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/AsyncToLLVM/AsyncToLLVM.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "qsim/Conversion/Passes.h"
#include "mlir/Dialect/Async/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {

/// `memref.copy` between buffers that are not both contiguous (a tensor.pad
/// writes its source into a subview of the padded buffer) lowers to a call
/// of the runtime's generic `memrefCopy`, which walks the descriptors element
/// by element: measured as costly as all the convolutions of a small int8
/// model. As `linalg.copy` it becomes loops whose innermost (contiguous)
/// dimension LLVM turns into wide moves. Pipeline-internal, not a flag.
struct StridedCopiesToLinalgPass
    : public PassWrapper<StridedCopiesToLinalgPass,
                         OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(StridedCopiesToLinalgPass)

  StringRef getArgument() const override {
    return "qsim-cpu-strided-copies-to-linalg";
  }
  StringRef getDescription() const override {
    return "Rewrite memref.copy of non-contiguous buffers to linalg.copy";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<linalg::LinalgDialect>();
  }

  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) {
      auto src = dyn_cast<MemRefType>(op.getSource().getType());
      auto dst = dyn_cast<MemRefType>(op.getTarget().getType());
      if (src && dst && src.getRank() > 0 &&
          !(memref::isStaticShapeAndContiguousRowMajor(src) &&
            memref::isStaticShapeAndContiguousRowMajor(dst)))
        copies.push_back(op);
    });
    for (memref::CopyOp op : copies) {
      OpBuilder b(op);
      linalg::CopyOp::create(b, op.getLoc(), ValueRange{op.getSource()},
                             ValueRange{op.getTarget()});
      op.erase();
    }
  }
};

/// The micro-kernels' loops marked `qsim.parallel` (disjoint output tiles,
/// no results after bufferization) become scf.parallel for
/// async-parallel-for; with one thread the marks are dropped.
struct ParallelizeMarkedLoopsPass
    : public PassWrapper<ParallelizeMarkedLoopsPass,
                         OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ParallelizeMarkedLoopsPass)

  explicit ParallelizeMarkedLoopsPass(bool parallelize)
      : parallelize(parallelize) {}

  StringRef getArgument() const override {
    return "qsim-cpu-parallelize-marked-loops";
  }
  StringRef getDescription() const override {
    return "Turn scf.for loops marked qsim.parallel into scf.parallel";
  }

  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp op) {
      if (op->hasAttr(qsim::kParallelLoopAttrName))
        loops.push_back(op);
    });
    for (scf::ForOp op : loops) {
      op->removeAttr(qsim::kParallelLoopAttrName);
      if (!parallelize || op->getNumResults() != 0)
        continue;
      OpBuilder b(op);
      auto par = scf::ParallelOp::create(
          b, op.getLoc(), ValueRange{op.getLowerBound()},
          ValueRange{op.getUpperBound()}, ValueRange{op.getStep()});
      Block *body = par.getBody();
      // Move the loop body (without its yield) in front of the parallel
      // loop's terminator.
      Block *old = op.getBody();
      old->getTerminator()->erase();
      body->getOperations().splice(Block::iterator(body->getTerminator()),
                                   old->getOperations());
      op.getInductionVar().replaceAllUsesWith(par.getInductionVars()[0]);
      op.erase();
    }
  }

  bool parallelize;
};

} // namespace

void mlir::qsim::buildQSimCPUPipeline(OpPassManager &pm,
                                      const QSimCPUPipelineOptions &options) {
  pm.addPass(createMarkEntryPointsPass("qsim-cpu-mark-entry-points",
                                      options.emitCInterface,
                                      /*registerGPUTranslations=*/false));
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
  }, /*keepNamedContractions=*/true);

  // Threads: the marked pixel loops to scf.parallel, then upstream's
  // async-parallel-for and async runtime lowering (the JIT loads
  // libmlir_async_runtime for the mlirAsyncRuntime* calls).
  unsigned threads = options.threads;
  pm.nest<func::FuncOp>().addPass(
      std::make_unique<ParallelizeMarkedLoopsPass>(threads > 1));
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
  pm.nest<func::FuncOp>().addPass(
      std::make_unique<StridedCopiesToLinalgPass>());
  pm.nest<func::FuncOp>().addPass(createConvertLinalgToLoopsPass());
  pm.nest<func::FuncOp>().addPass(createLoopInvariantCodeMotionPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // To the LLVM dialect.
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
