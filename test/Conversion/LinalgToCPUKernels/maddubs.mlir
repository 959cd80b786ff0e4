// vpmaddubsw (u8 x s8 pairs into saturating i16) replaces vpmaddwd only
// where no pair sum can saturate: on an input proven to be in [0, 127] (the
// bounds of its producers: a ReLU clamp, zero padding), read as it is, with
// no flipped copy; on an input proven to be in [lo, hi] shifted by -lo to
// [0, hi - lo] when every weight pair's sums fit i16 there (the flip when
// lo is -128: |w0| + |w1| <= 128). The bits are checked in
// python/tests/test_cpu_kernels.py (test_maddubs_only_where_exact and the
// relu_input / small_weights cases).
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-tensor,canonicalize,convert-linalg-to-cpu-kernels{target=avx2},canonicalize,cse))' | FileCheck %s
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,canonicalize,convert-linalg-to-cpu-kernels{target=avx2 maddubs=false},canonicalize,cse))' | FileCheck %s --check-prefix=OFF
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,canonicalize,convert-linalg-to-cpu-kernels{target=avx512-vnni},canonicalize,cse))' | FileCheck %s --check-prefix=VNNI

// A ReLU's output, zero-padded: the bytes are the unsigned operand.
// CHECK-LABEL: func.func @relu_input
// CHECK-NOT: arith.xori
// CHECK-NOT: arith.extsi %{{.*}} : i8 to i16
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%{{.*}}, %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// OFF-LABEL: func.func @relu_input
// OFF-NOT: pmadd.ub.sw
// OFF: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// VNNI-LABEL: func.func @relu_input
// VNNI-NOT: arith.xori
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
func.func @relu_input(%x: tensor<1x6x6x8xi8>) -> tensor<1x6x6x16xi32> {
  %r = tosa.clamp %x {min_val = 0 : i8, max_val = 127 : i8} : (tensor<1x6x6x8xi8>) -> tensor<1x6x6x8xi8>
  %w = "tosa.const"() {values = dense<-128> : tensor<16x3x3x8xi8>} : () -> tensor<16x3x3x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %y = tosa.conv2d %r, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x6x6x8xi8>, tensor<16x3x3x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x6x16xi32>
  return %y : tensor<1x6x6x16xi32>
}

// Any input, weight pairs of at most 128 in magnitude: flipped input.
// CHECK-LABEL: func.func @small_weights
// CHECK: arith.xori %{{.*}}, %{{.*}} : i8
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// VNNI-LABEL: func.func @small_weights
// VNNI: arith.xori %{{.*}}, %{{.*}} : i8
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
func.func @small_weights(%x: tensor<1x4x4x8xi8>) -> tensor<1x4x4x16xi32> {
  %w = "tosa.const"() {values = dense<-64> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %y = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

// Any input, a weight pair of 129: vpmaddwd on sign-extended i16.
// CHECK-LABEL: func.func @large_weights
// CHECK-NOT: pmadd.ub.sw
// CHECK: arith.extsi %{{.*}} : i8 to i16
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK-NOT: pmadd.ub.sw
// CHECK-LABEL: func.func @padded_with_negative
func.func @large_weights(%x: tensor<1x4x4x8xi8>) -> tensor<1x4x4x16xi32> {
  %w = "tosa.const"() {values = dense<[[[[65, 64, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]], [[[0, 0, 0, 0, 0, 0, 0, 0]]]]> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %y = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

// A ReLU's output padded with the zero point -128 is no longer in
// [0, 127]: with large weights, vpmaddwd.
// CHECK-NOT: pmadd.ub.sw
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK-NOT: pmadd.ub.sw
// CHECK: return
func.func @padded_with_negative(%x: tensor<1x6x6x8xi8>) -> tensor<1x6x6x16xi32> {
  %r = tosa.clamp %x {min_val = 0 : i8, max_val = 127 : i8} : (tensor<1x6x6x8xi8>) -> tensor<1x6x6x8xi8>
  %w = "tosa.const"() {values = dense<-128> : tensor<16x3x3x8xi8>} : () -> tensor<16x3x3x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %zi = "tosa.const"() {values = dense<-128> : tensor<1xi8>} : () -> tensor<1xi8>
  %zw = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %y = tosa.conv2d %r, %w, %b, %zi, %zw {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x6x6x8xi8>, tensor<16x3x3x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x6x16xi32>
  return %y : tensor<1x6x6x16xi32>
}

// A max pool of a ReLU's output, padded with -128: every window holds a
// real element, so the pool's output is still in [0, 127].
// CHECK-LABEL: func.func @after_max_pool
// CHECK-NOT: arith.extsi %{{.*}} : i8 to i16
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// CHECK-LABEL: func.func @after_pool_window_in_padding
func.func @after_max_pool(%x: tensor<1x8x8x8xi8>) -> tensor<1x4x4x16xi32> {
  %r = tosa.clamp %x {min_val = 0 : i8, max_val = 127 : i8} : (tensor<1x8x8x8xi8>) -> tensor<1x8x8x8xi8>
  %p = tosa.max_pool2d %r {kernel = array<i64: 3, 3>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x8xi8>) -> tensor<1x4x4x8xi8>
  %w = "tosa.const"() {values = dense<-128> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %y = tosa.conv2d %p, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

// A window entirely in the padding (linalg: TOSA keeps the padding below
// the kernel size) yields -128: vpmaddwd.
// CHECK-NOT: pmadd.ub.sw
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK-NOT: pmadd.ub.sw
// CHECK: return
func.func @after_pool_window_in_padding(%x: tensor<1x4x4x8xi8>) -> tensor<1x3x3x16xi32> {
  %r = tosa.clamp %x {min_val = 0 : i8, max_val = 127 : i8} : (tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8>
  %m = arith.constant -128 : i8
  %padded = tensor.pad %r low[0, 2, 2, 0] high[0, 0, 0, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %m : i8
  } : tensor<1x4x4x8xi8> to tensor<1x6x6x8xi8>
  %e = tensor.empty() : tensor<1x3x3x8xi8>
  %init = linalg.fill ins(%m : i8) outs(%e : tensor<1x3x3x8xi8>) -> tensor<1x3x3x8xi8>
  %win = tensor.empty() : tensor<2x2xi8>
  %p = linalg.pooling_nhwc_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%padded, %win : tensor<1x6x6x8xi8>, tensor<2x2xi8>) outs(%init : tensor<1x3x3x8xi8>) -> tensor<1x3x3x8xi8>
  %w = "tosa.const"() {values = dense<-128> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %y = tosa.conv2d %p, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x3x3x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x3x3x16xi32>
  return %y : tensor<1x3x3x16xi32>
}

// Reshapes keep the bounds.
// CHECK-LABEL: func.func @relu_reshaped
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// CHECK-LABEL: func.func @reduction_of_relu
func.func @relu_reshaped(%x: tensor<1x4x32xi8>) -> tensor<1x4x4x16xi32> {
  %r = tosa.clamp %x {min_val = 0 : i8, max_val = 127 : i8} : (tensor<1x4x32xi8>) -> tensor<1x4x32xi8>
  %s = tosa.const_shape {values = dense<[1, 4, 4, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %q = tosa.reshape %r, %s : (tensor<1x4x32xi8>, !tosa.shape<4>) -> tensor<1x4x4x8xi8>
  %w = "tosa.const"() {values = dense<-128> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %y = tosa.conv2d %q, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

// A reduction's output block argument carries the partial sum, not the
// init: a sum of ReLU outputs (wrapping in i8) is unbounded.
// CHECK-NOT: pmadd.ub.sw
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK-NOT: pmadd.ub.sw
// CHECK: return
func.func @reduction_of_relu(%x: tensor<3x1x4x4x8xi8>) -> tensor<1x4x4x16xi32> {
  %c0 = arith.constant 0 : i8
  %c127 = arith.constant 127 : i8
  %e = tensor.empty() : tensor<1x4x4x8xi8>
  %init = linalg.fill ins(%c0 : i8) outs(%e : tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8>
  %sum = linalg.generic {indexing_maps = [affine_map<(r, n, h, w, c) -> (r, n, h, w, c)>, affine_map<(r, n, h, w, c) -> (n, h, w, c)>], iterator_types = ["reduction", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<3x1x4x4x8xi8>) outs(%init : tensor<1x4x4x8xi8>) {
  ^bb0(%in: i8, %acc: i8):
    %p = arith.maxsi %in, %c0 : i8
    %q = arith.minsi %p, %c127 : i8
    %a = arith.addi %acc, %q : i8
    linalg.yield %a : i8
  } -> tensor<1x4x4x8xi8>
  %w = "tosa.const"() {values = dense<-128> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %y = tosa.conv2d %sum, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}

// An input proven to be in [-20, 100], weights of 127: shifted by 20 it is
// in [0, 120], where 120 * (127 + 127) fits i16 (flipped, [108, 228], it
// would not): the copy adds 20, the start values take 20 * sum(w) off.
// CHECK-LABEL: func.func @shifted_input
// CHECK: %[[C20:.*]] = arith.constant 20 : i8
// CHECK: arith.addi %{{.*}}, %[[C20]] : i8
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
func.func @shifted_input(%x: tensor<1x4x4x8xi8>) -> tensor<1x4x4x16xi32> {
  %r = tosa.clamp %x {min_val = -20 : i8, max_val = 100 : i8} : (tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8>
  %w = "tosa.const"() {values = dense<127> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %y = tosa.conv2d %r, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x4x16xi32>
  return %y : tensor<1x4x4x16xi32>
}
