func.func @denormal_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 1.0e-40> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
