func.func @bad_format(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.sim_quantize %x <i8, scale = 0.1> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
