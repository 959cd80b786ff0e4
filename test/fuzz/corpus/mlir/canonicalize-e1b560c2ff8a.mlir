func.func @fold_requantize() -> tensor<4xi8> {
  %c = arith.constant dense<[5, 6, -7, 1000]> : tensor<4xi32>
  %0 = qsim.requantize %c multiplier [3] shift [2] {input_zero_point = 1 : i64, output_zero_point = 2 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
