// RUN: embed-opt %s --qsim-annotate | FileCheck %s
// RUN: embed-opt %s --qsim-annotate --qsim-calibrate=global-scale=4.0 \
// RUN:   --qsim-realize --convert-qsim-to-linalg | FileCheck %s --check-prefix=INT
// Checked by scripts/test.sh against the installed package, which also runs
// @conv1d float and int8 through qsim-run (check_numerics.py).

// The embedder's own rule: the 1-D conv gets input, weight and output markers,
// and realizes as an int8 conv accumulating into a zero-filled i32 tensor,
// requantized per output channel; no float conv remains.
// CHECK-LABEL: func.func @conv1d
// CHECK-DAG: qsim.annotate %arg0 input "conv1d.arg0"
// CHECK-DAG: qsim.annotate %{{.*}} weight "conv1d.conv_1d_nwc_wcf_0.weight"
// CHECK: linalg.conv_1d_nwc_wcf
// CHECK: qsim.annotate %{{.*}} activation "conv1d.conv_1d_nwc_wcf_0.out"
// INT-LABEL: func.func @conv1d
// INT-NOT: linalg.conv_1d_nwc_wcf
// INT: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<1x6x4xi32>)
// INT: %[[ACC:.*]] = linalg.conv_1d_nwc_wcf {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x3xi8>, tensor<3x3x4xi8>) outs(%[[ZERO]] : tensor<1x6x4xi32>) -> tensor<1x6x4xi32>
// INT: linalg.generic {{.*}} ins(%[[ACC]], {{.*}} : tensor<1x6x4xi32>, {{.*}}) outs(%{{.*}} : tensor<1x6x4xi8>)
// INT-NOT: linalg.conv_1d_nwc_wcf
// INT: return
func.func @conv1d(%x: tensor<1x8x3xf32>) -> tensor<1x6x4xf32> {
  %w = arith.constant dense<[[[0.5, -0.25, 0.125, 0.3], [-0.1, 0.2, -0.4, 0.05], [0.15, 0.35, -0.2, -0.3]],
                             [[-0.45, 0.1, 0.25, -0.15], [0.3, -0.05, 0.1, 0.4], [-0.2, 0.25, 0.05, -0.1]],
                             [[0.05, -0.3, -0.15, 0.2], [0.4, 0.15, -0.35, 0.1], [-0.25, -0.1, 0.3, 0.45]]]> : tensor<3x3x4xf32>
  %init = arith.constant dense<0.0> : tensor<1x6x4xf32>
  %0 = linalg.conv_1d_nwc_wcf ins(%x, %w : tensor<1x8x3xf32>, tensor<3x3x4xf32>)
         outs(%init : tensor<1x6x4xf32>) -> tensor<1x6x4xf32>
  return %0 : tensor<1x6x4xf32>
}

// A conv that adds into a nonzero init is not the embedder's integer rule's
// case: it declines, and the conv stays float on dequantized operands.
// INT-LABEL: func.func @conv1d_accumulate
// INT: linalg.conv_1d_nwc_wcf {{.*}} : tensor<1x8x3xf32>, tensor<3x3x4xf32>) outs(%{{.*}} : tensor<1x6x4xf32>)
func.func @conv1d_accumulate(%x: tensor<1x8x3xf32>) -> tensor<1x6x4xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3x4xf32>
  %init = arith.constant dense<1.0> : tensor<1x6x4xf32>
  %0 = linalg.conv_1d_nwc_wcf ins(%x, %w : tensor<1x8x3xf32>, tensor<3x3x4xf32>)
         outs(%init : tensor<1x6x4xf32>) -> tensor<1x6x4xf32>
  return %0 : tensor<1x6x4xf32>
}

// A rule qsim ships (linalg.matmul) is registered too.
// CHECK-LABEL: func.func @dense
// CHECK: qsim.annotate %{{.*}} weight "dense.matmul_0.weight"
// CHECK: linalg.matmul
// INT-LABEL: func.func @dense
// INT: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xi8>, tensor<4x3xi8>) outs(%{{.*}} : tensor<2x3xi32>)
func.func @dense(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.25> : tensor<4x3xf32>
  %init = arith.constant dense<0.0> : tensor<2x3xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>)
         outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
