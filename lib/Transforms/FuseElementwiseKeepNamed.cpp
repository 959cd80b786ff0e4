//===- FuseElementwiseKeepNamed.cpp - elementwise fusion, named ops kept --===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMFUSEELEMENTWISEKEEPNAMED
#include "qsim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

namespace {
/// Upstream's linalg-fuse-elementwise-ops (the same pattern sets), with a
/// control that also refuses any fusion or reshape propagation that would
/// touch a named linalg op (it would become a generic).
struct FuseElementwiseKeepNamedPass
    : public qsim::impl::QSimFuseElementwiseKeepNamedBase<
          FuseElementwiseKeepNamedPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    auto isNamed = [](Operation *op) {
      return op && isa<linalg::LinalgOp>(op) && !isa<linalg::GenericOp>(op);
    };
    linalg::ControlFusionFn control = [&](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() && !isNamed(producer) &&
             !isNamed(fused->getOwner());
    };
    // A producer read through a broadcast (a non-permutation map, e.g. an
    // SE block's per-channel scale read at every pixel) would be recomputed
    // for each element it broadcasts to: its requantize and lookup ran
    // 56 x 56 times per value in MobileNetV3. Only a one-op body (a cast) is
    // cheap enough to recompute rather than store.
    linalg::ControlFusionFn fuseElementwise = [&](OpOperand *fused) {
      if (!control(fused))
        return false;
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      if (!consumer ||
          consumer.getMatchingIndexingMap(fused).isPermutation())
        return true;
      auto producer = dyn_cast<linalg::GenericOp>(fused->get().getDefiningOp());
      return producer &&
             llvm::hasSingleElement(producer.getBody()->without_terminator());
    };
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, fuseElementwise);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, control);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};
} // namespace
