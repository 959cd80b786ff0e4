// RUN: qsim-opt %s --qsim-to-quant | FileCheck %s
// RUN: qsim-opt %s -o %t.orig
// RUN: qsim-opt %s --qsim-to-quant --quant-to-qsim -o %t.back
// RUN: diff %t.orig %t.back
// RUN: qsim-opt %s --qsim-to-quant --quant-to-qsim | FileCheck %s --check-prefix=BACK
// RUN: qsim-opt %s --qsim-to-quant --lower-quant-ops | FileCheck %s --check-prefix=LOWER

// qsim -> quant -> qsim is the identity: the !quant.uniform types carry the
// integer format, scales and zero points; rounding, pow2, kind and point
// ride on the quant.qcast as qsim.* attributes. Upstream's -lower-quant-ops
// accepts the result (it ignores those attributes).

// LOWER-LABEL: func.func @per_tensor
// LOWER: arith.divf
// LOWER-NOT: quant.qcast
// LOWER-NOT: quant.dcast

// CHECK-LABEL: func.func @per_tensor
// CHECK: %[[Q0:.*]] = quant.qcast %arg0 : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 6.250000e-02>>
// CHECK: quant.dcast %[[Q0]] : tensor<4x!quant.uniform<i8:f32, 6.250000e-02>> to tensor<4xf32>
// CHECK: %[[Q1:.*]] = quant.qcast %arg0 {qsim.rounding = #qsim<rounding half_up>} : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, {{.*}}:3>>
// CHECK: quant.dcast %[[Q1]]
// CHECK: quant.qcast %arg0 {qsim.kind = #qsim<kind activation>, qsim.point = "conv_0.out", qsim.pow2} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 1.250000e-01>>
// CHECK: quant.qcast %arg0 {qsim.rounding = #qsim<rounding toward_zero>} : tensor<4xf32> to tensor<4x!quant.uniform<i16:f32, {{.*}}:-5>>
// CHECK: quant.qcast %arg0 : tensor<4xf32> to tensor<4x!quant.uniform<u4:f32, 5.000000e-01:15>>
// CHECK-NOT: qsim.
// BACK-LABEL: func.func @per_tensor
// BACK: qsim.sim_quantize %arg0 <s8, scale = 6.250000e-02> : tensor<4xf32>
// BACK: qsim.sim_quantize %arg0 <u8, scale = 2.000000e-02, zero_point = 3> rounding half_up : tensor<4xf32>
func.func @per_tensor(%x: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4xf32>) {
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<4xf32>
  %1 = qsim.sim_quantize %x <u8, scale = 0.02, zero_point = 3> rounding half_up : tensor<4xf32>
  %2 = qsim.sim_quantize %x <s8, scale = 0.125, pow2> {kind = #qsim<kind activation>, point = "conv_0.out"} : tensor<4xf32>
  %3 = qsim.sim_quantize %x <s16, scale = 0.001, zero_point = -5> rounding toward_zero : tensor<4xf32>
  %4 = qsim.sim_quantize %x <u4, scale = 0.5, zero_point = 15> : tensor<4xf32>
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @per_channel
// CHECK: quant.qcast %arg0 {qsim.kind = #qsim<kind weight>, qsim.point = "conv_0.weight"} : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:0, {5.000000e-01,2.500000e-01}>>
// CHECK: quant.qcast %arg0 {qsim.pow2, qsim.rounding = #qsim<rounding floor>} : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32:1, {1.250000e-01:1,2.500000e-01:2,5.000000e-01:3}>>
// CHECK: quant.qcast %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {{.*}}>>
func.func @per_channel(%w: tensor<2x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = qsim.sim_quantize %w <s8, scales = [0.5, 0.25], axis = 0> {kind = #qsim<kind weight>, point = "conv_0.weight"} : tensor<2x3xf32>
  %1 = qsim.sim_quantize %w <u8, scales = [0.125, 0.25, 0.5], zero_points = [1, 2, 3], axis = 1, pow2> rounding floor : tensor<2x3xf32>
  %2 = qsim.sim_quantize %w <s8, scales = [0.1, 0.2, 0.3], zero_points = [0, -1, 0], axis = 1> : tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// Realize stage: quantize is qcast + scast to the integers, dequantize is
// scast of the integers + dcast.
// CHECK-LABEL: func.func @realized
// CHECK: %[[Q:.*]] = quant.qcast %arg0 {qsim.point = "in", qsim.rounding = #qsim<rounding half_away_from_zero>} : tensor<1x4xf32> to tensor<1x4x!quant.uniform<i8:f32, 6.250000e-02>>
// CHECK: %[[I:.*]] = quant.scast %[[Q]] : tensor<1x4x!quant.uniform<i8:f32, 6.250000e-02>> to tensor<1x4xi8>
// CHECK: %[[S:.*]] = quant.scast %arg1 : tensor<1x4xi8> to tensor<1x4x!quant.uniform<u8:f32:1, {{.*}}>>
// CHECK: %[[D:.*]] = quant.dcast %[[S]] : tensor<1x4x!quant.uniform<u8:f32:1, {{.*}}>> to tensor<1x4xf32>
// CHECK: return %[[I]], %[[D]]
// BACK-LABEL: func.func @realized
// BACK: qsim.quantize %arg0 <s8, scale = 6.250000e-02> rounding half_away_from_zero {point = "in"} : tensor<1x4xf32> -> tensor<1x4xi8>
// BACK: qsim.dequantize %arg1 <u8, scales = [{{.*}}], zero_points = [0, 1, 2, 255], axis = 1> : tensor<1x4xi8> -> tensor<1x4xf32>
func.func @realized(%x: tensor<1x4xf32>, %q: tensor<1x4xi8>)
    -> (tensor<1x4xi8>, tensor<1x4xf32>) {
  %0 = qsim.quantize %x <s8, scale = 0.0625> rounding half_away_from_zero {point = "in"} : tensor<1x4xf32> -> tensor<1x4xi8>
  %1 = qsim.dequantize %q <u8, scales = [0.5, 0.25, 0.1, 3.0], zero_points = [0, 1, 2, 255], axis = 1> : tensor<1x4xi8> -> tensor<1x4xf32>
  return %0, %1 : tensor<1x4xi8>, tensor<1x4xf32>
}

// Other float element types keep theirs as the expressed type.
// CHECK-LABEL: func.func @half
// CHECK: quant.qcast %arg0 : tensor<4xf16> to tensor<4x!quant.uniform<i8:f16, 2.500000e-01>>
func.func @half(%x: tensor<4xf16>) -> tensor<4xf16> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.25> : tensor<4xf16>
  return %0 : tensor<4xf16>
}
