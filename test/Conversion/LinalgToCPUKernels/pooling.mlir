// Pooling through the depthwise kernels: no weights, max (or add) per tap;
// an int8 max pool directly on i8 lanes (32 per ymm: max is exact there;
// 16 or 8 where that divides the channels and 32 does not, as no masked
// byte load exists), sum pooling on 32-bit lanes holding the widened input
// (python/tests/test_cpu_kernels.py: bit-exactness).
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,canonicalize,convert-linalg-to-cpu-kernels{target=avx2},canonicalize,cse))' | FileCheck %s

// CHECK-LABEL: func.func @max_pool_i8
// CHECK-NOT: linalg.pooling_nhwc_max
// CHECK-NOT: arith.extsi
// CHECK: arith.maxsi %{{.*}}, %{{.*}} : vector<32xi8>
// CHECK-NOT: arith.extsi
// CHECK: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<32xi8>
func.func @max_pool_i8(%x: tensor<1x9x9x64xi8>) -> tensor<1x5x5x64xi8> {
  %y = tosa.max_pool2d %x {kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>} : (tensor<1x9x9x64xi8>) -> tensor<1x5x5x64xi8>
  return %y : tensor<1x5x5x64xi8>
}

// 24 channels: three 8-byte vectors per pixel, no partial one.
// CHECK-LABEL: func.func @max_pool_i8_24
// CHECK: arith.maxsi %{{.*}}, %{{.*}} : vector<8xi8>
// CHECK-NOT: vector<32xi8>
// CHECK: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<8xi8>
func.func @max_pool_i8_24(%x: tensor<1x9x9x24xi8>) -> tensor<1x5x5x24xi8> {
  %y = tosa.max_pool2d %x {kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>} : (tensor<1x9x9x24xi8>) -> tensor<1x5x5x24xi8>
  return %y : tensor<1x5x5x24xi8>
}

// CHECK-LABEL: func.func @max_pool_f32
// CHECK-NOT: linalg.pooling_nhwc_max
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<8xf32>
func.func @max_pool_f32(%x: tensor<1x8x8x8xf32>) -> tensor<1x4x4x8xf32> {
  %y = tosa.max_pool2d %x {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}
