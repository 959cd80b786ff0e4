// RUN: qsim-opt %s --qsim-gpu-pipeline -o %t.mlir
// RUN: FileCheck %s --check-prefix=HOST < %t.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.mlir | FileCheck %s --check-prefix=PTX

// The int8 forms of --qsim-realize (i8 x i8 -> i32 conv2d with an input zero
// point and an i32 bias, per-channel rescale to i8, ReLU clamp; an i8 matmul)
// become kernels (one per linalg op, element-wise consumers fused into their
// producer's kernel), serialized to PTX for sm_80 (the default), and a host
// side in the LLVM dialect that launches them.

// Host: only LLVM dialect ops, gpu.binary and gpu.launch_func remain; the
// entry keeps its tensor signature and C wrapper like the CPU pipeline's.
// HOST-NOT: tosa.
// HOST-NOT: linalg.
// HOST-NOT: memref.
// HOST-NOT: scf.
// HOST-NOT: gpu.module
// HOST-NOT: gpu.func
// HOST-LABEL: llvm.func @int8_conv(
// HOST-SAME:    qsim.entry_type = (tensor<1x6x5x8xi8>, tensor<4x3x3x8xi8>, tensor<4xi32>) -> (tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>)
// Managed buffers for the kernels, launches, malloc'ed results for the caller.
// HOST:         llvm.call @mgpuMemAlloc
// HOST:         gpu.launch_func @int8_conv_kernel
// HOST:         llvm.call @malloc
// HOST:         llvm.call @mgpuMemFree
// HOST-LABEL: llvm.func @_mlir_ciface_int8_conv(
// HOST:       gpu.binary @int8_conv_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">
// HOST-LABEL: llvm.func @int8_matmul(
// HOST:         gpu.launch_func
// HOST:       gpu.binary @int8_matmul_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">

// Device: every kernel is a PTX .entry for sm_80. The convolution's bias
// initialization, its reduction and the requantize epilogue are one kernel
// (_0, after the pad fill): the int8 reduction runs on dp4a over 4-byte
// loads (a second dp4a with ones sums the weights for the input zero point),
// the accumulator stays in a register and is stored once (it is also a
// result), then the epilogue stores the i8 value.
// PTX-LABEL: // gpu.binary @int8_conv_kernel_0
// PTX:       .target sm_80
// PTX:       .visible .entry int8_conv_kernel(
// PTX-NOT:   st.global
// PTX:       ld.global.b32
// PTX:       dp4a.s32.s32
// PTX-NOT:   st.global
// PTX:       st.global.b32
// PTX-NOT:   st.global
// PTX:       mul.wide.s32
// PTX:       shr.s64 {{.*}}, 38;
// PTX:       st.global.b8
// PTX:       ret;
// The matmul: zero initialization and reduction in one kernel; the right
// operand's k is its strided dimension, so four byte loads feed each dp4a.
// PTX-LABEL: // gpu.binary @int8_matmul_kernel
// PTX:       .target sm_80
// PTX:       .visible .entry int8_matmul_kernel(
// PTX:       ld.global.b8
// PTX:       dp4a.s32.s32
// PTX-NOT:   st.global
// PTX:       st.global.b32
// PTX-NEXT:  ret;
// No call may stay unresolved: format=isa links no libdevice.
// PTX-NOT:   .extern
// PTX:       // 3 PTX object(s)

func.func @int8_conv(%x: tensor<1x6x5x8xi8>, %w: tensor<4x3x3x8xi8>, %b: tensor<4xi32>)
    -> (tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>) {
  %izp = "tosa.const"() <{values = dense<-7> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %izp, %wzp {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
      : (tensor<1x6x5x8xi8>, tensor<4x3x3x8xi8>, tensor<4xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x5x4xi32>
  %mult = "tosa.const"() <{values = dense<[1518500250, 1073741824, 2147483647, 1431655765]> : tensor<4xi32>}> : () -> tensor<4xi32>
  %shift = "tosa.const"() <{values = dense<38> : tensor<4xi8>}> : () -> tensor<4xi8>
  %zi = "tosa.const"() <{values = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
  %zo = "tosa.const"() <{values = dense<3> : tensor<1xi8>}> : () -> tensor<1xi8>
  %q = tosa.rescale %acc, %mult, %shift, %zi, %zo {scale32 = true, rounding_mode = DOUBLE_ROUND, per_channel = true, input_unsigned = false, output_unsigned = false}
      : (tensor<1x6x5x4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<1xi32>, tensor<1xi8>) -> tensor<1x6x5x4xi8>
  %relu = tosa.clamp %q {min_val = 3 : i8, max_val = 127 : i8} : (tensor<1x6x5x4xi8>) -> tensor<1x6x5x4xi8>
  return %acc, %relu : tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>
}

func.func @int8_matmul(%a: tensor<1x16x32xi8>, %b: tensor<1x32x8xi8>) -> tensor<1x16x8xi32> {
  %zp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %r = tosa.matmul %a, %b, %zp, %zp : (tensor<1x16x32xi8>, tensor<1x32x8xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x16x8xi32>
  return %r : tensor<1x16x8xi32>
}
