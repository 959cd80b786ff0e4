func.func @add_per_channel(%a: tensor<2x3xi8>, %b: tensor<2x1xi8>) -> tensor<2x3xi8> {
  %0 = qsim.add %a, %b scales([1.0, 2.0, 4.0], [0.5] -> [0.5]) axis 1 : tensor<2x3xi8>, tensor<2x1xi8> -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}
