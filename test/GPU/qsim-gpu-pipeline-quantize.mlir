// RUN: qsim-opt %qsim_src_root/examples/models/conv_bias_relu.mlir --qsim-quantize="global-scale=4.0" --qsim-gpu-pipeline -o %t.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.mlir | FileCheck %s

// The example model of the README, quantized and compiled for the GPU: the
// quantize is one sm_80 kernel; the bias initialization, the i8 x i8 -> i32
// convolution (two channels: too few for dp4a, plain multiply-adds) and the
// requantize+ReLU+dequantize epilogue are a second one, in which the i32
// accumulator never reaches global memory (the only store is the f32 result).

// CHECK-LABEL: // gpu.binary @conv_bias_relu_kernel #nvvm.target<O = 3, chip = "sm_80">
// CHECK:       .target sm_80
// CHECK:       .visible .entry conv_bias_relu_kernel(
// The quantize rounding (math.roundeven) is integer code, not a libdevice call.
// CHECK-NOT:   .extern
// CHECK:       cvt.rzi.s32.f32
// CHECK:       st.global.b8
// CHECK-LABEL: // gpu.binary @conv_bias_relu_kernel_0
// CHECK:       .visible .entry conv_bias_relu_kernel(
// CHECK-NOT:   st.global
// CHECK:       ld.global.s8
// CHECK:       mul.wide.s16
// CHECK-NOT:   st.global
// The requantize epilogue: the high word of a 32 x 32 -> 64 multiply,
// shifted and clamped to [0, 127] in 32 bits (the 32-bit-lane form of
// convert-qsim-to-linalg; the multiplier cannot tie, so half_to_even needs
// no low word: one mul.hi), then the dequantize multiply and the only store.
// CHECK:       mul.hi.s32 {{.*}}, 1082196480;
// CHECK:       shr.s32
// CHECK:       max.s32 {{.*}}, 0;
// CHECK:       min.s32 {{.*}}, 127;
// CHECK-NOT:   st.global
// CHECK:       mul.rn.f32
// CHECK:       st.global.b32
// CHECK-NOT:   st.global
// CHECK:       // 2 PTX object(s)
