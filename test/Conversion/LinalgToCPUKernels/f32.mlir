// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,canonicalize,linalg-fuse-elementwise-ops,convert-linalg-to-cpu-kernels{target=avx2},canonicalize,cse))' | FileCheck %s --check-prefixes=CHECK,AVX2
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,canonicalize,linalg-fuse-elementwise-ops,convert-linalg-to-cpu-kernels{target=avx512},canonicalize,cse))' | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: qsim-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,canonicalize,convert-linalg-to-cpu-kernels{target=avx2 fp32=false}))' | FileCheck %s --check-prefix=OFF

// f32 convolution + ReLU: FMA kernel with the clamp fused.
// CHECK-LABEL: func.func @conv_relu
// CHECK: scf.for
// AVX2: vector.fma %{{.*}} : vector<8xf32>
// AVX512: vector.fma %{{.*}} : vector<16xf32>
// AVX2: arith.maximumf %{{.*}} : vector<8xf32>
// CHECK-NOT: linalg.conv
// OFF-LABEL: func.func @conv_relu
// OFF: linalg.conv_2d_nhwc_fhwc
func.func @conv_relu(%x: tensor<1x8x8x3xf32>) -> tensor<1x8x8x20xf32> {
  %w = arith.constant dense<0.5> : tensor<20x3x3x3xf32>
  %b = arith.constant dense<0.25> : tensor<20xf32>
  %z = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x3xf32>, tensor<20x3x3x3xf32>, tensor<20xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x20xf32>
  %1 = tosa.clamp %0 {min_val = 0.0 : f32, max_val = 3.4e38 : f32} : (tensor<1x8x8x20xf32>) -> tensor<1x8x8x20xf32>
  return %1 : tensor<1x8x8x20xf32>
}
