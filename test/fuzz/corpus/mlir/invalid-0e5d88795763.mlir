func.func @requant_counts(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [3] shift [1, 2] : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
