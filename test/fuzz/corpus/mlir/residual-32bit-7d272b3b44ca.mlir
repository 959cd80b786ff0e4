func.func @rescale_split(%x: tensor<4x8xi8>) -> tensor<4x8xi32> {
  %y = qsim.requantize %x multiplier [1281467114] shift [12] : tensor<4x8xi8> -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}
func.func @residual(%a: tensor<1x4x4x8xi8>, %s: tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8> {
  %ra = qsim.requantize %a multiplier [1281467114] shift [12] : tensor<1x4x4x8xi8> -> tensor<1x4x4x8xi32>
  %rs = qsim.requantize %s multiplier [2097152] shift [0] : tensor<1x4x4x8xi8> -> tensor<1x4x4x8xi32>
  %sum = qsim.add %ra, %rs scales([1.0], [1.0] -> [1.0]) : tensor<1x4x4x8xi32>, tensor<1x4x4x8xi32> -> tensor<1x4x4x8xi32>
  %y = qsim.requantize %sum multiplier [1098077754] shift [51] {clamp_min = 0 : i64} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8xi8>
  return %y : tensor<1x4x4x8xi8>
}
func.func @add_unbounded(%a: tensor<8xi32>, %b: tensor<8xi32>) -> tensor<8xi32> {
  %0 = qsim.add %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<8xi32>, tensor<8xi32> -> tensor<8xi32>
  return %0 : tensor<8xi32>
}
func.func @add_batch1(%a: tensor<1x2x2x8xi8>, %b: tensor<1x2x2x8xi8>) -> tensor<1x2x2x8xi8> {
  %0 = qsim.add %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<1x2x2x8xi8>, tensor<1x2x2x8xi8> -> tensor<1x2x2x8xi8>
  return %0 : tensor<1x2x2x8xi8>
}
