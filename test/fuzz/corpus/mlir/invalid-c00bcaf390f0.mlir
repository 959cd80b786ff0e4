func.func @zero_point_count(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], zero_points = [0, 1, 2], axis = 0> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
