func.func @add_mul(%x: tensor<4xi8>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %w = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %s = qsim.add %w, %w scales([1.0], [1.0] -> [1.0]) : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  %c255 = arith.constant dense<255> : tensor<4xi32>
  %c254 = arith.constant dense<254> : tensor<4xi32>
  %lt255 = arith.cmpi slt, %s, %c255 : tensor<4xi32>
  %lt254 = arith.cmpi slt, %s, %c254 : tensor<4xi32>
  %h = qsim.cast %x : tensor<4xi8> to tensor<4xi16>
  %p = qsim.mul %h, %h scales([1.0], [1.0] -> [1.0]) : tensor<4xi16>, tensor<4xi16> -> tensor<4xi16>
  %c16384 = arith.constant dense<16384> : tensor<4xi16>
  %le = arith.cmpi sle, %p, %c16384 : tensor<4xi16>
  return %lt255, %lt254, %le : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}
