func.func @cast_folds(%x: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi64>) {
  %0 = qsim.cast %x : tensor<4xi8> to tensor<4xi8>
  %1 = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %2 = qsim.cast %1 : tensor<4xi32> to tensor<4xi8>
  %3 = qsim.cast %1 : tensor<4xi32> to tensor<4xi64>
  return %0, %2, %3 : tensor<4xi8>, tensor<4xi8>, tensor<4xi64>
}
