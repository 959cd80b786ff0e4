//===- QSimInterfaces.td - quantizable op interface --------*- tablegen -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_IR_QSIMINTERFACES_TD
#define QSIM_DIALECT_QSIM_IR_QSIMINTERFACES_TD

include "mlir/IR/OpBase.td"

def QSim_QuantizableOpInterface : OpInterface<"QuantizableOpInterface"> {
  let cppNamespace = "::mlir::qsim";
  let description = [{
    An op that the quantization passes know how to quantize. The interface
    says which operands are quantized and in which role (input, weight,
    bias), which results are activations, and along which axis a weight has
    its output channels (for per-channel scales).

    Ops of other dialects get it through external models (see
    `registerQuantizableOpInterfaceExternalModels`); an embedder attaches it
    to its own ops the same way. `--qsim-annotate` and `--qsim-calibrate`
    then place and calibrate its markers, and `--qsim-realize` calls the
    op's `realize` method to rewrite it into integer code. `realize` builds
    with the helpers of `RealizeContext`
    (`qsim/Dialect/QSim/Transforms/RealizeContext.h`): the integer form of
    an operand (`getInt`), `requantize`, `widen`, zero-filled accumulators,
    int32 bias constants, and `finish` to record the result. Without a
    `realize` of its own, an op whose `preservesScale` is true is cloned on
    integers; any other op stays float (counted by the pass statistic
    `num-left-float`).

    Example: `tosa.conv2d` reports operand 0 as `input`, operand 1 as
    `weight` with channel axis 0, operand 2 as `bias`, its zero-point
    operands as not quantized and result 0 as `activation`.
  }];

  let methods = [
    InterfaceMethod<[{
        What the op computes (conv, dense, add, pooling, ...), used by skip
        options such as "skip the first k convs" and by reports.
      }],
      "::mlir::qsim::QuantOpCategory", "getQuantCategory">,
    InterfaceMethod<[{
        The role of operand `operandIndex`, or std::nullopt when the operand
        is not quantized (shapes, zero points, destination operands).
      }],
      "std::optional<::mlir::qsim::QuantKind>", "getOperandQuantKind",
      (ins "unsigned":$operandIndex)>,
    InterfaceMethod<[{
        The role of result `resultIndex` (normally `activation`), or
        std::nullopt when the result stays float.
      }],
      "std::optional<::mlir::qsim::QuantKind>", "getResultQuantKind",
      (ins "unsigned":$resultIndex), "", [{
        return ::mlir::qsim::QuantKind::Activation;
      }]>,
    InterfaceMethod<[{
        For a weight operand: the dimension holding output channels, so
        that per-channel scales have one entry per output channel.
      }],
      "std::optional<int64_t>", "getWeightChannelAxis",
      (ins "unsigned":$operandIndex), "", [{ return std::nullopt; }]>,
    InterfaceMethod<[{
        True when the result can reuse the parameters of its (first)
        quantized input exactly: max pooling, reshape, transpose, slice,
        ReLU-style clamps; realization then needs no requantize.
      }],
      "bool", "preservesScale", (ins), "", [{ return false; }]>,
    InterfaceMethod<[{
        True when `realize` can also take a null `out` and compute the op's
        float result from its integer accumulator (convolutions, matmuls):
        `--qsim-annotate` then places no output point on an op whose every
        result feeds only ops that stay float (the rounding to 8 bits would
        only lose precision a float consumer keeps).
      }],
      "bool", "canRealizeWithFloatResult", (ins), "", [{ return false; }]>,
    InterfaceMethod<[{
        Rewrites the op into integer code. `out` is the `qsim.sim_quantize`
        that is the single user of the op's single result: the parameters
        the integer result must end up with; null only for an op whose
        `canRealizeWithFloatResult` is true and that has no output point,
        whose rule then ends with `ctx.finishFloat(op, value)`. A rule reads its operands'
        integer forms with `ctx.getInt`, builds the integer op before the
        float one, and calls `ctx.finish(op, out, result)`; it returns
        failure without calling `finish` when it cannot realize this
        instance (the op then stays float and reads its operands through
        `qsim.dequantize`).

        The default clones an op whose `preservesScale` is true on the
        integer form of operand 0 (max pooling, reshape, transpose, slice);
        it fails for any other op, and for destination-style ops, whose
        float init a clone would keep.
      }],
      "::llvm::LogicalResult", "realize",
      (ins "::mlir::qsim::RealizeContext &":$ctx,
           "::mlir::qsim::SimQuantizeOp":$out), "", [{
        return ::mlir::qsim::detail::realizeScalePreserving(ctx, $_op, out);
      }]>
  ];
}

#endif // QSIM_DIALECT_QSIM_IR_QSIMINTERFACES_TD
