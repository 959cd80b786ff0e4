func.func @unknown_param(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.1, zp = 3> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
