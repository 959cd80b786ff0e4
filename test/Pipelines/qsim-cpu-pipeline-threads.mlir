// threads=N: the micro-kernel's pixel loop becomes an OpenMP worksharing
// loop (convert-scf-to-openmp) when a pass over it has a few million
// multiply-accumulates (here 784 pixels x 16 channels x 576); N is the team
// size, threads=0 leaves it to the OpenMP runtime. With the default one
// thread there are no OpenMP ops at all; nor are there when no loop has
// enough work (min-parallel-work, here without micro-kernels: the plain
// loops run a few operations per multiply-accumulate, 784 x 64 x 576).
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=avx2 threads=2" | FileCheck %s --check-prefix=T2
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=avx2 threads=0" | FileCheck %s --check-prefix=T0
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=avx2" | FileCheck %s --check-prefix=T1
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=none threads=2 min-parallel-work=1000000000" | FileCheck %s --check-prefix=T1

// T2: omp.parallel num_threads(%{{.*}} : i32) {
// T2:   omp.wsloop {
// T2:     omp.loop_nest
// T0: omp.parallel {
// T0:   omp.wsloop {
// T1-NOT: omp.
func.func @main(%x: tensor<1x28x28x64xi8>) -> tensor<1x28x28x64xi32> {
  %w = arith.constant dense<3> : tensor<64x3x3x64xi8>
  %b = arith.constant dense<100> : tensor<64xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x28x28x64xi8>, tensor<64x3x3x64xi8>, tensor<64xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x28x28x64xi32>
  return %0 : tensor<1x28x28x64xi32>
}
