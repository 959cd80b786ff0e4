func.func @mul_scale(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = qsim.mul %a, %a scales([1.0], [0.5] -> [1.0]) : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
