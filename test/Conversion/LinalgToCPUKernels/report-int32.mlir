// RUN: qsim-opt %s --verify-diagnostics --pass-pipeline='builtin.module(func.func(convert-linalg-to-cpu-kernels{target=avx2 report-int32}))'

// An i32 result read by two ops cannot run its consumers on the
// accumulators: the kernel writes the i32 tensor, and the option says so.
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @two_users(%a: tensor<4x8xi8>) -> (tensor<4x16xi8>, tensor<4x16xi8>) {
  %b = arith.constant dense<1> : tensor<8x16xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x16xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
  // expected-remark @below {{i32 tensor 'tensor<4x16xi32>' is stored for another op to read}}
  %m = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x16xi8>) outs(%f : tensor<4x16xi32>) -> tensor<4x16xi32>
  %e8 = tensor.empty() : tensor<4x16xi8>
  %r1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<4x16xi32>) outs(%e8 : tensor<4x16xi8>) {
  ^bb0(%in: i32, %out: i8):
    %t = arith.trunci %in : i32 to i8
    linalg.yield %t : i8
  } -> tensor<4x16xi8>
  %r2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<4x16xi32>) outs(%e8 : tensor<4x16xi8>) {
  ^bb0(%in: i32, %out: i8):
    %c1 = arith.constant 1 : i32
    %s = arith.shrsi %in, %c1 : i32
    %t = arith.trunci %s : i32 to i8
    linalg.yield %t : i8
  } -> tensor<4x16xi8>
  return %r1, %r2 : tensor<4x16xi8>, tensor<4x16xi8>
}

// The CPU pipeline forwards the option.
// RUN: qsim-opt %s --qsim-cpu-pipeline="microkernels=avx2 report-int32" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE
// PIPE: remark: i32 tensor 'tensor<4x16xi32>' is stored for another op to read
