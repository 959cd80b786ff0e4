//===- ElementRanges.h - value ranges of integer elements -------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_ANALYSIS_ELEMENTRANGES_H
#define QSIM_ANALYSIS_ELEMENTRANGES_H

#include "mlir/IR/Value.h"
#include "mlir/Interfaces/InferIntRangeInterface.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <optional>

namespace mlir {
namespace qsim {

/// Signed bounds of integer values and of the elements of integer tensors,
/// found by walking producers backwards: ops with InferIntRangeInterface
/// (upstream's rules for arith, the qsim dialect's for requantize, cast, add
/// and mul; on tensors, per element), the bodies of elementwise
/// `linalg.generic` ops (block arguments bounded by their operands),
/// `linalg.fill`, `linalg.pooling_nhwc_max`, `tensor.pad`, reshapes, slices,
/// dense constants, and the i32 accumulators of `tosa.conv2d`,
/// `tosa.depthwise_conv2d` and `tosa.matmul` with constant weights. Anything
/// else gets its type's full range, so the bounds are always sound.
///
/// Users: the CPU kernels prove that an int8 convolution input lies in
/// [0, 127] (e.g. it was clamped by a ReLU), which lets a kernel use it as
/// unsigned bytes; --convert-qsim-to-linalg bounds the operands of adds and
/// the accumulators of requantizes to choose 32-bit forms.
class ElementRanges {
public:
  struct Options {
    /// Values more than this many producers above the queried one get their
    /// type's full range (0: only the queried value's own producer is used).
    unsigned maxDepth = 64;
    /// When set, the producers whose rules are used; the results of other
    /// ops get their type's full range.
    std::function<bool(Operation *)> follow;
  };

  ElementRanges() = default;
  explicit ElementRanges(Options options) : options(std::move(options)) {}

  /// The range of `v` (of its elements for a tensor); std::nullopt for a
  /// non-integer element type.
  std::optional<ConstantIntRanges> get(Value v);

private:
  std::optional<ConstantIntRanges> compute(Value v, unsigned depth);
  Options options;
  llvm::DenseMap<Value, ConstantIntRanges> cache;
};

/// The largest |x| of a signed range: max(|smin|, |smax|) (2^(n-1) for the
/// full n-bit range).
int64_t getMaxMagnitude(const ConstantIntRanges &range);

/// The worst case of the i32 accumulator of a TOSA convolution, depthwise
/// convolution or matmul whose weights (and bias) are constants:
/// |acc| <= weightSum * input + bias.
struct AccumulatorBound {
  /// The largest sum of |w - zp_w| over one output's filter (at most 2^62).
  int64_t weightSum = 0;
  /// The largest |x - zp_x|, as max |x| + |zp_x|.
  int64_t input = 0;
  /// The largest |bias|.
  int64_t bias = 0;
  /// weightSum * input + bias, exactly.
  __int128 get() const { return (__int128)weightSum * input + bias; }
};

/// The bound of `op`'s accumulator given |x| <= `maxMagnitude(x)` for its
/// input; std::nullopt for other ops, non-constant biases, results other
/// than i32, and non-constant weights unless `variableWeights`, where the
/// filter sum becomes (elements per filter) * (maxMagnitude(w) + |zp_w|): the
/// matmul of two activations (attention).
std::optional<AccumulatorBound>
getAccumulatorBound(Operation *op,
                    llvm::function_ref<int64_t(Value)> maxMagnitude,
                    bool variableWeights = false);

} // namespace qsim
} // namespace mlir

#endif // QSIM_ANALYSIS_ELEMENTRANGES_H
