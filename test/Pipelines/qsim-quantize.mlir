// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0" | FileCheck %s
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0 skip-first-convs=1" | FileCheck %s --check-prefix=SKIP
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0" --qsim-cpu-pipeline | FileCheck %s --check-prefix=LLVM
// RUN: not qsim-opt %s --qsim-quantize="method=bogus percentile=99.9" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0 emit-remarks" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// emit-remarks reaches --qsim-annotate and convert-qsim-to-linalg.
// REMARK: remark: quantized (conv)
// REMARK: remark: i32 accumulator |acc| <= {{.*}}, margin

// The calibration method reaches --qsim-calibrate.
// METHOD: qsim-calibrate: unknown method 'bogus'

// One flag from float TOSA to integer linalg on tensors: no qsim op left,
// the conv reads int8 and accumulates in int32, the signature stays float.
// CHECK-LABEL: func.func @conv_bias_relu
// CHECK-SAME: (%arg0: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK-NOT: qsim.
// CHECK: tosa.conv2d {{.*}} : (tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x2xi32>
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x4x4x2xi8>)
// CHECK-NOT: qsim.

// Options are forwarded: the only conv stays float.
// SKIP-LABEL: func.func @conv_bias_relu
// SKIP: tosa.conv2d {{.*}} -> tensor<1x4x4x2xf32>

// LLVM-LABEL: llvm.func @conv_bias_relu
// LLVM-NOT: tosa.
// LLVM-NOT: linalg.
func.func @conv_bias_relu(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[[0.5, -0.25]]], [[[0.125, 0.25]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, -0.2]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %r = tosa.clamp %c {min_val = 0.0 : f32, max_val = 3.4028235e+38 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  return %r : tensor<1x4x4x2xf32>
}
