// RUN: qsim-opt %s --qsim-instrument -verify-diagnostics

// Only f32 points can be observed.
func.func @g(%x: tensor<4xf64>) -> tensor<4xf64> {
  // expected-error@+1 {{qsim-instrument: point 'g.x' is not a static f32 tensor; only those can be observed}}
  %0 = qsim.annotate %x input "g.x" : tensor<4xf64>
  return %0 : tensor<4xf64>
}
