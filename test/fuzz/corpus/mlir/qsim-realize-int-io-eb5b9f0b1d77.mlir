func.func @pool(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x1xf32>
  %m = tosa.max_pool2d %0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32>
  %1 = qsim.sim_quantize %m <s8, scale = 0.0625> : tensor<1x1x1x1xf32>
  return %1 : tensor<1x1x1x1xf32>
}
