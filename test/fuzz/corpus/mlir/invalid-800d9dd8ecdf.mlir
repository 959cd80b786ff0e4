func.func @requant_per_tensor(%x: tensor<2xi32>) -> tensor<2xi8> {
  %0 = qsim.requantize %x multiplier [3, 4] shift [1, 1] : tensor<2xi32> -> tensor<2xi8>
  return %0 : tensor<2xi8>
}
