func.func @no_fold_disjoint_clamp(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [3] shift [1] {clamp_max = 10 : i64} : tensor<4xi32> -> tensor<4xi8>
  %1 = qsim.requantize %0 multiplier [1] shift [0] {clamp_min = 20 : i64} : tensor<4xi8> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}
