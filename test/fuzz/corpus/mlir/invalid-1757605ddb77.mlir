func.func @add_inexact(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = qsim.add %a, %a scales([1.0], [1.5] -> [1.0]) : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
