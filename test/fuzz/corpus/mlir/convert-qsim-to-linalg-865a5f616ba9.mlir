func.func @cast(%a: tensor<4xi8>, %b: tensor<4xi32>, %c: tensor<?xi32>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<4xi32>) {
  %0 = qsim.cast %a : tensor<4xi8> to tensor<4xi32>
  %1 = qsim.cast %a unsigned : tensor<4xi8> to tensor<4xi32>
  %2 = qsim.cast %b unsigned : tensor<4xi32> to tensor<4xi8>
  %3 = qsim.cast %c : tensor<?xi32> to tensor<4xi32>
  return %0, %1, %2, %3 : tensor<4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<4xi32>
}
