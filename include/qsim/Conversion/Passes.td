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

    Before lowering, the pass proves that no i32 accumulator of a TOSA
    convolution, depthwise convolution or matmul with constant weights (and
    bias) can wrap: `sum |w - zp_w| * (max |x| + |zp_x|) + max |bias|`, the
    input bound from the shared element-range analysis, must be at most
    2^31 - 1. An op whose bound exceeds it is refused with an error that
    gives the bound and its terms (an int32 bias saturated by realization,
    for instance); `emit-remarks` reports each bound and its margin.

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
  let options = [
    Option<"emitRemarks", "emit-remarks", "bool", "false",
           "A remark on every proved i32 accumulator with its bound and "
           "margin">
  ];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

//===----------------------------------------------------------------------===//
// LinalgToCPUKernels
//===----------------------------------------------------------------------===//

def ConvertLinalgToCPUKernels
    : Pass<"convert-linalg-to-cpu-kernels", "func::FuncOp"> {
  let summary = "Lower int8 and f32 convolutions and matmuls with constant "
                "weights to register-tiled x86 vector micro-kernels with "
                "fused epilogues";
  let description = [{
    Rewrites, on tensors, each `linalg.conv_2d_nhwc_fhwc`,
    `linalg.conv_2d_nhwc_hwcf` (and their `_q` forms with constant zero
    points), `linalg.matmul`, single-batch `linalg.batch_matmul` and
    `linalg.depthwise_conv_2d_nhwc_hwc`/`_hwcm` (multiplier 1) whose weights
    are a constant, whose operands are `i8 x i8 -> i32` or
    `f32 x f32 -> f32`, and each `linalg.pooling_nhwc_max` (i8, f32) and
    `linalg.pooling_nhwc_sum` (i8 -> i32, f32), into a loop nest of
    register-tiled micro-kernels (depthwise and pooling: channels on the
    lanes, inputs widened to i32 except for an int8 max; the rest as
    follows):

    * The weights are packed at compile time into
      `[F/L][KH][KW][C/G][L][G]` (L output channels per vector, G products
      per 32-bit lane); the accumulator start values (bias, the
      initialising `linalg.fill` or the broadcast of a 1-D constant, and the
      zero-point and sign corrections below) become one constant per
      channel.
    * A tile of MR output pixels x NV vectors of L output channels lives in
      registers; the reduction over KH x KW x C/G broadcasts G input bytes
      per pixel and issues one dot instruction per accumulator:
      `vpdpbusd` (AVX-512 VNNI, u8 x s8: the input is flipped to unsigned by
      `x ^ 0x80` and `128 * sum(w)` is subtracted from the start value),
      `vpmaddwd` on sign-extended i16 pairs (AVX2 / AVX-512BW, exact), or
      `vector.fma` for f32. With `maddubs` (default), a vpmaddwd target
      uses `vpmaddubsw` (u8 x s8 pairs summed into saturating i16) +
      `vpmaddwd` by ones instead, about 1.3x the throughput, for an op
      where no pair sum can saturate: its input is proven to lie in
      [0, 127] (the bounds of its producers: a ReLU's clamp, padding,
      reshapes; then any int8 weights fit), or its weights are small
      enough for the flipped input in [0, 255]. A byte-input dot
      (`vpdpbusd`, `vpmaddubsw`) reads an input proven to lie in [0, 127]
      as it is: no flipped copy, no correction. A depthwise convolution on
      such an input pairs its taps on `vpmaddubsw` (the bytes of two taps
      interleaved per channel, two tap pairs summed per i32 lane by
      `vpmaddwd` by ones) for blocks of 4L channels, or, on AVX-512 VNNI,
      puts four taps in each `vpdpbusd` quadruple.
    * Depthwise and pooling tiles loop over all channel blocks inside each
      pixel tile (the input and output are swept once, in order).
    * Epilogue fusion: an elementwise `linalg.generic` that is the only user
      of the convolution (bias add, requantize, clamp, narrowing to i8,
      residual add) is vectorized lane by lane (the same arith/math ops on
      vectors) and runs on the accumulators in registers, so the convolution
      writes its final element type (i8) and no i32 tensor is stored. An
      epilogue ending in `trunci` to i8 of a clamp to [lo, hi] within
      [-128, 127] narrows a pixel's vectors at once: saturated to
      [-128, 127] (x86's packs across registers), truncated, and clamped
      to [lo, hi] on bytes.

    The integer results are bit-identical to the plain lowering: the sums
    are the same modulo 2^32 and the epilogue executes the same scalar ops
    per lane. Ops that do not match (other element types, non-constant
    weights, a weight zero point other than 0) are left alone.

    `target=auto` picks the best instruction set the host CPU has
    (`avx512-vnni`, `avx512`, `avx2`), and does nothing without AVX2;
    naming a target produces code for it whatever the host (for inspection
    with `llc`; it only runs on a CPU with those features). When the input
    is larger than `cache-kb`, the output-channel blocks whose packed
    weights fit in `cache-kb` share one pass over the pixels (cache
    blocking; 0 disables it). With `report-int32`, every i32 tensor that an
    op still writes for another op to read is reported with a remark; with
    `report-kernels`, every rewritten op gets a remark naming its dot step
    and why.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"auto\"",
           "Instruction set: auto, avx512-vnni, avx512, avx2">,
    Option<"fp32", "fp32", "bool", /*default=*/"true",
           "Also lower f32 convolutions and matmuls to FMA micro-kernels">,
    Option<"reportInt32", "report-int32", "bool", /*default=*/"false",
           "Emit a remark for every i32 tensor left between two ops">,
    Option<"reportKernels", "report-kernels", "bool", /*default=*/"false",
           "Emit a remark for every op turned into a micro-kernel: its dot "
           "step, lanes, the input bounds that chose it, epilogue fusion">,
    Option<"cacheKB", "cache-kb", "unsigned", /*default=*/"128",
           "Cache budget in KiB for the weights of a group of channel blocks "
           "that share one pass over an input larger than it (0: one block "
           "per pass)">,
    Option<"maddubs", "maddubs", "bool", /*default=*/"true",
           "On vpmaddwd targets, use vpmaddubsw (u8 x s8 pairs) for the "
           "convolutions and matmuls where no i16 pair sum can saturate, "
           "and to pair the taps of depthwise convolutions on a [0, 127] "
           "input">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

//===----------------------------------------------------------------------===//
// PadToBorderFill
//===----------------------------------------------------------------------===//

def PadToBorderFill : Pass<"qsim-pad-to-border-fill", "func::FuncOp"> {
  let summary = "Write a tensor.pad as its source copied into an "
                "uninitialised tensor plus fills of the border only";
  let description = [{
    Upstream bufferizes `tensor.pad` as an allocation filled entirely with
    the padding value, then a copy of the source over the interior: the
    interior is written twice. A convolution's padded input (MobileNetV2
    pads every depthwise input) is mostly interior, and the fills were 5-7%
    of an int8 MobileNetV2 on one core.

    This pass rewrites each `tensor.pad` with static shapes and a constant
    (or loop-invariant) padding value into `tensor.empty`, one
    `tensor.insert_slice` of the source, and per padded dimension and side
    an `extract_slice`/`linalg.fill`/`insert_slice` of that border slab (the
    slabs partition the border: dimensions before the padded one take the
    interior range, later ones the full range). One-shot bufferization
    writes them in place into one buffer. Same values as the pad.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

//===----------------------------------------------------------------------===//
// QSimToQuant
//===----------------------------------------------------------------------===//

def ConvertQSimToQuant : Pass<"qsim-to-quant", "ModuleOp"> {
  let summary = "Express qsim quantization in the upstream quant dialect";
  let description = [{
    Rewrites the calibrated and realized forms into `!quant.uniform` types
    and the `quant` cast ops, so that tools built on the upstream dialect
    (`-lower-quant-ops`, `-normalize-quant-types`, frontends and backends
    that speak QDQ) can consume them:

    * `qsim.sim_quantize %x` becomes `quant.qcast %x` to
      `tensor<...x!quant.uniform<...>>` followed by `quant.dcast` (the QDQ
      form);
    * `qsim.quantize %x` becomes `quant.qcast` followed by `quant.scast` to
      the integer tensor;
    * `qsim.dequantize %q` becomes `quant.scast` of the integer tensor to
      the quantized type followed by `quant.dcast`.

    `#qsim.params<s8, ...>` maps to storage `i8`, `u8` to `u8` (full range,
    no `<min:max>` bounds), `scale = s, zero_point = z` to `s:z`, and
    per-channel parameters to the per-axis form `i8:f32:axis, {s0:z0, ...}`.
    What the types cannot express is kept as discardable attributes on the
    `quant.qcast`: `qsim.rounding` (when not `half_to_even`), `qsim.pow2`,
    `qsim.kind` and `qsim.point`; `--quant-to-qsim` reads them back, so
    qsim -> quant -> qsim is the identity. Upstream passes ignore them
    (upstream leaves the rounding of `quant.qcast` to the lowering).

    Example:
    ```mlir
    %0 = qsim.sim_quantize %x <u8, scale = 0.5, zero_point = 3>
           rounding half_up : tensor<4xf32>
    ```
    becomes
    ```mlir
    %q = quant.qcast %x {qsim.rounding = #qsim<rounding half_up>}
           : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 5.000000e-01:3>>
    %0 = quant.dcast %q : tensor<4x!quant.uniform<u8:f32, 5.000000e-01:3>>
           to tensor<4xf32>
    ```
    See docs/QuantDialect.md.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
}

//===----------------------------------------------------------------------===//
// QuantToQSim
//===----------------------------------------------------------------------===//

def ConvertQuantToQSim : Pass<"quant-to-qsim", "ModuleOp"> {
  let summary = "Turn upstream quant casts into qsim ops";
  let description = [{
    The reverse of `--qsim-to-quant`, for frontends that already produced
    quant types (TFLite -> TOSA style QDQ graphs), so that `--qsim-realize`
    and the qsim kernels can be used on them:

    * `quant.dcast(quant.qcast %x)` becomes `qsim.sim_quantize %x`;
    * `quant.dcast(quant.scast %c)` of an integer constant (a quantized
      weight) becomes `qsim.sim_quantize` of the dequantized float
      constant, the calibrated form of a weight; with 32-bit storage (a
      bias quantized at `s_in * s_w`) just the float constant, since
      `--qsim-realize` quantizes biases itself;
    * `quant.scast(quant.qcast %x)` to an integer tensor becomes
      `qsim.quantize %x`, and `quant.dcast(quant.scast %q)` of a
      non-constant integer tensor becomes `qsim.dequantize %q`.

    The `qsim.rounding`, `qsim.pow2`, `qsim.kind` and `qsim.point`
    attributes written by `--qsim-to-quant` are honoured; without them the
    rounding is `half_to_even`.

    Types the qsim form cannot express are refused with an error naming the
    op and the type: storage other than 2- to 16-bit integers (32 bits only
    for constants), storage bounds narrower than the full integer range
    (`i8<-127:127>`), expressed types other than the tensor's float element
    type, sub-channel (blocked) quantization, non-uniform types, a weight
    with a non-zero zero point (the integer kernels assume symmetric
    weights), and a quant-typed value used by anything but these casts.

    See docs/QuantDialect.md.
  }];
  let dependentDialects = ["::mlir::qsim::QSimDialect"];
}

#endif // QSIM_CONVERSION_PASSES_TD
