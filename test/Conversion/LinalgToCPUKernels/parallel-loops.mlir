// Which loop of a kernel runs on threads (qsim.parallel, made scf.parallel by
// the CPU pipeline with threads != 1): the output-channel groups when there
// are many of them (a small image), the pixel tiles otherwise; neither for a
// layer under 1 Mi multiply-accumulates.
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,canonicalize,convert-linalg-to-cpu-kernels{target=avx2 maddubs=false},canonicalize))' | FileCheck %s

// 7x7 pixels (8 tiles of 6) and 1024 channels (64 groups of 16): the
// channel-group loop (indented 4) is marked, its pixel loop is not.
// CHECK-LABEL: func.func @small_image
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c16
// CHECK: scf.for %{{.*}} = %c0 to %c48 step %c6
// CHECK-NOT: qsim.parallel
// CHECK: {{^    }}} {qsim.parallel}
// CHECK-NOT: qsim.parallel
// CHECK-LABEL: func.func @large_image
func.func @small_image(%x: tensor<1x7x7x512xi8>) -> tensor<1x7x7x1024xi32> {
  %w = arith.constant dense<3> : tensor<1024x1x1x512xi8>
  %b = arith.constant dense<7> : tensor<1024xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x7x7x512xi8>, tensor<1024x1x1x512xi8>, tensor<1024xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x7x7x1024xi32>
  return %0 : tensor<1x7x7x1024xi32>
}

// 784 pixels (130 tiles) and 64 channels (4 groups): the pixel loop (indented
// 6) is marked.
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK: scf.for %{{.*}} = %c0 to %c780 step %c6
// CHECK: {{^      }}} {qsim.parallel}
// CHECK-NOT: qsim.parallel
// CHECK-LABEL: func.func @small_layer
func.func @large_image(%x: tensor<1x28x28x64xi8>) -> tensor<1x28x28x64xi32> {
  %w = arith.constant dense<3> : tensor<64x3x3x64xi8>
  %b = arith.constant dense<100> : tensor<64xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x28x28x64xi8>, tensor<64x3x3x64xi8>, tensor<64xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x28x28x64xi32>
  return %0 : tensor<1x28x28x64xi32>
}

// 16 x 64 x 8 multiply-accumulates: nothing is marked.
// CHECK-NOT: qsim.parallel
func.func @small_layer(%x: tensor<1x4x4x8xi8>) -> tensor<1x4x4x64xi32> {
  %w = arith.constant dense<3> : tensor<64x1x1x8xi8>
  %b = arith.constant dense<7> : tensor<64xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<64x1x1x8xi8>, tensor<64xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x64xi32>
  return %0 : tensor<1x4x4x64xi32>
}
