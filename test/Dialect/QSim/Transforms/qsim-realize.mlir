// RUN: qsim-opt %s --qsim-realize --canonicalize -split-input-file | FileCheck %s

// Expected integers are worked out by hand from the power-of-two scales.

// conv + bias + ReLU6: int8 operands, int32 accumulation, bias at
// s_in * s_w[c] = 2^-11 and 2^-10 (0.1 * 2048 = 204.8 -> 205,
// -0.2 * 1024 = -204.8 -> -205), per-channel requantize to 2^-3 (shifts 8
// and 7) with the ReLU6 clamp [0, 6 / 0.125 = 48] folded in.
// CHECK-LABEL: func.func @conv_bias_relu6
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[64, -32]]], [{{\[}}[8, 16]]]]> : tensor<2x1x1x2xi8>
// CHECK-DAG: %[[B:.*]] = "tosa.const"() <{values = dense<[205, -205]> : tensor<2xi32>}>
// CHECK: %[[X:.*]] = qsim.quantize %arg0 <s8, scale = 6.250000e-02>
// CHECK: %[[ACC:.*]] = tosa.conv2d %[[X]], %[[W]], %[[B]], %{{.*}}, %{{.*}} {acc_type = i32
// CHECK-SAME: -> tensor<1x2x2x2xi32>
// CHECK: %[[R:.*]] = qsim.requantize %[[ACC]] multiplier [1, 1] shift [8, 7] axis 3 {clamp_max = 48 : i64, clamp_min = 0 : i64} : tensor<1x2x2x2xi32> -> tensor<1x2x2x2xi8>
// CHECK: %[[D:.*]] = qsim.dequantize %[[R]] <s8, scale = 1.250000e-01>
// CHECK: return %[[D]]
// CHECK-NOT: tosa.clamp
func.func @conv_bias_relu6(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[[0.5, -0.25]]], [[[0.125, 0.25]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, -0.2]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x2xf32>
  %1 = qsim.sim_quantize %w <s8, scales = [0.0078125, 0.015625], axis = 0> : tensor<2x1x1x2xf32>
  %c = tosa.conv2d %0, %1, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x2xf32>
  %2 = qsim.sim_quantize %c <s8, scale = 0.125> : tensor<1x2x2x2xf32>
  %r = tosa.clamp %2 {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %3 = qsim.sim_quantize %r <s8, scale = 0.125> : tensor<1x2x2x2xf32>
  return %3 : tensor<1x2x2x2xf32>
}

// -----

// Residual add with scales a power of two apart: both sides widen, the
// coarser one is shifted left exactly inside qsim.add; one quantize of the
// shared block input feeds both branches.
// CHECK-LABEL: func.func @residual_exact
// CHECK: %[[X:.*]] = qsim.quantize %arg0
// CHECK-NOT: qsim.quantize %arg0
// CHECK: %[[XW:.*]] = qsim.cast %[[X]] : tensor<1x2x2x2xi8> to tensor<1x2x2x2xi32>
// CHECK: qsim.add %{{.*}}, %[[XW]] scales([1.250000e-01], [6.250000e-02] -> [6.250000e-02])
// CHECK: qsim.requantize %{{.*}} multiplier [1] shift [2] : tensor<1x2x2x2xi32> -> tensor<1x2x2x2xi8>
func.func @residual_exact(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x2xf32>
  %m = tosa.max_pool2d %0 {kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %1 = qsim.sim_quantize %m <s8, scale = 0.125> : tensor<1x2x2x2xf32>
  %s = tosa.add %1, %0 : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %2 = qsim.sim_quantize %s <s8, scale = 0.25> : tensor<1x2x2x2xf32>
  return %2 : tensor<1x2x2x2xf32>
}

// -----

// Residual add with unrelated scales: both operands are requantized to the
// common scale max(s1, s2) / 2^21 in int32 (every term below 2^29), added,
// then requantized to the output.
// CHECK-LABEL: func.func @residual_general
// CHECK-DAG: qsim.requantize %{{.*}} multiplier [{{[0-9]+}}] shift [{{[0-9]+}}] : tensor<1x4xi8> -> tensor<1x4xi32>
// CHECK-DAG: qsim.requantize %{{.*}} multiplier [2097152] shift [0] : tensor<1x4xi8> -> tensor<1x4xi32>
// CHECK: %[[S:.*]] = qsim.add {{.*}} -> tensor<1x4xi32>
// CHECK: qsim.requantize %[[S]] {{.*}} : tensor<1x4xi32> -> tensor<1x4xi8>
func.func @residual_general(%a: tensor<1x4xf32>, %b: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %0 = qsim.sim_quantize %a <s8, scale = 0.1> : tensor<1x4xf32>
  %1 = qsim.sim_quantize %b <s8, scale = 0.3> : tensor<1x4xf32>
  %s = tosa.add %0, %1 : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %2 = qsim.sim_quantize %s <s8, scale = 0.5> : tensor<1x4xf32>
  return %2 : tensor<1x4xf32>
}

// -----

// An op without a rule stays float between dequantize and quantize.
// CHECK-LABEL: func.func @float_island
// CHECK: %[[D:.*]] = qsim.dequantize
// CHECK: %[[E:.*]] = tosa.exp %[[D]]
// CHECK: qsim.quantize %[[E]]
// CHECK: tosa.max_pool2d {{.*}} -> tensor<1x2x2x1xi8>
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

// -----

// Pre-activation batch norm (per-channel affine on constants): a per-channel
// qsim.mul by 16-bit-class constants and a 32-bit offset, no float op left.
// CHECK-LABEL: func.func @batchnorm_affine
// CHECK: qsim.mul {{.*}} axis 3 : tensor<1x2x2x2xi32>, tensor<1x1x1x2xi32> -> tensor<1x2x2x2xi32>
// CHECK: qsim.requantize {{.*}} axis 3
// CHECK: qsim.add {{.*}} : tensor<1x2x2x2xi32>, tensor<1x1x1x2xi32> -> tensor<1x2x2x2xi32>
// CHECK-NOT: tosa.mul
// CHECK-NOT: tosa.add
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

// -----

// Average pool (2x2, no padding): int32 sum of the int8 input as it is (the
// pooling op sign-extends; no i32 copy) and a requantize by 1/4.
// CHECK-LABEL: func.func @avg_pool
// CHECK-NOT: qsim.cast
// CHECK: linalg.pooling_nhwc_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x2x1xi8>, tensor<2x2xi32>) {{.*}} -> tensor<1x1x1x1xi32>
// CHECK: qsim.requantize %{{.*}} multiplier [1] shift [2] : tensor<1x1x1x1xi32> -> tensor<1x1x1x1xi8>
func.func @avg_pool(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x1xf32>
  %p = tosa.avg_pool2d %0, %zp, %zp {acc_type = f32, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x2x2x1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x1x1xf32>
  %1 = qsim.sim_quantize %p <s8, scale = 0.0625> : tensor<1x1x1x1xf32>
  return %1 : tensor<1x1x1x1xf32>
}

// -----

// A nonzero input zero point: the window's 4 x (-128) is taken off by the
// requantize (its input zero point), not by a widened copy of the input.
// CHECK-LABEL: func.func @avg_pool_zero_point
// CHECK-NOT: qsim.cast
// CHECK: %[[S:.*]] = linalg.pooling_nhwc_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x2x1xi8>, tensor<2x2xi32>)
// CHECK: qsim.requantize %[[S]] multiplier [1] shift [2] {input_zero_point = -512 : i64, output_zero_point = -128 : i64}
func.func @avg_pool_zero_point(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625, zero_point = -128> : tensor<1x2x2x1xf32>
  %p = tosa.avg_pool2d %0, %zp, %zp {acc_type = f32, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x2x2x1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x1x1xf32>
  %1 = qsim.sim_quantize %p <s8, scale = 0.0625, zero_point = -128> : tensor<1x1x1x1xf32>
  return %1 : tensor<1x1x1x1xf32>
}

// -----

// Concat of inputs at different scales: the second is requantized to the
// output's scale (0.25 -> 0.125: a left shift by one).
// CHECK-LABEL: func.func @concat
// CHECK: %[[B:.*]] = qsim.requantize %{{.*}} multiplier [2] shift [0] : tensor<1x2xi8> -> tensor<1x2xi8>
// CHECK: tosa.concat %{{.*}}, %[[B]] {axis = 1 : i32} : (tensor<1x2xi8>, tensor<1x2xi8>) -> tensor<1x4xi8>
func.func @concat(%a: tensor<1x2xf32>, %b: tensor<1x2xf32>) -> tensor<1x4xf32> {
  %0 = qsim.sim_quantize %a <s8, scale = 0.125> : tensor<1x2xf32>
  %1 = qsim.sim_quantize %b <s8, scale = 0.25> : tensor<1x2xf32>
  %c = tosa.concat %0, %1 {axis = 1 : i32} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  %2 = qsim.sim_quantize %c <s8, scale = 0.125> : tensor<1x4xf32>
  return %2 : tensor<1x4xf32>
}

// -----

// A slice (the importer's crop before a strided convolution) keeps the
// scale: the same op on the int8 values, no dequantize / quantize.
// CHECK-LABEL: func.func @slice
// CHECK: %[[X:.*]] = qsim.quantize %arg0 <s8, scale = 1.250000e-01>
// CHECK: %[[S:.*]] = tosa.slice %[[X]], %{{.*}}, %{{.*}} : (tensor<1x4x4x2xi8>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x3x3x2xi8>
// CHECK-NOT: qsim.quantize
// CHECK: qsim.dequantize %[[S]] <s8, scale = 1.250000e-01>
func.func @slice(%x: tensor<1x4x4x2xf32>) -> tensor<1x3x3x2xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.125> : tensor<1x4x4x2xf32>
  %start = tosa.const_shape {values = dense<0> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 3, 3, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s = tosa.slice %0, %start, %size : (tensor<1x4x4x2xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x3x3x2xf32>
  %1 = qsim.sim_quantize %s <s8, scale = 0.125> : tensor<1x3x3x2xf32>
  return %1 : tensor<1x3x3x2xf32>
}

// -----

// linalg named ops: int8 inputs, a zero-filled int32 init, per-channel
// requantize along the output channels (2^-4 * 2^-7 / 2^-2 = 2^-9, ...).
// CHECK-LABEL: func.func @linalg_matmul
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<2x3xi32>)
// CHECK: %[[M:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xi8>, tensor<4x3xi8>) outs(%[[F]] : tensor<2x3xi32>)
// CHECK: qsim.requantize %[[M]] multiplier [1, 1, 1] shift [9, 8, 7] axis 1
func.func @linalg_matmul(%a: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.25> : tensor<4x3xf32>
  %init = arith.constant dense<0.0> : tensor<2x3xf32>
  %0 = qsim.sim_quantize %a <s8, scale = 0.0625> : tensor<2x4xf32>
  %1 = qsim.sim_quantize %w <s8, scales = [0.0078125, 0.015625, 0.03125], axis = 1> : tensor<4x3xf32>
  %m = linalg.matmul ins(%0, %1 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = qsim.sim_quantize %m <s8, scale = 0.25> : tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// A grouped linalg convolution (2 groups of 1 -> 2 channels): the weight
// scales are per group (axis 0) and spread over each group's two output
// channels; the i32 result is requantized as [.., 4] channels and expanded
// back to [.., group, channel] (2^-4 * 2^-7 / 2^-2 = 2^-9, 2^-4 * 2^-6 /
// 2^-2 = 2^-8).
// CHECK-LABEL: func.func @linalg_grouped_conv
// CHECK: %[[C:.*]] = linalg.conv_2d_nhwgc_gfhwc {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x3x3x2x1xi8>, tensor<2x2x2x2x1xi8>) outs(%{{.*}} : tensor<1x2x2x2x2xi32>)
// CHECK: %[[F:.*]] = tensor.collapse_shape %[[C]] {{\[}}[0], [1], [2], [3, 4]] : tensor<1x2x2x2x2xi32> into tensor<1x2x2x4xi32>
// CHECK: %[[R:.*]] = qsim.requantize %[[F]] multiplier [1, 1, 1, 1] shift [9, 9, 8, 8] axis 3
// CHECK: tensor.expand_shape %[[R]] {{\[}}[0], [1], [2], [3, 4]] output_shape [1, 2, 2, 2, 2] : tensor<1x2x2x4xi8> into tensor<1x2x2x2x2xi8>
func.func @linalg_grouped_conv(%x: tensor<1x3x3x2x1xf32>) -> tensor<1x2x2x2x2xf32> {
  %w = arith.constant dense<0.25> : tensor<2x2x2x2x1xf32>
  %init = arith.constant dense<0.0> : tensor<1x2x2x2x2xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x3x3x2x1xf32>
  %1 = qsim.sim_quantize %w <s8, scales = [0.0078125, 0.015625], axis = 0> : tensor<2x2x2x2x1xf32>
  %c = linalg.conv_2d_nhwgc_gfhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%0, %1 : tensor<1x3x3x2x1xf32>, tensor<2x2x2x2x1xf32>) outs(%init : tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %2 = qsim.sim_quantize %c <s8, scale = 0.25> : tensor<1x2x2x2x2xf32>
  return %2 : tensor<1x2x2x2x2xf32>
}

// -----

// tosa.pad keeps its input's scale: zero padding is the zero point on the
// integers; a padding value off the grid (0.3 at scale 0.125) stays float.
// CHECK-LABEL: func.func @pad
// CHECK-DAG: %[[Z:.*]] = "tosa.const"() <{values = dense<0> : tensor<1xi8>}>
// CHECK: %[[Q:.*]] = qsim.quantize %arg0 <s8, scale = 1.250000e-01>
// CHECK: %[[D:.*]] = qsim.dequantize %[[Q]]
// CHECK: tosa.pad %[[Q]], %{{.*}}, %[[Z]] : (tensor<1x2x2x1xi8>, !tosa.shape<8>, tensor<1xi8>) -> tensor<1x4x4x1xi8>
// CHECK: tosa.pad %[[D]], %{{.*}}, %{{.*}} : (tensor<1x2x2x1xf32>
func.func @pad(%x: tensor<1x2x2x1xf32>) -> (tensor<1x4x4x1xf32>, tensor<1x4x4x1xf32>) {
  %0 = qsim.sim_quantize %x <s8, scale = 0.125> : tensor<1x2x2x1xf32>
  %s = tosa.const_shape {values = dense<[0, 0, 1, 1, 1, 1, 0, 0]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %v = "tosa.const"() <{values = dense<0.3> : tensor<1xf32>}> : () -> tensor<1xf32>
  %p = tosa.pad %0, %s, %z : (tensor<1x2x2x1xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x4x4x1xf32>
  %q = tosa.pad %0, %s, %v : (tensor<1x2x2x1xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x4x4x1xf32>
  %1 = qsim.sim_quantize %p <s8, scale = 0.125> : tensor<1x4x4x1xf32>
  %2 = qsim.sim_quantize %q <s8, scale = 0.125> : tensor<1x4x4x1xf32>
  return %1, %2 : tensor<1x4x4x1xf32>, tensor<1x4x4x1xf32>
}
