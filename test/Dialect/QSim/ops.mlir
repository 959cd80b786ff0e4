// RUN: qsim-opt %s | qsim-opt | FileCheck %s
// RUN: qsim-opt %s -mlir-print-op-generic | qsim-opt | FileCheck %s
// RUN: qsim-opt %s -mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of every op in custom and generic form.

// CHECK-LABEL: func.func @annotate
// CHECK: qsim.annotate %{{.*}} input "net.arg0" : tensor<1x4x4x3xf32>
// CHECK: qsim.annotate %{{.*}} weight "conv.weight" : tensor<8x3x3x3xf32>
// CHECK: qsim.annotate %{{.*}} activation "conv.out" : tensor<1x4x4x3xf32>
// CHECK: qsim.annotate %{{.*}} bias "conv.bias" : tensor<8xf32>
// GENERIC-LABEL: sym_name = "annotate"
// GENERIC: "qsim.annotate"(%{{.*}}) <{kind = #qsim<kind input>, point = "net.arg0"}>
func.func @annotate(%x: tensor<1x4x4x3xf32>, %w: tensor<8x3x3x3xf32>,
                    %b: tensor<8xf32>) {
  %0 = qsim.annotate %x input "net.arg0" : tensor<1x4x4x3xf32>
  %1 = qsim.annotate %w weight "conv.weight" : tensor<8x3x3x3xf32>
  %2 = qsim.annotate %0 activation "conv.out" : tensor<1x4x4x3xf32>
  %3 = qsim.annotate %b bias "conv.bias" : tensor<8xf32>
  return
}

// CHECK-LABEL: func.func @sim_quantize
// CHECK: qsim.sim_quantize %{{.*}} <s8, scale = 6.250000e-02> : tensor<4xf32>
// CHECK: qsim.sim_quantize %{{.*}} <u8, scale = 2.000000e-02, zero_point = 3> rounding half_up : tensor<4xf32>
// CHECK: qsim.sim_quantize %{{.*}} <s8, scales = [5.000000e-01, 2.500000e-01], axis = 0, pow2> rounding floor : tensor<2x3xf32>
// CHECK: qsim.sim_quantize %{{.*}} <s4, scale = 1.000000e-01> rounding half_away_from_zero {kind = #qsim<kind activation>, point = "p"} : tensor<4xf16>
// CHECK: qsim.sim_quantize %{{.*}} <s16, scales = [1.000000e-01, 2.000000e-01], zero_points = [-1, 7], axis = 1> rounding toward_zero : tensor<3x2xbf16>
// GENERIC-LABEL: sym_name = "sim_quantize"
// GENERIC: "qsim.sim_quantize"(%{{.*}}) <{params = #qsim.params<s8, scale = 6.250000e-02>, rounding = #qsim<rounding half_to_even>}>
func.func @sim_quantize(%x: tensor<4xf32>, %w: tensor<2x3xf32>,
                        %h: tensor<4xf16>, %b: tensor<3x2xbf16>) {
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<4xf32>
  %1 = qsim.sim_quantize %x <u8, scale = 0.02, zero_point = 3> rounding half_up : tensor<4xf32>
  %2 = qsim.sim_quantize %w <s8, scales = [0.5, 0.25], axis = 0, pow2> rounding floor : tensor<2x3xf32>
  %3 = qsim.sim_quantize %h <s4, scale = 0.1> rounding half_away_from_zero {kind = #qsim<kind activation>, point = "p"} : tensor<4xf16>
  %4 = qsim.sim_quantize %b <s16, scales = [0.1, 0.2], zero_points = [-1, 7], axis = 1> rounding toward_zero : tensor<3x2xbf16>
  return
}

// CHECK-LABEL: func.func @realize
// CHECK: qsim.quantize %{{.*}} <s8, scale = 6.250000e-02> : tensor<4xf32> -> tensor<4xi8>
// CHECK: qsim.quantize %{{.*}} <u8, scale = 6.250000e-02> rounding half_up {point = "in"} : tensor<4xf32> -> tensor<4xi8>
// CHECK: qsim.dequantize %{{.*}} <s8, scale = 6.250000e-02> : tensor<4xi8> -> tensor<4xf32>
// CHECK: qsim.cast %{{.*}} : tensor<4xi8> to tensor<4xi32>
// CHECK: qsim.cast %{{.*}} unsigned : tensor<4xi32> to tensor<4xi8>
// CHECK: qsim.requantize %{{.*}} multiplier [1518500250] shift [31] : tensor<4xi32> -> tensor<4xi8>
// CHECK: qsim.requantize %{{.*}} multiplier [1, 2] shift [3, 0] axis 1 rounding floor {clamp_max = 100 : i64, clamp_min = 0 : i64, input_zero_point = 2 : i64, output_unsigned, output_zero_point = 5 : i64} : tensor<2x2xi32> -> tensor<2x2xi8>
// CHECK: qsim.add %{{.*}}, %{{.*}} scales([1.000000e-03], [1.000000e-03] -> [1.000000e-03]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
// CHECK: qsim.add %{{.*}}, %{{.*}} scales([2.000000e+00, 4.000000e+00, 8.000000e+00], [1.000000e+00] -> [1.000000e+00]) axis 1 : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
// CHECK: qsim.mul %{{.*}}, %{{.*}} scales([5.000000e-01], [2.500000e-01] -> [1.250000e-01]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
// GENERIC-LABEL: sym_name = "realize"
// GENERIC: "qsim.requantize"(%{{.*}}) <{input_zero_point = 0 : i64, multiplier = array<i32: 1518500250>, output_zero_point = 0 : i64, rounding = #qsim<rounding half_to_even>, shift = array<i32: 31>}>
func.func @realize(%x: tensor<4xf32>, %q: tensor<4xi8>, %a: tensor<4xi32>,
                   %m: tensor<2x2xi32>, %acc: tensor<2x3xi32>,
                   %bias: tensor<3xi32>) {
  %0 = qsim.quantize %x <s8, scale = 0.0625> : tensor<4xf32> -> tensor<4xi8>
  %1 = qsim.quantize %x <u8, scale = 0.0625> rounding half_up {point = "in"} : tensor<4xf32> -> tensor<4xi8>
  %2 = qsim.dequantize %q <s8, scale = 0.0625> : tensor<4xi8> -> tensor<4xf32>
  %3 = qsim.cast %q : tensor<4xi8> to tensor<4xi32>
  %4 = qsim.cast %a unsigned : tensor<4xi32> to tensor<4xi8>
  %5 = qsim.requantize %a multiplier [1518500250] shift [31] : tensor<4xi32> -> tensor<4xi8>
  %6 = qsim.requantize %m multiplier [1, 2] shift [3, 0] axis 1 rounding floor {clamp_min = 0 : i64, clamp_max = 100 : i64, input_zero_point = 2 : i64, output_zero_point = 5 : i64, output_unsigned} : tensor<2x2xi32> -> tensor<2x2xi8>
  %7 = qsim.add %acc, %bias scales([1.0e-3], [1.0e-3] -> [1.0e-3]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
  %8 = qsim.add %acc, %acc scales([2.0, 4.0, 8.0], [1.0] -> [1.0]) axis 1 : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  %9 = qsim.mul %acc, %bias scales([0.5], [0.25] -> [0.125]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
  return
}

// A table lookup: 2^bits entries of the result's element type.
// CHECK-LABEL: func.func @lut
// CHECK: qsim.lut %{{.*}} table dense<[-128, -3, 0, 127]> : tensor<4xi8> : tensor<1x8xi2> -> tensor<1x8xi8>
// GENERIC-LABEL: sym_name = "lut"
// GENERIC: "qsim.lut"(%{{.*}}) <{table = dense<[-128, -3, 0, 127]> : tensor<4xi8>}>
func.func @lut(%x: tensor<1x8xi2>) -> tensor<1x8xi8> {
  %0 = qsim.lut %x table dense<[-128, -3, 0, 127]> : tensor<4xi8> : tensor<1x8xi2> -> tensor<1x8xi8>
  return %0 : tensor<1x8xi8>
}

// CHECK-LABEL: func.func @lut_per_channel
// CHECK: qsim.lut %{{.*}} table dense<{{\[}}[-4, -1, 0, 3], [-8, -2, 0, 6]]> : tensor<2x4xi8> : tensor<3x2xi2> -> tensor<3x2xi8>
func.func @lut_per_channel(%x: tensor<3x2xi2>) -> tensor<3x2xi8> {
  %0 = qsim.lut %x table dense<[[-4, -1, 0, 3], [-8, -2, 0, 6]]> : tensor<2x4xi8> : tensor<3x2xi2> -> tensor<3x2xi8>
  return %0 : tensor<3x2xi8>
}

// Attributes on their own.
// CHECK-LABEL: func.func @attrs
// CHECK-SAME: qsim.g = #qsim<granularity per_channel>
// CHECK-SAME: qsim.p = #qsim.params<u4, scale = 1.250000e-01, zero_point = 2, pow2>
// CHECK-SAME: qsim.r = #qsim<rounding half_up>
func.func @attrs() attributes {qsim.p = #qsim.params<u4, scale = 0.125, zero_point = 2, pow2>, qsim.g = #qsim<granularity per_channel>, qsim.r = #qsim<rounding half_up>} {
  return
}
