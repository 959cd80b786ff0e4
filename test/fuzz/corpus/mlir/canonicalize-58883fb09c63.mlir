func.func @fold_requantize_clamp() -> tensor<4xi8> {
  %c = arith.constant dense<[5, -1, 100, -100]> : tensor<4xi32>
  %0 = qsim.requantize %c multiplier [1] shift [1] rounding half_away_from_zero {clamp_min = 0 : i64, clamp_max = 6 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
