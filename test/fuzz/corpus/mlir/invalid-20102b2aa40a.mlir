func.func @negative_axis(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], axis = -1> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
