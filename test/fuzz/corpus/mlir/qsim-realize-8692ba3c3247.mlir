func.func @slice(%x: tensor<1x4x4x2xf32>) -> tensor<1x3x3x2xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.125> : tensor<1x4x4x2xf32>
  %start = tosa.const_shape {values = dense<0> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 3, 3, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s = tosa.slice %0, %start, %size : (tensor<1x4x4x2xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x3x3x2xf32>
  %1 = qsim.sim_quantize %s <s8, scale = 0.125> : tensor<1x3x3x2xf32>
  return %1 : tensor<1x3x3x2xf32>
}
