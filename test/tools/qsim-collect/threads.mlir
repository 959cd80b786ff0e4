// --num-threads: the model's large loops run on an OpenMP team, and the
// table is the same bytes for every count; 0 is refused.

// RUN: qsim-opt %s --qsim-annotate -o %t.ann.mlir
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.save(r'%t.data.npy', r.normal(size=(3, 28, 28, 16)).astype(np.float32))"
// RUN: qsim-collect %t.ann.mlir --data=%t.data.npy --output=%t.t1.json --quiet
// RUN: qsim-collect %t.ann.mlir --data=%t.data.npy --output=%t.t2.json --quiet --num-threads=2
// RUN: qsim-collect %t.ann.mlir --data=%t.data.npy --output=%t.t3.json --quiet --num-threads=3
// RUN: cmp %t.t1.json %t.t2.json
// RUN: cmp %t.t1.json %t.t3.json
// RUN: FileCheck %s --check-prefix=TABLE < %t.t2.json
// TABLE: "samples": 3,
// TABLE: "name": "main.arg0",

// RUN: not qsim-collect %t.ann.mlir --data=%t.data.npy --output=%t.t0.json --num-threads=0 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: qsim-collect: error: --num-threads must be at least 1

func.func @main(%x: tensor<1x28x28x16xf32>) -> tensor<1x28x28x64xf32> {
  %w = "tosa.const"() <{values = dense<0.05> : tensor<64x3x3x16xf32>}> : () -> tensor<64x3x3x16xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<64xf32>}> : () -> tensor<64xf32>
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x28x28x16xf32>, tensor<64x3x3x16xf32>, tensor<64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x28x28x64xf32>
  %1 = tosa.clamp %0 {max_val = 3.4028235e+38 : f32, min_val = 0.0 : f32} : (tensor<1x28x28x64xf32>) -> tensor<1x28x28x64xf32>
  return %1 : tensor<1x28x28x64xf32>
}
