func.func @requant_out_zp(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [1] shift [1] {output_zero_point = -1 : i64, output_unsigned} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
