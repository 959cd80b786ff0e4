func.func @requant_channels(%x: tensor<2x3xi32>) -> tensor<2x3xi8> {
  %0 = qsim.requantize %x multiplier [3, 4] shift [1, 1] axis 1 : tensor<2x3xi32> -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}
