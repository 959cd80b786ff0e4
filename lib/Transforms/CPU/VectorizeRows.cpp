//===- VectorizeRows.cpp - one vector per output row ---------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMCPUVECTORIZEROWS
#include "qsim/Transforms/CPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

/// Whether `op` qualifies (see the pass description).
static bool isRowReduction(linalg::LinalgOp op, int64_t maxRow) {
  if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() == 0 ||
      op.getNumDpsInits() != 1 || op.hasIndexSemantics() ||
      !isa<TilingInterface>(op.getOperation()) ||
      isa<linalg::ConvolutionOpInterface>(op.getOperation()))
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return false;
  int64_t row = ranges.back();
  if (row < 2 || row > maxRow)
    return false;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  if (iters.back() == utils::IteratorType::parallel)
    return true;
  return op.getNumReductionLoops() == 1;
}

/// Tiles `op` by `sizes` (0: not tiled) with loops of `type`; returns the
/// tiled op (`op` itself when no size is set).
static FailureOr<Operation *> tile(RewriterBase &rewriter, Operation *op,
                                   ArrayRef<int64_t> sizes,
                                   scf::SCFTilingOptions::LoopType type) {
  if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
    return op;
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), sizes));
  options.setLoopType(type);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (failed(tiled) || tiled->tiledOps.size() != 1)
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  return tiled->tiledOps.front();
}

namespace {
struct VectorizeRowsPass
    : public qsim::impl::QSimCPUVectorizeRowsBase<VectorizeRowsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (static_cast<int64_t>(maxRow) < 2) {
      getOperation().emitError("qsim-cpu-vectorize-rows: max-row must be at "
                               "least 2, got ")
          << static_cast<int64_t>(maxRow);
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isRowReduction(op, maxRow))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      // The rows: every parallel loop but the innermost, one iteration per
      // scf.forall point (they may run on threads); then the reduction
      // loops, one step per scf.for iteration, inside.
      SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
      unsigned n = op.getNumLoops();
      SmallVector<int64_t> rowSizes(n, 0), stepSizes(n, 0);
      for (unsigned d = 0; d + 1 < n; ++d)
        (iters[d] == utils::IteratorType::parallel ? rowSizes : stepSizes)[d] =
            1;
      if (iters.back() == utils::IteratorType::reduction)
        stepSizes.back() = 0;
      FailureOr<Operation *> rowTile =
          tile(rewriter, op, rowSizes, scf::SCFTilingOptions::LoopType::ForallOp);
      FailureOr<Operation *> stepTile = failure();
      if (succeeded(rowTile))
        stepTile = tile(rewriter, *rowTile, stepSizes,
                        scf::SCFTilingOptions::LoopType::ForOp);
      if (failed(stepTile)) {
        op->emitError("qsim-cpu-vectorize-rows: cannot tile");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(*stepTile);
      FailureOr<linalg::VectorizationResult> v =
          linalg::vectorize(rewriter, *stepTile);
      if (failed(v)) {
        (*stepTile)->emitError("qsim-cpu-vectorize-rows: cannot vectorize");
        return signalPassFailure();
      }
      rewriter.replaceOp(*stepTile, v->replacements);
    }
  }
};

} // namespace
