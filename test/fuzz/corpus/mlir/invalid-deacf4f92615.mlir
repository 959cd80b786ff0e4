func.func @quantize_width(%x: tensor<4xf32>) -> tensor<4xi16> {
  %0 = qsim.quantize %x <s8, scale = 0.5> : tensor<4xf32> -> tensor<4xi16>
  return %0 : tensor<4xi16>
}
