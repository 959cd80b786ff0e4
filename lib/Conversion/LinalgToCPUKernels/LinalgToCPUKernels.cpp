//===- LinalgToCPUKernels.cpp - linalg to x86 micro-kernels ---------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Register-tiled micro-kernels for convolutions and matmuls with constant
// weights, generated on tensors so that One-Shot Bufferize and the upstream
// vector lowering do the rest.
//
// Upstream alone falls short here (measured, see docs/Performance.md): tiling
// and vectorizing an i8 x i8 -> i32 linalg.matmul widens every element and
// multiplies in i32 (vpmulld), about 1% of the VNNI peak; the x86vector
// dialect's only int8 dot op lowers to vpdpbssd (AVX-VNNI-INT8), which common
// AVX-512 CPUs lack. So the dot instructions are emitted here through
// `llvm.call_intrinsic`, on weights packed at compile time.
//
// The pattern and the pass; the parts, each in its own file:
//   CPUKernelISA.cpp     the instruction sets: names, features, host detection
//   KernelProblem.cpp    matching an op, its epilogue and the pad it feeds
//   KernelDispatch.cpp   choosing the kernel: dot, input form, tile, loops
//   *DotEmitter.cpp      one file per dot instruction family
//   WeightPacking.cpp    the packed weights and start values
//   KernelBuilder.cpp    the loops and the convolution/matmul tiles
//   DepthwiseTile.cpp    depthwise and pooling tiles
//   Epilogue.cpp         the fused elementwise consumer on vectors
//   CallIntrinsicEffects.cpp  the intrinsics' memory effects
//
//===----------------------------------------------------------------------===//

#include "qsim/Conversion/LinalgToCPUKernels/LinalgToCPUKernels.h"

#include "CPUKernelISA.h"
#include "KernelBuilder.h"
#include "KernelDispatch.h"
#include "KernelProblem.h"

#include "qsim/Analysis/ElementRanges.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_CONVERTLINALGTOCPUKERNELS
#include "qsim/Conversion/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

namespace {

/// Rewrites a convolution, matmul or pool (with its elementwise consumer,
/// and into the pad that consumes it) into a micro-kernel: match, choose,
/// emit.
struct LinalgToCPUKernel : public OpInterfaceRewritePattern<linalg::LinalgOp> {
  LinalgToCPUKernel(MLIRContext *ctx, const CPUKernelOptions &options,
                    const CPUKernelInputBounds *bounds)
      : OpInterfaceRewritePattern(ctx), options(options), bounds(bounds) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!isKernelCandidate(op))
      return rewriter.notifyMatchFailure(op, "not a supported op");
    FailureOr<Problem> problem = matchProblem(op, options.fp32);
    if (failed(problem))
      return rewriter.notifyMatchFailure(op, "unsupported form");
    Operation *root = problem->epilogue ? problem->epilogue.getOperation()
                                        : op.getOperation();
    rewriter.setInsertionPoint(root);
    KernelConfig config = selectKernel(*problem, options, [&] {
      if (bounds)
        if (auto it = bounds->find(op); it != bounds->end())
          return it->second;
      ElementRanges ranges;
      return getInputBounds(ranges, problem->input);
    });
    if (options.reportKernels)
      op->emitRemark() << describeKernel(*problem, config);
    problem->padInto = matchPadConsumer(root->getResult(0), *problem);
    Value result =
        KernelBuilder(rewriter, op.getLoc(), *problem, config).build();
    if (problem->padInto) {
      rewriter.replaceOp(problem->padInto->op, result);
      rewriter.eraseOp(root);
    } else {
      rewriter.replaceOp(root, result);
    }
    if (problem->groupCollapse)
      rewriter.eraseOp(problem->groupCollapse);
    if (problem->epilogue)
      rewriter.eraseOp(op);
    return success();
  }

  CPUKernelOptions options;
  // Input bounds computed before any rewrite (a rewritten producer is no
  // longer analysable); without them, computed when the op is matched.
  const CPUKernelInputBounds *bounds;
};

struct ConvertLinalgToCPUKernelsPass
    : public qsim::impl::ConvertLinalgToCPUKernelsBase<
          ConvertLinalgToCPUKernelsPass> {
  using Base::Base;
  ConvertLinalgToCPUKernelsPass(const ConvertLinalgToCPUKernelsOptions &options,
                                bool emulateDots)
      : Base(options), emulateDots(emulateDots) {}

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registerCPUKernelInterfaces(registry);
  }

  /// The dot instructions as generic vector ops (test pipeline only).
  bool emulateDots = false;

  void runOnOperation() override {
    bool known = true;
    std::optional<CPUKernelISA> kernelISA = resolveCPUKernelISA(target, &known);
    if (!known) {
      std::string expected = "auto";
      ArrayRef<CPUKernelISAInfo> isas = getCPUKernelISAs();
      for (auto [i, info] : llvm::enumerate(isas))
        expected += (i + 1 == isas.size() ? " or " : ", ") + info.name.str();
      getOperation().emitError() << "unknown micro-kernel target '" << target
                                 << "' (expected " << expected << ")";
      return signalPassFailure();
    }
    if (kernelISA) {
      // The producers of every input are analysed before the first rewrite
      // replaces one of them with a kernel.
      CPUKernelInputBounds bounds = computeCPUKernelInputBounds(getOperation());
      CPUKernelOptions options;
      options.isa = *kernelISA;
      options.fp32 = fp32;
      options.emulate = emulateDots;
      options.cacheBytes = int64_t(cacheKB) * 1024;
      options.maddubs = maddubs;
      options.reportKernels = reportKernels;
      RewritePatternSet patterns(&getContext());
      populateLinalgToCPUKernelsPatterns(patterns, options, &bounds);
      // The greedy driver, not the walk driver: a rewrite replaces the
      // elementwise consumer too, which comes after the root in the block.
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    if (reportInt32)
      getOperation().walk([](Operation *op) {
        if (isa<arith::ConstantOp>(op))
          return;
        for (Value r : op->getResults()) {
          auto t = dyn_cast<RankedTensorType>(r.getType());
          if (!t || !t.getElementType().isInteger(32))
            continue;
          if (llvm::any_of(r.getUsers(), [](Operation *u) {
                return isa<linalg::LinalgOp>(u);
              }))
            op->emitRemark()
                << "i32 tensor " << t << " is stored for another op to read";
        }
      });
  }
};

} // namespace

std::unique_ptr<Pass> mlir::qsim::createConvertLinalgToCPUKernelsEmulatingDots(
    const ConvertLinalgToCPUKernelsOptions &options) {
  return std::make_unique<ConvertLinalgToCPUKernelsPass>(options,
                                                         /*emulateDots=*/true);
}

void mlir::qsim::populateLinalgToCPUKernelsPatterns(
    RewritePatternSet &patterns, const CPUKernelOptions &options,
    const CPUKernelInputBounds *bounds) {
  patterns.add<LinalgToCPUKernel>(patterns.getContext(), options, bounds);
}
