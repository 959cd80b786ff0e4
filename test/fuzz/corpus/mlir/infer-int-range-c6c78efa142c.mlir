func.func @cast_requantize(%x: tensor<4xi8>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %w = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %c127 = arith.constant dense<127> : tensor<4xi32>
  %le127 = arith.cmpi sle, %w, %c127 : tensor<4xi32>
  %r = qsim.requantize %w multiplier [1073741824] shift [31] : tensor<4xi32> -> tensor<4xi8>
  %c65 = arith.constant dense<65> : tensor<4xi8>
  %c64 = arith.constant dense<64> : tensor<4xi8>
  %le65 = arith.cmpi sle, %r, %c65 : tensor<4xi8>
  %le64 = arith.cmpi sle, %r, %c64 : tensor<4xi8>
  return %le127, %le65, %le64 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}
