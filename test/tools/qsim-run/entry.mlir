// How qsim-run picks the function to run, and its errors.

// RUN: %python -c "import numpy as np; np.save(r'%t.x.npy', np.arange(4, dtype=np.float32))"

// RUN: not qsim-run %s --input=%t.x.npy 2>&1 | FileCheck %s --check-prefix=SEVERAL
// SEVERAL: qsim-run: error: '{{.*}}entry.mlir' has several public functions ('double', 'negate'); choose one with --entry=NAME

// RUN: not qsim-run %s --entry=triple --input=%t.x.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: qsim-run: error: entry function 'triple' not found in '{{.*}}entry.mlir' (public functions: 'double', 'negate')

// RUN: not qsim-run %s --entry=helper --input=%t.x.npy 2>&1 | FileCheck %s --check-prefix=PRIVATE
// PRIVATE: qsim-run: error: entry function 'helper' in '{{.*}}entry.mlir' is not public

// RUN: not qsim-run %s --entry=external --input=%t.x.npy 2>&1 | FileCheck %s --check-prefix=DECL
// DECL: qsim-run: error: entry function 'external' in '{{.*}}entry.mlir' is a declaration without a body

// RUN: not qsim-run %S/Inputs/no-public.mlir 2>&1 | FileCheck %s --check-prefix=NONE
// NONE: qsim-run: error: no public function to run in '{{.*}}no-public.mlir'

// RUN: not qsim-run %S/Inputs/no-public.mlir --entry=g 2>&1 | FileCheck %s --check-prefix=NONE-NAMED
// NONE-NAMED: qsim-run: error: entry function 'g' not found in '{{.*}}no-public.mlir' (it has no public function)

// RUN: qsim-run %s --entry=negate --input=%t.x.npy --print | FileCheck %s --check-prefix=NEGATE
// NEGATE: result #0: tensor<4xf32> shape (4,) dtype <f4
// NEGATE-NEXT: [-0, -1, -2, -3]

// RUN: qsim-run %S/Inputs/one-public.mlir --input=%t.x.npy --print | FileCheck %s --check-prefix=ONLY
// ONLY: result #0: tensor<4xf32> shape (4,) dtype <f4
// ONLY-NEXT: [1, 2, 3, 4]

func.func @double(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = tosa.add %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

func.func @negate(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %r = tosa.negate %x, %zp, %zp : (tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

func.func private @external(tensor<4xf32>) -> tensor<4xf32>
