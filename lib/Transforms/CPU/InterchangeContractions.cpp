//===- InterchangeContractions.cpp - reductions outside contiguous loops --===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMCPUINTERCHANGECONTRACTIONS
#include "qsim/Transforms/CPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

/// The loop order with the output's contiguous dimension innermost, or
/// nothing when the op does not qualify (see the pass description).
static std::optional<SmallVector<unsigned>>
getInterchange(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0 || op.getNumDpsInits() != 1 ||
      op.hasIndexSemantics())
    return std::nullopt;
  unsigned numLoops = op.getNumLoops();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!outMap.isProjectedPermutation() || outMap.getNumResults() == 0)
    return std::nullopt;
  unsigned inner = cast<AffineDimExpr>(outMap.getResults().back()).getPosition();
  if (inner + 1 == numLoops ||
      op.getIteratorTypesArray()[inner] != utils::IteratorType::parallel)
    return std::nullopt;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (!map.isProjectedPermutation())
      return std::nullopt;
    // Each input reads `inner` as its last (contiguous) dimension or not
    // at all.
    for (auto [i, e] : llvm::enumerate(map.getResults()))
      if (cast<AffineDimExpr>(e).getPosition() == inner &&
          i + 1 != map.getNumResults())
        return std::nullopt;
  }
  SmallVector<unsigned> order;
  for (unsigned d = 0; d < numLoops; ++d)
    if (d != inner)
      order.push_back(d);
  order.push_back(inner);
  return order;
}

namespace {
struct InterchangeContractionsPass
    : public qsim::impl::QSimCPUInterchangeContractionsBase<
          InterchangeContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, SmallVector<unsigned>>> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<SmallVector<unsigned>> order = getInterchange(op))
        ops.emplace_back(op, std::move(*order));
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, order] : ops) {
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::GenericOp> generic =
          isa<linalg::GenericOp>(op)
              ? FailureOr<linalg::GenericOp>(cast<linalg::GenericOp>(op))
              : linalg::generalizeNamedOp(rewriter, op);
      if (failed(generic) ||
          failed(linalg::interchangeGenericOp(rewriter, *generic, order))) {
        op->emitError("qsim-cpu-interchange-contractions: cannot interchange");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
