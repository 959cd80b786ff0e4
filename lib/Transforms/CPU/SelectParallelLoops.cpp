//===- SelectParallelLoops.cpp - scf.parallel only where it pays ----------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMCPUSELECTPARALLELLOOPS
#include "qsim/Transforms/CPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

namespace {
/// Iterations of the kept parallel dimensions that share well among any
/// team this code meets (a static schedule; 4 per thread on 16 cores).
constexpr int64_t kEnoughChunks = 64;

/// Saturates far above any threshold: a dynamic trip count counts as this.
constexpr int64_t kUnknownWork = int64_t(1) << 40;

int64_t saturatingMul(int64_t a, int64_t b) {
  if (a == 0 || b == 0)
    return 0;
  if (a > kUnknownWork / b)
    return kUnknownWork;
  return a * b;
}

int64_t tripCount(Value lb, Value ub, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lb),
                         u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return kUnknownWork;
  return *u > *l ? llvm::divideCeil(*u - *l, *s) : 0;
}

int64_t blockWork(Block &block);

/// Operations the regions of `op` run per execution of `op`.
int64_t regionsWork(Operation *op) {
  int64_t work = 0;
  for (Region &region : op->getRegions())
    for (Block &block : region)
      work = std::min(kUnknownWork, work + blockWork(block));
  return work;
}

/// Operations one execution of `block` runs, loops counted with their trip
/// counts (a vectorized kernel body of a few hundred ops weighs as much as a
/// few hundred scalar iterations).
int64_t blockWork(Block &block) {
  int64_t work = 0;
  for (Operation &op : block) {
    int64_t trips = 1;
    if (auto forOp = dyn_cast<scf::ForOp>(op))
      trips = tripCount(forOp.getLowerBound(), forOp.getUpperBound(),
                        forOp.getStep());
    else if (auto par = dyn_cast<scf::ParallelOp>(op))
      for (auto [lb, ub, step] : llvm::zip(par.getLowerBound(),
                                           par.getUpperBound(), par.getStep()))
        trips = saturatingMul(trips, tripCount(lb, ub, step));
    else if (isa<LoopLikeOpInterface>(op))
      trips = kUnknownWork;
    work = std::min(kUnknownWork,
                    work + 1 + saturatingMul(trips, regionsWork(&op)));
  }
  return work;
}

/// Rewrites dimensions [first, rank) of `par` to a nest of scf.for inside
/// it (first == 0: `par` becomes the nest). `par` must have no reductions.
void sequentialize(scf::ParallelOp par, unsigned first) {
  OpBuilder b(par);
  Location loc = par.getLoc();
  unsigned rank = par.getNumLoops();
  IRMapping mapping;
  if (first > 0) {
    auto outer = scf::ParallelOp::create(
        b, loc, par.getLowerBound().take_front(first),
        par.getUpperBound().take_front(first), par.getStep().take_front(first));
    for (unsigned d = 0; d < first; ++d)
      mapping.map(par.getInductionVars()[d], outer.getInductionVars()[d]);
    b.setInsertionPoint(outer.getBody()->getTerminator());
  }
  for (unsigned d = first; d < rank; ++d) {
    auto forOp = scf::ForOp::create(b, loc, par.getLowerBound()[d],
                                    par.getUpperBound()[d], par.getStep()[d]);
    mapping.map(par.getInductionVars()[d], forOp.getInductionVar());
    b.setInsertionPoint(forOp.getBody()->getTerminator());
  }
  for (Operation &op : par.getBody()->without_terminator())
    b.clone(op, mapping);
  par.erase();
}

struct SelectParallelLoopsPass
    : public qsim::impl::QSimCPUSelectParallelLoopsBase<
          SelectParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    // Nested loops first (post-order): each runs inside one thread of its
    // outermost loop.
    SmallVector<scf::ParallelOp> nested, outermost;
    getOperation().walk([&](scf::ParallelOp par) {
      if (par.getNumReductions() != 0)
        return;
      if (par->getParentOfType<scf::ParallelOp>())
        nested.push_back(par);
      else
        outermost.push_back(par);
    });
    for (scf::ParallelOp par : nested)
      sequentialize(par, 0);
    for (scf::ParallelOp par : outermost) {
      SmallVector<int64_t> trips;
      int64_t parallelTrips = 1;
      for (auto [lb, ub, step] : llvm::zip(par.getLowerBound(),
                                           par.getUpperBound(), par.getStep())) {
        trips.push_back(tripCount(lb, ub, step));
        parallelTrips = saturatingMul(parallelTrips, trips.back());
      }
      int64_t work = saturatingMul(parallelTrips, regionsWork(par));
      if (work < minWork || parallelTrips < 2) {
        sequentialize(par, 0);
        continue;
      }
      // The innermost dimension stays in one thread (LLVM vectorizes it)
      // unless the others alone give no parallelism; of the leading ones,
      // only as many as give kEnoughChunks iterations to share. OpenMP
      // collapses the kept dimensions into one iteration space, recovered
      // by a division per dimension per iteration: a 1 x 224 x 224 x 3
      // transpose split over every pixel ran 2.3x slower on one thread
      // than as loops, split over rows it does not.
      unsigned rank = par.getNumLoops();
      unsigned keep = rank;
      if (rank > 1 && parallelTrips / std::max<int64_t>(trips.back(), 1) >= 2)
        keep = rank - 1;
      int64_t chunks = 1;
      for (unsigned d = 0; d + 1 < keep; ++d) {
        chunks = saturatingMul(chunks, trips[d]);
        if (chunks >= kEnoughChunks) {
          keep = d + 1;
          break;
        }
      }
      if (keep < rank)
        sequentialize(par, keep);
    }
  }
};
} // namespace
