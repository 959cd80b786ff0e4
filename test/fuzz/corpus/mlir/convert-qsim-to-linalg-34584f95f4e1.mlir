func.func @quantize_modes(%x: tensor<4xf16>, %y: tensor<4xf64>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>) {
  %0 = qsim.quantize %x <s8, scale = 0.5> rounding half_away_from_zero : tensor<4xf16> -> tensor<4xi8>
  %1 = qsim.quantize %x <s8, scale = 0.5> rounding toward_zero : tensor<4xf16> -> tensor<4xi8>
  %2 = qsim.quantize %x <s8, scale = 0.5> rounding floor : tensor<4xf16> -> tensor<4xi8>
  %3 = qsim.quantize %y <s8, scale = 0.5> : tensor<4xf64> -> tensor<4xi8>
  return %0, %1, %2, %3 : tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>
}
