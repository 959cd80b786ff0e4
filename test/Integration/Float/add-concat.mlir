// Broadcasting add/mul/sub, tanh and sigmoid, concat on two axes, transpose,
// reshape, reduce_sum, slice and a ReLU clamp, against the numpy reference
// of Inputs/float_ref.py.

// RUN: %python %S/Inputs/float_ref.py gen add_concat %t
// RUN: qsim-run %s --input=%t.in0.npy --input=%t.in1.npy --input=%t.in2.npy --output=%t.out0.npy --output=%t.out1.npy --output=%t.out2.npy --output=%t.out3.npy --output=%t.out4.npy
// RUN: %python %S/Inputs/float_ref.py check add_concat %t | FileCheck %s
// CHECK: add_concat: 5 result(s) match the numpy reference

func.func @add_concat(%a: tensor<1x4x5x3xf32>, %bias: tensor<1x1x1x3xf32>, %b: tensor<1x4x5x2xf32>)
    -> (tensor<1x4x5x8xf32>, tensor<1x8x5x3xf32>, tensor<8x20xf32>, tensor<1x4x1x8xf32>, tensor<1x2x3x3xf32>) {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s = tosa.add %a, %bias : (tensor<1x4x5x3xf32>, tensor<1x1x1x3xf32>) -> tensor<1x4x5x3xf32>
  %sa = tosa.mul %s, %a, %shift : (tensor<1x4x5x3xf32>, tensor<1x4x5x3xf32>, tensor<1xi8>) -> tensor<1x4x5x3xf32>
  %start = tosa.const_shape {values = dense<[0, 0, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 4, 5, 1]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %b0 = tosa.slice %b, %start, %size : (tensor<1x4x5x2xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x5x1xf32>
  %m = tosa.sub %sa, %b0 : (tensor<1x4x5x3xf32>, tensor<1x4x5x1xf32>) -> tensor<1x4x5x3xf32>
  %tb = tosa.tanh %b : (tensor<1x4x5x2xf32>) -> tensor<1x4x5x2xf32>
  %sm = tosa.sigmoid %m : (tensor<1x4x5x3xf32>) -> tensor<1x4x5x3xf32>
  %cat = tosa.concat %s, %tb, %sm {axis = 3 : i32} : (tensor<1x4x5x3xf32>, tensor<1x4x5x2xf32>, tensor<1x4x5x3xf32>) -> tensor<1x4x5x8xf32>

  %two = "tosa.const"() <{values = dense<2.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %a2 = tosa.mul %a, %two, %shift : (tensor<1x4x5x3xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x4x5x3xf32>
  %cat_h = tosa.concat %a, %a2 {axis = 1 : i32} : (tensor<1x4x5x3xf32>, tensor<1x4x5x3xf32>) -> tensor<1x8x5x3xf32>

  %t = tosa.transpose %cat {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x5x8xf32>) -> tensor<1x8x4x5xf32>
  %shape = tosa.const_shape {values = dense<[8, 20]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %tr = tosa.reshape %t, %shape : (tensor<1x8x4x5xf32>, !tosa.shape<2>) -> tensor<8x20xf32>

  %sum = tosa.reduce_sum %cat {axis = 2 : i32} : (tensor<1x4x5x8xf32>) -> tensor<1x4x1x8xf32>
  %relu = tosa.clamp %sum {min_val = 0.0 : f32, max_val = 3.4028235e+38 : f32} : (tensor<1x4x1x8xf32>) -> tensor<1x4x1x8xf32>

  %start2 = tosa.const_shape {values = dense<[0, 1, 2, 1]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size2 = tosa.const_shape {values = dense<[1, 2, 3, 3]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sl = tosa.slice %cat, %start2, %size2 : (tensor<1x4x5x8xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x2x3x3xf32>
  return %cat, %cat_h, %tr, %relu, %sl : tensor<1x4x5x8xf32>, tensor<1x8x5x3xf32>, tensor<8x20xf32>, tensor<1x4x1x8xf32>, tensor<1x2x3x3xf32>
}
