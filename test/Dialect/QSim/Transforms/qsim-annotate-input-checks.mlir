// RUN: qsim-opt %s --allow-unregistered-dialect --qsim-annotate -split-input-file -verify-diagnostics
// RUN: not qsim-opt %s --allow-unregistered-dialect --qsim-quantize="global-scale=4.0" -split-input-file 2>&1 | FileCheck %s --check-prefix=PIPELINE

// The entry of quantization refuses shapes that upstream passes crash on
// (canonicalization of an unranked tosa.clamp, tosa shape inference of an
// unranked pool) or lower to wrong code (a reshape to INT64_MIN), naming
// the op.

// PIPELINE: error: qsim-annotate: 'tosa.clamp' has an unranked operand #0 of type 'tensor<*xf32>'
func.func @unranked_clamp(%x: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{qsim-annotate: 'tosa.clamp' has an unranked operand #0 of type 'tensor<*xf32>'; quantization needs ranked tensors}}
  %r = tosa.clamp %x {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<*xf32>) -> tensor<*xf32>
  // expected-error@+1 {{qsim-annotate: 'func.return' has an unranked operand #0}}
  return %r : tensor<*xf32>
}

// -----

// PIPELINE: error: qsim-annotate: 'tosa.cast' has an unranked result #0 of type 'tensor<*xf32>'
func.func @unranked_result(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{qsim-annotate: 'tosa.cast' has an unranked result #0 of type 'tensor<*xf32>'}}
  %r = tosa.cast %x : (tensor<4xf32>) -> tensor<*xf32>
  // expected-error@+1 {{qsim-annotate: 'tensor.cast' has an unranked operand #0}}
  %c = tensor.cast %r : tensor<*xf32> to tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

// PIPELINE: error: qsim-annotate: 'tosa.const_shape' shape value -9223372036854775808 at #0 of 'values' is negative (only -1 has a meaning)
func.func @sentinel_reshape(%x: tensor<2x4xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{qsim-annotate: 'tosa.const_shape' shape value -9223372036854775808 at #0 of 'values' is negative (only -1 has a meaning)}}
  %s = tosa.const_shape {values = dense<[-9223372036854775808]> : tensor<1xindex>} : () -> !tosa.shape<1>
  %y = tosa.reshape %x, %s : (tensor<2x4xf32>, !tosa.shape<1>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// The reshape's -1 (an inferred size) is accepted.
func.func @inferred_reshape(%x: tensor<2x4xf32>) -> tensor<8xf32> {
  %s = tosa.const_shape {values = dense<[-1]> : tensor<1xindex>} : () -> !tosa.shape<1>
  %y = tosa.reshape %x, %s : (tensor<2x4xf32>, !tosa.shape<1>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// PIPELINE: error: qsim-annotate: 'test.op' attribute 'pad' holds -9223372036854775808 at #1, the dynamic-size sentinel, not a size
func.func @sentinel_attr(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{qsim-annotate: 'test.op' attribute 'pad' holds -9223372036854775808 at #1, the dynamic-size sentinel, not a size}}
  %y = "test.op"(%x) {pad = array<i64: 0, -9223372036854775808>} : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
