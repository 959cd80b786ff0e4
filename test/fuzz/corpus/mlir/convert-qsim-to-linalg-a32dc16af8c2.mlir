func.func @add_shift_constant(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = qsim.add %a, %b scales([0.25], [1.0] -> [0.25]) : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
