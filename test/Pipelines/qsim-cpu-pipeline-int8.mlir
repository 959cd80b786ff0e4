// The int8 forms that --qsim-realize produces, lowered by the CPU pipeline
// and run through qsim-run: i8 x i8 -> i32 conv2d with an input zero point
// and an i32 bias, a per-channel double-rounding rescale to i8 with an
// output zero point, and a ReLU clamp at the zero point. Bit-exact against
// the integer reference of Inputs/int8_ref.py.

// RUN: %python %S/Inputs/int8_ref.py gen %t
// RUN: qsim-run %s --input=%t.in0.npy --input=%t.in1.npy --input=%t.in2.npy --output=%t.out0.npy --output=%t.out1.npy
// RUN: %python %S/Inputs/int8_ref.py check %t | FileCheck %s
// CHECK: int8: 2 result(s) match the reference bit for bit

func.func @int8(%x: tensor<1x6x5x3xi8>, %w: tensor<4x3x3x3xi8>, %b: tensor<4xi32>)
    -> (tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>) {
  %izp = "tosa.const"() <{values = dense<-7> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %izp, %wzp {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
      : (tensor<1x6x5x3xi8>, tensor<4x3x3x3xi8>, tensor<4xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x5x4xi32>
  %mult = "tosa.const"() <{values = dense<[1518500250, 1073741824, 2147483647, 1431655765]> : tensor<4xi32>}> : () -> tensor<4xi32>
  %shift = "tosa.const"() <{values = dense<38> : tensor<4xi8>}> : () -> tensor<4xi8>
  %zi = "tosa.const"() <{values = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
  %zo = "tosa.const"() <{values = dense<3> : tensor<1xi8>}> : () -> tensor<1xi8>
  %q = tosa.rescale %acc, %mult, %shift, %zi, %zo {scale32 = true, rounding_mode = DOUBLE_ROUND, per_channel = true, input_unsigned = false, output_unsigned = false}
      : (tensor<1x6x5x4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<1xi32>, tensor<1xi8>) -> tensor<1x6x5x4xi8>
  %relu = tosa.clamp %q {min_val = 3 : i8, max_val = 127 : i8} : (tensor<1x6x5x4xi8>) -> tensor<1x6x5x4xi8>
  return %acc, %relu : tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>
}
