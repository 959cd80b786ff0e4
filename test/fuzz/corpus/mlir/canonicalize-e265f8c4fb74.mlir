func.func @fold_quantize_dequantize() -> (tensor<5xi8>, tensor<3xf32>) {
  %c = arith.constant dense<[0.25, 0.75, 100.0, -100.0, 1.5]> : tensor<5xf32>
  %0 = qsim.quantize %c <s8, scale = 0.5> : tensor<5xf32> -> tensor<5xi8>
  %q = arith.constant dense<[-64, 0, 127]> : tensor<3xi8>
  %1 = qsim.dequantize %q <s8, scale = 0.5> : tensor<3xi8> -> tensor<3xf32>
  return %0, %1 : tensor<5xi8>, tensor<3xf32>
}
