func.func @requantize(%x: tensor<4x8xi32>) -> tensor<4x8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [31] {input_zero_point = 3 : i64, output_zero_point = -5 : i64, clamp_min = 0 : i64} : tensor<4x8xi32> -> tensor<4x8xi8>
  return %y : tensor<4x8xi8>
}
