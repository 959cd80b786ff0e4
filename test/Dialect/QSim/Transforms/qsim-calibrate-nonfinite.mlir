// RUN: qsim-opt %s --qsim-calibrate -split-input-file -verify-diagnostics
// RUN: not qsim-opt %s --qsim-calibrate="global-scale=1e300" -split-input-file 2>&1 | FileCheck %s --check-prefix=GLOBAL
// RUN: not qsim-opt %s --qsim-calibrate="global-scale=1e37" -split-input-file 2>&1 | FileCheck %s --check-prefix=GLOBAL37
// RUN: not qsim-opt %s --qsim-calibrate="table=%S/Inputs/huge-range.json" -split-input-file 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not qsim-opt %s --qsim-calibrate="table=%S/Inputs/huge-threshold.json method=percentile" -split-input-file 2>&1 | FileCheck %s --check-prefix=THRESHOLD

// Values without a finite f32 scale, and constants holding NaN or inf, stop
// calibration with an error on the point: quantizing them would give finite
// integers (or an all-NaN model) where the float model computes something
// else, without a word.

// A threshold whose scale overflows f32 (1e300 / 127), or lands above the
// largest usable scale (1e37 / 127 > FLT_MAX / 2^16).
// GLOBAL: :[[@LINE+6]]:8: error: qsim-calibrate: point 'f.x': threshold 1.000000e+300 (global-scale) gives scale INF, which is not a finite f32 scale in [1.175494e-38, 5.192297e+33]
// GLOBAL37: error: qsim-calibrate: point 'f.x': threshold 1.000000e+37 (global-scale) gives scale 7.874016e+34, which is not a finite f32 scale
// The same from a calibration table's range or its recorded threshold.
// RANGE: error: qsim-calibrate: point 'f.x': threshold 1.000000e+300 (calibration table) gives scale INF
// THRESHOLD: error: qsim-calibrate: point 'f.x': threshold 1.000000e+300 (calibration table) gives scale INF
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.annotate %x input "f.x" : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The error is on the marker, which --qsim-annotate places at the constant.
func.func @nan_weight(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = "tosa.const"() <{values = dense<[[1.0, 0x7FC00000], [0.5, 0.25]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  // expected-error@+1 {{qsim-calibrate: weight point 'g.w' (tosa.const) holds a non-finite value NaN at element 1}}
  %0 = qsim.annotate %w weight "g.w" : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @inf_weight(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = arith.constant dense<[1.0, 2.0, 0xFF800000, 3.0]> : tensor<4xf32>
  // expected-error@+1 {{qsim-calibrate: weight point 'h.w' (arith.constant) holds a non-finite value -Inf at element 2}}
  %0 = qsim.annotate %w weight "h.w" : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @inf_bias(%x: tensor<2xf32>) -> tensor<2xf32> {
  %b = arith.constant dense<[0x7F800000, 1.0]> : tensor<2xf32>
  // expected-error@+1 {{qsim-calibrate: bias point 'k.b' (arith.constant) holds a non-finite value +Inf at element 0}}
  %0 = qsim.annotate %b bias "k.b" : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Finite weights whose max |w| has no usable scale.
func.func @huge_weight(%x: tensor<2xf32>) -> tensor<2xf32> {
  %w = arith.constant dense<[3.0e38, 1.0]> : tensor<2xf32>
  // expected-error@+1 {{qsim-calibrate: point 'm.w': threshold 3.000000e+38 (max |w|) gives scale 2.362205e+36, which is not a finite f32 scale}}
  %0 = qsim.annotate %w weight "m.w" : tensor<2xf32>
  return %0 : tensor<2xf32>
}
