func.func @requantize_chain_saturating(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [8] shift [0] : tensor<4xi32> -> tensor<4xi32>
  %1 = qsim.requantize %0 multiplier [1518500250] shift [31] : tensor<4xi32> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}
