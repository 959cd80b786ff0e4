//===- BufferAccesses.h - loads, stores and aliasing in loops ---*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// What the loop nest passes of the GPU pipeline (qsim-gpu-fuse-parallel-loops,
// qsim-gpu-promote-accumulators) know about memory: the loads and stores of a
// region, and a conservative alias test from where buffers come from. Internal
// to the QSimGPUTransforms library.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_TRANSFORMS_GPU_BUFFERACCESSES_H
#define QSIM_LIB_TRANSFORMS_GPU_BUFFERACCESSES_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Region.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir {
namespace qsim {

/// One load or store of a buffer element (or vector) in a loop nest.
struct BufferAccess {
  Operation *op;
  Value memref;
  SmallVector<Value> indices;
  bool isWrite;
};

/// Collects the accesses in `region`. Fails on an op whose memory effects are
/// not plain loads and stores (calls, copies, allocations ...), so that the
/// callers never reorder anything they do not understand.
LogicalResult collectAccesses(Region &region,
                              SmallVectorImpl<BufferAccess> &accesses);

/// Follows views and `extract_strided_metadata` back to the allocation.
Value getRootBuffer(Value v);

/// Whether `a` and `b` may name overlapping memory. Conservative: only
/// buffers with different roots among the allocations of the function,
/// constant globals (by name) and function arguments (which may alias each
/// other, never an allocation of the function) are told apart; anything else
/// may alias everything.
bool mayAlias(Value a, Value b);

/// Whether two index lists are the same values.
bool sameIndices(ValueRange a, ValueRange b);

} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_TRANSFORMS_GPU_BUFFERACCESSES_H
