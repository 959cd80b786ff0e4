func.func @fold_clamp_into_requantize(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [1518500250] shift [31] {output_zero_point = 3 : i64} : tensor<4xi32> -> tensor<4xi32>
  %1 = qsim.requantize %0 multiplier [1] shift [0] {clamp_min = 3 : i64, clamp_max = 6 : i64, input_zero_point = 3 : i64, output_zero_point = 3 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}
