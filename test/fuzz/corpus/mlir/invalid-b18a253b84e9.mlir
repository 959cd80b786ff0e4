func.func @empty_scales(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.sim_quantize %x <s8, scales = [], axis = 0> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
