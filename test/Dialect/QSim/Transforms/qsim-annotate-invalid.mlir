// RUN: qsim-opt %s --qsim-annotate="skip-points=conv(" -verify-diagnostics -o /dev/null
// RUN: not qsim-opt %s --qsim-annotate="report=/nonexistent-dir/r.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FILE

// expected-error@below {{qsim-annotate: invalid skip-points regex 'conv('}}
module {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
// FILE: error: qsim-annotate: cannot write report '/nonexistent-dir/r.json'
