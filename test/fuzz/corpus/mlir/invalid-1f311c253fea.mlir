func.func @quantize_channels(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  %0 = qsim.quantize %x <s8, scales = [0.5, 0.25], axis = 1> : tensor<2x3xf32> -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}
