func.func @bits_out_of_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.sim_quantize %x <s17, scale = 0.1> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
