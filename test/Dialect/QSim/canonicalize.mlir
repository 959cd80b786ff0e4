// RUN: qsim-opt %s -canonicalize -split-input-file | FileCheck %s

// Expected constants are worked out by hand from docs/Numerics.md.

// x / 0.5 = [0.4, 0.5, 1.5, 200, -200, 3] -> half_to_even [0, 0, 2, 127, -128, 3]
// CHECK-LABEL: func.func @fold_sim_quantize
// CHECK: %[[C:.*]] = arith.constant dense<[0.000000e+00, 0.000000e+00, 1.000000e+00, 6.350000e+01, -6.400000e+01, 1.500000e+00]> : tensor<6xf32>
// CHECK-NOT: qsim.sim_quantize
// CHECK: return %[[C]]
func.func @fold_sim_quantize() -> tensor<6xf32> {
  %c = arith.constant dense<[0.2, 0.25, 0.75, 100.0, -100.0, 1.5]> : tensor<6xf32>
  %0 = qsim.sim_quantize %c <s8, scale = 0.5> : tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// half_up on ties: 0.5 -> 1, -0.5 -> 0, -1.5 -> -1; u4 with zero point 2
// saturates to [0, 15] - 2 = [-2, 13] steps.
// CHECK-LABEL: func.func @fold_sim_quantize_half_up_u4
// CHECK: arith.constant dense<[1.000000e+00, 0.000000e+00, -1.000000e+00, 1.300000e+01, -2.000000e+00]> : tensor<5xf32>
func.func @fold_sim_quantize_half_up_u4() -> tensor<5xf32> {
  %c = arith.constant dense<[0.5, -0.5, -1.5, 40.0, -40.0]> : tensor<5xf32>
  %0 = qsim.sim_quantize %c <u4, scale = 1.0, zero_point = 2> rounding half_up : tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Per-channel along axis 1: column scales 1 and 0.25 (0.4 / 0.25 = 1.6 -> 2).
// CHECK-LABEL: func.func @fold_sim_quantize_per_channel
// CHECK: arith.constant dense<{{\[}}[1.000000e+00, 5.000000e-01], [-2.000000e+00, 2.500000e-01]]> : tensor<2x2xf32>
func.func @fold_sim_quantize_per_channel() -> tensor<2x2xf32> {
  %c = arith.constant dense<[[1.2, 0.4], [-2.4, 0.2]]> : tensor<2x2xf32>
  %0 = qsim.sim_quantize %c <s8, scales = [1.0, 0.25], axis = 1> : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Idempotent with a round-to-nearest mode; not folded for floor, whose f32
// round trip may step down.
// CHECK-LABEL: func.func @sim_quantize_twice
// CHECK: %[[A:.*]] = qsim.sim_quantize %arg0 <s8, scale = 1.000000e-01> :
// CHECK-NEXT: %[[B:.*]] = qsim.sim_quantize %arg0 <s8, scale = 1.000000e-01> rounding floor
// CHECK-NEXT: %[[C:.*]] = qsim.sim_quantize %[[B]] <s8, scale = 1.000000e-01> rounding floor
// CHECK-NEXT: return %[[A]], %[[C]]
func.func @sim_quantize_twice(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = qsim.sim_quantize %x <s8, scale = 0.1> : tensor<4xf32>
  %1 = qsim.sim_quantize %0 <s8, scale = 0.1> : tensor<4xf32>
  %2 = qsim.sim_quantize %x <s8, scale = 0.1> rounding floor : tensor<4xf32>
  %3 = qsim.sim_quantize %2 <s8, scale = 0.1> rounding floor : tensor<4xf32>
  return %1, %3 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @fold_quantize_dequantize
// CHECK-DAG: %[[Q:.*]] = arith.constant dense<[0, 2, 127, -128, 3]> : tensor<5xi8>
// CHECK-DAG: %[[D:.*]] = arith.constant dense<[-3.200000e+01, 0.000000e+00, 6.350000e+01]> : tensor<3xf32>
// CHECK: return %[[Q]], %[[D]]
func.func @fold_quantize_dequantize() -> (tensor<5xi8>, tensor<3xf32>) {
  %c = arith.constant dense<[0.25, 0.75, 100.0, -100.0, 1.5]> : tensor<5xf32>
  %0 = qsim.quantize %c <s8, scale = 0.5> : tensor<5xf32> -> tensor<5xi8>
  %q = arith.constant dense<[-64, 0, 127]> : tensor<3xi8>
  %1 = qsim.dequantize %q <s8, scale = 0.5> : tensor<3xi8> -> tensor<3xf32>
  return %0, %1 : tensor<5xi8>, tensor<3xf32>
}

// -----

// u8 storage: 200 and 255 are read unsigned.
// CHECK-LABEL: func.func @fold_dequantize_unsigned
// CHECK: arith.constant dense<[-1.000000e+00, 1.990000e+02, 2.540000e+02]> : tensor<3xf32>
func.func @fold_dequantize_unsigned() -> tensor<3xf32> {
  %q = arith.constant dense<[0, -56, -1]> : tensor<3xi8>
  %0 = qsim.dequantize %q <u8, scale = 1.0, zero_point = 1> : tensor<3xi8> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_of_dequantize
// CHECK-NEXT: %[[D:.*]] = qsim.dequantize %arg0
// CHECK-NEXT: %[[F:.*]] = qsim.quantize %[[D]] {{.*}} rounding floor
// CHECK-NEXT: return %arg0, %[[F]]
func.func @quantize_of_dequantize(%q: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>) {
  %0 = qsim.dequantize %q <s8, scale = 0.1, zero_point = 3> : tensor<4xi8> -> tensor<4xf32>
  %1 = qsim.quantize %0 <s8, scale = 0.1, zero_point = 3> : tensor<4xf32> -> tensor<4xi8>
  %2 = qsim.quantize %0 <s8, scale = 0.1, zero_point = 3> rounding floor : tensor<4xf32> -> tensor<4xi8>
  return %1, %2 : tensor<4xi8>, tensor<4xi8>
}

// -----

// round((x - 1) * 3 / 2^2) + 2 on [5, 6, -7, 1000] with half_to_even:
// 4*3/4=3 -> 5; 5*3/4=3.75 -> 4 -> 6; -8*3/4=-6 -> -4; 999*3/4 -> 749.25 -> 749 -> 751 -> 127.
// CHECK-LABEL: func.func @fold_requantize
// CHECK: arith.constant dense<[5, 6, -4, 127]> : tensor<4xi8>
func.func @fold_requantize() -> tensor<4xi8> {
  %c = arith.constant dense<[5, 6, -7, 1000]> : tensor<4xi32>
  %0 = qsim.requantize %c multiplier [3] shift [2] {input_zero_point = 1 : i64, output_zero_point = 2 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

// Fused ReLU6 clamp [0, 6]; ties of 2.5 and -0.5 under half_away_from_zero.
// CHECK-LABEL: func.func @fold_requantize_clamp
// CHECK: arith.constant dense<[3, 0, 6, 0]> : tensor<4xi8>
func.func @fold_requantize_clamp() -> tensor<4xi8> {
  %c = arith.constant dense<[5, -1, 100, -100]> : tensor<4xi32>
  %0 = qsim.requantize %c multiplier [1] shift [1] rounding half_away_from_zero {clamp_min = 0 : i64, clamp_max = 6 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

// CHECK-LABEL: func.func @requantize_identity
// CHECK-NEXT: return %arg0
func.func @requantize_identity(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = qsim.requantize %x multiplier [1] shift [0] : tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// A widening cast feeding a requantize is folded into it.
// CHECK-LABEL: func.func @requantize_of_widening
// CHECK-NEXT: %[[R:.*]] = qsim.requantize %arg0 multiplier [1073741824] shift [31] : tensor<4xi8> -> tensor<4xi8>
// CHECK-NEXT: %[[U:.*]] = qsim.requantize %arg0 multiplier [3] shift [1] {input_unsigned} : tensor<4xi8> -> tensor<4xi8>
// CHECK-NEXT: return %[[R]], %[[U]]
func.func @requantize_of_widening(%x: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>) {
  %0 = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %1 = qsim.requantize %0 multiplier [1073741824] shift [31] : tensor<4xi32> -> tensor<4xi8>
  %2 = qsim.cast %x unsigned : tensor<4xi8> to tensor<4xi32>
  %3 = qsim.requantize %2 multiplier [3] shift [1] : tensor<4xi32> -> tensor<4xi8>
  return %1, %3 : tensor<4xi8>, tensor<4xi8>
}

// -----

// An exact left shift by 2^3 followed by a requantize: one requantize.
// CHECK-LABEL: func.func @requantize_chain
// CHECK-NEXT: %[[R:.*]] = qsim.requantize %arg0 multiplier [1518500250] shift [28] : tensor<4xi8> -> tensor<4xi8>
// CHECK-NEXT: return %[[R]]
func.func @requantize_chain(%x: tensor<4xi8>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [8] shift [0] : tensor<4xi8> -> tensor<4xi32>
  %1 = qsim.requantize %0 multiplier [1518500250] shift [31] : tensor<4xi32> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}

// -----

// A shift that could saturate the intermediate type is not folded.
// CHECK-LABEL: func.func @requantize_chain_saturating
// CHECK-COUNT-2: qsim.requantize
func.func @requantize_chain_saturating(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [8] shift [0] : tensor<4xi32> -> tensor<4xi32>
  %1 = qsim.requantize %0 multiplier [1518500250] shift [31] : tensor<4xi32> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}

// -----

// Cast CSE: one widening per value, whatever the number of consumers (a
// residual block's shared input), and likewise one requantize.
// CHECK-LABEL: func.func @cast_cse
// CHECK-COUNT-1: qsim.cast
// CHECK-NOT: qsim.cast
// CHECK-COUNT-1: qsim.requantize
// CHECK-NOT: qsim.requantize
func.func @cast_cse(%x: tensor<4xi8>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<4xi8>) {
  %0 = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %1 = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %2 = qsim.requantize %0 multiplier [1073741824] shift [30] : tensor<4xi32> -> tensor<4xi8>
  %3 = qsim.requantize %0 multiplier [1073741824] shift [30] : tensor<4xi32> -> tensor<4xi8>
  return %0, %1, %2, %3 : tensor<4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<4xi8>
}

// -----

// CHECK-LABEL: func.func @cast_folds
// CHECK-NEXT: %[[W:.*]] = qsim.cast %arg0 : tensor<4xi8> to tensor<4xi64>
// CHECK-NEXT: return %arg0, %arg0, %[[W]]
func.func @cast_folds(%x: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi64>) {
  %0 = qsim.cast %x : tensor<4xi8> to tensor<4xi8>
  %1 = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %2 = qsim.cast %1 : tensor<4xi32> to tensor<4xi8>
  %3 = qsim.cast %1 : tensor<4xi32> to tensor<4xi64>
  return %0, %2, %3 : tensor<4xi8>, tensor<4xi8>, tensor<4xi64>
}

// -----

// Narrowing saturates (signed and unsigned); widening sign- or zero-extends.
// CHECK-LABEL: func.func @cast_constants
// CHECK-DAG: arith.constant dense<[127, -128, 5]> : tensor<3xi8>
// CHECK-DAG: arith.constant dense<[-1, 0, 5]> : tensor<3xi8>
// CHECK-DAG: arith.constant dense<[255, 128]> : tensor<2xi32>
// CHECK-DAG: arith.constant dense<[-1, -128]> : tensor<2xi32>
func.func @cast_constants() -> (tensor<3xi8>, tensor<3xi8>, tensor<2xi32>, tensor<2xi32>) {
  %c = arith.constant dense<[300, -300, 5]> : tensor<3xi32>
  %0 = qsim.cast %c : tensor<3xi32> to tensor<3xi8>
  %1 = qsim.cast %c unsigned : tensor<3xi32> to tensor<3xi8>
  %n = arith.constant dense<[-1, -128]> : tensor<2xi8>
  %2 = qsim.cast %n unsigned : tensor<2xi8> to tensor<2xi32>
  %3 = qsim.cast %n : tensor<2xi8> to tensor<2xi32>
  return %0, %1, %2, %3 : tensor<3xi8>, tensor<3xi8>, tensor<2xi32>, tensor<2xi32>
}

// -----

// Bias-scale unification: a bias at 4x the accumulator scale becomes a
// constant at the accumulator scale (values x4); adding zero folds away.
// CHECK-LABEL: func.func @unify_bias_scale
// CHECK: %[[B:.*]] = arith.constant dense<[4, -8, 12]> : tensor<3xi32>
// CHECK: %[[S:.*]] = qsim.add %arg0, %[[B]] scales([2.500000e-01], [2.500000e-01] -> [2.500000e-01])
// CHECK-NEXT: return %[[S]], %arg0
func.func @unify_bias_scale(%acc: tensor<2x3xi32>) -> (tensor<2x3xi32>, tensor<2x3xi32>) {
  %b = arith.constant dense<[1, -2, 3]> : tensor<3xi32>
  %0 = qsim.add %acc, %b scales([0.25], [1.0] -> [0.25]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
  %z = arith.constant dense<0> : tensor<3xi32>
  %1 = qsim.add %acc, %z scales([0.25], [0.25] -> [0.25]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
  return %0, %1 : tensor<2x3xi32>, tensor<2x3xi32>
}

// -----

// Per-channel bias scales along the last axis.
// CHECK-LABEL: func.func @unify_bias_scale_per_channel
// CHECK: %[[B:.*]] = arith.constant dense<[2, 4, 3]> : tensor<3xi32>
// CHECK: qsim.add %arg0, %[[B]] scales([5.000000e-01, 2.500000e-01, 1.000000e+00], [5.000000e-01, 2.500000e-01, 1.000000e+00] -> [5.000000e-01, 2.500000e-01, 1.000000e+00]) axis 1
func.func @unify_bias_scale_per_channel(%acc: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %b = arith.constant dense<[1, 1, 3]> : tensor<3xi32>
  %0 = qsim.add %acc, %b scales([0.5, 0.25, 1.0], [1.0, 1.0, 1.0] -> [0.5, 0.25, 1.0]) axis 1 : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// Constant add (with a shift of the lhs and broadcasting) and mul; the sum
// saturates to i8.
// CHECK-LABEL: func.func @fold_add_mul
// CHECK-DAG: arith.constant dense<{{\[}}[3, 5], [-1, 127]]> : tensor<2x2xi8>
// CHECK-DAG: arith.constant dense<{{\[}}[2, 6], [-2, 127]]> : tensor<2x2xi8>
func.func @fold_add_mul() -> (tensor<2x2xi8>, tensor<2x2xi8>) {
  %a = arith.constant dense<[[1, 2], [-1, 100]]> : tensor<2x2xi8>
  %b = arith.constant dense<[1, 1]> : tensor<2xi8>
  %s = qsim.add %a, %b scales([2.0], [1.0] -> [1.0]) : tensor<2x2xi8>, tensor<2xi8> -> tensor<2x2xi8>
  %c = arith.constant dense<[2, 3]> : tensor<2xi8>
  %p = qsim.mul %a, %c scales([1.0], [1.0] -> [1.0]) : tensor<2x2xi8>, tensor<2xi8> -> tensor<2x2xi8>
  return %s, %p : tensor<2x2xi8>, tensor<2x2xi8>
}

// -----

// A ReLU (identity requantize with bounds) folds into the producer's
// requantize, narrowing included; a clamp that empties the range does not.
// CHECK-LABEL: func.func @fold_clamp_into_requantize
// CHECK-NEXT: %[[R:.*]] = qsim.requantize %arg0 multiplier [1518500250] shift [31] {clamp_max = 6 : i64, clamp_min = 3 : i64, output_zero_point = 3 : i64} : tensor<4xi32> -> tensor<4xi8>
// CHECK-NEXT: return %[[R]]
func.func @fold_clamp_into_requantize(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [1518500250] shift [31] {output_zero_point = 3 : i64} : tensor<4xi32> -> tensor<4xi32>
  %1 = qsim.requantize %0 multiplier [1] shift [0] {clamp_min = 3 : i64, clamp_max = 6 : i64, input_zero_point = 3 : i64, output_zero_point = 3 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}

// -----

// CHECK-LABEL: func.func @no_fold_disjoint_clamp
// CHECK-COUNT-2: qsim.requantize
func.func @no_fold_disjoint_clamp(%x: tensor<4xi32>) -> tensor<4xi8> {
  %0 = qsim.requantize %x multiplier [3] shift [1] {clamp_max = 10 : i64} : tensor<4xi32> -> tensor<4xi8>
  %1 = qsim.requantize %0 multiplier [1] shift [0] {clamp_min = 20 : i64} : tensor<4xi8> -> tensor<4xi8>
  return %1 : tensor<4xi8>
}
