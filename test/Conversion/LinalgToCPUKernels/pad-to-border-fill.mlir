// --qsim-pad-to-border-fill: the source inserted into an uninitialised
// tensor, then one fill per padded side over a slab of the border (earlier
// dimensions over the interior, later ones whole), so every element is
// written once after bufferization.
// RUN: qsim-opt %s --qsim-pad-to-border-fill -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @nhwc
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x4x2xi8>)
// CHECK-NOT: tensor.pad
// CHECK: %[[PV:.*]] = arith.constant -128 : i8
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x5x7x2xi8>
// CHECK: %[[I:.*]] = tensor.insert_slice %[[X]] into %[[E]][0, 1, 2, 0] [1, 3, 4, 2] [1, 1, 1, 1]
// Top row, bottom row: all columns.
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[I]][0, 0, 0, 0] [1, 1, 7, 2]
// CHECK: %[[F0:.*]] = linalg.fill ins(%[[PV]] : i8) outs(%[[S0]] : tensor<1x1x7x2xi8>)
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[F0]] into %[[I]][0, 0, 0, 0] [1, 1, 7, 2]
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[I0]][0, 4, 0, 0] [1, 1, 7, 2]
// CHECK: linalg.fill ins(%[[PV]] : i8) outs(%[[S1]] : tensor<1x1x7x2xi8>)
// Left and right columns: the interior rows only.
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 0, 0] [1, 3, 2, 2]
// CHECK: linalg.fill ins(%[[PV]] : i8) outs(%{{.*}} : tensor<1x3x2x2xi8>)
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 6, 0] [1, 3, 1, 2]
// CHECK: %[[F3:.*]] = linalg.fill ins(%[[PV]] : i8) outs(%{{.*}} : tensor<1x3x1x2xi8>)
// CHECK: %[[R:.*]] = tensor.insert_slice %[[F3]] into %{{.*}}[0, 1, 6, 0] [1, 3, 1, 2]
// CHECK: return %[[R]]
func.func @nhwc(%x: tensor<1x3x4x2xi8>) -> tensor<1x5x7x2xi8> {
  %p = tensor.pad %x low[0, 1, 2, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    %v = arith.constant -128 : i8
    tensor.yield %v : i8
  } : tensor<1x3x4x2xi8> to tensor<1x5x7x2xi8>
  return %p : tensor<1x5x7x2xi8>
}

// -----

// Padding given as constant SSA values (tosa-to-tensor's form) and a value
// from outside the body.
// CHECK-LABEL: func.func @ssa_padding
// CHECK-NOT: tensor.pad
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[2] [4] [1]
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2xf32>)
// CHECK-NOT: linalg.fill
// CHECK: return
func.func @ssa_padding(%x: tensor<4xf32>, %v: f32) -> tensor<6xf32> {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %p = tensor.pad %x low[%c2] high[%c0] {
  ^bb0(%i: index):
    tensor.yield %v : f32
  } : tensor<4xf32> to tensor<6xf32>
  return %p : tensor<6xf32>
}

// -----

// Dynamic padding or a value computed from the indices: left alone.
// CHECK-LABEL: func.func @dynamic
// CHECK: tensor.pad
// CHECK-LABEL: func.func @index_value
// CHECK: tensor.pad
func.func @dynamic(%x: tensor<4xf32>, %n: index, %v: f32) -> tensor<?xf32> {
  %p = tensor.pad %x low[%n] high[0] {
  ^bb0(%i: index):
    tensor.yield %v : f32
  } : tensor<4xf32> to tensor<?xf32>
  return %p : tensor<?xf32>
}
func.func @index_value(%x: tensor<4xi64>) -> tensor<6xi64> {
  %p = tensor.pad %x low[1] high[1] {
  ^bb0(%i: index):
    %v = arith.index_cast %i : index to i64
    tensor.yield %v : i64
  } : tensor<4xi64> to tensor<6xi64>
  return %p : tensor<6xi64>
}
