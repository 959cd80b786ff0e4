func.func @cast_constants() -> (tensor<3xi8>, tensor<3xi8>, tensor<2xi32>, tensor<2xi32>) {
  %c = arith.constant dense<[300, -300, 5]> : tensor<3xi32>
  %0 = qsim.cast %c : tensor<3xi32> to tensor<3xi8>
  %1 = qsim.cast %c unsigned : tensor<3xi32> to tensor<3xi8>
  %n = arith.constant dense<[-1, -128]> : tensor<2xi8>
  %2 = qsim.cast %n unsigned : tensor<2xi8> to tensor<2xi32>
  %3 = qsim.cast %n : tensor<2xi8> to tensor<2xi32>
  return %0, %1, %2, %3 : tensor<3xi8>, tensor<3xi8>, tensor<2xi32>, tensor<2xi32>
}
