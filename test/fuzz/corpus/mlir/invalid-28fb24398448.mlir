func.func @requant_shift(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [1] shift [64] : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
