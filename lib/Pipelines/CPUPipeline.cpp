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
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "qsim/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
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
/// model. Where the trailing dimensions are contiguous in both buffers (a
/// padded NHWC image: a row's W x C bytes), the copy becomes loops over the
/// leading dimensions around a contiguous `memref.copy` of one run, which
/// lowers to `llvm.memcpy`. Otherwise it becomes `linalg.copy`, whose loops'
/// innermost (contiguous) dimension LLVM turns into moves. (Byte copies as
/// `linalg.copy` loops were scalar: LLVM cannot rule out overlap.)
/// Pipeline-internal, not a flag.
struct StridedCopiesToLinalgPass
    : public PassWrapper<StridedCopiesToLinalgPass,
                         OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(StridedCopiesToLinalgPass)

  StringRef getArgument() const override {
    return "qsim-cpu-strided-copies-to-linalg";
  }
  StringRef getDescription() const override {
    return "Rewrite memref.copy of non-contiguous buffers to loops of "
           "contiguous copies or linalg.copy";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<linalg::LinalgDialect, scf::SCFDialect>();
  }

  /// The first dimension from which on both buffers are contiguous (rank
  /// when the innermost stride of one is not 1), for static layouts.
  static std::optional<int64_t> contiguousFrom(MemRefType a, MemRefType b) {
    if (!a.hasStaticShape() || a.getShape() != b.getShape())
      return std::nullopt;
    int64_t rank = a.getRank(), from = rank;
    SmallVector<int64_t> sa, sb;
    int64_t oa, ob;
    if (failed(a.getStridesAndOffset(sa, oa)) ||
        failed(b.getStridesAndOffset(sb, ob)) ||
        llvm::any_of(llvm::concat<int64_t>(sa, sb), ShapedType::isDynamic))
      return std::nullopt;
    ArrayRef<int64_t> shape = a.getShape();
    int64_t expected = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (shape[d] != 1 && (sa[d] != expected || sb[d] != expected))
        break;
      expected *= shape[d];
      from = d;
    }
    return from;
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
      Location loc = op.getLoc();
      auto src = cast<MemRefType>(op.getSource().getType());
      auto dst = cast<MemRefType>(op.getTarget().getType());
      std::optional<int64_t> from = contiguousFrom(src, dst);
      // Runs of at least 64 bytes are worth a memcpy call each.
      int64_t run = 1;
      if (from)
        for (int64_t d = *from; d < src.getRank(); ++d)
          run *= src.getDimSize(d);
      if (!from || *from == src.getRank() ||
          run * src.getElementTypeBitWidth() < 64 * 8) {
        linalg::CopyOp::create(b, loc, ValueRange{op.getSource()},
                               ValueRange{op.getTarget()});
        op.erase();
        continue;
      }
      // Loops over the dimensions before `from`, one contiguous run each.
      int64_t rank = src.getRank();
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
          sizes, strides(rank, b.getIndexAttr(1));
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(b.getIndexAttr(d < *from ? 1 : src.getDimSize(d)));
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      for (int64_t d = 0; d < *from; ++d) {
        if (src.getDimSize(d) == 1)
          continue;
        Value ub = arith::ConstantIndexOp::create(b, loc, src.getDimSize(d));
        auto loop = scf::ForOp::create(b, loc, zero, ub, one);
        b.setInsertionPoint(loop.getBody()->getTerminator());
        offsets[d] = loop.getInductionVar();
      }
      SmallVector<ReassociationIndices> all(1);
      for (int64_t d = 0; d < rank; ++d)
        all[0].push_back(d);
      auto flat = [&](Value buffer) -> Value {
        Value row = memref::SubViewOp::create(b, loc, buffer, offsets, sizes,
                                              strides);
        return memref::CollapseShapeOp::create(b, loc, row, all);
      };
      memref::CopyOp::create(b, loc, flat(op.getSource()),
                             flat(op.getTarget()));
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
    // The pads the kernels read (convolution borders): border-only fills.
    funcPm.addPass(createPadToBorderFill());
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
