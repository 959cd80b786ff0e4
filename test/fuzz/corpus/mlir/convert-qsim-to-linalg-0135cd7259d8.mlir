func.func @add_bias(%acc: tensor<1x4x4x8xi32>, %bias: tensor<8xi32>) -> tensor<1x4x4x8xi32> {
  %0 = qsim.add %acc, %bias scales([1.0e-3], [1.0e-3] -> [1.0e-3]) : tensor<1x4x4x8xi32>, tensor<8xi32> -> tensor<1x4x4x8xi32>
  return %0 : tensor<1x4x4x8xi32>
}
