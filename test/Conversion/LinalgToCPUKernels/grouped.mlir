// RUN: qsim-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(convert-linalg-to-cpu-kernels{target=avx512-vnni report-kernels}))' | FileCheck %s

// Grouped convolutions (linalg.conv_2d_nhwgc_gfhwc, RegNet's and ResNeXt's
// layers): one kernel for all groups. A vector of 16 output channels holds
// two groups of 8: each lane reads its own group's input words through a
// constant shuffle of the two groups' words. The requantize reads the
// result through the collapse of (group, channel) and is fused.

// CHECK-LABEL: func.func @two_groups_per_vector
// CHECK-NOT: linalg.conv_2d_nhwgc_gfhwc
// CHECK: vector.shuffle {{.*}} [0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2] : vector<3xi32>, vector<3xi32>
// CHECK: llvm.x86.avx512.vpdpbusd.512
// CHECK-NOT: tensor.collapse_shape {{.*}} tensor<1x4x4x6x8xi32>
func.func @two_groups_per_vector(%x: tensor<1x6x6x6x8xi8>, %m: tensor<48xi32>) -> tensor<1x4x4x48xi8> {
  %w = arith.constant dense<3> : tensor<6x8x3x3x8xi8>
  %z = arith.constant 0 : i32
  %e0 = tensor.empty() : tensor<1x4x4x6x8xi32>
  %init = linalg.fill ins(%z : i32) outs(%e0 : tensor<1x4x4x6x8xi32>) -> tensor<1x4x4x6x8xi32>
  // expected-remark @below {{micro-kernel: vpdpbusd, 16 lanes (input in [-128, 127]: flipped), 6 groups of 8 -> 8 channels, epilogue fused}}
  %acc5 = linalg.conv_2d_nhwgc_gfhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x6x6x6x8xi8>, tensor<6x8x3x3x8xi8>) outs(%init : tensor<1x4x4x6x8xi32>) -> tensor<1x4x4x6x8xi32>
  %acc = tensor.collapse_shape %acc5 [[0], [1], [2], [3, 4]] : tensor<1x4x4x6x8xi32> into tensor<1x4x4x48xi32>
  %e = tensor.empty() : tensor<1x4x4x48xi8>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : tensor<1x4x4x48xi32>, tensor<48xi32>) outs(%e : tensor<1x4x4x48xi8>) {
  ^bb0(%in: i32, %mm: i32, %out: i8):
    %p = arith.muli %in, %mm : i32
    %c = arith.constant 8 : i32
    %s = arith.shrsi %p, %c : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %a = arith.maxsi %s, %lo : i32
    %b = arith.minsi %a, %hi : i32
    %t = arith.trunci %b : i32 to i8
    linalg.yield %t : i8
  } -> tensor<1x4x4x48xi8>
  return %r : tensor<1x4x4x48xi8>
}

// -----

// Groups of 32 output channels: each vector lies in one group and reads
// one broadcast word, at its group's channels.

// CHECK-LABEL: func.func @vectors_inside_a_group
// CHECK-NOT: vector.shuffle
// CHECK: llvm.x86.avx512.vpdpbusd.512
func.func @vectors_inside_a_group(%x: tensor<1x5x5x2x4xi8>) -> tensor<1x3x3x2x32xi32> {
  %w = arith.constant dense<-2> : tensor<2x32x3x3x4xi8>
  %z = arith.constant 0 : i32
  %e0 = tensor.empty() : tensor<1x3x3x2x32xi32>
  %init = linalg.fill ins(%z : i32) outs(%e0 : tensor<1x3x3x2x32xi32>) -> tensor<1x3x3x2x32xi32>
  // expected-remark @below {{micro-kernel: vpdpbusd, 16 lanes (input in [-128, 127]: flipped), 2 groups of 4 -> 32 channels}}
  %y = linalg.conv_2d_nhwgc_gfhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x5x5x2x4xi8>, tensor<2x32x3x3x4xi8>) outs(%init : tensor<1x3x3x2x32xi32>) -> tensor<1x3x3x2x32xi32>
  return %y : tensor<1x3x3x2x32xi32>
}

// -----

// Groups whose channels are not a multiple of the dot's four bytes, or
// whose output channels neither divide nor fill the lanes, keep the loops.

// CHECK-LABEL: func.func @odd_group_channels
// CHECK: linalg.conv_2d_nhwgc_gfhwc
func.func @odd_group_channels(%x: tensor<1x5x5x4x3xi8>) -> tensor<1x3x3x4x8xi32> {
  %w = arith.constant dense<1> : tensor<4x8x3x3x3xi8>
  %z = arith.constant 0 : i32
  %e0 = tensor.empty() : tensor<1x3x3x4x8xi32>
  %init = linalg.fill ins(%z : i32) outs(%e0 : tensor<1x3x3x4x8xi32>) -> tensor<1x3x3x4x8xi32>
  %y = linalg.conv_2d_nhwgc_gfhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x5x5x4x3xi8>, tensor<4x8x3x3x3xi8>) outs(%init : tensor<1x3x3x4x8xi32>) -> tensor<1x3x3x4x8xi32>
  return %y : tensor<1x3x3x4x8xi32>
}

// CHECK-LABEL: func.func @group_width_12
// CHECK: linalg.conv_2d_nhwgc_gfhwc
func.func @group_width_12(%x: tensor<1x5x5x4x4xi8>) -> tensor<1x3x3x4x12xi32> {
  %w = arith.constant dense<1> : tensor<4x12x3x3x4xi8>
  %z = arith.constant 0 : i32
  %e0 = tensor.empty() : tensor<1x3x3x4x12xi32>
  %init = linalg.fill ins(%z : i32) outs(%e0 : tensor<1x3x3x4x12xi32>) -> tensor<1x3x3x4x12xi32>
  %y = linalg.conv_2d_nhwgc_gfhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x5x5x4x4xi8>, tensor<4x12x3x3x4xi8>) outs(%init : tensor<1x3x3x4x12xi32>) -> tensor<1x3x3x4x12xi32>
  return %y : tensor<1x3x3x4x12xi32>
}
