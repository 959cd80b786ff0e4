func.func @cast_narrow(%a: tensor<4xi32>, %x: tensor<4xi8>) -> (tensor<4xi1>, tensor<4xi1>) {
  %u = qsim.cast %a unsigned : tensor<4xi32> to tensor<4xi8>
  %c0 = arith.constant dense<0> : tensor<4xi8>
  %ge = arith.cmpi sge, %u, %c0 : tensor<4xi8>
  %w = qsim.cast %x unsigned : tensor<4xi8> to tensor<4xi16>
  %n = qsim.cast %w : tensor<4xi16> to tensor<4xi8>
  %ne = arith.cmpi sge, %n, %c0 : tensor<4xi8>
  return %ge, %ne : tensor<4xi1>, tensor<4xi1>
}
