func.func @quantize_per_tensor(%x: tensor<2x4xf32>) -> tensor<2x4xi8> {
  %q = qsim.quantize %x <s8, scale = 0.0625> : tensor<2x4xf32> -> tensor<2x4xi8>
  return %q : tensor<2x4xi8>
}
