// RUN: qsim-opt %s --split-input-file --qsim-cpu-vectorize-rows --canonicalize | FileCheck %s
// RUN: qsim-opt %s --split-input-file --qsim-cpu-vectorize-rows=max-row=8 | FileCheck %s --check-prefix=SHORT
// RUN: qsim-opt %s --split-input-file --qsim-cpu-vectorize-rows --canonicalize --loop-invariant-subset-hoisting --canonicalize | FileCheck %s --check-prefix=HOIST
// RUN: not qsim-opt %s --split-input-file --qsim-cpu-vectorize-rows=max-row=1 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: qsim-cpu-vectorize-rows: max-row must be at least 2, got 1

// An interchanged activation matmul (b, m, k, n; n innermost): the rows
// (b, m) are the points of an scf.forall (threads may share them), k an
// scf.for inside, the output row one vector updated per k.
// CHECK-LABEL: func.func @scores
// CHECK: scf.forall ({{.*}}) in (2, 8)
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} : tensor<1x1x16xi32>, vector<1x1x16xi32>
// CHECK: arith.muli {{.*}} : vector<1x1x1x16xi32>
// CHECK: arith.addi {{.*}} : vector<1x1x16xi32>
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.generic
// SHORT-LABEL: func.func @scores
// SHORT: linalg.generic
// Upstream's subset hoisting then takes the row's read and write out of the
// k loop: the row is a loop-carried vector.
// HOIST-LABEL: func.func @scores
// HOIST: scf.forall
// HOIST: vector.transfer_read {{.*}} : tensor<1x1x16xi32>, vector<1x1x16xi32>
// HOIST: scf.for {{.*}} iter_args({{.*}}) -> (vector<1x1x16xi32>)
// HOIST-NOT: vector.transfer_write
// HOIST: scf.yield {{.*}} : vector<1x1x16xi32>
// HOIST: vector.transfer_write {{.*}} : vector<1x1x16xi32>, tensor<1x1x16xi32>
func.func @scores(%a: tensor<2x8x4xi8>, %b: tensor<2x4x16xi8>, %init: tensor<2x8x16xi32>) -> tensor<2x8x16xi32> {
  %r = linalg.generic {indexing_maps = [affine_map<(b, m, k, n) -> (b, m, k)>, affine_map<(b, m, k, n) -> (b, k, n)>, affine_map<(b, m, k, n) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : tensor<2x8x4xi8>, tensor<2x4x16xi8>) outs(%init : tensor<2x8x16xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extsi %x : i8 to i32
    %ye = arith.extsi %y : i8 to i32
    %p = arith.muli %xe, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<2x8x16xi32>
  return %r : tensor<2x8x16xi32>
}

// -----

// The 16 partials of a split reduction: one vector reduced per output.
// CHECK-LABEL: func.func @partials
// CHECK: scf.forall ({{.*}}) in (12)
// CHECK: vector.multi_reduction <maximumf>, {{.*}} [1] : vector<1x16xf32> to vector<1xf32>
// CHECK-NOT: linalg.reduce
// SHORT-LABEL: func.func @partials
// SHORT: linalg.reduce
// HOIST-LABEL: func.func @partials
// HOIST: vector.multi_reduction <maximumf>
func.func @partials(%x: tensor<12x16xf32>, %init: tensor<12xf32>) -> tensor<12xf32> {
  %r = linalg.reduce ins(%x : tensor<12x16xf32>) outs(%init : tensor<12xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %m = arith.maximumf %in, %acc : f32
      linalg.yield %m : f32
    }
  return %r : tensor<12xf32>
}

// -----

// Left alone: no reduction (elementwise), a row longer than max-row.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.for
// CHECK: linalg.generic
// CHECK: linalg.reduce
// SHORT-LABEL: func.func @left_alone
// HOIST-LABEL: func.func @left_alone
func.func @left_alone(%x: tensor<4x16xf32>, %y: tensor<4x16xf32>, %z: tensor<2x512xf32>, %i: tensor<2xf32>) -> (tensor<4x16xf32>, tensor<2xf32>) {
  %e = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x16xf32>) outs(%y : tensor<4x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<4x16xf32>
  %r = linalg.reduce ins(%z : tensor<2x512xf32>) outs(%i : tensor<2xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return %e, %r : tensor<4x16xf32>, tensor<2xf32>
}
