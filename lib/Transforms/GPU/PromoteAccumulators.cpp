//===- PromoteAccumulators.cpp - accumulators of loop nests in registers --===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/GPU/Passes.h"

#include "BufferAccesses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMGPUPROMOTEACCUMULATORS
#include "qsim/Transforms/GPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

using namespace mlir::qsim;

namespace {
/// Scalar replacement in the loop nests of every scf.parallel (the future
/// kernels):
///  - an scf.for whose body loads and later stores the same loop-invariant
///    element, and touches nothing that may alias it otherwise, carries the
///    element in an iter_args register instead (loaded before, stored after
///    the loop); innermost loops first, so a conv's accumulator leaves all
///    three reduction loops;
///  - a load of an element that the same block stored before, with no
///    possibly aliasing write in between, takes the stored value;
///  - an allocation that is only ever stored to (and deallocated) is removed
///    with its stores.
/// After qsim-gpu-fuse-parallel-loops this removes the i32 accumulator buffer
/// of a convolution or matmul whose only consumer is its fused requantize
/// epilogue; on its own it takes the accumulator store out of the reduction
/// loop.
struct PromoteAccumulatorsPass
    : public qsim::impl::QSimGPUPromoteAccumulatorsBase<
          PromoteAccumulatorsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> roots;
    getOperation().walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>())
        roots.push_back(op);
    });
    for (scf::ParallelOp root : roots) {
      bool changed = true;
      while (changed) {
        changed = false;
        SmallVector<scf::ForOp> loops;
        root.walk<WalkOrder::PostOrder>(
            [&](scf::ForOp loop) { loops.push_back(loop); });
        for (scf::ForOp loop : loops)
          while (std::optional<scf::ForOp> hoisted = hoistAccumulator(loop)) {
            loop = *hoisted;
            changed = true;
          }
        changed |= forwardStores(root);
        changed |= removeOverwrittenStores(root);
      }
    }
    removeWriteOnlyBuffers(getOperation());
  }

  static std::optional<scf::ForOp> hoistAccumulator(scf::ForOp loop) {
    SmallVector<BufferAccess> accesses;
    if (failed(collectAccesses(loop.getRegion(), accesses)))
      return std::nullopt;
    for (auto load : loop.getBody()->getOps<memref::LoadOp>()) {
      Value memref = load.getMemRef();
      if (!loop.isDefinedOutsideOfLoop(memref) ||
          !llvm::all_of(load.getIndices(), [&](Value v) {
            return loop.isDefinedOutsideOfLoop(v);
          }))
        continue;
      memref::StoreOp store;
      bool conflict = false;
      for (const BufferAccess &a : accesses) {
        if (a.op == load.getOperation() || !mayAlias(a.memref, memref))
          continue;
        auto candidate = dyn_cast<memref::StoreOp>(a.op);
        if (!store && candidate && candidate->getBlock() == loop.getBody() &&
            candidate.getMemRef() == memref &&
            sameIndices(candidate.getIndices(), load.getIndices()) &&
            load->isBeforeInBlock(candidate)) {
          store = candidate;
          continue;
        }
        conflict = true;
        break;
      }
      if (conflict || !store)
        continue;

      IRRewriter rewriter(loop.getContext());
      rewriter.setInsertionPoint(loop);
      SmallVector<Value> indices(load.getIndices());
      Value init =
          memref::LoadOp::create(rewriter, load.getLoc(), memref, indices);
      Value stored = store.getValueToStore();
      FailureOr<LoopLikeOpInterface> replaced =
          loop.replaceWithAdditionalYields(
              rewriter, init, /*replaceInitOperandUsesInLoop=*/false,
              [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
                return SmallVector<Value>{stored};
              });
      if (failed(replaced))
        return std::nullopt;
      auto newLoop = cast<scf::ForOp>(replaced->getOperation());
      rewriter.replaceAllUsesWith(load.getResult(),
                                  newLoop.getRegionIterArgs().back());
      Location storeLoc = store.getLoc();
      rewriter.eraseOp(load);
      rewriter.eraseOp(store);
      rewriter.setInsertionPointAfter(newLoop);
      memref::StoreOp::create(rewriter, storeLoc, newLoop.getResults().back(),
                              memref, indices);
      return newLoop;
    }
    return std::nullopt;
  }

  /// Whether `op` writes nothing that a load could see (reads only).
  static bool onlyReads(Operation *op) {
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!iface)
      return false;
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    return llvm::all_of(effects, [](const MemoryEffects::EffectInstance &e) {
      return isa<MemoryEffects::Read>(e.getEffect());
    });
  }

  static bool forwardStores(scf::ParallelOp root) {
    bool changed = false;
    SmallVector<Block *> blocks;
    root.walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks) {
      SmallVector<memref::StoreOp> available;
      auto invalidate = [&](Value memref) {
        llvm::erase_if(available, [&](memref::StoreOp s) {
          return mayAlias(s.getMemRef(), memref);
        });
      };
      for (Operation &op : llvm::make_early_inc_range(*block)) {
        if (auto load = dyn_cast<memref::LoadOp>(op)) {
          for (memref::StoreOp s : llvm::reverse(available)) {
            if (s.getMemRef() == load.getMemRef() &&
                sameIndices(s.getIndices(), load.getIndices())) {
              load.getResult().replaceAllUsesWith(s.getValueToStore());
              load.erase();
              changed = true;
              break;
            }
          }
          continue;
        }
        if (auto store = dyn_cast<memref::StoreOp>(op)) {
          invalidate(store.getMemRef());
          available.push_back(store);
          continue;
        }
        if (isMemoryEffectFree(&op) ||
            (op.getNumRegions() == 0 && onlyReads(&op)))
          continue;
        SmallVector<BufferAccess> nested;
        if (op.getNumRegions() == 0 ||
            !op.hasTrait<OpTrait::HasRecursiveMemoryEffects>()) {
          available.clear();
          continue;
        }
        bool ok = true;
        for (Region &region : op.getRegions())
          ok &= succeeded(collectAccesses(region, nested));
        if (!ok) {
          available.clear();
          continue;
        }
        for (const BufferAccess &a : nested)
          if (a.isWrite)
            invalidate(a.memref);
      }
    }
    return changed;
  }

  /// Removes a store that a later store of the same block overwrites (same
  /// buffer and indices) with nothing in between that may read it.
  static bool removeOverwrittenStores(scf::ParallelOp root) {
    SmallVector<memref::StoreOp> stores;
    root.walk([&](memref::StoreOp store) { stores.push_back(store); });
    bool changed = false;
    for (memref::StoreOp store : stores) {
      Value memref = store.getMemRef();
      for (Operation *op = store->getNextNode(); op; op = op->getNextNode()) {
        if (auto later = dyn_cast<memref::StoreOp>(op)) {
          if (later.getMemRef() == memref &&
              sameIndices(later.getIndices(), store.getIndices())) {
            store.erase();
            changed = true;
            break;
          }
          continue;
        }
        if (isMemoryEffectFree(op))
          continue;
        SmallVector<BufferAccess> nested;
        bool ok = op->getNumRegions() &&
                  op->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
        for (Region &region : op->getRegions())
          ok = ok && succeeded(collectAccesses(region, nested));
        if (auto load = dyn_cast<memref::LoadOp>(op)) {
          ok = true;
          nested.push_back({op, load.getMemRef(), {}, false});
        } else if (auto load = dyn_cast<vector::LoadOp>(op)) {
          ok = true;
          nested.push_back({op, load.getBase(), {}, false});
        }
        if (!ok || llvm::any_of(nested, [&](const BufferAccess &a) {
              return !a.isWrite && mayAlias(a.memref, memref);
            }))
          break;
      }
    }
    return changed;
  }

  static void removeWriteOnlyBuffers(func::FuncOp func) {
    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    for (memref::AllocOp alloc : allocs) {
      Value buffer = alloc.getResult();
      bool writeOnly = llvm::all_of(buffer.getUsers(), [&](Operation *user) {
        if (auto store = dyn_cast<memref::StoreOp>(user))
          return store.getMemRef() == buffer &&
                 store.getValueToStore() != buffer;
        return isa<memref::DeallocOp>(user);
      });
      if (!writeOnly)
        continue;
      for (Operation *user : llvm::make_early_inc_range(buffer.getUsers()))
        user->erase();
      alloc.erase();
    }
  }
};
} // namespace
