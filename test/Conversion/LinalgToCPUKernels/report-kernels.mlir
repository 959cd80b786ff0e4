// RUN: qsim-opt %s --verify-diagnostics --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,canonicalize,convert-linalg-to-cpu-kernels{target=avx2 report-kernels}))'

// report-kernels: one remark per rewritten op, with the dot step and the
// input bounds that chose it.

func.func @relu_then_conv(%x: tensor<1x4x4x8xi8>) -> tensor<1x4x4x16xi32> {
  %r = tosa.clamp %x {min_val = 0 : i8, max_val = 127 : i8} : (tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8>
  %w = "tosa.const"() {values = dense<-128> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  // expected-remark @below {{micro-kernel: vpmaddubsw, 8 lanes (input in [0, 127]: read as unsigned)}}
  %y = tosa.conv2d %r, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

func.func @signed_input(%x: tensor<1x4x4x8xi8>) -> tensor<1x4x4x16xi32> {
  %w = "tosa.const"() {values = dense<-128> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  // expected-remark @below {{micro-kernel: vpmaddwd, 8 lanes (input in [-128, 127]: vpmaddubsw could saturate)}}
  %y = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

func.func @depthwise_and_pool(%x: tensor<1x6x6x8xi8>) -> tensor<1x3x3x8xi8> {
  // expected-remark @below {{micro-kernel: max, 8 lanes}}
  %p = tosa.max_pool2d %x {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x6x6x8xi8>) -> tensor<1x3x3x8xi8>
  return %p : tensor<1x3x3x8xi8>
}

// The CPU pipeline forwards the option.
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=avx2 report-kernels" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE
// PIPE: remark: micro-kernel: vpmaddubsw, 8 lanes (input in [0, 127]: read as unsigned)
// PIPE: remark: micro-kernel: vpmaddwd, 8 lanes (input in [-128, 127]: vpmaddubsw could saturate)
// PIPE: remark: micro-kernel: max, 8 lanes
