func.func @cast_narrow_signed(%a: tensor<4xi32>) -> tensor<4xi16> {
  %0 = qsim.cast %a : tensor<4xi32> to tensor<4xi16>
  return %0 : tensor<4xi16>
}
