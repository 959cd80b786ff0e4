func.func @fold_dequantize_unsigned() -> tensor<3xf32> {
  %q = arith.constant dense<[0, -56, -1]> : tensor<3xi8>
  %0 = qsim.dequantize %q <u8, scale = 1.0, zero_point = 1> : tensor<3xi8> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
