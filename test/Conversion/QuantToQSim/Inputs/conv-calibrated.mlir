// The calibrated qsim form of qdq-conv-realize.mlir's graph: the same
// parameters written as qsim.sim_quantize, float weights on their grid and
// the float bias 205 * 2^-11, -205 * 2^-10.
func.func @conv_bias_relu6(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = arith.constant dense<[[[[0.5, -0.25]]], [[[0.125, 0.25]]]]> : tensor<2x1x1x2xf32>
  %1 = qsim.sim_quantize %w <s8, scales = [0.0078125, 0.015625], axis = 0> : tensor<2x1x1x2xf32>
  %b = arith.constant dense<[0.10009765625, -0.2001953125]> : tensor<2xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x2xf32>
  %c = tosa.conv2d %0, %1, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x2xf32>
  %2 = qsim.sim_quantize %c <s8, scale = 0.125> : tensor<1x2x2x2xf32>
  %r = tosa.clamp %2 {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %3 = qsim.sim_quantize %r <s8, scale = 0.125> : tensor<1x2x2x2xf32>
  return %3 : tensor<1x2x2x2xf32>
}
