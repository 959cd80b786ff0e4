// RUN: qsim-opt %s --quant-to-qsim | FileCheck %s --check-prefix=QSIM
// RUN: qsim-opt %s --quant-to-qsim --qsim-realize --canonicalize --convert-qsim-to-linalg --canonicalize -o %t.from-quant
// RUN: qsim-opt %S/Inputs/conv-calibrated.mlir --qsim-realize --canonicalize --convert-qsim-to-linalg --canonicalize -o %t.from-qsim
// RUN: diff %t.from-quant %t.from-qsim
// RUN: FileCheck %s --input-file=%t.from-quant --check-prefix=INT

// A QDQ graph as a TFLite -> TOSA frontend writes it: qcast/dcast pairs
// around float ops, weights and bias as integer constants cast to quantized
// types. After --quant-to-qsim it is our calibrated form, so realize and the
// linalg lowering produce exactly the integer IR they produce from
// Inputs/conv-calibrated.mlir (the same graph calibrated by qsim).

// QSIM-LABEL: func.func @conv_bias_relu6
// QSIM: %[[W:.*]] = arith.constant dense<{{\[}}[{{\[}}[5.000000e-01, -2.500000e-01]]], [{{\[}}[1.250000e-01, 2.500000e-01]]]]> : tensor<2x1x1x2xf32>
// QSIM: %[[WQ:.*]] = qsim.sim_quantize %[[W]] <s8, scales = [7.812500e-03, 1.562500e-02], axis = 0> : tensor<2x1x1x2xf32>
// QSIM: %[[B:.*]] = arith.constant dense<[0.100097656, -0.200195313]> : tensor<2xf32>
// QSIM: %[[X:.*]] = qsim.sim_quantize %arg0 <s8, scale = 6.250000e-02> : tensor<1x2x2x2xf32>
// QSIM: tosa.conv2d %[[X]], %[[WQ]], %[[B]]
// QSIM-NOT: quant.

// INT-LABEL: func.func @conv_bias_relu6
// INT: tosa.conv2d {{.*}} -> tensor<1x2x2x2xi32>
// INT: linalg.generic
// INT-NOT: quant.
func.func @conv_bias_relu6(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %wi = arith.constant dense<[[[[64, -32]]], [[[8, 16]]]]> : tensor<2x1x1x2xi8>
  %wq = quant.scast %wi : tensor<2x1x1x2xi8> to tensor<2x1x1x2x!quant.uniform<i8:f32:0, {0.0078125,0.015625}>>
  %w = quant.dcast %wq : tensor<2x1x1x2x!quant.uniform<i8:f32:0, {0.0078125,0.015625}>> to tensor<2x1x1x2xf32>
  %bi = arith.constant dense<[205, -205]> : tensor<2xi32>
  %bq = quant.scast %bi : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {0.00048828125,0.0009765625}>>
  %b = quant.dcast %bq : tensor<2x!quant.uniform<i32:f32:0, {0.00048828125,0.0009765625}>> to tensor<2xf32>
  %xq = quant.qcast %x : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!quant.uniform<i8:f32, 0.0625>>
  %xd = quant.dcast %xq : tensor<1x2x2x2x!quant.uniform<i8:f32, 0.0625>> to tensor<1x2x2x2xf32>
  %c = tosa.conv2d %xd, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x2xf32>
  %cq = quant.qcast %c : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!quant.uniform<i8:f32, 0.125>>
  %cd = quant.dcast %cq : tensor<1x2x2x2x!quant.uniform<i8:f32, 0.125>> to tensor<1x2x2x2xf32>
  %r = tosa.clamp %cd {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %rq = quant.qcast %r : tensor<1x2x2x2xf32> to tensor<1x2x2x2x!quant.uniform<i8:f32, 0.125>>
  %rd = quant.dcast %rq : tensor<1x2x2x2x!quant.uniform<i8:f32, 0.125>> to tensor<1x2x2x2xf32>
  return %rd : tensor<1x2x2x2xf32>
}
