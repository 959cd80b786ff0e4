func.func @w(%x: tensor<1x4x4x16xf32>) -> tensor<1x4x4x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[[0.1, 0.1, -0.1, 12.7, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]], [[[0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.7]]]]> : tensor<2x1x1x16xf32>}> : () -> tensor<2x1x1x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %1 = qsim.annotate %w weight "w.w" : tensor<2x1x1x16xf32>
  %c = tosa.conv2d %x, %1, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x16xf32>, tensor<2x1x1x16xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  return %c : tensor<1x4x4x2xf32>
}
