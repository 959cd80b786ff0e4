// RUN: qsim-opt %qsim_src_root/examples/models/conv_bias_relu.mlir --qsim-quantize="global-scale=4.0" --qsim-gpu-pipeline -o %t.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.mlir | FileCheck %s

// The example model of the README, quantized and compiled for the GPU: the
// quantize, bias broadcast, i8 x i8 -> i32 convolution and fused
// requantize+ReLU+dequantize epilogue are four sm_80 kernels.

// CHECK-LABEL: // gpu.binary @conv_bias_relu_kernel #nvvm.target<O = 3, chip = "sm_80">
// CHECK:       .target sm_80
// CHECK:       .visible .entry conv_bias_relu_kernel(
// The quantize rounding (math.roundeven) is integer code, not a libdevice call.
// CHECK-NOT:   .extern
// CHECK:       cvt.rzi.s32.f32
// CHECK-LABEL: // gpu.binary @conv_bias_relu_kernel_1
// CHECK:       .visible .entry conv_bias_relu_kernel(
// CHECK:       ld.global.s8
// CHECK:       mul.wide.s16
// CHECK:       add.s32
// The requantize epilogue: 64-bit multiply, shift, clamp to [0, 127].
// CHECK-LABEL: // gpu.binary @conv_bias_relu_kernel_2
// CHECK:       mul.wide.s32 {{.*}}, 1082196480;
// CHECK:       shr.s64
// CHECK:       max.s64 {{.*}}, 0;
// CHECK:       min.s64 {{.*}}, 127;
// CHECK:       // 4 PTX object(s)
