func.func @add_scale_count(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = qsim.add %a, %a scales([1.0, 2.0], [1.0] -> [1.0]) axis 1 : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
