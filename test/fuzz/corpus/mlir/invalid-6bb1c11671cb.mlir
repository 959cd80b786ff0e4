func.func @zero_scale(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.0], axis = 0> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
