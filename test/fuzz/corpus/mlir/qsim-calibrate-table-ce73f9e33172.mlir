module {
func.func @conv(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[[127.0, -3.0]]], [[[-63.5, 1.0]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.5> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = qsim.annotate %x input "f.x" : tensor<1x4x4x2xf32>
  %1 = qsim.annotate %w weight "f.w" : tensor<2x1x1x2xf32>
  %2 = qsim.annotate %b bias "f.b" : tensor<2xf32>
  %c = tosa.conv2d %0, %1, %2, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %3 = qsim.annotate %c activation "f.c" : tensor<1x4x4x2xf32>
  %r = tosa.clamp %3 {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %4 = qsim.annotate %r activation "f.r" : tensor<1x4x4x2xf32>
  return %4 : tensor<1x4x4x2xf32>
}
}
