func.func @dequantize_width(%q: tensor<4xi32>) -> tensor<4xf32> {
  %0 = qsim.dequantize %q <s8, scale = 0.5> : tensor<4xi32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
