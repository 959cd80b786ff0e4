// conv2d + bias + clamp (stride 2, asymmetric padding) and a dilated
// depthwise conv2d with a channel multiplier, weights passed as arguments,
// against the numpy reference of Inputs/float_ref.py.

// RUN: %python %S/Inputs/float_ref.py gen conv %t
// RUN: qsim-run %s --input=%t.in0.npy --input=%t.in1.npy --input=%t.in2.npy --input=%t.in3.npy --input=%t.in4.npy --output=%t.out0.npy --output=%t.out1.npy
// RUN: %python %S/Inputs/float_ref.py check conv %t | FileCheck %s
// CHECK: conv: 2 result(s) match the numpy reference

func.func @conv(%x: tensor<1x10x11x3xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>,
                %dw: tensor<3x3x3x2xf32>, %db: tensor<6xf32>)
    -> (tensor<1x5x6x8xf32>, tensor<1x10x11x6xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 1>, stride = array<i64: 2, 2>}
      : (tensor<1x10x11x3xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x5x6x8xf32>
  %r = tosa.clamp %c {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x5x6x8xf32>) -> tensor<1x5x6x8xf32>
  %d = tosa.depthwise_conv2d %x, %dw, %db, %zp, %zp {acc_type = f32, dilation = array<i64: 2, 2>, pad = array<i64: 2, 2, 2, 2>, stride = array<i64: 1, 1>}
      : (tensor<1x10x11x3xf32>, tensor<3x3x3x2xf32>, tensor<6xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x10x11x6xf32>
  %dc = tosa.clamp %d {min_val = -1.0 : f32, max_val = 1.0 : f32} : (tensor<1x10x11x6xf32>) -> tensor<1x10x11x6xf32>
  return %r, %dc : tensor<1x5x6x8xf32>, tensor<1x10x11x6xf32>
}
