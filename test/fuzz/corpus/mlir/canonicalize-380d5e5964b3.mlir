func.func @unify_bias_scale_per_channel(%acc: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %b = arith.constant dense<[1, 1, 3]> : tensor<3xi32>
  %0 = qsim.add %acc, %b scales([0.5, 0.25, 1.0], [1.0, 1.0, 1.0] -> [0.5, 0.25, 1.0]) axis 1 : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
