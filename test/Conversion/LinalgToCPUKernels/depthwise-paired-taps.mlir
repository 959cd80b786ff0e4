// An int8 depthwise convolution on an input proven to be in [0, 127] (a
// ReLU's output) pairs its taps on vpmaddubsw: the bytes of two taps are
// interleaved per 128-bit lane (vpunpcklbw / vpunpckhbw), multiplied by the
// packed weight pairs, the i16 sums of two tap pairs interleaved
// (vpunpcklwd / vpunpckhwd) and summed into i32 (vpmaddwd by ones); the
// accumulators are then put back in channel order. Blocks of 32 channels
// (one vector of bytes); the channels after the last full block (8 of 40
// here) take vpmaddwd on single taps.
// RUN: qsim-opt %s --convert-qsim-to-linalg | qsim-opt --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,canonicalize,linalg-fuse-elementwise-ops,convert-linalg-to-cpu-kernels{target=avx2},canonicalize,cse))' | FileCheck %s
// RUN: qsim-opt %s --convert-qsim-to-linalg | qsim-opt --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,canonicalize,linalg-fuse-elementwise-ops,convert-linalg-to-cpu-kernels{target=avx2 report-kernels}))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// An AVX-512 VNNI target puts four taps in each vpdpbusd quadruple: the
// bytes of taps t, t + 1 (and t + 2, t + 3) interleaved, then the words of
// the two pairs, 64 channels per block (none in @relu_input: 40 channels
// all take single taps, on the AVX-512BW vpmaddwd, not vpmulld).
// RUN: qsim-opt %s --convert-qsim-to-linalg | qsim-opt --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,canonicalize,linalg-fuse-elementwise-ops,convert-linalg-to-cpu-kernels{target=avx512-vnni report-kernels}))' 2>&1 | FileCheck %s --check-prefix=VNNI

// VNNI: remark: micro-kernel: vpdpbusd, 16 lanes (input in [0, 127]: read as unsigned, taps in fours), epilogue fused
// VNNI: remark: micro-kernel: vpmaddwd, 16 lanes (input in [-128, 127]: vpmaddwd on single taps), epilogue fused
// VNNI: remark: micro-kernel: vpdpbusd, 16 lanes (input in [0, 127]: read as unsigned, taps in fours), epilogue fused
// VNNI-LABEL: func.func @relu_input
// VNNI-NOT: vpdpbusd
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"
// VNNI-NOT: vpdpbusd
// VNNI-NOT: arith.muli %{{.*}} : vector<16xi32>
// VNNI-LABEL: func.func @signed_input
// VNNI-NOT: vpdpbusd
// VNNI-NOT: arith.muli %{{.*}} : vector<16xi32>
// VNNI-LABEL: func.func @relu_input_64
// VNNI: %[[P01:.*]] = vector.shuffle %[[X0:.*]], %[[X1:.*]] [0, 64, 1, 65, 2, 66, 3, 67, 4, 68, 5, 69, 6, 70, 7, 71, 16, 80, {{.*}}] : vector<64xi8>, vector<64xi8>
// VNNI: %[[W01:.*]] = vector.bitcast %[[P01]] : vector<64xi8> to vector<32xi16>
// VNNI: %[[P23:.*]] = vector.shuffle %{{.*}}, %{{.*}} [0, 64, 1, 65, {{.*}}] : vector<64xi8>, vector<64xi8>
// VNNI: %[[W23:.*]] = vector.bitcast %[[P23]] : vector<64xi8> to vector<32xi16>
// VNNI: %[[Q:.*]] = vector.shuffle %[[W01]], %[[W23]] [0, 32, 1, 33, 2, 34, 3, 35, 8, 40, {{.*}}] : vector<32xi16>, vector<32xi16>
// VNNI: %[[QB:.*]] = vector.bitcast %[[Q]] : vector<32xi16> to vector<64xi8>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[QB]], %{{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// VNNI-NOT: pmaddubs

// REMARK: remark: micro-kernel: vpmaddubsw, 8 lanes (input in [0, 127]: read as unsigned, taps paired), epilogue fused
// REMARK: remark: micro-kernel: vpmaddwd, 8 lanes (input in [-128, 127]: vpmaddwd on single taps), epilogue fused
// REMARK: remark: micro-kernel: vpmaddubsw, 8 lanes (input in [0, 127]: read as unsigned, taps paired), epilogue fused

// CHECK-LABEL: func.func @relu_input
// Single-tap weights as (w, 0) i16 pairs for the last 8 channels, [9][64];
// tap-pair weights as bytes, [5 pairs][2 blocks][lo, hi][32].
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<576xi32>
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<640xi8>
// CHECK: scf.for
// CHECK: %[[LO:.*]] = vector.shuffle %[[A:.*]], %[[B:.*]] [0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39, 16, 48, 17, 49, 18, 50, 19, 51, 20, 52, 21, 53, 22, 54, 23, 55] : vector<32xi8>, vector<32xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%[[LO]], %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// CHECK: vector.shuffle %[[A]], %[[B]] [8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47, 24, 56, 25, 57, 26, 58, 27, 59, 28, 60, 29, 61, 30, 62, 31, 63] : vector<32xi8>, vector<32xi8>
// CHECK: %[[W:.*]] = vector.shuffle %{{.*}}, %{{.*}} [0, 16, 1, 17, 2, 18, 3, 19, 8, 24, 9, 25, 10, 26, 11, 27] : vector<16xi16>, vector<16xi16>
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[W]], %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// The ninth tap pairs with zero bytes.
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 32, 1, 33, {{.*}}] : vector<32xi8>, vector<32xi8>
// Channel order: channel 16k + 4a + i of the block is at lane 4k + i of
// accumulator a.
// CHECK: vector.shuffle %[[ALL:.*]], %[[ALL]] [0, 1, 2, 3, 8, 9, 10, 11] : vector<32xi32>, vector<32xi32>
// CHECK: vector.shuffle %[[ALL]], %[[ALL]] [16, 17, 18, 19, 24, 25, 26, 27] : vector<32xi32>, vector<32xi32>
// CHECK: vector.shuffle %[[ALL]], %[[ALL]] [4, 5, 6, 7, 12, 13, 14, 15] : vector<32xi32>, vector<32xi32>
// CHECK: vector.shuffle %[[ALL]], %[[ALL]] [20, 21, 22, 23, 28, 29, 30, 31] : vector<32xi32>, vector<32xi32>
// One narrowing of the pixel's 32 channels and one write.
// CHECK: arith.trunci %{{.*}} : vector<32xi32> to vector<32xi8>
// CHECK: vector.transfer_write %{{.*}} : vector<32xi8>, tensor<36x40xi8>
// CHECK: scf.yield
// The last 8 channels: vpmaddwd on single taps, (x, sign(x)) i16 pairs.
// CHECK: scf.for
// CHECK-NOT: pmadd.ub.sw
// CHECK: arith.extsi %{{.*}} : vector<8xi8> to vector<8xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK-NOT: pmadd.ub.sw
// CHECK: return
func.func @relu_input(%x: tensor<1x6x6x40xi8>) -> tensor<1x6x6x40xi8> {
  %w9 = arith.constant dense<-7> : tensor<3x3x40x1xi8>
  %b = arith.constant dense<100> : tensor<40xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %r = tosa.clamp %x {min_val = 0 : i8, max_val = 127 : i8} : (tensor<1x6x6x40xi8>) -> tensor<1x6x6x40xi8>
  %0 = tosa.depthwise_conv2d %r, %w9, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x6x6x40xi8>, tensor<3x3x40x1xi8>, tensor<40xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x6x40xi32>
  %1 = qsim.requantize %0 multiplier [1518500250] shift [39] {clamp_min = 0 : i64} : tensor<1x6x6x40xi32> -> tensor<1x6x6x40xi8>
  return %1 : tensor<1x6x6x40xi8>
}

// A signed input (any i8) keeps vpmaddwd on single taps: the byte pairs
// are unsigned.
// CHECK-LABEL: func.func @signed_input
// CHECK-NOT: pmadd.ub.sw
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK-NOT: pmadd.ub.sw
// CHECK: return
func.func @signed_input(%x: tensor<1x6x6x32xi8>) -> tensor<1x6x6x32xi8> {
  %w = arith.constant dense<3> : tensor<3x3x32x1xi8>
  %b = arith.constant dense<100> : tensor<32xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.depthwise_conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x6x6x32xi8>, tensor<3x3x32x1xi8>, tensor<32xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x6x32xi32>
  %1 = qsim.requantize %0 multiplier [1518500250] shift [39] {clamp_min = 0 : i64} : tensor<1x6x6x32xi32> -> tensor<1x6x6x32xi8>
  return %1 : tensor<1x6x6x32xi8>
}

// CHECK-LABEL: func.func @relu_input_64
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
func.func @relu_input_64(%x: tensor<1x5x5x64xi8>) -> tensor<1x5x5x64xi8> {
  %w = arith.constant dense<9> : tensor<3x3x64x1xi8>
  %b = arith.constant dense<100> : tensor<64xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %r = tosa.clamp %x {min_val = 0 : i8, max_val = 127 : i8} : (tensor<1x5x5x64xi8>) -> tensor<1x5x5x64xi8>
  %0 = tosa.depthwise_conv2d %r, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x5x5x64xi8>, tensor<3x3x64x1xi8>, tensor<64xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x5x5x64xi32>
  %1 = qsim.requantize %0 multiplier [1518500250] shift [39] {clamp_min = 0 : i64} : tensor<1x5x5x64xi32> -> tensor<1x5x5x64xi8>
  return %1 : tensor<1x5x5x64xi8>
}
