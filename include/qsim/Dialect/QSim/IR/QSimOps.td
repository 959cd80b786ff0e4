//===- QSimOps.td - qsim operations ------------------------*- tablegen -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_IR_QSIMOPS_TD
#define QSIM_DIALECT_QSIM_IR_QSIMOPS_TD

include "qsim/Dialect/QSim/IR/QSimDialect.td"
include "qsim/Dialect/QSim/IR/QSimAttrs.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferIntRangeInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

class QSim_Op<string mnemonic, list<Trait> traits = []>
    : Op<QSim_Dialect, mnemonic, traits>;

def QSim_FloatTensor : RankedTensorOf<[AnyFloat]>;
def QSim_IntTensor : RankedTensorOf<[AnySignlessInteger]>;

def QSim_DefaultRounding : DefaultValuedAttr<QSim_RoundingModeAttr,
    "::mlir::qsim::RoundingMode::HalfToEven">;

//===----------------------------------------------------------------------===//
// Annotate stage
//===----------------------------------------------------------------------===//

def QSim_AnnotateOp : QSim_Op<"annotate",
    [Pure, SameOperandsAndResultType]> {
  let summary = "Marks a float value as a quantization point";
  let description = [{
    An identity on a float tensor that records where quantization happens:
    the point's `kind` (input, weight, activation, bias) and its stable
    `point` name, derived from a name location or from the producing op, so
    that statistics tables, reports and skip options can refer to it.
    `--qsim-annotate` creates one marker per (value, kind): all consumers of
    a value share it. `--qsim-calibrate` replaces markers by
    `qsim.sim_quantize`.

    Example:
    ```mlir
    %0 = qsim.annotate %arg0 input "main.arg0" : tensor<1x8x8x3xf32>
    %1 = qsim.annotate %w weight "conv_0.weight" : tensor<8x3x3x3xf32>
    ```
  }];
  let arguments = (ins QSim_FloatTensor:$input, QSim_QuantKindAttr:$kind,
                       StrAttr:$point);
  let results = (outs QSim_FloatTensor:$output);
  let assemblyFormat = "$input `` $kind $point attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Calibrate stage
//===----------------------------------------------------------------------===//

def QSim_SimQuantizeOp : QSim_Op<"sim_quantize",
    [Pure, SameOperandsAndResultType]> {
  let summary = "Simulated quantization (float -> float)";
  let description = [{
    `dequantize(quantize(x))` with the given parameters and rounding mode:
    `(clamp(round(x / s) + zp, qmin, qmax) - zp) * s`, computed in f32
    exactly as `qsim.quantize` followed by `qsim.dequantize` (so the float
    model after calibration predicts the integer program bit for bit).
    Per-channel parameters apply along their `axis`. `kind` and `point`
    keep the annotate-stage information for reports and tables.

    Folds on constant inputs (so weights become their quantized values) and
    when applied twice with the same parameters.

    Example:
    ```mlir
    %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<4xf32>
    %1 = qsim.sim_quantize %w <s8, scales = [0.5, 0.25], axis = 0>
           rounding half_up : tensor<2x3xf32>
    ```
  }];
  let arguments = (ins QSim_FloatTensor:$input,
                       QSim_QuantParamsAttr:$params,
                       QSim_DefaultRounding:$rounding,
                       OptionalAttr<QSim_QuantKindAttr>:$kind,
                       OptionalAttr<StrAttr>:$point);
  let results = (outs QSim_FloatTensor:$output);
  let assemblyFormat = [{
    $input $params (`rounding` `` $rounding^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Realize stage
//===----------------------------------------------------------------------===//

def QSim_QuantizeOp : QSim_Op<"quantize",
    [Pure, SameOperandsAndResultShape]> {
  let summary = "Quantizes a float tensor to integers";
  let description = [{
    `q = clamp(round(x / s) + zp, qmin, qmax)` with an f32 division and the
    given rounding mode. The result element type must have the parameters'
    bit width; signedness comes from the parameters (integers are
    signless). Folds on constants, and `quantize(dequantize(q))` with the
    same parameters folds to `q`.

    Example:
    ```mlir
    %q = qsim.quantize %x <s8, scale = 0.0625> : tensor<4xf32> -> tensor<4xi8>
    ```
  }];
  let arguments = (ins QSim_FloatTensor:$input,
                       QSim_QuantParamsAttr:$params,
                       QSim_DefaultRounding:$rounding,
                       OptionalAttr<StrAttr>:$point);
  let results = (outs QSim_IntTensor:$output);
  let assemblyFormat = [{
    $input $params (`rounding` `` $rounding^)? attr-dict `:` type($input) `->`
    type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QSim_DequantizeOp : QSim_Op<"dequantize",
    [Pure, SameOperandsAndResultShape]> {
  let summary = "Dequantizes integers to float";
  let description = [{
    `x = f32(q - zp) * s` in f32. The operand element type must have the
    parameters' bit width. Folds on constants.

    Example:
    ```mlir
    %x = qsim.dequantize %q <s8, scale = 0.0625> : tensor<4xi8> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins QSim_IntTensor:$input, QSim_QuantParamsAttr:$params);
  let results = (outs QSim_FloatTensor:$output);
  let assemblyFormat = [{
    $input $params attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QSim_RequantizeOp : QSim_Op<"requantize",
    [Pure, SameOperandsAndResultShape,
     DeclareOpInterfaceMethods<InferIntRangeInterface, ["inferResultRanges"]>]> {
  let summary = "Integer rescale by fixed-point multiplier and shift";
  let description = [{
    `y = clamp(round((x - input_zero_point) * multiplier / 2^shift)
               + output_zero_point, lo, hi)`
    computed exactly (128-bit intermediate) with the rounding mode applied
    once. `lo`/`hi` are the output type's range (unsigned with
    `output_unsigned`), narrowed by `clamp_min`/`clamp_max` when given (a
    fused ReLU/ReLU6). The input is read as unsigned with `input_unsigned`.

    `multiplier` and `shift` have one entry, or one per channel along
    `axis`. `--qsim-realize` derives them from the real ratio
    `s_in / s_out`: the Q31 form has multiplier in [2^30, 2^31); a
    power-of-two ratio uses multiplier 1 (a pure rounding shift) or
    `2^k` with shift 0. docs/Numerics.md has the derivation.

    Folds on constants and when it is the identity; a requantize whose
    input is an exact widening or left shift is folded into it
    (canonicalization). Range analyses (`InferIntRangeInterface`, element
    ranges) bound the result by `[lo, hi]` and, for an input in a known
    range, by `output_zero_point` plus or minus the input's largest
    magnitude (less `input_zero_point`) times the largest ratio, plus one.

    Example (ratio 0.7071 with a fused ReLU6 at scale 6/127):
    ```mlir
    %y = qsim.requantize %acc multiplier [1518500250] shift [31]
           {clamp_min = 0 : i64, clamp_max = 127 : i64}
           : tensor<1x4x4x8xi32> -> tensor<1x4x4x8xi8>
    ```
  }];
  let arguments = (ins QSim_IntTensor:$input,
                       DenseI32ArrayAttr:$multiplier,
                       DenseI32ArrayAttr:$shift,
                       OptionalAttr<I64Attr>:$axis,
                       DefaultValuedAttr<I64Attr, "0">:$input_zero_point,
                       DefaultValuedAttr<I64Attr, "0">:$output_zero_point,
                       OptionalAttr<I64Attr>:$clamp_min,
                       OptionalAttr<I64Attr>:$clamp_max,
                       UnitAttr:$input_unsigned,
                       UnitAttr:$output_unsigned,
                       QSim_DefaultRounding:$rounding);
  let results = (outs QSim_IntTensor:$output);
  let assemblyFormat = [{
    $input `multiplier` $multiplier `shift` $shift (`axis` $axis^)?
    (`rounding` `` $rounding^)? attr-dict `:` type($input) `->` type($output)
  }];
  let extraClassDeclaration = [{
    /// Effective saturation bounds (type range narrowed by the clamp).
    int64_t getLowerBound();
    int64_t getUpperBound();
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def QSim_CastOp : QSim_Op<"cast",
    [Pure, SameOperandsAndResultShape,
     DeclareOpInterfaceMethods<InferIntRangeInterface, ["inferResultRanges"]>]> {
  let summary = "Integer widening or saturating narrowing";
  let description = [{
    Widening sign-extends (zero-extends with `unsigned`); narrowing
    saturates to the destination's range (`[0, 2^n - 1]` with `unsigned`).
    This is the cast(i32) of TVM's realized graphs. Canonicalization merges
    identical casts of one value (one widening per value, whatever the
    number of consumers), folds cast chains and same-type casts. Its result
    range (`InferIntRangeInterface`) is the input's, extended or saturated
    the same way.

    Example:
    ```mlir
    %w = qsim.cast %q : tensor<4xi8> to tensor<4xi32>
    %n = qsim.cast %acc unsigned : tensor<4xi32> to tensor<4xi8>
    ```
  }];
  let arguments = (ins QSim_IntTensor:$input, UnitAttr:$is_unsigned);
  let results = (outs QSim_IntTensor:$output);
  let assemblyFormat = [{
    $input (`unsigned` $is_unsigned^)? attr-dict `:` type($input) `to`
    type($output)
  }];
  let extraClassDeclaration = [{
    bool isWidening() {
      return getOutput().getType().getElementTypeBitWidth() >=
             getInput().getType().getElementTypeBitWidth();
    }
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

class QSim_ScaledBinaryOp<string mnemonic, list<Trait> traits = []>
    : QSim_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsElementType,
          SameOperandsAndResultElementType,
          DeclareOpInterfaceMethods<InferIntRangeInterface,
                                    ["inferResultRanges"]>])> {
  let arguments = (ins QSim_IntTensor:$lhs, QSim_IntTensor:$rhs,
                       DenseF64ArrayAttr:$lhs_scale,
                       DenseF64ArrayAttr:$rhs_scale,
                       DenseF64ArrayAttr:$result_scale,
                       OptionalAttr<I64Attr>:$axis);
  let results = (outs QSim_IntTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs `scales` `(` $lhs_scale `,` $rhs_scale `->` $result_scale
    `)` (`axis` $axis^)? attr-dict `:` type($lhs) `,` type($rhs) `->`
    type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def QSim_AddOp : QSim_ScaledBinaryOp<"add"> {
  let summary = "Integer add of operands that carry their scales";
  let extraClassDeclaration = [{
    /// Channels the scale arrays describe (1 when all are per tensor).
    size_t getNumScaleChannels();
    /// The exact left shift that brings operand `index` (0: lhs, 1: rhs) of
    /// channel `channel` to the result scale (the verifier guarantees it).
    unsigned getOperandShift(unsigned index, size_t channel);
  }];
  let description = [{
    Adds two integer tensors (numpy-style broadcasting of `rhs`, e.g. a
    per-channel bias) whose real values are `lhs * lhs_scale` and
    `rhs * rhs_scale`; the result is at `result_scale`. Each operand scale
    must be `result_scale * 2^k` with `k >= 0`, so the operand is brought
    to the result scale by an exact left shift: no precision is lost. The
    sum is computed in 64 bits and saturated to the element type (the
    realize pass proves it cannot overflow). Scales are f64 arrays with one
    entry, or one per channel along `axis`. The result range
    (`InferIntRangeInterface`) is the shifted operands' ranges added,
    saturated.

    Bias-scale unification is a canonicalization: a constant operand whose
    scale differs from the result scale is rescaled into a new constant at
    the result scale; adding a zero constant folds away.

    Example (int32 bias at `s_in * s_w` added to a conv accumulator):
    ```mlir
    %0 = qsim.add %acc, %bias scales([1.0e-3], [1.0e-3] -> [1.0e-3])
           : tensor<1x4x4x8xi32>, tensor<8xi32> -> tensor<1x4x4x8xi32>
    ```
  }];
}

def QSim_MulOp : QSim_ScaledBinaryOp<"mul"> {
  let summary = "Integer multiply of operands that carry their scales";
  let description = [{
    Multiplies two integer tensors (numpy-style broadcasting of `rhs`);
    `result_scale` must equal `lhs_scale * rhs_scale` (per channel). The
    product is computed in 64 bits and saturated to the element type. Used
    for per-channel affine maps on constants (a batch norm that cannot fold
    into a conv) before a requantize. The result range
    (`InferIntRangeInterface`) is that of the operands' products, saturated.

    Example:
    ```mlir
    %0 = qsim.mul %x, %gamma scales([0.5], [0.25] -> [0.125])
           : tensor<1x4xi32>, tensor<4xi32> -> tensor<1x4xi32>
    ```
  }];
}

def QSim_LutOp : QSim_Op<"lut",
    [Pure, SameOperandsAndResultShape,
     DeclareOpInterfaceMethods<InferIntRangeInterface, ["inferResultRanges"]>]> {
  let summary = "Integer table lookup (a unary function realized exactly)";
  let description = [{
    `y[i] = table[x[i] + 2^(N-1)]`: the `N`-bit input (`N <= 16`), read as
    signed, indexes a constant table of `2^N` entries whose element type is
    the result's. A unary float function `f` between two quantization
    points (sigmoid, tanh, GELU, hard-swish, ... or any chain of such
    elementwise ops on one quantized input) becomes one lookup:
    `--qsim-fuse-lut` evaluates `f` on every input value and stores

    `table[q + 2^(N-1)] = clamp(round(f((q - zp_in) * s_in) / s_out) + zp_out, qmin, qmax)`

    (rounding as the output point's, half to even by default)

    so the integer program computes `f` with a single rounding, exactly as
    the float model followed by the output quantization would for the
    quantized input (docs/Numerics.md).

    A table of shape `[C, 2^N]`, with `C` the static size of the input's
    last dimension, holds one row per channel of that axis:
    `y[..., c] = table[c, x[..., c] + 2^(N-1)]`. It stands for a function
    whose constants differ per channel (an activation followed by a batch
    norm's per-channel scale and shift, see --qsim-fuse-lut).

    The result range (`InferIntRangeInterface`) is the hull of the table's
    entries.
    `--convert-qsim-to-linalg` lowers it to a `linalg.generic` that reads
    the table with `tensor.extract`.

    Example (a 2-bit input, so a table of 4 entries):
    ```mlir
    %y = qsim.lut %x table dense<[-128, -3, 0, 127]> : tensor<4xi8>
           : tensor<1x8xi2> -> tensor<1x8xi8>
    ```

    Per channel (two channels of a 2-bit input):
    ```mlir
    %y = qsim.lut %x table dense<[[-4, -1, 0, 3], [-8, -2, 0, 6]]>
           : tensor<2x4xi8> : tensor<3x2xi2> -> tensor<3x2xi8>
    ```
  }];
  let arguments = (ins QSim_IntTensor:$input,
                       AnyIntElementsAttr:$table);
  let results = (outs QSim_IntTensor:$output);
  let assemblyFormat = [{
    $input `table` $table attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

#endif // QSIM_DIALECT_QSIM_IR_QSIMOPS_TD
