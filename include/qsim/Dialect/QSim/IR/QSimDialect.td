//===- QSimDialect.td - qsim dialect definition ------------*- tablegen -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_IR_QSIMDIALECT_TD
#define QSIM_DIALECT_QSIM_IR_QSIMDIALECT_TD

include "mlir/IR/OpBase.td"

def QSim_Dialect : Dialect {
  let name = "qsim";
  let cppNamespace = "::mlir::qsim";
  let summary = "Post-training quantization: annotate, calibrate, realize.";
  let description = [{
    The `qsim` dialect carries a float model through post-training
    quantization in three stages, one group of ops per stage:

    1. *annotate*: `qsim.annotate` marks a float value as a quantization
       point with its kind (input, weight, activation, bias) and a stable
       point name. It is an identity.
    2. *calibrate*: `qsim.sim_quantize` is the simulated quantization of a
       float value with concrete parameters (`#qsim.params`) and a rounding
       mode: float in, float out, with the exact values the integer program
       will compute.
    3. *realize*: `qsim.quantize`, `qsim.dequantize`, `qsim.requantize`,
       `qsim.cast`, `qsim.add` and `qsim.mul` are the integer program:
       int8 operands, int32 accumulators, requantization by fixed-point
       multiplier and shift.

    Quantizable ops of other dialects (TOSA, linalg, or an embedder's own)
    describe their operands through `QuantizableOpInterface`.

    The integer semantics (rounding, saturation, multiplier derivation) are
    specified in docs/Numerics.md and implemented once in the `QSimNumerics`
    library that folders, lowerings and reference tests share.

    Example (a conv whose input and weight were annotated):

    ```mlir
    %x = qsim.annotate %arg0 input "f.arg0" : tensor<1x8x8x3xf32>
    %w = qsim.annotate %cst weight "conv_0.weight" : tensor<4x3x3x3xf32>
    ```
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // QSIM_DIALECT_QSIM_IR_QSIMDIALECT_TD
