// RUN: qsim-opt %s --convert-qsim-to-linalg="emit-remarks" -split-input-file -verify-diagnostics

// The i32 accumulators of TOSA convolutions and matmuls are proved not to
// wrap: sum |w - zp_w| * max |x - zp_x| + max |bias| <= 2^31 - 1, or the op
// is refused. A matmul of two activations bounds each |w - zp_w| by the
// range of w.

// Filter sums 130 and 64, |x| <= 128 (any i8), |bias| <= 1000.
func.func @fits(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi32> {
  %zp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %w = "tosa.const"() <{values = dense<[[[[127, -3]]], [[[-63, 1]]]]> : tensor<2x1x1x2xi8>}> : () -> tensor<2x1x1x2xi8>
  %b = "tosa.const"() <{values = dense<[1000, -7]> : tensor<2xi32>}> : () -> tensor<2xi32>
  // expected-remark@+1 {{i32 accumulator |acc| <= 130 * 128 + 1000 (largest filter sum of |w - zp_w|, max |x - zp_x|, max |bias|) = 17640, margin 2147466007}}
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x2xi32>
  return %c : tensor<1x4x4x2xi32>
}

// -----

// A bias that realization saturated to the int32 maximum: any positive
// product wraps the accumulator.
func.func @saturated_bias(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi32> {
  %zp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %w = "tosa.const"() <{values = dense<[[[[127, -3]]], [[[-63, 1]]]]> : tensor<2x1x1x2xi8>}> : () -> tensor<2x1x1x2xi8>
  %b = "tosa.const"() <{values = dense<[2147483647, 0]> : tensor<2xi32>}> : () -> tensor<2xi32>
  // expected-error@+1 {{convert-qsim-to-linalg: the i32 accumulator can overflow: |acc| <= 130 * 128 + 2147483647 (largest filter sum of |w - zp_w|, max |x - zp_x|, max |bias|) = 2.147500e+09 > 2147483647}}
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xi8>, tensor<2x1x1x2xi8>, tensor<2xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x2xi32>
  return %c : tensor<1x4x4x2xi32>
}

// -----

// A matmul: column sums 200 and 1 of |b|, |a| <= 128.
func.func @matmul(%a: tensor<1x1x2xi8>) -> tensor<1x1x2xi32> {
  %zp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %b = "tosa.const"() <{values = dense<[[[100, 0], [-100, 1]]]> : tensor<1x2x2xi8>}> : () -> tensor<1x2x2xi8>
  // expected-remark@+1 {{i32 accumulator |acc| <= 200 * 128 + 0 (largest filter sum of |w - zp_w|, max |x - zp_x|, max |bias|) = 25600, margin 2147458047}}
  %c = tosa.matmul %a, %b, %zp, %zp : (tensor<1x1x2xi8>, tensor<1x2x2xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x1x2xi32>
  return %c : tensor<1x1x2xi32>
}

// -----

// Two activations (attention): K = 64 elements of |b - zp_b| <= 128 + 3.
func.func @matmul_activations(%a: tensor<1x2x64xi8>, %b: tensor<1x64x2xi8>) -> tensor<1x2x2xi32> {
  %azp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %bzp = "tosa.const"() <{values = dense<3> : tensor<1xi8>}> : () -> tensor<1xi8>
  // expected-remark@+1 {{i32 accumulator |acc| <= 8384 * 128 + 0 (largest filter sum of |w - zp_w|, max |x - zp_x|, max |bias|) = 1073152, margin 2146410495}}
  %c = tosa.matmul %a, %b, %azp, %bzp : (tensor<1x2x64xi8>, tensor<1x64x2xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x2x2xi32>
  return %c : tensor<1x2x2xi32>
}

// -----

// K = 2^17 + 1: 131073 * 128 * 128 > 2^31 - 1 for some inputs.
func.func @matmul_activations_overflow(%a: tensor<1x1x131073xi8>, %b: tensor<1x131073x1xi8>) -> tensor<1x1x1xi32> {
  %zp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  // expected-error@+1 {{convert-qsim-to-linalg: the i32 accumulator can overflow: |acc| <= 16777344 * 128 + 0}}
  %c = tosa.matmul %a, %b, %zp, %zp : (tensor<1x1x131073xi8>, tensor<1x131073x1xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x1x1xi32>
  return %c : tensor<1x1x1xi32>
}
