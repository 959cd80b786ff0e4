func.func @mul(%x: tensor<1x4xi32>, %g: tensor<4xi32>) -> tensor<1x4xi32> {
  %0 = qsim.mul %x, %g scales([0.5], [0.25] -> [0.125]) : tensor<1x4xi32>, tensor<4xi32> -> tensor<1x4xi32>
  return %0 : tensor<1x4xi32>
}
