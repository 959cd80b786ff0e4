// RUN: qsim-opt %s --qsim-expose-points -split-input-file -verify-diagnostics
// RUN: not qsim-opt %s --qsim-expose-points="value=float points=f.x,nope" -split-input-file 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not qsim-opt %s --qsim-expose-points="value=int" -split-input-file 2>&1 | FileCheck %s --check-prefix=VALUE
// RUN: not qsim-opt %s --qsim-expose-points="value=float manifest=%t/no/such/dir/m.json" -split-input-file 2>&1 | FileCheck %s --check-prefix=MANIFEST

// MISSING: error: qsim-expose-points: no marker for point(s) 'nope'
// VALUE: error: qsim-expose-points: unknown value 'int' (expected float or quantized)
// MANIFEST: error: qsim-expose-points: cannot write manifest '{{.*}}m.json'

// The quantized value needs calibrated markers.
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{qsim-expose-points: point 'f.x' is not calibrated (qsim.annotate); value=quantized needs qsim.sim_quantize, run --qsim-calibrate first}}
  %0 = qsim.annotate %x input "f.x" : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// One name, one result.
func.func @twice(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-note@+1 {{first marker here}}
  %0 = qsim.sim_quantize %x <s8, scale = 0.5> {kind = #qsim<kind input>, point = "p"} : tensor<4xf32>
  // expected-error@+1 {{qsim-expose-points: point 'p' is marked twice in function '@twice'}}
  %1 = qsim.sim_quantize %0 <s8, scale = 0.25> {kind = #qsim<kind activation>, point = "p"} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// A called function cannot change its result count.
// expected-error@+1 {{qsim-expose-points: function '@callee' is called in the module; adding results would break its callers}}
func.func @callee(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.5> {kind = #qsim<kind input>, point = "c.x"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @caller(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = func.call @callee(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error@+1 {{qsim-expose-points: function '@blocks' has 2 blocks; points can only be returned from a single-block function}}
func.func @blocks(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.5> {kind = #qsim<kind input>, point = "b.x"} : tensor<4xf32>
  cf.br ^bb1
^bb1:
  return %0 : tensor<4xf32>
}
