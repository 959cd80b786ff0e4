// The element ranges of the qsim ops (InferIntRangeInterface), seen through
// upstream's integer range analysis: a comparison they decide folds to a
// constant, one they leave open stays.
// RUN: qsim-opt %s --int-range-optimizations --split-input-file | FileCheck %s

// A widened i8 is in [-128, 127]; requantizing it by 1/2 gives [-65, 65]
// (|round(x / 2)| <= floor(128 / 2) + 1).
// CHECK-LABEL: func.func @cast_requantize
// CHECK-DAG: %[[TRUE:.*]] = arith.constant dense<true> : tensor<4xi1>
// CHECK-DAG: %[[OPEN:.*]] = arith.cmpi sle, %{{.*}}, %{{.*}} : tensor<4xi8>
// CHECK: return %[[TRUE]], %[[TRUE]], %[[OPEN]]
func.func @cast_requantize(%x: tensor<4xi8>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %w = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %c127 = arith.constant dense<127> : tensor<4xi32>
  %le127 = arith.cmpi sle, %w, %c127 : tensor<4xi32>
  %r = qsim.requantize %w multiplier [1073741824] shift [31] : tensor<4xi32> -> tensor<4xi8>
  %c65 = arith.constant dense<65> : tensor<4xi8>
  %c64 = arith.constant dense<64> : tensor<4xi8>
  %le65 = arith.cmpi sle, %r, %c65 : tensor<4xi8>
  %le64 = arith.cmpi sle, %r, %c64 : tensor<4xi8>
  return %le127, %le65, %le64 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

// The clamp of a requantize bounds it whatever its input.
// CHECK-LABEL: func.func @requantize_clamp
// CHECK: %[[TRUE:.*]] = arith.constant dense<true> : tensor<4xi1>
// CHECK: return %[[TRUE]]
func.func @requantize_clamp(%a: tensor<4xi32>) -> tensor<4xi1> {
  %r = qsim.requantize %a multiplier [1073741824] shift [31] {clamp_min = 0 : i64} : tensor<4xi32> -> tensor<4xi8>
  %c0 = arith.constant dense<0> : tensor<4xi8>
  %ge = arith.cmpi sge, %r, %c0 : tensor<4xi8>
  return %ge : tensor<4xi1>
}

// -----

// Narrowing saturates: an unsigned narrowing is in [0, 255], seen as i8
// bits that is any value, so nothing folds; a signed one of a widened u8
// is in [0, 127].
// CHECK-LABEL: func.func @cast_narrow
// CHECK-DAG: %[[TRUE:.*]] = arith.constant dense<true> : tensor<4xi1>
// CHECK-DAG: %[[OPEN:.*]] = arith.cmpi sge
// CHECK: return %[[OPEN]], %[[TRUE]]
func.func @cast_narrow(%a: tensor<4xi32>, %x: tensor<4xi8>) -> (tensor<4xi1>, tensor<4xi1>) {
  %u = qsim.cast %a unsigned : tensor<4xi32> to tensor<4xi8>
  %c0 = arith.constant dense<0> : tensor<4xi8>
  %ge = arith.cmpi sge, %u, %c0 : tensor<4xi8>
  %w = qsim.cast %x unsigned : tensor<4xi8> to tensor<4xi16>
  %n = qsim.cast %w : tensor<4xi16> to tensor<4xi8>
  %ne = arith.cmpi sge, %n, %c0 : tensor<4xi8>
  return %ge, %ne : tensor<4xi1>, tensor<4xi1>
}

// -----

// add: the shifted operands' ranges added ([-256, 254] here), mul: the
// products' (saturated to i16).
// CHECK-LABEL: func.func @add_mul
// CHECK-DAG: %[[TRUE:.*]] = arith.constant dense<true> : tensor<4xi1>
// CHECK-DAG: %[[OPEN:.*]] = arith.cmpi slt
// CHECK: return %[[TRUE]], %[[OPEN]], %[[TRUE]]
func.func @add_mul(%x: tensor<4xi8>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %w = qsim.cast %x : tensor<4xi8> to tensor<4xi32>
  %s = qsim.add %w, %w scales([1.0], [1.0] -> [1.0]) : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  %c255 = arith.constant dense<255> : tensor<4xi32>
  %c254 = arith.constant dense<254> : tensor<4xi32>
  %lt255 = arith.cmpi slt, %s, %c255 : tensor<4xi32>
  %lt254 = arith.cmpi slt, %s, %c254 : tensor<4xi32>
  %h = qsim.cast %x : tensor<4xi8> to tensor<4xi16>
  %p = qsim.mul %h, %h scales([1.0], [1.0] -> [1.0]) : tensor<4xi16>, tensor<4xi16> -> tensor<4xi16>
  %c16384 = arith.constant dense<16384> : tensor<4xi16>
  %le = arith.cmpi sle, %p, %c16384 : tensor<4xi16>
  return %lt255, %lt254, %le : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

// A lookup's result lies within its table's entries, [-3, 100] here,
// whatever its input.
// CHECK-LABEL: func.func @lut
// CHECK-DAG: %[[TRUE:.*]] = arith.constant dense<true> : tensor<4xi1>
// CHECK-DAG: %[[OPEN:.*]] = arith.cmpi sle, %{{.*}}, %{{.*}} : tensor<4xi8>
// CHECK: return %[[TRUE]], %[[TRUE]], %[[OPEN]]
func.func @lut(%x: tensor<4xi2>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %y = qsim.lut %x table dense<[7, -3, 100, 0]> : tensor<4xi8> : tensor<4xi2> -> tensor<4xi8>
  %c100 = arith.constant dense<100> : tensor<4xi8>
  %cm3 = arith.constant dense<-3> : tensor<4xi8>
  %c99 = arith.constant dense<99> : tensor<4xi8>
  %le100 = arith.cmpi sle, %y, %c100 : tensor<4xi8>
  %gem3 = arith.cmpi sge, %y, %cm3 : tensor<4xi8>
  %le99 = arith.cmpi sle, %y, %c99 : tensor<4xi8>
  return %le100, %gem3, %le99 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}
