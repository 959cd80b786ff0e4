// RUN: qsim-opt %s --qsim-instrument | FileCheck %s
// RUN: qsim-opt %s --qsim-instrument="callee=my_observer" | FileCheck %s --check-prefix=CALLEE

// Input/activation markers become observer calls numbered in program order;
// weight and bias markers disappear; the module records the points.
// CHECK: module attributes {qsim.observed_points = [{kind = "input", loc = {{.*}}, name = "f.x"}, {kind = "activation", loc = {{.*}}, name = "f.y"}]}
// CHECK: func.func private @qsim_observe(i64, memref<*xf32>)
// CHECK-LABEL: func.func @f
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[W:.*]]: tensor<4xf32>)
// CHECK: %[[B:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<4xf32> to memref<4xf32>
// CHECK: %[[U:.*]] = memref.cast %[[B]] : memref<4xf32> to memref<*xf32>
// CHECK: %[[ID:.*]] = arith.constant 0 : i64
// CHECK: call @qsim_observe(%[[ID]], %[[U]])
// CHECK: %[[S:.*]] = arith.addf %[[X]], %[[W]]
// CHECK: arith.constant 1 : i64
// CHECK: call @qsim_observe
// CHECK-NOT: qsim.annotate
// CHECK: return %[[S]]
// CALLEE: func.func private @my_observer(i64, memref<*xf32>)
func.func @f(%x: tensor<4xf32>, %w: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.annotate %x input "f.x" : tensor<4xf32>
  %1 = qsim.annotate %w weight "f.w" : tensor<4xf32>
  %2 = arith.addf %0, %1 : tensor<4xf32>
  %3 = qsim.annotate %2 activation "f.y" : tensor<4xf32>
  return %3 : tensor<4xf32>
}
