func.func @residual_exact(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x2xf32>
  %m = tosa.max_pool2d %0 {kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %1 = qsim.sim_quantize %m <s8, scale = 0.125> : tensor<1x2x2x2xf32>
  %s = tosa.add %1, %0 : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %2 = qsim.sim_quantize %s <s8, scale = 0.25> : tensor<1x2x2x2xf32>
  return %2 : tensor<1x2x2x2xf32>
}
