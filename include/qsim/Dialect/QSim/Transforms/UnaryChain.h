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
  /// earlier op of `ops`, or a splat f32 constant, and every result must
  /// have `input`'s shape (so the computation is elementwise). Operands are
  /// first mapped through `lookThrough` when given (a caller that drops
  /// identities or intermediate roundings between the ops). Returns
  /// failure otherwise.
  static FailureOr<UnaryChain>
  build(Value input, Value output, ArrayRef<Operation *> ops,
        function_ref<Value(Value)> lookThrough = nullptr);

  /// The output for input element `x`, in f32 as the model computes it.
  float evaluate(float x) const;

private:
  enum class Kind {
    Sigmoid, Tanh, Erf, Exp, Log, Reciprocal, Rsqrt, Abs, Negate, Floor,
    Ceil, Clamp, Add, Sub, Mul, Maximum, Minimum, Pow
  };
  /// An operand: slot 0 is the input, slot i + 1 the result of step i; a
  /// negative slot is the constant `value`.
  struct Operand {
    int slot = -1;
    float value = 0.0f;
  };
  struct Step {
    Kind kind;
    Operand lhs, rhs;
    float lo = 0.0f, hi = 0.0f; // clamp bounds
  };
  SmallVector<Step> steps;
};

} // namespace qsim
} // namespace mlir

#endif // QSIM_DIALECT_QSIM_TRANSFORMS_UNARYCHAIN_H
