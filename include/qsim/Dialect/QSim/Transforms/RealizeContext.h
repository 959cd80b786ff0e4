//===- RealizeContext.h - building blocks of realize rules ------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// What a `QuantizableOpInterface::realize` rule builds with. `--qsim-realize`
// owns one RealizeContext per function: it maps every simulated-quantized
// float value to one integer value (so a value read by two rules is quantized
// once) and remembers which float ops were realized, so that the pass can
// dequantize the float uses that remain and erase what was replaced.
//
// A rule for an op `op` with output marker `out`:
//
//   std::optional<IntValue> x = ctx.getInt(op->getOperand(0));
//   if (!x || x->params.isPerChannel())
//     return failure();                 // nothing recorded: op stays float
//   OpBuilder b(op);                    // integer code goes before `op`
//   Value acc = ...;                    // int32 accumulation on x->value
//   Value r = ctx.requantize(b, loc, acc, accScales, 0, axis, out.getParams(),
//                            ctx.intType(out.getParams().getBits()),
//                            out.getRounding());
//   if (!r)
//     return failure();
//   ctx.finish(op, out, {r, out.getParams()});
//   return success();
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_TRANSFORMS_REALIZECONTEXT_H
#define QSIM_DIALECT_QSIM_TRANSFORMS_REALIZECONTEXT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "qsim/Dialect/QSim/IR/QSimOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

#include <optional>

namespace mlir {
namespace qsim {

/// An integer value and the parameters that give it meaning.
struct IntValue {
  Value value;
  QuantParamsAttr params;
};

class RealizeContext {
public:
  explicit RealizeContext(MLIRContext *ctx) : ctx(ctx) {}

  MLIRContext *getContext() const { return ctx; }
  IntegerType intType(unsigned bits) const {
    return IntegerType::get(ctx, bits);
  }

  //===--------------------------------------------------------------------===//
  // Operands and results
  //===--------------------------------------------------------------------===//

  /// The integer form of the simulated-quantized float value `f`: the result
  /// of an op already realized, or a `qsim.quantize` of the input of the
  /// `qsim.sim_quantize` that defines `f` (created once, right after it).
  /// std::nullopt when `f` is neither (a float value no marker covers).
  std::optional<IntValue> getInt(Value f);

  /// Records `result` as the integer value of `out` and `op` as realized,
  /// requantizing when the parameters of `result` differ from `out`'s. Call
  /// it once, last, from a rule that succeeds.
  void finish(Operation *op, SimQuantizeOp out, IntValue result);
  /// Replaces the float result of `op` (realized with a null `out`) by
  /// `value`, computed in integers and converted back, and records `op` as
  /// realized.
  void finishFloat(Operation *op, Value value);

  /// The integer accumulator behind a contraction's float result: `value`
  /// (i32) at the real scale `scales[c]` along the last dimension (one
  /// entry: shared). Recorded by the contraction's rule when it has no
  /// output point, so that a bias add after it (MatMul + Add, as ONNX
  /// writes a linear layer) adds in int32 and requantizes once.
  struct Accumulator {
    Value value;
    SmallVector<double> scales;
  };
  void recordAccumulator(Value floatResult, Value acc,
                         ArrayRef<double> scales);
  const Accumulator *getAccumulator(Value floatResult) const;

  //===--------------------------------------------------------------------===//
  // Integer building blocks
  //===--------------------------------------------------------------------===//

  /// `qsim.requantize` of `acc` (integer, real scale `inScales[c]`, zero point
  /// `inZp`) to the parameters `out` (a null `out`: scale 1, zero point 0, an
  /// integer rescale), per channel along `axis` when `inScales` has several
  /// entries that differ, clamped to [lo, hi] when given. Returns a null
  /// value when a scale ratio has no fixed-point multiplier.
  Value requantize(OpBuilder &b, Location loc, Value acc,
                   ArrayRef<double> inScales, int64_t inZp,
                   std::optional<int64_t> axis, QuantParamsAttr out,
                   Type outElem, RoundingMode mode,
                   std::optional<int64_t> lo = std::nullopt,
                   std::optional<int64_t> hi = std::nullopt);

  /// `x - zp` widened to i32 (exact): a `qsim.cast`, or an identity
  /// requantize that subtracts a nonzero zero point.
  Value widen(OpBuilder &b, Location loc, IntValue x);

  /// A `tosa.const` holding `attr`.
  static Value tosaConst(OpBuilder &b, Location loc, DenseElementsAttr attr);

  /// A one-element `tosa.const` zero point of element type `elem`, as TOSA's
  /// integer conv, matmul and pooling ops take them.
  static Value zeroPointTensor(OpBuilder &b, Location loc, int64_t zp,
                               Type elem);

  /// A zero-filled tensor of `type`, an integer tensor type (`tensor.empty`
  /// + `linalg.fill`): the init of an integer linalg reduction.
  static Value zeroAccumulator(OpBuilder &b, Location loc,
                               RankedTensorType type);

  /// Whether a constant of type `bias` added to a result of type `result`
  /// is a bias: the same rank, every dimension but the last 1, the last the
  /// result's or 1. Annotate leaves a matmul's point out for such an add,
  /// and its realize rule adds it to the accumulator.
  static bool isBiasShaped(ShapedType bias, ShapedType result);

  /// A float bias quantized to int32 at the accumulator scale `accScale(c)`
  /// of each of the `numOut` output channels (one shared value broadcasts),
  /// rounding half to even and saturating.
  static DenseElementsAttr quantizeBias(DenseElementsAttr bias, int64_t numOut,
                                        function_ref<double(int64_t)> accScale);

  /// `t` (a ranked tensor type) with element type `elem`.
  static RankedTensorType withElementType(Type t, Type elem) {
    return cast<RankedTensorType>(t).clone(elem);
  }

  //===--------------------------------------------------------------------===//
  // For the pass
  //===--------------------------------------------------------------------===//

  /// Every float value with an integer form, and that form.
  const DenseMap<Value, IntValue> &getIntegerValues() const { return intOf; }
  /// The float ops replaced by integer code; the pass erases them.
  llvm::SetVector<Operation *> &getRealizedOps() { return realized; }

private:
  MLIRContext *ctx;
  DenseMap<Value, IntValue> intOf;
  DenseMap<Value, Accumulator> accOf;
  llvm::SetVector<Operation *> realized;
};

} // namespace qsim
} // namespace mlir

#endif // QSIM_DIALECT_QSIM_TRANSFORMS_REALIZECONTEXT_H
