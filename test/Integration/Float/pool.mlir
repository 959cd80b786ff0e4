// max_pool2d and avg_pool2d with padding (TOSA's average divides by the
// number of non-padding elements), a non-square unpadded avg_pool2d and a
// global average, against the numpy reference of Inputs/float_ref.py.

// RUN: %python %S/Inputs/float_ref.py gen pool %t
// RUN: qsim-run %s --input=%t.in0.npy --output=%t.out0.npy --output=%t.out1.npy --output=%t.out2.npy --output=%t.out3.npy
// RUN: %python %S/Inputs/float_ref.py check pool %t | FileCheck %s
// CHECK: pool: 4 result(s) match the numpy reference

func.func @pool(%x: tensor<2x9x7x4xf32>)
    -> (tensor<2x5x4x4xf32>, tensor<2x5x4x4xf32>, tensor<2x8x3x4xf32>, tensor<2x1x1x4xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %max = tosa.max_pool2d %x {kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>}
      : (tensor<2x9x7x4xf32>) -> tensor<2x5x4x4xf32>
  %avg = tosa.avg_pool2d %x, %zp, %zp {acc_type = f32, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>}
      : (tensor<2x9x7x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x4x4xf32>
  %rect = tosa.avg_pool2d %x, %zp, %zp {acc_type = f32, kernel = array<i64: 2, 3>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 2>}
      : (tensor<2x9x7x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x3x4xf32>
  %global = tosa.avg_pool2d %x, %zp, %zp {acc_type = f32, kernel = array<i64: 9, 7>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
      : (tensor<2x9x7x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x1x1x4xf32>
  return %max, %avg, %rect, %global : tensor<2x5x4x4xf32>, tensor<2x5x4x4xf32>, tensor<2x8x3x4xf32>, tensor<2x1x1x4xf32>
}
