// REQUIRES: qsim-cuda-runtime
// UNSUPPORTED: cuda-gpu
// RUN: %python -c "import numpy as np; np.save(r'%t.a.npy', np.zeros((1, 16, 10), np.int8)); np.save(r'%t.b.npy', np.zeros((1, 10, 8), np.int8))"
// RUN: not qsim-run %S/Inputs/int8-kernels.mlir --entry=matmul_zp --input=%t.a.npy --input=%t.b.npy --target=gpu 2>&1 | FileCheck %s

// qsim-run --target=gpu on a machine without a GPU: a clean error before
// anything is compiled, whichever part is missing: the NVIDIA driver
// (libcuda.so.1, which the runtime library needs to load) or a device (the
// driver's cuInit fails). Not a crash, not a JIT error.

// CHECK-NOT: Stack dump
// CHECK:     qsim-run: error: --target=gpu: {{(cannot load the CUDA runtime library '.*libqsim_cuda_runtime.so': .*libcuda.so.1.*|no usable CUDA device: cuInit failed: CUDA_ERROR_.*)}}
// CHECK-NOT: Stack dump
