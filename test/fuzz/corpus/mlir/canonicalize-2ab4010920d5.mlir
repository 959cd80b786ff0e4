func.func @fold_sim_quantize_per_channel() -> tensor<2x2xf32> {
  %c = arith.constant dense<[[1.2, 0.4], [-2.4, 0.2]]> : tensor<2x2xf32>
  %0 = qsim.sim_quantize %c <s8, scales = [1.0, 0.25], axis = 1> : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
