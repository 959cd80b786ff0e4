func.func @fold_sim_quantize() -> tensor<6xf32> {
  %c = arith.constant dense<[0.2, 0.25, 0.75, 100.0, -100.0, 1.5]> : tensor<6xf32>
  %0 = qsim.sim_quantize %c <s8, scale = 0.5> : tensor<6xf32>
  return %0 : tensor<6xf32>
}
