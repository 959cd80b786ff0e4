// RUN: qsim-opt %s --qsim-annotate="skip-first-convs=1 report=%t.json emit-remarks" -verify-diagnostics -o /dev/null
// RUN: FileCheck %s < %t.json

// The report lists every op: quantized, left float with the reason, or not
// quantizable; remarks say the same on the ops.

// CHECK: "schema": "qsim-annotate-report/1"
// CHECK: "name": "report"
// CHECK: "point": "report.conv2d_0"
// CHECK-NEXT: "op": "tosa.conv2d"
// CHECK: "category": "conv"
// CHECK-NEXT: "status": "float"
// CHECK-NEXT: "reason": "one of the first 1 convolutions (skip-first-convs)"
// CHECK: "point": "report.conv2d_1"
// CHECK: "status": "quantized"
// CHECK: "report.conv2d_1.weight"
// CHECK: "point": "report.exp_0"
// CHECK-NEXT: "op": "tosa.exp"
// CHECK: "category": "none"
// CHECK-NEXT: "status": "float"
// CHECK-NEXT: "reason": "no quantization rule for this op"
// CHECK: "summary"
// CHECK-NEXT: "quantized": 1
// CHECK-NEXT: "float": 2
func.func @report(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.05> : tensor<4x1x1x4xf32>}> : () -> tensor<4x1x1x4xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<4xf32>}> : () -> tensor<4xf32>
  // expected-remark@+1 {{left in float: one of the first 1 convolutions (skip-first-convs)}}
  %c1 = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32>
  // expected-remark@+1 {{quantized (conv)}}
  %c2 = tosa.conv2d %c1, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x1x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32>
  // expected-remark@+1 {{left in float: no quantization rule for this op}}
  %e = tosa.exp %c2 : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %e : tensor<1x4x4x4xf32>
}
