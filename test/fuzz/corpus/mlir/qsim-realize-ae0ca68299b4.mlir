func.func @residual_general(%a: tensor<1x4xf32>, %b: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %0 = qsim.sim_quantize %a <s8, scale = 0.1> : tensor<1x4xf32>
  %1 = qsim.sim_quantize %b <s8, scale = 0.3> : tensor<1x4xf32>
  %s = tosa.add %0, %1 : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %2 = qsim.sim_quantize %s <s8, scale = 0.5> : tensor<1x4xf32>
  return %2 : tensor<1x4xf32>
}
