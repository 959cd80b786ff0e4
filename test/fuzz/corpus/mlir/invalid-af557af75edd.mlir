func.func @requant_wide(%x: tensor<4xi64>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [3] shift [1] : tensor<4xi64> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
