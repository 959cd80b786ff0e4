// RUN: qsim-opt %s --split-input-file --qsim-smooth-activations="table=%S/Inputs/smooth-table.json alpha=0.5" --mlir-print-debuginfo | FileCheck %s
// RUN: qsim-opt %s --split-input-file --qsim-smooth-activations="table=%S/Inputs/smooth-table.json alpha=0.5" 2>&1 >/dev/null | FileCheck %s --check-prefix=WARN
// RUN: qsim-opt %s --split-input-file --qsim-smooth-activations="table=%S/Inputs/smooth-table.json alpha=0.5" --qsim-annotate | FileCheck %s --check-prefix=ANNOTATE
// RUN: not qsim-opt %s --split-input-file --qsim-smooth-activations 2>&1 | FileCheck %s --check-prefix=NOTABLE
// RUN: not qsim-opt %s --split-input-file --qsim-smooth-activations="table=%S/Inputs/smooth-table.json alpha=1.5" 2>&1 | FileCheck %s --check-prefix=ALPHA
// RUN: not qsim-opt %s --split-input-file --qsim-smooth-activations="table=%S/Inputs/missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING

// NOTABLE: qsim-smooth-activations: the table option is required (per-channel statistics of the activations)
// ALPHA: qsim-smooth-activations: alpha must be in [0, 1], got 1.5
// MISSING: qsim-smooth-activations: cannot read calibration table '{{.*}}missing.json'

// The table's |x| per channel is [16, 1, 0, 9], the weight rows' max |w| is
// [1, 4, 2, 1]: with alpha 0.5, s = sqrt(|x| / |w|) = [4, 0.5, 1, 3] (1 for
// the channel without range).
// CHECK-LABEL: func.func @layer_norm_to_matmul
// CHECK: %[[N:.*]] = tosa.mul %{{.*}} {qsim.keep_float = "LayerNormalization"}
// CHECK: %[[INV:.*]] = "tosa.const"() <{values = dense<{{\[\[\[}}2.500000e-01, 2.000000e+00, 1.000000e+00, 0.333333343]]]> : tensor<1x1x4xf32>}>
// CHECK: %[[S:.*]] = tosa.mul %[[N]], %[[INV]], %{{.*}} {qsim.keep_float = "SmoothQuant scaling", qsim.smoothquant} {{.*}} loc(#[[SLOC:.*]])
// CHECK: %[[R:.*]] = tosa.reshape %[[S]]
// CHECK: %[[W:.*]] = "tosa.const"() <{values = dense<{{\[\[\[}}4.000000e+00, -4.000000e+00, 0.000000e+00], [2.000000e+00, -5.000000e-01, 1.000000e+00], [2.000000e+00, 1.000000e+00, 0.000000e+00], [3.000000e+00, 3.000000e+00, -3.000000e+00]]]>
// CHECK: tosa.matmul %[[R]], %[[W]]
// The residual add keeps reading the unscaled value.
// CHECK: tosa.add %[[N]], %{{.*}}
// CHECK-DAG: #[[SLOC]] = loc("ln/smooth"

// ANNOTATE-LABEL: func.func @layer_norm_to_matmul
// ANNOTATE: qsim.annotate %{{.*}} input "ln/smooth.out"
func.func @layer_norm_to_matmul(%x: tensor<1x2x4xf32>) -> (tensor<1x2x3xf32>, tensor<1x2x4xf32>) {
  %g = "tosa.const"() <{values = dense<[[[1.0, 2.0, 3.0, 4.0]]]> : tensor<1x1x4xf32>}> : () -> tensor<1x1x4xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %n = tosa.mul %x, %g, %shift {qsim.keep_float = "LayerNormalization"} : (tensor<1x2x4xf32>, tensor<1x1x4xf32>, tensor<1xi8>) -> tensor<1x2x4xf32> loc("ln")
  %shape = tosa.const_shape {values = dense<[1, 2, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %r = tosa.reshape %n, %shape : (tensor<1x2x4xf32>, !tosa.shape<3>) -> tensor<1x2x4xf32> loc("fc/a3")
  %w = "tosa.const"() <{values = dense<[[[1.0, -1.0, 0.0], [4.0, -1.0, 2.0], [2.0, 1.0, 0.0], [1.0, 1.0, -1.0]]]> : tensor<1x4x3xf32>}> : () -> tensor<1x4x3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.matmul %r, %w, %zp, %zp : (tensor<1x2x4xf32>, tensor<1x4x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32> loc("fc")
  %res = tosa.add %n, %x : (tensor<1x2x4xf32>, tensor<1x2x4xf32>) -> tensor<1x2x4xf32> loc("residual")
  return %y, %res : tensor<1x2x3xf32>, tensor<1x2x4xf32>
}

// -----

// A value an int8 op produces is left alone (its scaling would be a float
// op between two int8 ones), as is one without statistics in the table.
// CHECK-LABEL: func.func @not_candidates
// CHECK-NOT: SmoothQuant
// CHECK: return
// WARN: warning: qsim-smooth-activations: 1 activation(s) left unscaled: the table has no per-channel ranges along their last axis: unmeasured.out
func.func @not_candidates(%x: tensor<1x2x4xf32>) -> (tensor<1x2x3xf32>, tensor<1x2x3xf32>) {
  %b = "tosa.const"() <{values = dense<1.0> : tensor<1x1x4xf32>}> : () -> tensor<1x1x4xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %a = tosa.add %x, %b : (tensor<1x2x4xf32>, tensor<1x1x4xf32>) -> tensor<1x2x4xf32> loc("ln")
  %n = tosa.mul %x, %b, %shift {qsim.keep_float = "LayerNormalization"} : (tensor<1x2x4xf32>, tensor<1x1x4xf32>, tensor<1xi8>) -> tensor<1x2x4xf32> loc("unmeasured")
  %w = "tosa.const"() <{values = dense<1.0> : tensor<1x4x3xf32>}> : () -> tensor<1x4x3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.matmul %a, %w, %zp, %zp : (tensor<1x2x4xf32>, tensor<1x4x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  %z = tosa.matmul %n, %w, %zp, %zp : (tensor<1x2x4xf32>, tensor<1x4x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  return %y, %z : tensor<1x2x3xf32>, tensor<1x2x3xf32>
}

// -----

// A GELU's output is produced by int8 code (a table): not a candidate,
// although the factor could join the table (docs/Models.md says why not).
// CHECK-LABEL: func.func @gelu_to_matmul
// CHECK-NOT: smoothquant
// CHECK: return
func.func @gelu_to_matmul(%x: tensor<2x2xf32>) -> tensor<1x2x3xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %bias = "tosa.const"() <{values = dense<[[0.5, -0.25]]> : tensor<1x2xf32>}> : () -> tensor<1x2xf32>
  %rsqrt2 = "tosa.const"() <{values = dense<0.707106769> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %one = "tosa.const"() <{values = dense<1.0> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %half = "tosa.const"() <{values = dense<0.5> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %1 = tosa.add %x, %bias : (tensor<2x2xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
  %3 = tosa.mul %1, %rsqrt2, %shift : (tensor<2x2xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<2x2xf32>
  %5 = tosa.erf %3 : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %7 = tosa.add %5, %one : (tensor<2x2xf32>, tensor<1x1xf32>) -> tensor<2x2xf32>
  %9 = tosa.mul %1, %7, %shift : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<1xi8>) -> tensor<2x2xf32>
  %11 = tosa.mul %9, %half, %shift : (tensor<2x2xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<2x2xf32> loc("gelu")
  %shape = tosa.const_shape {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %r = tosa.reshape %11, %shape : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
  %w = "tosa.const"() <{values = dense<[[[2.0, -1.0, 0.0], [1.0, -1.0, 0.5]]]> : tensor<1x2x3xf32>}> : () -> tensor<1x2x3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.matmul %r, %w, %zp, %zp : (tensor<1x2x2xf32>, tensor<1x2x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32> loc("fc2")
  return %y : tensor<1x2x3xf32>
}
