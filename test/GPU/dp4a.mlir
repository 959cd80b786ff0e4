// RUN: qsim-opt %S/Inputs/int8-kernels.mlir --qsim-gpu-pipeline -o %t.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.mlir | FileCheck %s
// RUN: qsim-opt %S/Inputs/int8-kernels.mlir --qsim-gpu-pipeline="dp4a=false" | %python %S/Inputs/extract_ptx.py - | FileCheck %s --check-prefix=OFF
// RUN: qsim-opt %S/Inputs/int8-kernels.mlir --qsim-gpu-pipeline="chip=sm_60" | %python %S/Inputs/extract_ptx.py - | FileCheck %s --check-prefix=OFF

// The i8 x i8 -> i32 reductions of convolutions and matmuls run on the 4-way
// byte dot product (PTX dp4a): signed bytes give dp4a.s32.s32, the
// zero-extended operand of matmul_u8_wrap dp4a.u32.s32. The float
// convolution has none, and neither has anything with dp4a=false or for a
// chip without the instruction (before sm_61).

// CHECK-LABEL: // gpu.binary @conv_requant_kernel_0
// CHECK:       .visible .entry conv_requant_kernel(
// Four-byte loads of input and weights feed each dp4a.
// CHECK:       ld.global.b32
// CHECK:       ld.global.b32
// CHECK:       dp4a.s32.s32
// CHECK-LABEL: // gpu.binary @conv_acc_kernel_1
// CHECK:       dp4a.s32.s32
// Six channels: one group of four (byte loads: 6-byte rows are not 4-byte
// aligned), then two multiply-adds; the zero points of input (5) and
// weights (-3) need dp4a with ones for the sums of both operands.
// CHECK-LABEL: // gpu.binary @conv_c6_zp_kernel
// CHECK:       ld.global.b8
// CHECK:       dp4a.s32.s32
// CHECK:       dp4a.s32.s32
// CHECK:       dp4a.s32.s32
// CHECK:       ld.global.s8
// CHECK:       mad.lo.s32
// CHECK-LABEL: // gpu.binary @matmul_i8_kernel
// CHECK:       dp4a.s32.s32
// CHECK-LABEL: // gpu.binary @matmul_zp_kernel
// CHECK:       dp4a.s32.s32
// CHECK-LABEL: // gpu.binary @matmul_u8_wrap_kernel
// CHECK:       dp4a.u32.s32
// CHECK-LABEL: // gpu.binary @conv_f32_kernel
// CHECK-NOT:   dp4a
// CHECK:       // {{[0-9]+}} PTX object(s)

// OFF-NOT: dp4a
// OFF:     // {{[0-9]+}} PTX object(s)
