func.func @zero_point_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.sim_quantize %x <u8, scale = 0.5, zero_point = 256> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
