func.func @add_wide(%a: tensor<2xi64>) -> tensor<2xi64> {
  %0 = qsim.add %a, %a scales([1.0], [1.0] -> [1.0]) : tensor<2xi64>, tensor<2xi64> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}
