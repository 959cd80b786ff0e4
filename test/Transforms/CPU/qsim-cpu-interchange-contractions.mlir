// RUN: qsim-opt %s --split-input-file --qsim-cpu-interchange-contractions | FileCheck %s

// An attention matmul (both operands activations): k moves outside n, the
// output's and B's contiguous dimension.
// CHECK-DAG: #[[$A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[$B:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[$C:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @batch_matmul
// CHECK-NOT: linalg.batch_matmul
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
// CHECK: arith.extsi
// CHECK: arith.muli
// CHECK: arith.addi
func.func @batch_matmul(%a: tensor<2x8x4xi8>, %b: tensor<2x4x16xi8>, %c: tensor<2x8x16xi32>) -> tensor<2x8x16xi32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x8x4xi8>, tensor<2x4x16xi8>) outs(%c : tensor<2x8x16xi32>) -> tensor<2x8x16xi32>
  return %r : tensor<2x8x16xi32>
}

// -----

// B transposed (Q times K^T read as (b, n, k)): B's last dimension is k, n
// is not contiguous in it, so the order stays.
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK: linalg.batch_matmul
func.func @matmul_transpose_b(%a: tensor<2x8x4xf32>, %b: tensor<2x16x4xf32>, %c: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %r = linalg.batch_matmul indexing_maps = [
      affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
      affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>,
      affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>]
      ins(%a, %b : tensor<2x8x4xf32>, tensor<2x16x4xf32>) outs(%c : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %r : tensor<2x8x16xf32>
}

// -----

// A sum along the contiguous dimension (a softmax's denominator) is left
// alone.
// CHECK-LABEL: func.func @row_sum
// CHECK: iterator_types = ["parallel", "reduction"]
func.func @row_sum(%x: tensor<8x16xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x16xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}
