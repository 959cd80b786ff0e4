// Cache blocking: an input larger than the budget (cache-kb) is read once per
// group of channel blocks whose packed weights fit it, not once per block.
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,canonicalize,convert-linalg-to-cpu-kernels{target=avx2 cache-kb=2 maddubs=false},canonicalize))' | FileCheck %s --check-prefix=GROUP
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,canonicalize,convert-linalg-to-cpu-kernels{target=avx2 cache-kb=0 maddubs=false},canonicalize))' | FileCheck %s --check-prefix=FLAT

// 200 channels in blocks of 16 (avx2: 2 vectors of 8) = 12 blocks + a tail
// of 8; each block's weights are 16 x 8 x 2 bytes, so 2 KiB hold 8 blocks and
// the largest divisor of 12 up to 8 is 6: groups of 96 channels.
// GROUP-LABEL: func.func @conv1x1
// GROUP: scf.for %[[FG:.*]] = %c0 to %c192 step %c96
// GROUP: scf.for %[[M:.*]] = %c0 to %c{{[0-9]+}} step %c6
// GROUP: scf.for %[[FJ:.*]] = %c0 to %c96 step %c16
// GROUP: arith.addi %[[FG]], %[[FJ]]
// GROUP: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// FLAT-LABEL: func.func @conv1x1
// FLAT: scf.for %{{.*}} = %c0 to %c192 step %c16
// FLAT-NOT: step %c96
func.func @conv1x1(%x: tensor<1x20x20x8xi8>) -> tensor<1x20x20x200xi32> {
  %w = arith.constant dense<3> : tensor<200x1x1x8xi8>
  %b = arith.constant dense<7> : tensor<200xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x20x20x8xi8>, tensor<200x1x1x8xi8>, tensor<200xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x20x20x200xi32>
  return %0 : tensor<1x20x20x200xi32>
}
