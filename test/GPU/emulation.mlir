// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/compare_targets.py --qsim-run qsim-run --qsim-opt qsim-test-opt --model %S/Inputs/int8-kernels.mlir --out %t emulation emulation:dp4a=false emulation:fuse-epilogues=false | FileCheck %s

// The loop rewrites of --qsim-gpu-pipeline (epilogue fusion, accumulators in
// registers, the dp4a rewrite with its zero-point corrections and remainder
// loops) run on the CPU through --qsim-gpu-emulation-pipeline (a test
// pipeline of qsim-test-opt), where the 4-way dot product is vector
// arithmetic of the same i32 semantics. Every integer result of every
// function of Inputs/int8-kernels.mlir is bit for bit the one of
// --qsim-cpu-pipeline, with and without dp4a and fusion (the float conv:
// identical or within 1e-5). This runs everywhere; what it cannot show is the GPU's own dp4a and memory system
// (execution-int8.mlir, on a GPU).

// CHECK: conv_requant: emulation: 1 result(s) identical to the CPU
// CHECK: conv_requant: emulation:dp4a=false: 1 result(s) identical to the CPU
// CHECK: conv_requant: emulation:fuse-epilogues=false: 1 result(s) identical to the CPU
// CHECK: conv_acc: emulation: 2 result(s) identical to the CPU
// CHECK: conv_c6_zp: emulation: 1 result(s) identical to the CPU
// CHECK: matmul_i8: emulation: 1 result(s) identical to the CPU
// CHECK: matmul_zp: emulation: 1 result(s) identical to the CPU
// CHECK: matmul_u8_wrap: emulation: 1 result(s) identical to the CPU
// CHECK: conv_f32: emulation: 1 result(s) {{identical to|within 1e-5 of}} the CPU
// CHECK: conv_f32: emulation:fuse-epilogues=false: 1 result(s) {{identical to|within 1e-5 of}} the CPU
