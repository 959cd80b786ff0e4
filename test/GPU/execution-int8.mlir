// REQUIRES: cuda-gpu, qsim-cuda-runtime
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/compare_targets.py --qsim-run qsim-run --qsim-opt qsim-opt --model %S/Inputs/int8-kernels.mlir --out %t gpu gpu:dp4a=false gpu:fuse-epilogues=false | FileCheck %s

// GPU execution against the CPU path, bit for bit: every function of
// Inputs/int8-kernels.mlir (int8 convs with zero points, bias, padding,
// stride and per-channel double-round requantize + ReLU; int8 matmuls with
// and without zero points; u8 x s8 with i32 wrap-around; a float conv) runs
// through `qsim-run` (the CPU pipeline) and `qsim-run --target=gpu` (the GPU
// pipeline, JIT-compiled host code with libqsim_cuda_runtime.so) on the same
// seeded random .npy inputs, with dp4a and epilogue fusion on and off, and
// every result file is compared byte for byte.
// Needs a CUDA GPU and libqsim_cuda_runtime.so; unsupported elsewhere (the
// same rewrites run on the CPU in emulation.mlir).

// CHECK: conv_requant: gpu: 1 result(s) identical to the CPU
// CHECK: conv_requant: gpu:dp4a=false: 1 result(s) identical to the CPU
// CHECK: conv_requant: gpu:fuse-epilogues=false: 1 result(s) identical to the CPU
// CHECK: conv_acc: gpu: 2 result(s) identical to the CPU
// CHECK: conv_c6_zp: gpu: 1 result(s) identical to the CPU
// CHECK: matmul_i8: gpu: 1 result(s) identical to the CPU
// CHECK: matmul_zp: gpu: 1 result(s) identical to the CPU
// CHECK: matmul_u8_wrap: gpu: 1 result(s) identical to the CPU
// CHECK: conv_f32: gpu: 1 result(s) {{identical to|within 1e-5 of}} the CPU
// CHECK: conv_f32: gpu:fuse-epilogues=false: 1 result(s) {{identical to|within 1e-5 of}} the CPU
