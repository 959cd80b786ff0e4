// RUN: qsim-opt %s --quant-to-qsim | FileCheck %s

// Without qsim.* attributes the rounding is half_to_even and there is no
// kind or point; zero points that are all 0 are left out.
// CHECK-LABEL: func.func @qdq
// CHECK: qsim.sim_quantize %arg0 <u8, scale = 5.000000e-01, zero_point = 128> : tensor<2x3xf32>
// CHECK: qsim.sim_quantize %arg0 <s8, scales = [1.250000e-01, 2.500000e-01, 5.000000e-01], axis = 1> : tensor<2x3xf32>
// CHECK: qsim.sim_quantize %arg0 <u16, scales = [1.250000e-01, 2.500000e-01], zero_points = [0, 9], axis = 0> : tensor<2x3xf32>
// CHECK-NOT: quant.
func.func @qdq(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %q0 = quant.qcast %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32, 0.5:128>>
  %d0 = quant.dcast %q0 : tensor<2x3x!quant.uniform<u8:f32, 0.5:128>> to tensor<2x3xf32>
  %q1 = quant.qcast %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {0.125,0.25:0,0.5}>>
  %d1 = quant.dcast %q1 : tensor<2x3x!quant.uniform<i8:f32:1, {0.125,0.25:0,0.5}>> to tensor<2x3xf32>
  %q2 = quant.qcast %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u16:f32:0, {0.125,0.25:9}>>
  %d2 = quant.dcast %q2 : tensor<2x3x!quant.uniform<u16:f32:0, {0.125,0.25:9}>> to tensor<2x3xf32>
  return %d0, %d1, %d2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// One qcast feeding both a dcast and an scast gives a sim_quantize and a
// quantize; an scast pair back to the same integer type disappears.
// CHECK-LABEL: func.func @shared_qcast
// CHECK: %[[S:.*]] = qsim.sim_quantize %arg0 <s8, scale = 2.500000e-01> : tensor<4xf32>
// CHECK: %[[Q:.*]] = qsim.quantize %arg0 <s8, scale = 2.500000e-01> : tensor<4xf32> -> tensor<4xi8>
// CHECK: %[[D:.*]] = qsim.dequantize %arg1 <s8, scale = 2.500000e-01> : tensor<4xi8> -> tensor<4xf32>
// CHECK: return %[[S]], %[[Q]], %[[D]], %arg1
func.func @shared_qcast(%x: tensor<4xf32>, %i: tensor<4xi8>)
    -> (tensor<4xf32>, tensor<4xi8>, tensor<4xf32>, tensor<4xi8>) {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.25>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.25>> to tensor<4xf32>
  %s = quant.scast %q : tensor<4x!quant.uniform<i8:f32, 0.25>> to tensor<4xi8>
  %iq = quant.scast %i : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 0.25>>
  %id = quant.dcast %iq : tensor<4x!quant.uniform<i8:f32, 0.25>> to tensor<4xf32>
  %ii = quant.scast %iq : tensor<4x!quant.uniform<i8:f32, 0.25>> to tensor<4xi8>
  return %d, %s, %id, %ii : tensor<4xf32>, tensor<4xi8>, tensor<4xf32>, tensor<4xi8>
}

// Quantized constants: an unsigned weight (values read unsigned, 200 * 0.5)
// becomes its float values under a sim_quantize; a 32-bit bias just its
// float values.
// CHECK-LABEL: func.func @constants
// CHECK: %[[W:.*]] = arith.constant dense<[1.000000e+02, 5.000000e-01]> : tensor<2xf32>
// CHECK: %[[WQ:.*]] = qsim.sim_quantize %[[W]] <u8, scale = 5.000000e-01> : tensor<2xf32>
// CHECK: %[[B:.*]] = arith.constant dense<[-7.500000e-01, 1.000000e+00]> : tensor<2xf32>
// CHECK-NOT: qsim.sim_quantize %[[B]]
// CHECK: return %[[WQ]], %[[B]]
func.func @constants() -> (tensor<2xf32>, tensor<2xf32>) {
  %wi = arith.constant dense<[200, 1]> : tensor<2xi8>
  %wq = quant.scast %wi : tensor<2xi8> to tensor<2x!quant.uniform<u8:f32, 0.5>>
  %w = quant.dcast %wq : tensor<2x!quant.uniform<u8:f32, 0.5>> to tensor<2xf32>
  %bi = arith.constant dense<[-3, 8]> : tensor<2xi32>
  %bq = quant.scast %bi : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {0.25,0.125}>>
  %b = quant.dcast %bq : tensor<2x!quant.uniform<i32:f32:0, {0.25,0.125}>> to tensor<2xf32>
  return %w, %b : tensor<2xf32>, tensor<2xf32>
}
