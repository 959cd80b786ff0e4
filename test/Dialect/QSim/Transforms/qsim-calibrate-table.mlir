// RUN: qsim-opt %s --qsim-calibrate="table=%S/Inputs/table.json unsigned-activations" -verify-diagnostics | FileCheck %s

// Table: f.x is non-negative ([0, 2.55] -> 0.01 with zero point -128),
// f.c is signed ([-1.27, 0.5] -> 0.01); f.r is not in the table.
// CHECK-LABEL: func.func @conv
// CHECK-DAG: qsim.sim_quantize %arg0 <s8, scale = 0.00999999977, zero_point = -128> {kind = #qsim<kind input>, point = "f.x"}
// CHECK-DAG: qsim.sim_quantize %{{.*}} <s8, scale = 0.00999999977> {kind = #qsim<kind activation>, point = "f.c"}
// expected-warning@below {{qsim-calibrate: 1 table point(s) not in the model: f.unused}}
module {
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

// A small negative tail (at most 1/8 of the positive range: a GELU's) keeps
// the unsigned grid, shifted: [-0.15, 2.4] -> scale 2.55 / 255 = 0.01 with
// zero point -128 + 15. A wider one is signed: [-2, 2] -> 2 / 127.
// CHECK-LABEL: func.func @negative_tail
// CHECK: qsim.sim_quantize %arg0 <s8, scale = 0.00999999977, zero_point = -113> {kind = #qsim<kind activation>, point = "g.gelu"}
// CHECK: qsim.sim_quantize %arg0 <s8, scale = 0.0157480314> {kind = #qsim<kind activation>, point = "g.wide"}
func.func @negative_tail(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = qsim.annotate %x activation "g.gelu" : tensor<4xf32>
  %1 = qsim.annotate %x activation "g.wide" : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
}
