// The test driver's --qsim-cpu-emulation-pipeline runs a target's kernels
// with the int8 dot instructions as generic vector arithmetic (bit-exactness
// of the AVX-512 kernels on hosts without them, python/tests/
// test_cpu_kernels.py); the production --qsim-cpu-pipeline has no such
// option and names the targets it takes.
// RUN: qsim-test-opt %s --qsim-cpu-emulation-pipeline="microkernels=avx512-vnni" | FileCheck %s --check-prefix=EMU
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=avx512-vnni" | FileCheck %s --check-prefix=VNNI
// RUN: not qsim-opt %s --qsim-cpu-pipeline="microkernels=emulate-avx512-vnni" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ERR

// EMU-LABEL: llvm.func @main
// EMU-NOT: vpdpbusd
// EMU: llvm.mul {{.*}} : vector<64xi32>
// VNNI: llvm.x86.avx512.vpdpbusd.512
// ERR: error: unknown micro-kernel target 'emulate-avx512-vnni' (expected auto, avx512-vnni, avx512 or avx2)
func.func @main(%x: tensor<1x28x28x64xi8>) -> tensor<1x28x28x64xi32> {
  %w = arith.constant dense<3> : tensor<64x3x3x64xi8>
  %b = arith.constant dense<100> : tensor<64xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x28x28x64xi8>, tensor<64x3x3x64xi8>, tensor<64xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x28x28x64xi32>
  return %0 : tensor<1x28x28x64xi32>
}
