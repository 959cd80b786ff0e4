func.func @unify_bias_scale(%acc: tensor<2x3xi32>) -> (tensor<2x3xi32>, tensor<2x3xi32>) {
  %b = arith.constant dense<[1, -2, 3]> : tensor<3xi32>
  %0 = qsim.add %acc, %b scales([0.25], [1.0] -> [0.25]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
  %z = arith.constant dense<0> : tensor<3xi32>
  %1 = qsim.add %acc, %z scales([0.25], [0.25] -> [0.25]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
  return %0, %1 : tensor<2x3xi32>, tensor<2x3xi32>
}
