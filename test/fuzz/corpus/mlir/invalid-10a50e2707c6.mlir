func.func @requant_clamp_max(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [1] shift [1] {clamp_max = 128 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
