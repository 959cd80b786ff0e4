// qsim-run on modules already in the LLVM dialect: it runs those lowered by
// --qsim-cpu-pipeline (the tensor signature travels in qsim.entry_type) and
// explains why it cannot run the others.

// RUN: %python -c "import numpy as np; np.save(r'%t.a.npy', np.arange(6, dtype=np.float32).reshape(2, 3))"
// RUN: %python -c "import numpy as np; np.save(r'%t.b.npy', np.full((2, 3), 10, np.float32))"

// RUN: qsim-opt %s --qsim-cpu-pipeline -o %t.ll.mlir
// RUN: qsim-run %t.ll.mlir --input=%t.a.npy --input=%t.b.npy --print | FileCheck %s
// CHECK: result #0: tensor<2x3xf32> shape (2, 3) dtype <f4
// CHECK-NEXT: {{\[\[}}10, 11, 12],
// CHECK-NEXT: {{^}} [13, 14, 15]]

// RUN: qsim-opt %s --qsim-cpu-pipeline=emit-c-interface=false -o %t.noci.mlir
// RUN: not qsim-run %t.noci.mlir --input=%t.a.npy --input=%t.b.npy 2>&1 | FileCheck %s --check-prefix=NOCI
// NOCI: qsim-run: error: 'add' in '{{.*}}' has no C interface function '_mlir_ciface_add' (lowered with emit-c-interface=false?)

// Lowered by hand with upstream passes: no recorded signature.
// RUN: qsim-opt %s --pass-pipeline="builtin.module(func.func(tosa-to-linalg),one-shot-bufferize{bufferize-function-boundaries},convert-linalg-to-loops,convert-scf-to-cf,expand-strided-metadata,finalize-memref-to-llvm,convert-func-to-llvm,convert-arith-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts)" -o %t.upstream.mlir
// RUN: not qsim-run %t.upstream.mlir --input=%t.a.npy --input=%t.b.npy 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: qsim-run: error: '{{.*}}' is in the LLVM dialect and no function carries the qsim.entry_type attribute, so no tensor signature is known; run qsim-run on the module before lowering, or lower it with --qsim-cpu-pipeline
// RUN: not qsim-run %t.upstream.mlir --entry=add --input=%t.a.npy --input=%t.b.npy 2>&1 | FileCheck %s --check-prefix=UNKNOWN-NAMED
// UNKNOWN-NAMED: qsim-run: error: entry function 'add' in '{{.*}}' is an llvm.func without the qsim.entry_type attribute, so its tensor signature is unknown

func.func @add(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = tosa.add %a, %b : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
