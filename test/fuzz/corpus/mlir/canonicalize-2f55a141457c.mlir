func.func @quantize_of_dequantize(%q: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>) {
  %0 = qsim.dequantize %q <s8, scale = 0.1, zero_point = 3> : tensor<4xi8> -> tensor<4xf32>
  %1 = qsim.quantize %0 <s8, scale = 0.1, zero_point = 3> : tensor<4xf32> -> tensor<4xi8>
  %2 = qsim.quantize %0 <s8, scale = 0.1, zero_point = 3> rounding floor : tensor<4xf32> -> tensor<4xi8>
  return %1, %2 : tensor<4xi8>, tensor<4xi8>
}
