func.func @fold_sim_quantize_half_up_u4() -> tensor<5xf32> {
  %c = arith.constant dense<[0.5, -0.5, -1.5, 40.0, -40.0]> : tensor<5xf32>
  %0 = qsim.sim_quantize %c <u4, scale = 1.0, zero_point = 2> rounding half_up : tensor<5xf32>
  return %0 : tensor<5xf32>
}
