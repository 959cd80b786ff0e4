func.func @linalg_matmul(%a: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.25> : tensor<4x3xf32>
  %init = arith.constant dense<0.0> : tensor<2x3xf32>
  %0 = qsim.sim_quantize %a <s8, scale = 0.0625> : tensor<2x4xf32>
  %1 = qsim.sim_quantize %w <s8, scales = [0.0078125, 0.015625, 0.03125], axis = 1> : tensor<4x3xf32>
  %m = linalg.matmul ins(%0, %1 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = qsim.sim_quantize %m <s8, scale = 0.25> : tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}
