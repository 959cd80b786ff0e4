func.func @requantize_clamp(%a: tensor<4xi32>) -> tensor<4xi1> {
  %r = qsim.requantize %a multiplier [1073741824] shift [31] {clamp_min = 0 : i64} : tensor<4xi32> -> tensor<4xi8>
  %c0 = arith.constant dense<0> : tensor<4xi8>
  %ge = arith.cmpi sge, %r, %c0 : tensor<4xi8>
  return %ge : tensor<4xi1>
}
