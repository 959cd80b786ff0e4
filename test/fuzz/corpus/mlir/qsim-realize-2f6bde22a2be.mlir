func.func @batchnorm_affine(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %g = "tosa.const"() <{values = dense<[[[[1.5, -0.5]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %beta = "tosa.const"() <{values = dense<[[[[0.25, 0.5]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x2xf32>
  %1 = qsim.sim_quantize %g <s8, scale = 0.0125> : tensor<1x1x1x2xf32>
  %m = tosa.mul %0, %1, %shift : (tensor<1x2x2x2xf32>, tensor<1x1x1x2xf32>, tensor<1xi8>) -> tensor<1x2x2x2xf32>
  %2 = qsim.sim_quantize %m <s8, scale = 0.125> : tensor<1x2x2x2xf32>
  %3 = qsim.sim_quantize %beta <s8, scale = 0.00390625> : tensor<1x1x1x2xf32>
  %a = tosa.add %2, %3 : (tensor<1x2x2x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x2x2xf32>
  %4 = qsim.sim_quantize %a <s8, scale = 0.125> : tensor<1x2x2x2xf32>
  return %4 : tensor<1x2x2x2xf32>
}
