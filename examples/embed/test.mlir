// RUN: embed-opt %s --qsim-annotate | FileCheck %s
// Checked by scripts/test.sh against the installed package.

// The embedder's own rule: the 1-D conv gets input, weight and output markers.
// CHECK-LABEL: func.func @conv1d
// CHECK-DAG: qsim.annotate %arg0 input "conv1d.arg0"
// CHECK-DAG: qsim.annotate %{{.*}} weight "conv1d.conv_1d_nwc_wcf_0.weight"
// CHECK: linalg.conv_1d_nwc_wcf
// CHECK: qsim.annotate %{{.*}} activation "conv1d.conv_1d_nwc_wcf_0.out"
func.func @conv1d(%x: tensor<1x8x3xf32>) -> tensor<1x6x4xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3x4xf32>
  %init = arith.constant dense<0.0> : tensor<1x6x4xf32>
  %0 = linalg.conv_1d_nwc_wcf ins(%x, %w : tensor<1x8x3xf32>, tensor<3x3x4xf32>)
         outs(%init : tensor<1x6x4xf32>) -> tensor<1x6x4xf32>
  return %0 : tensor<1x6x4xf32>
}

// A rule qsim ships (linalg.matmul) is registered too.
// CHECK-LABEL: func.func @dense
// CHECK: qsim.annotate %{{.*}} weight "dense.matmul_0.weight"
// CHECK: linalg.matmul
func.func @dense(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.25> : tensor<4x3xf32>
  %init = arith.constant dense<0.0> : tensor<2x3xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>)
         outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
