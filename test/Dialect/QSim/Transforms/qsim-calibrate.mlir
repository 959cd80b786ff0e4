// RUN: qsim-opt %s --qsim-calibrate="global-scale=4.0" -split-input-file | FileCheck %s
// RUN: qsim-opt %s --qsim-calibrate="global-scale=4.0 per-channel=false pow2 rounding=half_up" -split-input-file | FileCheck %s --check-prefix=TENSOR
// RUN: qsim-opt %s --qsim-calibrate="global-scale=4.0 weight-range-bits=7" -split-input-file | FileCheck %s --check-prefix=RANGE7
// RUN: qsim-opt %s --qsim-calibrate="global-scale=4.0 weight-range-bits=7 weight-method=mse" -split-input-file | FileCheck %s --check-prefix=RANGE7

// Weights: per-channel max-abs along the consumer's output-channel axis
// (127 and 63.5 give scales 1 and 0.5); activations: global-scale 4 gives
// 4/127 (pow2 rounds it up to 1/16); biases lose their marker (realization quantizes them to 32 bits).

// CHECK-LABEL: func.func @conv
// CHECK-DAG: qsim.sim_quantize %arg0 <s8, scale = 0.0314960629> {kind = #qsim<kind input>, point = "f.x"}
// CHECK-DAG: qsim.sim_quantize %{{.*}} <s8, scales = [1.000000e+00, 5.000000e-01], axis = 0> {kind = #qsim<kind weight>, point = "f.w"}
// CHECK-NOT: "f.b"
// CHECK: tosa.conv2d
// weight-range-bits=7: the same i8 type, weights scaled to [-63, 63]
// (127 / 63 and 63.5 / 63; with mse no weight is clipped either), the
// activations untouched.
// RANGE7-LABEL: func.func @conv
// RANGE7-DAG: qsim.sim_quantize %arg0 <s8, scale = 0.0314960629> {kind = #qsim<kind input>, point = "f.x"}
// RANGE7-DAG: qsim.sim_quantize %{{.*}} <s8, scales = [2.01587296, 1.00793648], axis = 0> {kind = #qsim<kind weight>, point = "f.w"}
// CHECK: qsim.sim_quantize %{{.*}} <s8, scale = 0.0314960629> {kind = #qsim<kind activation>, point = "f.c"}
// ReLU output reuses the conv output's parameters.
// CHECK: qsim.sim_quantize %{{.*}} <s8, scale = 0.0314960629> {kind = #qsim<kind activation>, point = "f.r"}
// CHECK-NOT: qsim.annotate

// TENSOR-LABEL: func.func @conv
// TENSOR-DAG: qsim.sim_quantize %arg0 <s8, scale = 6.250000e-02, pow2> rounding half_up
// TENSOR-DAG: qsim.sim_quantize %{{.*}} <s8, scale = 1.000000e+00, pow2> rounding half_up {kind = #qsim<kind weight>

func.func @conv(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[[127.0, -3.0]]], [[[-63.5, 1.0]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.5> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = qsim.annotate %x input "f.x" : tensor<1x4x4x2xf32>
  %1 = qsim.annotate %w weight "f.w" : tensor<2x1x1x2xf32>
  %2 = qsim.annotate %b bias "f.b" : tensor<2xf32>
  %c = tosa.conv2d %0, %1, %2, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %3 = qsim.annotate %c activation "f.c" : tensor<1x4x4x2xf32>
  %r = tosa.clamp %3 {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %4 = qsim.annotate %r activation "f.r" : tensor<1x4x4x2xf32>
  return %4 : tensor<1x4x4x2xf32>
}
