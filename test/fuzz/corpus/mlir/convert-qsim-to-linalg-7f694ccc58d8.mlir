func.func @sim_quantize(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], axis = 0> : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
