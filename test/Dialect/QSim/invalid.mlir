// RUN: qsim-opt %s -split-input-file -verify-diagnostics

// One case per verifier / parser message of the qsim dialect.

func.func @bits_out_of_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{bit width must be in [2, 16], got 17}}
  %0 = qsim.sim_quantize %x <s17, scale = 0.1> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @bad_format(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{expected an integer format such as 's8' or 'u8', got 'i8'}}
  %0 = qsim.sim_quantize %x <i8, scale = 0.1> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unknown_param(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{unknown quantization parameter 'zp'}}
  %0 = qsim.sim_quantize %x <s8, scale = 0.1, zp = 3> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @missing_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{quantization parameters need a scale}}
  %0 = qsim.sim_quantize %x <s8, zero_point = 3> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @empty_scales(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{expected at least one scale}}
  %0 = qsim.sim_quantize %x <s8, scales = [], axis = 0> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @negative_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{scale #0 must be finite and > 0}}
  %0 = qsim.sim_quantize %x <s8, scale = -0.5> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @zero_scale(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{scale #1 must be finite and > 0}}
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.0], axis = 0> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @denormal_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{is outside the normal f32 range usable for quantization}}
  %0 = qsim.sim_quantize %x <s8, scale = 1.0e-40> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @not_pow2(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{scale #0 (1.000000e-01) is not a power of two but 'pow2' is set}}
  %0 = qsim.sim_quantize %x <s8, scale = 0.1, pow2> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @scales_without_axis(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{per-tensor parameters take one scale, got 2; per-channel ones need an axis}}
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @negative_axis(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{axis must be non-negative, got -1}}
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], axis = -1> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @zero_point_count(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{expected 2 zero point(s) (one per scale), got 3}}
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], zero_points = [0, 1, 2], axis = 0> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @zero_point_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{zero point #0 (256) is outside the u8 range [0, 255]}}
  %0 = qsim.sim_quantize %x <u8, scale = 0.5, zero_point = 256> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @axis_out_of_rank(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{quantization axis 1 is outside the rank of input (1)}}
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], axis = 1> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @channel_count(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-error@+1 {{expected 3 per-channel scales for axis 0 of input, got 2}}
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], axis = 0> : tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @quantize_width(%x: tensor<4xf32>) -> tensor<4xi16> {
  // expected-error@+1 {{result element type 'i16' does not match the 8-bit quantization parameters (expected i8)}}
  %0 = qsim.quantize %x <s8, scale = 0.5> : tensor<4xf32> -> tensor<4xi16>
  return %0 : tensor<4xi16>
}

// -----

func.func @dequantize_width(%q: tensor<4xi32>) -> tensor<4xf32> {
  // expected-error@+1 {{operand element type 'i32' does not match the 8-bit quantization parameters (expected i8)}}
  %0 = qsim.dequantize %q <s8, scale = 0.5> : tensor<4xi32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @quantize_channels(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{expected 3 per-channel scales for axis 1 of result, got 2}}
  %0 = qsim.quantize %x <s8, scales = [0.5, 0.25], axis = 1> : tensor<2x3xf32> -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

func.func @empty_point(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{needs a non-empty point name}}
  %0 = qsim.annotate %x activation "" : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @requant_counts(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{needs as many shifts as multipliers (and at least one), got 1 multiplier(s) and 2 shift(s)}}
  %0 = qsim.requantize %x multiplier [3] shift [1, 2] : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_wide(%x: tensor<4xi64>) -> tensor<4xi8> {
  // expected-error@+1 {{supports integers of at most 32 bits, got i64}}
  %0 = qsim.requantize %x multiplier [3] shift [1] : tensor<4xi64> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_axis(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{axis 1 is outside the input rank 1}}
  %0 = qsim.requantize %x multiplier [3] shift [1] axis 1 : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_channels(%x: tensor<2x3xi32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{expected 3 per-channel multipliers for axis 1, got 2}}
  %0 = qsim.requantize %x multiplier [3, 4] shift [1, 1] axis 1 : tensor<2x3xi32> -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

func.func @requant_per_tensor(%x: tensor<2xi32>) -> tensor<2xi8> {
  // expected-error@+1 {{per-tensor requantize takes one multiplier, got 2; per-channel needs an axis}}
  %0 = qsim.requantize %x multiplier [3, 4] shift [1, 1] : tensor<2xi32> -> tensor<2xi8>
  return %0 : tensor<2xi8>
}

// -----

func.func @requant_multiplier(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{multiplier #0 must be positive, got 0}}
  %0 = qsim.requantize %x multiplier [0] shift [1] : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_shift(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{shift #0 must be in [0, 63], got 64}}
  %0 = qsim.requantize %x multiplier [1] shift [64] : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_in_zp(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error@+1 {{input zero point (200) is outside the range [-128, 127] of its type}}
  %0 = qsim.requantize %x multiplier [1] shift [1] {input_zero_point = 200 : i64} : tensor<4xi8> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_out_zp(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{output zero point (-1) is outside the range [0, 255] of its type}}
  %0 = qsim.requantize %x multiplier [1] shift [1] {output_zero_point = -1 : i64, output_unsigned} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_clamp_min(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{clamp_min (-129) is outside the range [-128, 127] of its type}}
  %0 = qsim.requantize %x multiplier [1] shift [1] {clamp_min = -129 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_clamp_max(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{clamp_max (128) is outside the range [-128, 127] of its type}}
  %0 = qsim.requantize %x multiplier [1] shift [1] {clamp_max = 128 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_clamp_order(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{clamp_min (10) is greater than clamp_max (5)}}
  %0 = qsim.requantize %x multiplier [1] shift [1] {clamp_min = 10 : i64, clamp_max = 5 : i64} : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @add_broadcast(%a: tensor<2x3xi32>, %b: tensor<2xi32>) -> tensor<2x3xi32> {
  // expected-error@+1 {{operand shapes 'tensor<2x3xi32>' and 'tensor<2xi32>' are not broadcast-compatible}}
  %0 = qsim.add %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<2x3xi32>, tensor<2xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @add_result_shape(%a: tensor<2x3xi32>, %b: tensor<3xi32>) -> tensor<3x3xi32> {
  // expected-error@+1 {{result type 'tensor<3x3xi32>' does not match the broadcast shape of the operands}}
  %0 = qsim.add %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<3x3xi32>
  return %0 : tensor<3x3xi32>
}

// -----

func.func @add_lhs_broadcast(%a: tensor<3xi32>, %b: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error@+1 {{lhs must have the result shape (only rhs is broadcast)}}
  %0 = qsim.add %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @add_axis(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error@+1 {{axis 2 is outside the result rank 2}}
  %0 = qsim.add %a, %a scales([1.0], [1.0] -> [1.0]) axis 2 : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @add_dynamic_axis(%a: tensor<2x?xi32>) -> tensor<2x?xi32> {
  // expected-error@+1 {{per-channel axis must be a static dimension}}
  %0 = qsim.add %a, %a scales([1.0], [1.0] -> [1.0]) axis 1 : tensor<2x?xi32>, tensor<2x?xi32> -> tensor<2x?xi32>
  return %0 : tensor<2x?xi32>
}

// -----

func.func @add_scale_count(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error@+1 {{lhs_scale has 2 entries; expected 1 or 3}}
  %0 = qsim.add %a, %a scales([1.0, 2.0], [1.0] -> [1.0]) axis 1 : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @add_scale_positive(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error@+1 {{result_scale entry #0 must be finite and > 0, got 0.000000e+00}}
  %0 = qsim.add %a, %a scales([1.0], [1.0] -> [0.0]) : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @add_inexact(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error@+1 {{rhs scale 1.500000e+00 (channel 0) is not result_scale 1.000000e+00 times 2^k with k in [0, 31]: the operand cannot be rescaled exactly}}
  %0 = qsim.add %a, %a scales([1.0], [1.5] -> [1.0]) : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @mul_scale(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error@+1 {{result_scale 1.000000e+00 (channel 0) must equal lhs_scale * rhs_scale = 5.000000e-01}}
  %0 = qsim.mul %a, %a scales([1.0], [0.5] -> [1.0]) : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @add_wide(%a: tensor<2xi64>) -> tensor<2xi64> {
  // expected-error@+1 {{supports integers of at most 32 bits, got 'i64'}}
  %0 = qsim.add %a, %a scales([1.0], [1.0] -> [1.0]) : tensor<2xi64>, tensor<2xi64> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// A hexadecimal scale spells f32 bits; the error names the value.
func.func @nan_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{scale #0 must be finite and > 0, got nan}}
  %0 = qsim.sim_quantize %x <s8, scale = 0x7FC00000> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @inf_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{scale #0 must be finite and > 0, got INF}}
  %0 = qsim.sim_quantize %x <s8, scale = 0x7F800000> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// x / scale would underflow to 0 for every x on a 16-bit grid.
func.func @huge_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{scale #0 (1.000000e+34) is outside the normal f32 range usable for quantization}}
  %0 = qsim.sim_quantize %x <s8, scale = 1.0e34> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @sim_quantize_dynamic_channels(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error@+1 {{per-channel quantization axis 0 of input must be a static dimension}}
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], axis = 0> : tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @quantize_dynamic_channels(%x: tensor<2x?xf32>) -> tensor<2x?xi8> {
  // expected-error@+1 {{per-channel quantization axis 1 of result must be a static dimension}}
  %0 = qsim.quantize %x <s8, scales = [0.5], axis = 1> : tensor<2x?xf32> -> tensor<2x?xi8>
  return %0 : tensor<2x?xi8>
}

// -----

func.func @dequantize_dynamic_channels(%x: tensor<?xi8>) -> tensor<?xf32> {
  // expected-error@+1 {{per-channel quantization axis 0 of operand must be a static dimension}}
  %0 = qsim.dequantize %x <s8, scales = [0.5, 0.25], axis = 0> : tensor<?xi8> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @requant_negative_axis(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{axis -1 is outside the input rank 1}}
  %0 = qsim.requantize %x multiplier [3] shift [1] axis -1 : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_min_axis(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{axis -9223372036854775808 is outside the input rank 1}}
  %0 = qsim.requantize %x multiplier [3] shift [1] axis -9223372036854775808 : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_dynamic_axis(%x: tensor<?xi32>) -> tensor<?xi8> {
  // expected-error@+1 {{per-channel axis 0 must be a static dimension}}
  %0 = qsim.requantize %x multiplier [3, 4] shift [1, 1] axis 0 : tensor<?xi32> -> tensor<?xi8>
  return %0 : tensor<?xi8>
}

// -----

func.func @requant_negative_multiplier(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{multiplier #0 must be positive, got -2147483648}}
  %0 = qsim.requantize %x multiplier [-2147483648] shift [1] : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @requant_negative_shift(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{shift #0 must be in [0, 63], got -1}}
  %0 = qsim.requantize %x multiplier [3] shift [-1] : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @add_negative_axis(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error@+1 {{axis -1 is outside the result rank 2}}
  %0 = qsim.add %a, %a scales([1.0], [1.0] -> [1.0]) axis -1 : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @add_nan_scale(%a: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error@+1 {{lhs_scale entry #1 must be finite and > 0, got nan}}
  %0 = qsim.add %a, %a scales([1.0, 0x7FF8000000000000, 1.0], [1.0] -> [1.0]) axis 1 : tensor<2x3xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// lhs_scale * rhs_scale is inf in f64: no finite result scale equals it.
func.func @mul_infinite_product(%a: tensor<2xi32>) -> tensor<2xi32> {
  // expected-error@+1 {{result_scale 1.000000e+00 (channel 0) must equal lhs_scale * rhs_scale = INF}}
  %0 = qsim.mul %a, %a scales([1.0e300], [1.0e300] -> [1.0]) : tensor<2xi32>, tensor<2xi32> -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @cast_wide(%x: tensor<1xi128>) -> tensor<1xi8> {
  // expected-error@+1 {{supports integers of at most 64 bits, got i128}}
  %0 = qsim.cast %x : tensor<1xi128> to tensor<1xi8>
  return %0 : tensor<1xi8>
}

// -----

func.func @lut_table_size(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error@+1 {{table must have 2^8 = 256 entries (per row of a [C, 256] table) for input element type 'i8', got 'tensor<4xi8>'}}
  %0 = qsim.lut %x table dense<0> : tensor<4xi8> : tensor<4xi8> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @lut_table_rank(%x: tensor<4xi2>) -> tensor<4xi8> {
  // expected-error@+1 {{table must have 2^2 = 4 entries (per row of a [C, 4] table) for input element type 'i2', got 'tensor<1x1x4xi8>'}}
  %0 = qsim.lut %x table dense<0> : tensor<1x1x4xi8> : tensor<4xi2> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @lut_table_row_size(%x: tensor<4xi2>) -> tensor<4xi8> {
  // expected-error@+1 {{table must have 2^2 = 4 entries (per row of a [C, 4] table) for input element type 'i2', got 'tensor<4x2xi8>'}}
  %0 = qsim.lut %x table dense<0> : tensor<4x2xi8> : tensor<4xi2> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @lut_table_rows(%x: tensor<3x2xi2>) -> tensor<3x2xi8> {
  // expected-error@+1 {{a per-channel table needs one row per element of the input's static last dimension: 'tensor<3x4xi8>' for input 'tensor<3x2xi2>'}}
  %0 = qsim.lut %x table dense<0> : tensor<3x4xi8> : tensor<3x2xi2> -> tensor<3x2xi8>
  return %0 : tensor<3x2xi8>
}

// -----

func.func @lut_table_rows_dynamic(%x: tensor<3x?xi2>) -> tensor<3x?xi8> {
  // expected-error@+1 {{a per-channel table needs one row per element of the input's static last dimension: 'tensor<2x4xi8>' for input 'tensor<3x?xi2>'}}
  %0 = qsim.lut %x table dense<0> : tensor<2x4xi8> : tensor<3x?xi2> -> tensor<3x?xi8>
  return %0 : tensor<3x?xi8>
}

// -----

func.func @lut_table_type(%x: tensor<4xi2>) -> tensor<4xi8> {
  // expected-error@+1 {{table element type 'i16' differs from the result element type 'i8'}}
  %0 = qsim.lut %x table dense<0> : tensor<4xi16> : tensor<4xi2> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @lut_input_width(%x: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error@+1 {{input element type 'i32' is wider than 16 bits}}
  %0 = qsim.lut %x table dense<0> : tensor<4xi8> : tensor<4xi32> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @lut_shape(%x: tensor<4xi2>) -> tensor<5xi8> {
  // expected-error@+1 {{requires the same shape for all operands and results}}
  %0 = qsim.lut %x table dense<0> : tensor<4xi8> : tensor<4xi2> -> tensor<5xi8>
  return %0 : tensor<5xi8>
}

// -----

func.func @lut_float_table(%x: tensor<4xi2>) -> tensor<4xi8> {
  // expected-error@+1 {{invalid kind of attribute specified}}
  %0 = qsim.lut %x table dense<0.0> : tensor<4xf32> : tensor<4xi2> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
