func.func @cast_cse(%x: tensor<4xi8>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<4xi8>) {
  %0 = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %1 = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %2 = qsim.requantize %0 multiplier [1073741824] shift [30] : tensor<4xi32> -> tensor<4xi8>
  %3 = qsim.requantize %0 multiplier [1073741824] shift [30] : tensor<4xi32> -> tensor<4xi8>
  return %0, %1, %2, %3 : tensor<4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<4xi8>
}
