func.func @channel_count(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], axis = 0> : tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}
