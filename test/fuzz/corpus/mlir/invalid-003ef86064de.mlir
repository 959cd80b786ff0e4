func.func @not_pow2(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.1, pow2> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
