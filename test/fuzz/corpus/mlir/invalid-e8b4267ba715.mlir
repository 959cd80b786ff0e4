func.func @requant_in_zp(%x: tensor<4xi8>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [1] shift [1] {input_zero_point = 200 : i64} : tensor<4xi8> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
