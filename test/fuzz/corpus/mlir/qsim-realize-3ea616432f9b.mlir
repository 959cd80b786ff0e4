func.func @avg_pool(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x1xf32>
  %p = tosa.avg_pool2d %0, %zp, %zp {acc_type = f32, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x2x2x1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x1x1xf32>
  %1 = qsim.sim_quantize %p <s8, scale = 0.0625> : tensor<1x1x1x1xf32>
  return %1 : tensor<1x1x1x1xf32>
}
