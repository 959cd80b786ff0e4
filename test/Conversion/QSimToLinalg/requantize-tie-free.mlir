// Which requantizes of an i32 accumulator take half_up's code for
// half_to_even: those where no input can tie (x * m an odd multiple of
// 2^(shift-1)). With m = 2^t that needs |x| >= 2^(shift-1-t); the bound of
// a constant-weight convolution, depthwise convolution or matmul is the
// largest sum of |w| over one output's filter times max |x - zp| (128 for
// i8) plus max |bias|. Here the largest filter sum is 200 (100 + 100) and
// the bound 25600: a threshold of 2^14 keeps the tie test, 2^15 drops it
// (a bound from single weights, 12800, would wrongly drop it at 2^14).
// RUN: qsim-opt %s --convert-qsim-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @conv_ties
// CHECK: arith.mulsi_extended
// CHECK: arith.cmpi ne
// CHECK: linalg.yield
func.func @conv_ties(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi8> {
  %w = "tosa.const"() {values = dense<[[[[100, 100]]], [[[1, 1]]]]> : tensor<2x1x1x2xi8>} : () -> tensor<2x1x1x2xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<2xi32>} : () -> tensor<2xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x2xi32>
  %y = qsim.requantize %acc multiplier [33554432] shift [40] : tensor<1x4x4x2xi32> -> tensor<1x4x4x2xi8>
  return %y : tensor<1x4x4x2xi8>
}

// CHECK-LABEL: func.func @conv_tie_free
// CHECK: arith.mulsi_extended
// CHECK-NOT: arith.cmpi
// CHECK: linalg.yield
func.func @conv_tie_free(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi8> {
  %w = "tosa.const"() {values = dense<[[[[100, 100]]], [[[1, 1]]]]> : tensor<2x1x1x2xi8>} : () -> tensor<2x1x1x2xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<2xi32>} : () -> tensor<2xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x2xi32>
  %y = qsim.requantize %acc multiplier [16777216] shift [40] : tensor<1x4x4x2xi32> -> tensor<1x4x4x2xi8>
  return %y : tensor<1x4x4x2xi8>
}

// CHECK-LABEL: func.func @dw_ties
// CHECK: arith.mulsi_extended
// CHECK: arith.cmpi ne
// CHECK: linalg.yield
func.func @dw_ties(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x3x2xi8> {
  %w = "tosa.const"() {values = dense<[[[[100], [1]], [[100], [1]]]]> : tensor<1x2x2x1xi8>} : () -> tensor<1x2x2x1xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<2xi32>} : () -> tensor<2xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %acc = tosa.depthwise_conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xi8>, tensor<1x2x2x1xi8>, tensor<2xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x3x2xi32>
  %y = qsim.requantize %acc multiplier [33554432] shift [40] : tensor<1x4x3x2xi32> -> tensor<1x4x3x2xi8>
  return %y : tensor<1x4x3x2xi8>
}

// CHECK-LABEL: func.func @dw_tie_free
// CHECK: arith.mulsi_extended
// CHECK-NOT: arith.cmpi
// CHECK: linalg.yield
func.func @dw_tie_free(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x3x2xi8> {
  %w = "tosa.const"() {values = dense<[[[[100], [1]], [[100], [1]]]]> : tensor<1x2x2x1xi8>} : () -> tensor<1x2x2x1xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<2xi32>} : () -> tensor<2xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %acc = tosa.depthwise_conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xi8>, tensor<1x2x2x1xi8>, tensor<2xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x3x2xi32>
  %y = qsim.requantize %acc multiplier [16777216] shift [40] : tensor<1x4x3x2xi32> -> tensor<1x4x3x2xi8>
  return %y : tensor<1x4x3x2xi8>
}

// CHECK-LABEL: func.func @matmul_ties
// CHECK: arith.mulsi_extended
// CHECK: arith.cmpi ne
// CHECK: linalg.yield
func.func @matmul_ties(%x: tensor<1x4x2xi8>) -> tensor<1x4x2xi8> {
  %w = "tosa.const"() {values = dense<[[[100, 1], [100, 1]]]> : tensor<1x2x2xi8>} : () -> tensor<1x2x2xi8>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %acc = tosa.matmul %x, %w, %z, %z : (tensor<1x4x2xi8>, tensor<1x2x2xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x2xi32>
  %y = qsim.requantize %acc multiplier [33554432] shift [40] : tensor<1x4x2xi32> -> tensor<1x4x2xi8>
  return %y : tensor<1x4x2xi8>
}

// CHECK-LABEL: func.func @matmul_tie_free
// CHECK: arith.mulsi_extended
// CHECK-NOT: arith.cmpi
// CHECK: linalg.yield
func.func @matmul_tie_free(%x: tensor<1x4x2xi8>) -> tensor<1x4x2xi8> {
  %w = "tosa.const"() {values = dense<[[[100, 1], [100, 1]]]> : tensor<1x2x2xi8>} : () -> tensor<1x2x2xi8>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %acc = tosa.matmul %x, %w, %z, %z : (tensor<1x4x2xi8>, tensor<1x2x2xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x2xi32>
  %y = qsim.requantize %acc multiplier [16777216] shift [40] : tensor<1x4x2xi32> -> tensor<1x4x2xi8>
  return %y : tensor<1x4x2xi8>
}

