//===- SplitReductions.cpp - vector-wide partial float reductions --------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMCPUSPLITREDUCTIONS
#include "qsim/Transforms/CPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

/// Whether `op` qualifies (see the pass description).
static bool isSplittable(linalg::LinalgOp op, int64_t width) {
  if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() != 1 ||
      op.getNumDpsInits() != 1 || op.getNumDpsInputs() == 0 ||
      op.hasIndexSemantics())
    return false;
  auto outTy = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!outTy || !isa<FloatType>(outTy.getElementType()))
    return false;
  unsigned numLoops = op.getNumLoops();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  if (iters.back() != utils::IteratorType::reduction)
    return false;
  unsigned red = numLoops - 1;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (!map.isProjectedPermutation() || map.getNumResults() == 0 ||
        !map.getResults().back().isFunctionOfDim(red))
      return false;
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t n = ranges[red];
  return !ShapedType::isDynamic(n) && n % width == 0 && n >= 4 * width;
}

namespace {
struct SplitReductionsPass
    : public qsim::impl::QSimCPUSplitReductionsBase<SplitReductionsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (static_cast<int64_t>(width) < 2) {
      getOperation().emitError("qsim-cpu-split-reductions: width must be "
                               "at least 2, got ")
          << static_cast<int64_t>(width);
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isSplittable(op, width))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      unsigned outRank =
          cast<RankedTensorType>(op.getDpsInits()[0].getType()).getRank();
      linalg::ControlSplitReductionFn control = [&](linalg::LinalgOp) {
        linalg::SplitReductionOptions options;
        options.ratio = width;
        options.index = outRank;
        options.innerParallel = true;
        return options;
      };
      rewriter.setInsertionPoint(op);
      // An op whose combiner upstream does not recognize stays as it is.
      (void)linalg::splitReduction(rewriter, op, control);
    }
  }
};
} // namespace
