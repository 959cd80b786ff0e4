func.func @add_lhs_broadcast(%a: tensor<3xi32>, %b: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = qsim.add %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
