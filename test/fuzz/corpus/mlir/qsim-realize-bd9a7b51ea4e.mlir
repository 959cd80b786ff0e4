func.func @float_island(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x1xf32>
  %m = tosa.max_pool2d %0 {kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %1 = qsim.sim_quantize %m <s8, scale = 0.0625> : tensor<1x2x2x1xf32>
  %e = tosa.exp %1 : (tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %2 = qsim.sim_quantize %e <s8, scale = 0.125> : tensor<1x2x2x1xf32>
  %n = tosa.max_pool2d %2 {kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %3 = qsim.sim_quantize %n <s8, scale = 0.125> : tensor<1x2x2x1xf32>
  return %3 : tensor<1x2x2x1xf32>
}
