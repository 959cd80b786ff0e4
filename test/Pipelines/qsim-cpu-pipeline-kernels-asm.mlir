// The instruction guard of the micro-kernels, in machine code: the int8
// convolution's hot loop is built on vpdpbusd (AVX-512 VNNI) or vpmaddwd
// (AVX2), and no element is widened and multiplied one by one (vpmulld) or
// extracted (vpextrb). llc compiles for the named CPU, so both targets are
// checked whatever the host is.
// RUN: qsim-opt %s --qsim-cpu-pipeline=microkernels=avx512-vnni | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=znver5 | FileCheck %s --check-prefix=VNNI
// RUN: qsim-opt %s --qsim-cpu-pipeline=microkernels=avx2 | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=znver3 | FileCheck %s --check-prefix=AVX2
// RUN: qsim-opt %s --qsim-cpu-pipeline=microkernels=none | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=znver5 | FileCheck %s --check-prefix=NONE

// VNNI: vpdpbusd %zmm
// VNNI-NOT: vpmulld
// VNNI-NOT: vpextrb
// AVX2: vpmaddwd %ymm
// AVX2-NOT: vpmulld
// AVX2-NOT: vpextrb
// NONE-NOT: vpdpbusd
// NONE-NOT: vpmaddwd
func.func @main(%x: tensor<1x14x14x32xi8>) -> tensor<1x14x14x64xi8> {
  %w = arith.constant dense<3> : tensor<64x3x3x32xi8>
  %b = arith.constant dense<100> : tensor<64xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x14x14x32xi8>, tensor<64x3x3x32xi8>, tensor<64xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x14x14x64xi32>
  %e = tensor.empty() : tensor<1x14x14x64xi8>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0,d1,d2,d3)->(d0,d1,d2,d3)>, affine_map<(d0,d1,d2,d3)->(d0,d1,d2,d3)>], iterator_types = ["parallel","parallel","parallel","parallel"]} ins(%0 : tensor<1x14x14x64xi32>) outs(%e : tensor<1x14x14x64xi8>) {
  ^bb0(%in: i32, %out: i8):
    %c7 = arith.constant 7 : i32
    %s = arith.shrsi %in, %c7 : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %m = arith.maxsi %s, %lo : i32
    %n = arith.minsi %m, %hi : i32
    %t = arith.trunci %n : i32 to i8
    linalg.yield %t : i8
  } -> tensor<1x14x14x64xi8>
  return %1 : tensor<1x14x14x64xi8>
}
