// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,canonicalize,convert-linalg-to-cpu-kernels{target=avx2 maddubs=false},canonicalize,cse))' | FileCheck %s --check-prefixes=CHECK,AVX2
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,canonicalize,convert-linalg-to-cpu-kernels{target=avx512-vnni},canonicalize,cse))' | FileCheck %s --check-prefixes=CHECK,VNNI

// A 3x3 int8 convolution with a bias and a requantize-like epilogue: one
// kernel, weights packed at compile time, the epilogue on the accumulators
// and i8 written directly (no i32 tensor, no linalg op left).

// CHECK-LABEL: func.func @conv_requantize
// Packed weights: [F/L][3][3][C/G][L][G], 24 channels in 3 (AVX2) or 2
// (VNNI) vectors.
// AVX2-DAG: arith.constant dense<{{.*}}> : tensor<1728xi16>
// VNNI-DAG: arith.constant dense<{{.*}}> : tensor<2304xi8>
// The input is prepared once: sign-extended for vpmaddwd, flipped to
// unsigned for vpdpbusd.
// AVX2: linalg.generic
// AVX2: arith.extsi %{{.*}} : i8 to i16
// VNNI: linalg.generic
// VNNI: arith.xori
// CHECK: scf.for
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// The epilogue runs on vectors of accumulators and writes i8.
// AVX2: arith.shrsi %{{.*}} : vector<8xi32>
// AVX2: arith.trunci %{{.*}} : vector<8xi32> to vector<8xi8>
// AVX2: vector.transfer_write %{{.*}} : vector<8xi8>, tensor<42x24xi8>
// VNNI: arith.shrsi %{{.*}} : vector<16xi32>
// VNNI: arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// VNNI: vector.transfer_write {{.*}} : vector<16xi8>, tensor<42x24xi8>
// CHECK-NOT: linalg.conv
// CHECK: tensor.expand_shape {{.*}} into tensor<1x6x7x24xi8>
func.func @conv_requantize(%x: tensor<1x6x7x8xi8>) -> tensor<1x6x7x24xi8> {
  %w = arith.constant dense<3> : tensor<24x3x3x8xi8>
  %b = arith.constant dense<100> : tensor<24xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x6x7x8xi8>, tensor<24x3x3x8xi8>, tensor<24xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x7x24xi32>
  %e = tensor.empty() : tensor<1x6x7x24xi8>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0,d1,d2,d3)->(d0,d1,d2,d3)>, affine_map<(d0,d1,d2,d3)->(d0,d1,d2,d3)>], iterator_types = ["parallel","parallel","parallel","parallel"]} ins(%0 : tensor<1x6x7x24xi32>) outs(%e : tensor<1x6x7x24xi8>) {
  ^bb0(%in: i32, %out: i8):
    %c7 = arith.constant 7 : i32
    %s = arith.shrsi %in, %c7 : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %m = arith.maxsi %s, %lo : i32
    %n = arith.minsi %m, %hi : i32
    %t = arith.trunci %n : i32 to i8
    linalg.yield %t : i8
  } -> tensor<1x6x7x24xi8>
  return %1 : tensor<1x6x7x24xi8>
}

// A fully connected layer (tosa.matmul, no epilogue): the i32 result is the
// kernel's output.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: linalg.batch_matmul
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: tensor.expand_shape {{.*}} into tensor<1x5x10xi32>
func.func @matmul(%a: tensor<1x5x64xi8>) -> tensor<1x5x10xi32> {
  %b = arith.constant dense<-2> : tensor<1x64x10xi8>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %c = tosa.matmul %a, %b, %z, %z : (tensor<1x5x64xi8>, tensor<1x64x10xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x5x10xi32>
  return %c : tensor<1x5x10xi32>
}

// Weights that are not constants stay a plain linalg op.
// CHECK-LABEL: func.func @dynamic_weights
// CHECK: linalg.conv_2d_nhwc_fhwc
// CHECK-NOT: llvm.call_intrinsic
func.func @dynamic_weights(%x: tensor<1x4x4x8xi8>, %w: tensor<16x1x1x8xi8>) -> tensor<1x4x4x16xi32> {
  %b = arith.constant dense<0> : tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x16xi32>
  return %0 : tensor<1x4x4x16xi32>
}

// Depthwise (tosa.depthwise_conv2d -> linalg.depthwise_conv_2d_nhwc_hwcm
// with multiplier 1, then the bias add on the 5-D result): channels on the
// vector lanes, i8 inputs widened to i32; each lane's (x, sign(x)) i16 pair
// times the packed (w, 0) pair by vpmaddwd (AVX2; AVX-512BW on a VNNI host:
// vpdpbusd has no use without a channel reduction), not vpmulld.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: linalg.depthwise
// AVX2: arith.extsi %{{.*}} : vector<8xi8> to vector<8xi32>
// AVX2: vector.bitcast %{{.*}} : vector<8xi32> to vector<16xi16>
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// VNNI: arith.extsi %{{.*}} : vector<16xi8> to vector<16xi32>
// VNNI: vector.bitcast %{{.*}} : vector<16xi32> to vector<32xi16>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"
// VNNI-NOT: arith.muli %{{.*}} : vector<16xi32>
// CHECK: tensor.expand_shape {{.*}} into tensor<1x14x14x32xi32>
func.func @depthwise(%a: tensor<1x14x14x32xi8>) -> tensor<1x14x14x32xi32> {
  %w = arith.constant dense<3> : tensor<3x3x32x1xi8>
  %b = arith.constant dense<7> : tensor<32xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.depthwise_conv2d %a, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x14x14x32xi8>, tensor<3x3x32x1xi8>, tensor<32xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x14x14x32xi32>
  return %0 : tensor<1x14x14x32xi32>
}
