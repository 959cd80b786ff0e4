func.func @requantize_per_channel(%x: tensor<4x2xi32>) -> tensor<4x2xi8> {
  %y = qsim.requantize %x multiplier [1073741824, 1518500250] shift [0, 63] axis 1 rounding half_up {input_unsigned, output_unsigned} : tensor<4x2xi32> -> tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}
