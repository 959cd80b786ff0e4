func.func @requantize_floor(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [40] rounding floor : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_toward_zero(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [40] rounding toward_zero : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_half_away_from_zero(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [40] rounding half_away_from_zero {input_zero_point = 1 : i64} : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_narrow(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1610612736] shift [40] : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_narrow_tie_free(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [39] : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_narrow_tie_free_away(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [39] rounding half_away_from_zero : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_narrow_one_channel_ties(%x: tensor<4x2xi32>) -> tensor<4x2xi8> {
  %y = qsim.requantize %x multiplier [1518500250, 1518500224] shift [39, 39] axis 1 : tensor<4x2xi32> -> tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}
