// threads=N: the micro-kernel's pixel loop runs on the MLIR async runtime
// (async-parallel-for) when a pass over it has a few million
// multiply-accumulates (here 784 pixels x 16 channels x 576); with the
// default one thread there are no runtime calls at all.
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=avx2 threads=2" | FileCheck %s --check-prefix=T2
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=avx2" | FileCheck %s --check-prefix=T1
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=none threads=2" | FileCheck %s --check-prefix=T1

// T2: llvm.call @mlirAsyncRuntimeCreateGroup
// T2: llvm.call @mlirAsyncRuntimeAwaitAllInGroup
// T1-NOT: llvm.call @mlirAsyncRuntime
func.func @main(%x: tensor<1x28x28x64xi8>) -> tensor<1x28x28x64xi32> {
  %w = arith.constant dense<3> : tensor<64x3x3x64xi8>
  %b = arith.constant dense<100> : tensor<64xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x28x28x64xi8>, tensor<64x3x3x64xi8>, tensor<64xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x28x28x64xi32>
  return %0 : tensor<1x28x28x64xi32>
}
