//===- RealizeRules.h - realize rules of TOSA and linalg ops ----*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The `QuantizableOpInterface::realize` rules that the external models of
// QuantizableOpInterfaceImpl.cpp attach. Each returns failure without calling
// `RealizeContext::finish` when it cannot realize the op (it stays float).
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_DIALECT_QSIM_EXTENSIONS_REALIZERULES_H
#define QSIM_LIB_DIALECT_QSIM_EXTENSIONS_REALIZERULES_H

#include "qsim/Dialect/QSim/IR/QSimOps.h"

namespace mlir {
namespace qsim {
class RealizeContext;

/// A realize rule, in the form the external models store.
using RealizeFn = LogicalResult (*)(Operation *op, RealizeContext &ctx,
                                    SimQuantizeOp out);

/// tosa.conv2d / tosa.depthwise_conv2d: int8 input and weight, the bias as
/// int32 at `s_in * s_w[c]`, an i32 conv and a per-channel requantize.
LogicalResult realizeTosaConv(Operation *op, RealizeContext &ctx,
                              SimQuantizeOp out);
/// tosa.matmul: int8 operands with zero points, i32 result, requantize.
LogicalResult realizeTosaMatmul(Operation *op, RealizeContext &ctx,
                                SimQuantizeOp out);
/// tosa.add: `qsim.add` at a common scale (an exact shift when the scales
/// are a power of two apart), then a requantize.
LogicalResult realizeTosaAdd(Operation *op, RealizeContext &ctx,
                             SimQuantizeOp out);
/// tosa.mul: `qsim.mul` by an activation or a (per-channel) constant.
LogicalResult realizeTosaMul(Operation *op, RealizeContext &ctx,
                             SimQuantizeOp out);
/// tosa.clamp: a requantize with integer bounds.
LogicalResult realizeTosaClamp(Operation *op, RealizeContext &ctx,
                               SimQuantizeOp out);
/// tosa.avg_pool2d without padding: an i32 sum pool and a requantize by
/// `1 / count`.
LogicalResult realizeTosaAvgPool(Operation *op, RealizeContext &ctx,
                                 SimQuantizeOp out);
/// tosa.pad with a padding value on the input's grid: the same pad on the
/// integers, padding with that value's integer.
LogicalResult realizeTosaPad(Operation *op, RealizeContext &ctx,
                             SimQuantizeOp out);
/// tosa.concat: inputs requantized to the output's parameters.
LogicalResult realizeTosaConcat(Operation *op, RealizeContext &ctx,
                                SimQuantizeOp out);
/// linalg convolutions and (batch) matmul: the named op on int8 with an i32
/// init, then a per-channel requantize. Declines the pooling ops (their
/// window operand is not quantized).
LogicalResult realizeLinalgContraction(Operation *op, RealizeContext &ctx,
                                       SimQuantizeOp out);

} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_DIALECT_QSIM_EXTENSIONS_REALIZERULES_H
