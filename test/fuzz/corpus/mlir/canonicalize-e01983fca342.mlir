func.func @requantize_identity(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = qsim.requantize %x multiplier [1] shift [0] : tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
