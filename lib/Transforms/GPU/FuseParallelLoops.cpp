//===- FuseParallelLoops.cpp - epilogue fusion of parallel loops ----------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/GPU/Passes.h"

#include "BufferAccesses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMGPUFUSEPARALLELLOOPS
#include "qsim/Transforms/GPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

using namespace mlir::qsim;

namespace {
/// Fuses adjacent scf.parallel loops with the same iteration space when the
/// second uses what the first writes and every buffer that one of them
/// writes and both touch is accessed at the same element in both, one
/// element per iteration (the index list is the loop's
/// induction variables, in any order, plus loop-invariant values). Then
/// iteration i of the second loop reads only what iteration i of the first
/// wrote, so running both bodies in one iteration is the same computation.
/// This is what puts the requantize epilogue (and the bias initialization)
/// of a convolution or matmul into the kernel of its reduction, so that the
/// i32 accumulator can stay in a register (qsim-gpu-promote-accumulators).
///
/// Upstream's `scf-parallel-loop-fusion` allows no allocation between the
/// loops (bufferization puts the epilogue's output allocation there) and one
/// store per buffer only, hence this pass. Between the loops it accepts
/// side-effect-free ops and allocations (moved before the first loop) and
/// deallocations (which stay after it).
struct FuseParallelLoopsPass
    : public qsim::impl::QSimGPUFuseParallelLoopsBase<FuseParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Block *> blocks;
    getOperation().walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks)
      fuseInBlock(*block);
  }

  static bool isMovableBetween(Operation &op) {
    if (op.getNumRegions() != 0)
      return false;
    return isa<memref::AllocOp, memref::AllocaOp>(op) ||
           isMemoryEffectFree(&op);
  }

  void fuseInBlock(Block &block) {
    scf::ParallelOp first;
    SmallVector<Operation *> between;
    for (Operation *op = &block.front(); op;) {
      Operation *next = op->getNextNode();
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        if (first && isFusionLegal(first, loop)) {
          fuse(first, loop, between);
          // Deallocations stay between the fused loop and what follows.
          llvm::erase_if(
              between, [](Operation *o) { return !isa<memref::DeallocOp>(o); });
        } else {
          first = loop;
          between.clear();
        }
      } else if (first) {
        if (isa<memref::DeallocOp>(op) || isMovableBetween(*op)) {
          between.push_back(op);
        } else {
          first = {};
          between.clear();
        }
      }
      op = next;
    }
  }

  static bool sameBound(Value a, Value b) {
    if (a == b)
      return true;
    std::optional<int64_t> ca = getConstantIntValue(a),
                           cb = getConstantIntValue(b);
    return ca && cb && *ca == *cb;
  }

  static bool hasNestedParallel(scf::ParallelOp loop) {
    return loop.getBody()
        ->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
        .wasInterrupted();
  }

  /// Whether `indices` (in terms of `loop`'s induction variables) name one
  /// element per iteration: every induction variable appears, every other
  /// index is defined outside the loop.
  static bool isOneElementPerIteration(ValueRange indices,
                                       scf::ParallelOp loop) {
    for (Value iv : loop.getInductionVars())
      if (!llvm::is_contained(indices, iv))
        return false;
    return llvm::all_of(indices, [&](Value v) {
      return llvm::is_contained(loop.getInductionVars(), v) ||
             loop.isDefinedOutsideOfLoop(v);
    });
  }

  static bool isFusionLegal(scf::ParallelOp first, scf::ParallelOp second) {
    if (first.getNumResults() || second.getNumResults() ||
        first.getNumLoops() != second.getNumLoops() ||
        hasNestedParallel(first) || hasNestedParallel(second))
      return false;
    for (unsigned i = 0, e = first.getNumLoops(); i < e; ++i)
      if (!sameBound(first.getLowerBound()[i], second.getLowerBound()[i]) ||
          !sameBound(first.getUpperBound()[i], second.getUpperBound()[i]) ||
          !sameBound(first.getStep()[i], second.getStep()[i]))
        return false;
    SmallVector<BufferAccess> firstAccesses, secondAccesses;
    if (failed(collectAccesses(first.getRegion(), firstAccesses)) ||
        failed(collectAccesses(second.getRegion(), secondAccesses)))
      return false;
    IRMapping secondToFirst;
    secondToFirst.map(second.getInductionVars(), first.getInductionVars());
    bool dependent = false;
    for (const BufferAccess &a : firstAccesses) {
      for (const BufferAccess &b : secondAccesses) {
        if ((!a.isWrite && !b.isWrite) || !mayAlias(a.memref, b.memref))
          continue;
        dependent = true;
        if (a.memref != b.memref || a.indices.size() != b.indices.size())
          return false;
        for (auto [x, y] : llvm::zip_equal(a.indices, b.indices))
          if (x != secondToFirst.lookupOrDefault(y))
            return false;
        if (!isOneElementPerIteration(a.indices, first))
          return false;
      }
    }
    // Independent loops stay apart: fusing them gains nothing on the GPU
    // and could take a loop away from the consumer it should fuse with.
    return dependent;
  }

  /// Appends the body of `second` to that of `first` and erases `second`.
  static void fuse(scf::ParallelOp first, scf::ParallelOp second,
                   ArrayRef<Operation *> between) {
    for (Operation *op : between)
      if (!isa<memref::DeallocOp>(op))
        op->moveBefore(first);
    IRRewriter rewriter(first.getContext());
    rewriter.eraseOp(second.getBody()->getTerminator());
    rewriter.inlineBlockBefore(second.getBody(),
                               first.getBody()->getTerminator(),
                               first.getInductionVars());
    rewriter.eraseOp(second);
  }
};
} // namespace
