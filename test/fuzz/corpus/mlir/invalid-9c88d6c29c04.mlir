func.func @add_dynamic_axis(%a: tensor<2x?xi32>) -> tensor<2x?xi32> {
  %0 = qsim.add %a, %a scales([1.0], [1.0] -> [1.0]) axis 1 : tensor<2x?xi32>, tensor<2x?xi32> -> tensor<2x?xi32>
  return %0 : tensor<2x?xi32>
}
