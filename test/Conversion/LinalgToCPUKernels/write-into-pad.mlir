// A kernel whose only user is a constant-value pad of H and W (the next
// layer's border) writes its tiles into the interior of the padded tensor,
// whose border is filled separately: no unpadded result, no copy. The bits
// are checked in python/tests/test_cpu_kernels.py (the *_into_pad cases).
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-tensor,canonicalize,convert-linalg-to-cpu-kernels{target=avx2},canonicalize,cse))' | FileCheck %s
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-tensor,canonicalize,convert-linalg-to-cpu-kernels{target=avx2},canonicalize,cse),eliminate-empty-tensors,one-shot-bufferize{bufferize-function-boundaries},cse,canonicalize)' | FileCheck %s --check-prefix=BUF

// CHECK-LABEL: func.func @conv_into_pad
// CHECK-NOT: tensor.pad
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x7x8x16xi8>
// CHECK-NOT: linalg.fill
// CHECK: scf.for
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] {in_bounds = [true]} : vector<16xi8>, tensor<1x7x8x16xi8>
// The border, after the interior (top 1 row, bottom 2, right 3 columns).
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%{{.*}} : tensor<1x1x8x16xi8>)
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%{{.*}} : tensor<1x2x8x16xi8>)
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%{{.*}} : tensor<1x4x3x16xi8>)
// CHECK-NOT: linalg.fill
// CHECK-NOT: tensor.pad
// CHECK: return %{{.*}} : tensor<1x7x8x16xi8>
func.func @conv_into_pad(%x: tensor<1x4x5x8xi8>) -> tensor<1x7x8x16xi8> {
  %w = "tosa.const"() {values = dense<3> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x5x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x5x16xi32>
  %e = tensor.empty() : tensor<1x4x5x16xi8>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc : tensor<1x4x5x16xi32>) outs(%e : tensor<1x4x5x16xi8>) {
  ^bb0(%in: i32, %out: i8):
    %s = arith.constant 4 : i32
    %q = arith.shrsi %in, %s : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %c1 = arith.maxsi %q, %lo : i32
    %c2 = arith.minsi %c1, %hi : i32
    %t = arith.trunci %c2 : i32 to i8
    linalg.yield %t : i8
  } -> tensor<1x4x5x16xi8>
  %ps = tosa.const_shape {values = dense<[0, 0, 1, 2, 0, 3, 0, 0]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %pv = "tosa.const"() {values = dense<-5> : tensor<1xi8>} : () -> tensor<1xi8>
  %p = tosa.pad %y, %ps, %pv : (tensor<1x4x5x16xi8>, !tosa.shape<8>, tensor<1xi8>) -> tensor<1x7x8x16xi8>
  return %p : tensor<1x7x8x16xi8>
}

// The result is also returned unpadded: the pad stays.
// CHECK-LABEL: func.func @two_users
// CHECK: vector.transfer_write %{{.*}} : vector<8xi8>, tensor<20x16xi8>
// CHECK: tensor.pad
func.func @two_users(%x: tensor<1x4x5x8xi8>) -> (tensor<1x4x5x16xi8>, tensor<1x6x7x16xi8>) {
  %w = "tosa.const"() {values = dense<3> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x5x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x5x16xi32>
  %e = tensor.empty() : tensor<1x4x5x16xi8>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc : tensor<1x4x5x16xi32>) outs(%e : tensor<1x4x5x16xi8>) {
  ^bb0(%in: i32, %out: i8):
    %t = arith.trunci %in : i32 to i8
    linalg.yield %t : i8
  } -> tensor<1x4x5x16xi8>
  %ps = tosa.const_shape {values = dense<[0, 0, 1, 1, 1, 1, 0, 0]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %pv = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %p = tosa.pad %y, %ps, %pv : (tensor<1x4x5x16xi8>, !tosa.shape<8>, tensor<1xi8>) -> tensor<1x6x7x16xi8>
  return %y, %p : tensor<1x4x5x16xi8>, tensor<1x6x7x16xi8>
}

// Two same-shaped layers padded alike: the border is filled after each
// kernel's writes, on its own result, so CSE cannot merge the two fills
// into one tensor that both kernels write (bufferization would then copy
// it for each): no copy at all.
// BUF-LABEL: func.func @two_layers
// BUF-NOT: memref.copy
// BUF: return
func.func @two_layers(%x: tensor<1x4x5x8xi8>) -> (tensor<1x6x7x16xi8>, tensor<1x6x7x16xi8>) {
  %w = "tosa.const"() {values = dense<3> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %w2 = "tosa.const"() {values = dense<-2> : tensor<16x1x1x8xi8>} : () -> tensor<16x1x1x8xi8>
  %b = "tosa.const"() {values = dense<0> : tensor<16xi32>} : () -> tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %ps = tosa.const_shape {values = dense<[0, 0, 1, 1, 1, 1, 0, 0]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %pv = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %a1 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x5x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x5x16xi32>
  %y1 = tosa.cast %a1 : (tensor<1x4x5x16xi32>) -> tensor<1x4x5x16xi8>
  %p1 = tosa.pad %y1, %ps, %pv : (tensor<1x4x5x16xi8>, !tosa.shape<8>, tensor<1xi8>) -> tensor<1x6x7x16xi8>
  %a2 = tosa.conv2d %x, %w2, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x5x8xi8>, tensor<16x1x1x8xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x4x5x16xi32>
  %y2 = tosa.cast %a2 : (tensor<1x4x5x16xi32>) -> tensor<1x4x5x16xi8>
  %p2 = tosa.pad %y2, %ps, %pv : (tensor<1x4x5x16xi8>, !tosa.shape<8>, tensor<1xi8>) -> tensor<1x6x7x16xi8>
  return %p1, %p2 : tensor<1x6x7x16xi8>, tensor<1x6x7x16xi8>
}
