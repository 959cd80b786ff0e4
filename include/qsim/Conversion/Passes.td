//===- Passes.td - qsim conversion passes ------------------*- tablegen -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CONVERSION_PASSES_TD
#define QSIM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// QSimToLinalg
//===----------------------------------------------------------------------===//

def ConvertQSimToLinalg : Pass<"convert-qsim-to-linalg", "ModuleOp"> {
  let summary = "Lower qsim ops to linalg.generic on tensors with arith/math "
                "bodies";
  let description = [{
    Rewrites every qsim op into an elementwise `linalg.generic` on tensors
    (initialised by `tensor.empty`) whose body computes exactly the integer
    contract of docs/Numerics.md, i.e. the same bits as the op's folder:

    * `qsim.annotate` disappears (it is an identity).
    * `qsim.quantize`: an f32 `arith.divf` by the scale, rounding by the op's
      mode (`math.roundeven`, `math.round`, `math.trunc`, `math.floor`, or
      floor plus a fraction test for `half_up`), a float clamp to
      `[qmin - zp, qmax - zp]` before `arith.fptosi` (no conversion UB), NaN
      to the zero point, then the zero point is added.
    * `qsim.dequantize`: `f32(q - zp) * scale`; `qsim.sim_quantize` is both
      fused into one generic.
    * `qsim.requantize`: `(x - zp_in) * multiplier` in i64 (it cannot
      overflow: both factors are at most 32-bit and the multiplier is below
      2^31), an exact rounding right shift (floor quotient by `arith.shrsi`,
      remainder compared with `2^(shift-1)`), the output zero point and the
      clamp.
    * `qsim.cast`: `arith.extsi`/`arith.extui`, or a saturating narrowing.
    * `qsim.add` / `qsim.mul`: i64 arithmetic (add operands first shifted
      left by `log2(operand_scale / result_scale)`), saturated to the
      element type; `rhs` is broadcast numpy-style through its indexing map.

    Per-channel parameters that differ between channels are read from 1-D
    constant tensors indexed by the channel dimension; uniform ones become
    scalar constants in the body. Patterns are available through
    `populateQSimToLinalgConversionPatterns` for use in other pipelines.

    Example:
    ```mlir
    %q = qsim.quantize %x <s8, scales = [0.5, 0.25], axis = 1>
           : tensor<4x2xf32> -> tensor<4x2xi8>
    ```
    becomes
    ```mlir
    %scales = arith.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
    %init = tensor.empty() : tensor<4x2xi8>
    %q = linalg.generic {
           indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                            affine_map<(d0, d1) -> (d1)>,
                            affine_map<(d0, d1) -> (d0, d1)>],
           iterator_types = ["parallel", "parallel"]}
           ins(%x, %scales : tensor<4x2xf32>, tensor<2xf32>)
           outs(%init : tensor<4x2xi8>) {
    ^bb0(%in: f32, %s: f32, %out: i8):
      %r = arith.divf %in, %s : f32
      %n = math.roundeven %r : f32
      ...
      linalg.yield %v : i8
    } -> tensor<4x2xi8>
    ```
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // QSIM_CONVERSION_PASSES_TD
