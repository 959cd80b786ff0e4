// RUN: qsim-opt %s --split-input-file --qsim-fuse-elementwise-keep-named | FileCheck %s
// RUN: qsim-opt %s --split-input-file --linalg-fuse-elementwise-ops | FileCheck %s --check-prefix=UPSTREAM

// A reshape between a named contraction and its elementwise consumer (the
// classifier after a global pool): upstream propagates it through the
// matmul, which becomes a linalg.generic that the CPU micro-kernels do not
// match; here the matmul stays named and the reshape stays where it is.
// CHECK-LABEL: func.func @fc
// CHECK:         %[[M:.*]] = linalg.matmul
// CHECK:         %[[R:.*]] = tensor.expand_shape %[[M]]
// CHECK:         linalg.generic {{.*}} ins(%[[R]] : tensor<1x4x8xi32>)
// UPSTREAM-LABEL: func.func @fc
// UPSTREAM-NOT:   linalg.matmul
// UPSTREAM:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @fc(%x: tensor<4x16xi8>, %w: tensor<16x8xi8>) -> tensor<1x4x8xi8> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x8xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<4x8xi32>) -> tensor<4x8xi32>
  %m = linalg.matmul ins(%x, %w : tensor<4x16xi8>, tensor<16x8xi8>) outs(%f : tensor<4x8xi32>) -> tensor<4x8xi32>
  %r = tensor.expand_shape %m [[0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xi32> into tensor<1x4x8xi32>
  %e2 = tensor.empty() : tensor<1x4x8xi8>
  %t = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r : tensor<1x4x8xi32>) outs(%e2 : tensor<1x4x8xi8>) {
  ^bb0(%in: i32, %out: i8):
    %v = arith.trunci %in : i32 to i8
    linalg.yield %v : i8
  } -> tensor<1x4x8xi8>
  return %t : tensor<1x4x8xi8>
}

// -----

// Elementwise generics still fuse, producer into consumer.
// CHECK-LABEL: func.func @chain
// CHECK:         linalg.generic
// CHECK:           arith.addi
// CHECK:           arith.trunci
// CHECK-NOT:     linalg.generic
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @chain(%x: tensor<4x8xi32>) -> tensor<4x8xi8> {
  %e = tensor.empty() : tensor<4x8xi32>
  %a = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xi32>) outs(%e : tensor<4x8xi32>) {
  ^bb0(%in: i32, %out: i32):
    %c3 = arith.constant 3 : i32
    %v = arith.addi %in, %c3 : i32
    linalg.yield %v : i32
  } -> tensor<4x8xi32>
  %e2 = tensor.empty() : tensor<4x8xi8>
  %t = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xi32>) outs(%e2 : tensor<4x8xi8>) {
  ^bb0(%in: i32, %out: i8):
    %v = arith.trunci %in : i32 to i8
    linalg.yield %v : i8
  } -> tensor<4x8xi8>
  return %t : tensor<4x8xi8>
}

// -----

// A producer read through a broadcast (an SE block's channel scale, read at
// every pixel) is not fused when its body has more than one op: it would be
// recomputed per pixel. A one-op producer (a cast) still is. Upstream fuses
// both.
// CHECK-LABEL: func.func @broadcast_producer
// CHECK:         %[[S:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<8xi32>)
// CHECK:           arith.muli
// CHECK:           arith.shrsi
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[S]], %{{.*}} : tensor<4x8xi8>, tensor<8xi32>, tensor<8xi8>)
// CHECK:           arith.extsi %{{.*}} : i8 to i32
// CHECK-NOT:       arith.shrsi
// CHECK:           arith.muli
// CHECK:           arith.addi
// UPSTREAM-LABEL: func.func @broadcast_producer
// UPSTREAM:       linalg.generic
// UPSTREAM-NOT:   linalg.generic
#id2b = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
#id1 = affine_map<(d0) -> (d0)>
func.func @broadcast_producer(%x: tensor<4x8xi8>, %g: tensor<8xi32>, %h: tensor<8xi8>) -> tensor<4x8xi32> {
  %e = tensor.empty() : tensor<8xi32>
  %s = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%g : tensor<8xi32>) outs(%e : tensor<8xi32>) {
  ^bb0(%in: i32, %out: i32):
    %c7 = arith.constant 7 : i32
    %m = arith.muli %in, %c7 : i32
    %c2 = arith.constant 2 : i32
    %v = arith.shrsi %m, %c2 : i32
    linalg.yield %v : i32
  } -> tensor<8xi32>
  %e1 = tensor.empty() : tensor<8xi32>
  %hw = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%h : tensor<8xi8>) outs(%e1 : tensor<8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extsi %in : i8 to i32
    linalg.yield %v : i32
  } -> tensor<8xi32>
  %e2 = tensor.empty() : tensor<4x8xi32>
  %t = linalg.generic {indexing_maps = [#id2b, #ch, #ch, #id2b], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s, %hw : tensor<4x8xi8>, tensor<8xi32>, tensor<8xi32>) outs(%e2 : tensor<4x8xi32>) {
  ^bb0(%a: i8, %b: i32, %c: i32, %out: i32):
    %w = arith.extsi %a : i8 to i32
    %p = arith.muli %w, %b : i32
    %q = arith.addi %p, %c : i32
    linalg.yield %q : i32
  } -> tensor<4x8xi32>
  return %t : tensor<4x8xi32>
}
