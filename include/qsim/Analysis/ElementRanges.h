//===- ElementRanges.h - value ranges of integer tensor elements -*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_ANALYSIS_ELEMENTRANGES_H
#define QSIM_ANALYSIS_ELEMENTRANGES_H

#include "mlir/IR/Value.h"
#include "mlir/Interfaces/InferIntRangeInterface.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace mlir {
namespace qsim {

/// Signed bounds of integer values and of the elements of integer tensors,
/// found by walking producers backwards: scalar ops through their
/// InferIntRangeInterface (upstream's rules for arith), the bodies of
/// elementwise `linalg.generic` ops (block arguments bounded by their
/// operands), `linalg.fill`, `linalg.pooling_nhwc_max`, `tensor.pad`,
/// reshapes, slices and dense constants. Anything else gets its type's full
/// range, so the bounds are always sound. Used to prove that an int8
/// convolution input lies in [0, 127] (e.g. it was clamped by a ReLU), which
/// lets a kernel use it as unsigned bytes.
class ElementRanges {
public:
  /// The range of `v` (of its elements for a tensor); std::nullopt for a
  /// non-integer element type.
  std::optional<ConstantIntRanges> get(Value v);

private:
  std::optional<ConstantIntRanges> compute(Value v, unsigned depth);
  llvm::DenseMap<Value, ConstantIntRanges> cache;
};

} // namespace qsim
} // namespace mlir

#endif // QSIM_ANALYSIS_ELEMENTRANGES_H
