//===- BufferAccesses.cpp - loads, stores and aliasing of loop nests ------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "BufferAccesses.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlir::qsim;

Value qsim::getRootBuffer(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      v = view.getViewSource();
      continue;
    }
    if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(def)) {
      v = meta.getSource();
      continue;
    }
    break;
  }
  return v;
}

LogicalResult qsim::collectAccesses(Region &region,
                                    SmallVectorImpl<BufferAccess> &accesses) {
  WalkResult result = region.walk([&](Operation *op) {
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      accesses.push_back(
          {op, load.getMemRef(), SmallVector<Value>(load.getIndices()), false});
      return WalkResult::advance();
    }
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      accesses.push_back({op, store.getMemRef(),
                          SmallVector<Value>(store.getIndices()), true});
      return WalkResult::advance();
    }
    if (auto load = dyn_cast<vector::LoadOp>(op)) {
      accesses.push_back(
          {op, load.getBase(), SmallVector<Value>(load.getIndices()), false});
      return WalkResult::advance();
    }
    if (auto store = dyn_cast<vector::StoreOp>(op)) {
      accesses.push_back(
          {op, store.getBase(), SmallVector<Value>(store.getIndices()), true});
      return WalkResult::advance();
    }
    // Loops and branches: their nested ops are visited by the walk.
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
        isMemoryEffectFree(op))
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

namespace {
/// Where a buffer comes from, for a conservative alias test: allocations in
/// the function, constant globals (by name) and function arguments (which may
/// alias each other, never an allocation of the function); anything else may
/// alias everything.
struct BufferRoot {
  enum Kind { Allocation, Global, Argument, Unknown } kind = Unknown;
  Value allocation;
  Attribute global;
};
} // namespace

static BufferRoot classifyBuffer(Value memref) {
  Value root = getRootBuffer(memref);
  if (Operation *def = root.getDefiningOp()) {
    if (isa<memref::AllocOp, memref::AllocaOp, gpu::AllocOp>(def))
      return {BufferRoot::Allocation, root, {}};
    if (auto global = dyn_cast<memref::GetGlobalOp>(def))
      return {BufferRoot::Global, {}, global.getNameAttr()};
    return {};
  }
  auto arg = cast<BlockArgument>(root);
  Block *owner = arg.getOwner();
  if (owner->isEntryBlock() && isa<FunctionOpInterface>(owner->getParentOp()))
    return {BufferRoot::Argument, {}, {}};
  return {};
}

bool qsim::mayAlias(Value a, Value b) {
  if (a == b)
    return true;
  BufferRoot ra = classifyBuffer(a), rb = classifyBuffer(b);
  if (ra.kind == BufferRoot::Unknown || rb.kind == BufferRoot::Unknown)
    return true;
  if (ra.kind != rb.kind)
    return false;
  switch (ra.kind) {
  case BufferRoot::Allocation:
    return ra.allocation == rb.allocation;
  case BufferRoot::Global:
    return ra.global == rb.global;
  default:
    return true;
  }
}

bool qsim::sameIndices(ValueRange a, ValueRange b) {
  return a.size() == b.size() && llvm::equal(a, b);
}
