//===- QSimAttrs.td - qsim attributes and enums ------------*- tablegen -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_IR_QSIMATTRS_TD
#define QSIM_DIALECT_QSIM_IR_QSIMATTRS_TD

include "qsim/Dialect/QSim/IR/QSimDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def QSim_QuantKind : I32EnumAttr<"QuantKind",
    "role of a quantization point", [
      I32EnumAttrCase<"Input", 0, "input">,
      I32EnumAttrCase<"Weight", 1, "weight">,
      I32EnumAttrCase<"Activation", 2, "activation">,
      I32EnumAttrCase<"Bias", 3, "bias">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qsim";
}

def QSim_QuantKindAttr : EnumAttr<QSim_Dialect, QSim_QuantKind, "kind"> {
  let summary = "Role of a quantization point";
  let description = [{
    `input` (a value entering the quantized region, e.g. a function
    argument), `weight` (a constant operand of a conv/matmul), `activation`
    (the result of a quantized op) or `bias` (a constant added to an
    accumulator; it is quantized to 32 bits at `s_in * s_w`, never to 8).

    Example: `#qsim<kind weight>`; inside op syntax just `weight`.
  }];
  let assemblyFormat = "$value";
}

def QSim_RoundingMode : I32EnumAttr<"RoundingMode",
    "how a real or an exact quotient is rounded to an integer", [
      I32EnumAttrCase<"HalfToEven", 0, "half_to_even">,
      I32EnumAttrCase<"HalfAwayFromZero", 1, "half_away_from_zero">,
      I32EnumAttrCase<"HalfUp", 2, "half_up">,
      I32EnumAttrCase<"TowardZero", 3, "toward_zero">,
      I32EnumAttrCase<"Floor", 4, "floor">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qsim";
}

def QSim_RoundingModeAttr
    : EnumAttr<QSim_Dialect, QSim_RoundingMode, "rounding"> {
  let summary = "Rounding mode";
  let description = [{
    `half_to_even` (ties to even: IEEE, numpy, ONNX), `half_away_from_zero`
    (C `round`), `half_up` (ties toward +inf, `floor(x + 0.5)`, TVM's
    UPWARD), `toward_zero` (truncation) and `floor`. The numeric value of
    each case equals `mlir::qsim::numerics::RoundingMode`.

    Example: `#qsim<rounding half_up>`; inside op syntax
    `rounding half_up`.
  }];
  let assemblyFormat = "$value";
}

def QSim_Granularity : I32EnumAttr<"Granularity",
    "granularity of quantization parameters", [
      I32EnumAttrCase<"PerTensor", 0, "per_tensor">,
      I32EnumAttrCase<"PerChannel", 1, "per_channel">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qsim";
}

def QSim_GranularityAttr
    : EnumAttr<QSim_Dialect, QSim_Granularity, "granularity"> {
  let summary = "Per-tensor or per-channel parameters";
  let description = [{
    Used by passes and reports to request or describe parameter
    granularity. Example: `#qsim<granularity per_channel>`.
  }];
  let assemblyFormat = "$value";
}

def QSim_QuantOpCategory : I32EnumAttr<"QuantOpCategory",
    "what a quantizable op computes, for skip options and reports", [
      I32EnumAttrCase<"Conv", 0, "conv">,
      I32EnumAttrCase<"DepthwiseConv", 1, "depthwise_conv">,
      I32EnumAttrCase<"Dense", 2, "dense">,
      I32EnumAttrCase<"Add", 3, "add">,
      I32EnumAttrCase<"Mul", 4, "mul">,
      I32EnumAttrCase<"Clamp", 5, "clamp">,
      I32EnumAttrCase<"MaxPool", 6, "max_pool">,
      I32EnumAttrCase<"AvgPool", 7, "avg_pool">,
      I32EnumAttrCase<"Concat", 8, "concat">,
      I32EnumAttrCase<"Reshape", 9, "reshape">,
      I32EnumAttrCase<"Other", 10, "other">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qsim";
}

//===----------------------------------------------------------------------===//
// Quantization parameters
//===----------------------------------------------------------------------===//

def QSim_QuantParamsAttr : AttrDef<QSim_Dialect, "QuantParams"> {
  let mnemonic = "params";
  let summary = "Quantization parameters of a value";
  let description = [{
    The integer format (`s<bits>` signed or `u<bits>` unsigned, 2 to 16
    bits), one f32 scale (per tensor) or one scale per channel along `axis`,
    optional zero point(s) (0 when absent) and whether the scales are
    constrained to powers of two.

    A real `x` is represented by `q` with `x ~= (q - zero_point) * scale`.

    Syntax:
    ```
    #qsim.params<s8, scale = 0.0625>
    #qsim.params<u8, scale = 0.02, zero_point = 3>
    #qsim.params<s8, scales = [0.5, 0.25], axis = 0>
    #qsim.params<s8, scales = [0.5, 0.25], zero_points = [0, 1], axis = 3>
    #qsim.params<s8, scale = 0.125, pow2>
    ```

    Verified: bits in [2, 16]; every scale finite and > 0 (and an exact
    power of two with `pow2`); one scale without `axis`, at least one with
    it; zero points as many as scales and inside the integer range; axis
    non-negative. The ops that use the attribute check it against their
    tensor type: the axis inside the rank, a static channel dimension and
    one scale per channel. A hexadecimal scale literal spells f32 bits
    (`0x3F800000` is 1.0), as in an f32 tensor constant.
  }];
  let parameters = (ins
    "unsigned":$bits,
    "bool":$isSigned,
    "::mlir::DenseF32ArrayAttr":$scaleArray,
    ArrayRefParameter<"int64_t">:$zeroPoints,
    OptionalParameter<"std::optional<int64_t>">:$axis,
    "bool":$pow2
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "unsigned":$bits, "bool":$isSigned,
                     "::llvm::ArrayRef<float>":$scales,
                     "::llvm::ArrayRef<int64_t>":$zeroPoints,
                     "std::optional<int64_t>":$axis, "bool":$pow2), [{
      return $_get($_ctxt, bits, isSigned,
                   ::mlir::DenseF32ArrayAttr::get($_ctxt, scales), zeroPoints,
                   axis, pow2);
    }]>,
    AttrBuilder<(ins "unsigned":$bits, "bool":$isSigned, "float":$scale,
                     CArg<"int64_t", "0">:$zeroPoint,
                     CArg<"bool", "false">:$pow2), [{
      SmallVector<int64_t> zps;
      if (zeroPoint != 0)
        zps.push_back(zeroPoint);
      return $_get($_ctxt, bits, isSigned,
                   ::mlir::DenseF32ArrayAttr::get($_ctxt, {scale}), zps,
                   std::nullopt, pow2);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The scales (one, or one per channel).
    ::llvm::ArrayRef<float> getScales() const {
      return getScaleArray().asArrayRef();
    }
    /// True when there is one scale per channel along `getAxis()`.
    bool isPerChannel() const { return getAxis().has_value(); }
    /// Number of scale entries (1 per tensor).
    size_t getNumScales() const { return getScales().size(); }
    /// Scale and zero point of channel `i` (i ignored per tensor).
    float getScale(size_t i = 0) const {
      return getScales()[getScales().size() == 1 ? 0 : i];
    }
    int64_t getZeroPoint(size_t i = 0) const {
      if (getZeroPoints().empty()) return 0;
      return getZeroPoints()[getZeroPoints().size() == 1 ? 0 : i];
    }
    bool hasZeroPoints() const {
      for (int64_t zp : getZeroPoints()) if (zp != 0) return true;
      return false;
    }
    /// Range of the integer format.
    int64_t getQMin() const;
    int64_t getQMax() const;
    /// Checks the attribute against the shaped type it describes: element
    /// bit width (when `checkElementType`), axis in rank, channel count.
    ::mlir::LogicalResult verifyForType(
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
        ::mlir::Type type, bool checkElementType, ::llvm::StringRef what) const;
  }];
}

#endif // QSIM_DIALECT_QSIM_IR_QSIMATTRS_TD
