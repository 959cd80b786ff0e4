func.func @sim_quantize_twice(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = qsim.sim_quantize %x <s8, scale = 0.1> : tensor<4xf32>
  %1 = qsim.sim_quantize %0 <s8, scale = 0.1> : tensor<4xf32>
  %2 = qsim.sim_quantize %x <s8, scale = 0.1> rounding floor : tensor<4xf32>
  %3 = qsim.sim_quantize %2 <s8, scale = 0.1> rounding floor : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}
