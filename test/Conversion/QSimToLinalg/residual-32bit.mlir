// A residual add of int8 tensors brought to a finer common scale stays in
// 32-bit lanes: the rescale of an i8 by a Q31 multiplier and a small shift
// splits the multiplier at the shift (m = mh * 2^s + ml), a power-of-two
// rescale is one 32-bit multiply, and the add is 32-bit because the
// operands' ranges (from their requantizes) bound the exact sum below 2^31.
// (Bit-exactness: python/tests/test_requantize_lowering.py.)
// RUN: qsim-opt %s --convert-qsim-to-linalg -canonicalize | FileCheck %s

// 1281467114 = 312858 * 2^12 + 746.
// CHECK-LABEL: func.func @rescale_split
// CHECK-DAG: arith.constant 312858 : i32
// CHECK-DAG: arith.constant 746 : i32
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.muli
// CHECK: arith.muli
// CHECK: arith.shrsi
// CHECK-NOT: i64
// CHECK: linalg.yield %{{.*}} : i32
func.func @rescale_split(%x: tensor<4x8xi8>) -> tensor<4x8xi32> {
  %y = qsim.requantize %x multiplier [1281467114] shift [12] : tensor<4x8xi8> -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}

// CHECK-LABEL: func.func @residual
// CHECK-NOT: i64
// CHECK: arith.muli %{{.*}}, %{{.*}} : i32
// CHECK-NOT: i64
// CHECK: arith.addi %{{.*}}, %{{.*}} : i32
// CHECK-NOT: i64
// CHECK: arith.mulsi_extended
// CHECK-NOT: i64
// CHECK: return
func.func @residual(%a: tensor<1x4x4x8xi8>, %s: tensor<1x4x4x8xi8>) -> tensor<1x4x4x8xi8> {
  %ra = qsim.requantize %a multiplier [1281467114] shift [12] : tensor<1x4x4x8xi8> -> tensor<1x4x4x8xi32>
  %rs = qsim.requantize %s multiplier [2097152] shift [0] : tensor<1x4x4x8xi8> -> tensor<1x4x4x8xi32>
  %sum = qsim.add %ra, %rs scales([1.0], [1.0] -> [1.0]) : tensor<1x4x4x8xi32>, tensor<1x4x4x8xi32> -> tensor<1x4x4x8xi32>
  %y = qsim.requantize %sum multiplier [1098077754] shift [51] {clamp_min = 0 : i64} : tensor<1x4x4x8xi32> -> tensor<1x4x4x8xi8>
  return %y : tensor<1x4x4x8xi8>
}

// Unbounded i32 operands (function arguments) keep the 64-bit sum.
// CHECK-LABEL: func.func @add_unbounded
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.addi %{{.*}}, %{{.*}} : i64
func.func @add_unbounded(%a: tensor<8xi32>, %b: tensor<8xi32>) -> tensor<8xi32> {
  %0 = qsim.add %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<8xi32>, tensor<8xi32> -> tensor<8xi32>
  return %0 : tensor<8xi32>
}

// A batch of 1 is not a broadcast: the skip operand of equal shape is read
// through the identity map (the CPU kernels fuse such an add as their
// epilogue).
// CHECK-LABEL: func.func @add_batch1
// CHECK: linalg.generic {indexing_maps = [#[[$ID4:.*]], #[[$ID4]], #[[$ID4]]]
func.func @add_batch1(%a: tensor<1x2x2x8xi8>, %b: tensor<1x2x2x8xi8>) -> tensor<1x2x2x8xi8> {
  %0 = qsim.add %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<1x2x2x8xi8>, tensor<1x2x2x8xi8> -> tensor<1x2x2x8xi8>
  return %0 : tensor<1x2x2x8xi8>
}
