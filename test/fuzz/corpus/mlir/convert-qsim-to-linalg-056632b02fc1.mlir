func.func @quantize_per_channel(%x: tensor<4x2xf32>) -> tensor<4x2xi8> {
  %q = qsim.quantize %x <u8, scales = [0.5, 0.25], zero_points = [0, 3], axis = 1> rounding half_up : tensor<4x2xf32> -> tensor<4x2xi8>
  return %q : tensor<4x2xi8>
}
