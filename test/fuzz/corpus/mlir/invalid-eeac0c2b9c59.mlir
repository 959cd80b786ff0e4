func.func @requant_multiplier(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [0] shift [1] : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
