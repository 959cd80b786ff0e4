//===- UnaryChain.h - evaluate elementwise float ops on one input -*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// A computation on float tensors in which every element of the result is a
// function of the same element of one input value: a chain (or small DAG)
// of elementwise TOSA ops whose other operands are splat constants, such as
// sigmoid, hard-swish `x * clamp(x / 6 + 0.5, 0, 1)` or erf-GELU. The chain
// is compiled once into a list of scalar steps and evaluated in plain C++
// with f32 semantics (every op's result rounded to f32, as the float model
// computes it), so that --qsim-fuse-lut can tabulate it for every quantized
// input value.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_TRANSFORMS_UNARYCHAIN_H
#define QSIM_DIALECT_QSIM_TRANSFORMS_UNARYCHAIN_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir {
namespace qsim {

/// A scalar program equivalent to an elementwise float computation of one
/// input.
class UnaryChain {
public:
  /// Whether `op` is an elementwise f32 op the evaluator knows (sigmoid,
  /// tanh, erf, exp, log, reciprocal, rsqrt, abs, negate, floor, ceil,
  /// clamp, add, sub, mul, maximum, minimum, pow). Its operands are checked
  /// by `build`.
  static bool isEvaluable(Operation *op);

  /// Compiles `ops` (in program order, each evaluable) computing `output`
  /// from `input`. Every operand of an op must be `input`, a result of an
  /// earlier op of `ops`, a splat f32 constant, or an f32 constant with one
  /// value per channel of `input`'s last dimension (shape `[1, ..., 1, C]`,
  /// `input`'s rank), and every result must have `input`'s shape (so the
  /// computation is elementwise). Operands are first mapped through
  /// `lookThrough` when given (a caller that drops identities or
  /// intermediate roundings between the ops). Returns failure otherwise.
  static FailureOr<UnaryChain>
  build(Value input, Value output, ArrayRef<Operation *> ops,
        function_ref<Value(Value)> lookThrough = nullptr);

  /// `v`'s values if it is an f32 constant with one value per channel of
  /// the last dimension of `type` (static, `C` > 1): shape `[1, ..., 1, C]`
  /// of `type`'s rank, not a splat. Null otherwise.
  static DenseElementsAttr matchPerChannelConstant(Value v, ShapedType type);

  /// The number of channels whose constants differ (`C` of the per-channel
  /// constants), or 1 when every constant is a splat.
  int64_t getNumChannels() const { return numChannels; }

  /// The output for input element `x` of channel `channel` (in
  /// [0, getNumChannels())), in f32 as the model computes it.
  float evaluate(float x, int64_t channel = 0) const;

private:
  enum class Kind {
    Sigmoid, Tanh, Erf, Exp, Log, Reciprocal, Rsqrt, Abs, Negate, Floor,
    Ceil, Clamp, Add, Sub, Mul, Maximum, Minimum, Pow
  };
  /// An operand: slot 0 is the input, slot i + 1 the result of step i; a
  /// negative slot is the constant `value`, or the per-channel constant
  /// `channelValues[perChannel]` when `perChannel` is not negative.
  struct Operand {
    int slot = -1;
    float value = 0.0f;
    int perChannel = -1;
  };
  struct Step {
    Kind kind;
    Operand lhs, rhs;
    float lo = 0.0f, hi = 0.0f; // clamp bounds
  };
  SmallVector<Step> steps;
  SmallVector<SmallVector<float>> channelValues;
  int64_t numChannels = 1;
};

} // namespace qsim
} // namespace mlir

#endif // QSIM_DIALECT_QSIM_TRANSFORMS_UNARYCHAIN_H
