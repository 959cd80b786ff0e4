// REQUIRES: qsim-cuda-runtime, cuda-driver-stub, ptxas
// RUN: rm -rf %t && mkdir -p %t/stub
// RUN: ln -s %cuda_driver_stub %t/stub/libcuda.so.1
// RUN: %python -c "import numpy as np; np.save(r'%t/a.npy', np.zeros((1, 16, 10), np.int8)); np.save(r'%t/b.npy', np.zeros((1, 10, 8), np.int8))"

// With the CUDA toolkit's stub as libcuda.so.1 (a machine with the toolkit
// and no driver) the runtime library loads and cuInit fails: qsim-run stops
// with the driver's error before compiling.
// RUN: env LD_LIBRARY_PATH=%t/stub not qsim-run %S/Inputs/int8-kernels.mlir --entry=matmul_zp --input=%t/a.npy --input=%t/b.npy --target=gpu 2>&1 | FileCheck %s --check-prefix=CUINIT
// CUINIT: qsim-run: error: --target=gpu: no usable CUDA device: cuInit failed: CUDA_ERROR_STUB_LIBRARY (34): libcuda.so.1 is the CUDA toolkit's stub, not a driver

// --compile-only needs no device: the GPU pipeline lowers each function,
// the host code (gpu.binary and gpu.launch_func translated to mgpu* calls)
// is JIT-compiled and linked against libqsim_cuda_runtime.so, and nothing
// runs. Every symbol the lowered host code calls resolves.
// RUN: env LD_LIBRARY_PATH=%t/stub qsim-run %S/Inputs/int8-kernels.mlir --entry=conv_requant --target=gpu --compile-only --time 2>&1 | FileCheck %s --check-prefix=COMPILE
// RUN: env LD_LIBRARY_PATH=%t/stub qsim-run %S/Inputs/int8-kernels.mlir --entry=conv_acc --target=gpu --compile-only --time 2>&1 | FileCheck %s --check-prefix=COMPILE
// RUN: env LD_LIBRARY_PATH=%t/stub qsim-run %S/Inputs/int8-kernels.mlir --entry=matmul_u8_wrap --target=gpu --gpu-chip=sm_90 --compile-only --time 2>&1 | FileCheck %s --check-prefix=COMPILE
// RUN: env LD_LIBRARY_PATH=%t/stub qsim-run %S/Inputs/int8-kernels.mlir --entry=conv_f32 --target=gpu --pipeline-options="format=bin" --compile-only --time 2>&1 | FileCheck %s --check-prefix=COMPILE
// And a module lowered by qsim-opt --qsim-gpu-pipeline beforehand.
// RUN: qsim-opt %S/Inputs/int8-kernels.mlir --qsim-gpu-pipeline -o %t/lowered.mlir
// RUN: env LD_LIBRARY_PATH=%t/stub qsim-run %t/lowered.mlir --entry=matmul_zp --target=gpu --compile-only --time 2>&1 | FileCheck %s --check-prefix=COMPILE
// COMPILE-NOT: error
// COMPILE:     compile: {{[0-9.]+}} ms
// COMPILE-NOT: error
