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
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "qsim/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
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

} // namespace

void mlir::qsim::buildQSimCPUPipeline(OpPassManager &pm,
                                      const QSimCPUPipelineOptions &options) {
  pm.addPass(createMarkEntryPointsPass("qsim-cpu-mark-entry-points",
                                      options.emitCInterface,
                                      /*registerGPUTranslations=*/false));
  std::string microkernels = options.microkernels;
  addTensorToBufferPasses(pm, [&](OpPassManager &funcPm) {
    if (microkernels == "none")
      return;
    ConvertLinalgToCPUKernelsOptions kernels;
    kernels.target = microkernels;
    funcPm.addPass(createConvertLinalgToCPUKernels(kernels));
    funcPm.addPass(createCanonicalizerPass());
    funcPm.addPass(createCSEPass());
  });

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
  addHostToLLVMPasses(pm, /*gpuRuntimeCalls=*/false);
}

void mlir::qsim::registerQSimCPUPipeline() {
  PassPipelineRegistration<QSimCPUPipelineOptions>(
      "qsim-cpu-pipeline",
      "Lower TOSA/linalg/arith/math/tensor on static tensors to the LLVM "
      "dialect for the CPU (mlir::ExecutionEngine, qsim-run)",
      buildQSimCPUPipeline);
}
