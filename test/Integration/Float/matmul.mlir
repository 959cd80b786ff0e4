// Batched tosa.matmul with a broadcast bias, and a fully-connected layer with
// constant weights (tosa.transpose + tosa.reshape + tosa.matmul), against the
// numpy reference of Inputs/float_ref.py.

// RUN: %python %S/Inputs/float_ref.py gen matmul %t
// RUN: qsim-run %s --input=%t.in0.npy --input=%t.in1.npy --input=%t.in2.npy --input=%t.in3.npy --output=%t.out0.npy --output=%t.out1.npy
// RUN: %python %S/Inputs/float_ref.py check matmul %t | FileCheck %s
// CHECK: matmul: 2 result(s) match the numpy reference

func.func @matmul(%a: tensor<2x5x7xf32>, %b: tensor<2x7x4xf32>, %bias: tensor<4xf32>, %x: tensor<6x3xf32>)
    -> (tensor<2x5x4xf32>, tensor<6x5xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %mm = tosa.matmul %a, %b, %zp, %zp : (tensor<2x5x7xf32>, tensor<2x7x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x4xf32>
  %s3 = tosa.const_shape {values = dense<[1, 1, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %bias3 = tosa.reshape %bias, %s3 : (tensor<4xf32>, !tosa.shape<3>) -> tensor<1x1x4xf32>
  %out = tosa.add %mm, %bias3 : (tensor<2x5x4xf32>, tensor<1x1x4xf32>) -> tensor<2x5x4xf32>

  // W[o, i] = 0.25 * (o - i), o < 5, i < 3.
  %w = "tosa.const"() <{values = dense<[[0.0, -0.25, -0.5], [0.25, 0.0, -0.25], [0.5, 0.25, 0.0], [0.75, 0.5, 0.25], [1.0, 0.75, 0.5]]> : tensor<5x3xf32>}> : () -> tensor<5x3xf32>
  %wt = tosa.transpose %w {perms = array<i32: 1, 0>} : (tensor<5x3xf32>) -> tensor<3x5xf32>
  %sx = tosa.const_shape {values = dense<[1, 6, 3]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %x3 = tosa.reshape %x, %sx : (tensor<6x3xf32>, !tosa.shape<3>) -> tensor<1x6x3xf32>
  %sw = tosa.const_shape {values = dense<[1, 3, 5]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %wt3 = tosa.reshape %wt, %sw : (tensor<3x5xf32>, !tosa.shape<3>) -> tensor<1x3x5xf32>
  %fc3 = tosa.matmul %x3, %wt3, %zp, %zp : (tensor<1x6x3xf32>, tensor<1x3x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x5xf32>
  %s2 = tosa.const_shape {values = dense<[6, 5]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %fc = tosa.reshape %fc3, %s2 : (tensor<1x6x5xf32>, !tosa.shape<2>) -> tensor<6x5xf32>
  return %out, %fc : tensor<2x5x4xf32>, tensor<6x5xf32>
}
