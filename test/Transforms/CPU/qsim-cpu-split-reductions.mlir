// RUN: qsim-opt %s --qsim-cpu-split-reductions | FileCheck %s
// RUN: qsim-opt %s --qsim-cpu-split-reductions=width=8 | FileCheck %s --check-prefix=W8
// RUN: not qsim-opt %s --qsim-cpu-split-reductions=width=1 2>&1 | FileCheck %s --check-prefix=BAD

// A softmax's row max: 16 partials per row over 8 x 16 (the 16 parallel
// and innermost), then a reduction of the 16.
// CHECK-LABEL: func.func @row_max
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [12, 8, 16] : tensor<12x128xf32> into tensor<12x8x16xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<12x16xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK-SAME: ins(%{{.*}} : tensor<12x8x16xf32>) outs(%{{.*}} : tensor<12x16xf32>)
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%{{.*}} : tensor<12x16xf32>) outs(%{{.*}} : tensor<12xf32>)
// CHECK: arith.maximumf
// W8-LABEL: func.func @row_max
// W8: output_shape [12, 16, 8]
func.func @row_max(%x: tensor<12x128xf32>, %init: tensor<12xf32>) -> tensor<12xf32> {
  %r = linalg.reduce ins(%x : tensor<12x128xf32>) outs(%init : tensor<12xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %m = arith.maximumf %in, %acc : f32
      linalg.yield %m : f32
    }
  return %r : tensor<12xf32>
}

// Left alone: integer sums (LLVM vectorizes them), a reduction along a
// strided dimension, rows too short or not a multiple of the width.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: tensor.expand_shape
// CHECK: return
func.func @left_alone(%i: tensor<4x128xi32>, %ii: tensor<4xi32>, %f: tensor<128x4xf32>, %fi: tensor<4xf32>, %s: tensor<4x40xf32>) -> (tensor<4xi32>, tensor<4xf32>, tensor<4xf32>) {
  %a = linalg.reduce ins(%i : tensor<4x128xi32>) outs(%ii : tensor<4xi32>) dimensions = [1]
    (%in: i32, %acc: i32) {
      %s0 = arith.addi %in, %acc : i32
      linalg.yield %s0 : i32
    }
  %b = linalg.reduce ins(%f : tensor<128x4xf32>) outs(%fi : tensor<4xf32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %s1 = arith.addf %in, %acc : f32
      linalg.yield %s1 : f32
    }
  %c = linalg.reduce ins(%s : tensor<4x40xf32>) outs(%fi : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s2 = arith.addf %in, %acc : f32
      linalg.yield %s2 : f32
    }
  return %a, %b, %c : tensor<4xi32>, tensor<4xf32>, tensor<4xf32>
}

// BAD: qsim-cpu-split-reductions: width must be at least 2, got 1
