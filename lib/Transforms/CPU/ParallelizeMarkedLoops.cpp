//===- ParallelizeMarkedLoops.cpp - qsim.parallel to scf.parallel ---------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/CPU/Passes.h"

#include "qsim/Conversion/LinalgToCPUKernels/LinalgToCPUKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMCPUPARALLELIZEMARKEDLOOPS
#include "qsim/Transforms/CPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

namespace {
/// The micro-kernels' loops marked `qsim.parallel` (disjoint output tiles,
/// no results after bufferization) become scf.parallel for
/// async-parallel-for; with `parallelize=false` the marks are dropped.
struct ParallelizeMarkedLoopsPass
    : public qsim::impl::QSimCPUParallelizeMarkedLoopsBase<
          ParallelizeMarkedLoopsPass> {
  using Base::Base;

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
};
} // namespace
