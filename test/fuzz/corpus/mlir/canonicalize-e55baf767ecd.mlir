func.func @requantize_of_widening(%x: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>) {
  %0 = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %1 = qsim.requantize %0 multiplier [1073741824] shift [31] : tensor<4xi32> -> tensor<4xi8>
  %2 = qsim.cast %x unsigned : tensor<4xi8> to tensor<4xi32>
  %3 = qsim.requantize %2 multiplier [3] shift [1] : tensor<4xi32> -> tensor<4xi8>
  return %1, %3 : tensor<4xi8>, tensor<4xi8>
}
