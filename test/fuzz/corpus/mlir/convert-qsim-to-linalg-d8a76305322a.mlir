func.func @requantize_offset_only(%x: tensor<8xi16>) -> tensor<8xi32> {
  %y = qsim.requantize %x multiplier [1] shift [0] {output_zero_point = 7 : i64} : tensor<8xi16> -> tensor<8xi32>
  return %y : tensor<8xi32>
}
