func.func @concat(%a: tensor<1x2xf32>, %b: tensor<1x2xf32>) -> tensor<1x4xf32> {
  %0 = qsim.sim_quantize %a <s8, scale = 0.125> : tensor<1x2xf32>
  %1 = qsim.sim_quantize %b <s8, scale = 0.25> : tensor<1x2xf32>
  %c = tosa.concat %0, %1 {axis = 1 : i32} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  %2 = qsim.sim_quantize %c <s8, scale = 0.125> : tensor<1x4xf32>
  return %2 : tensor<1x4xf32>
}
