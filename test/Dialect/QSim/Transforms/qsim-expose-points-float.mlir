// RUN: qsim-opt %s --qsim-expose-points="value=float" | FileCheck %s

// Annotate-stage markers with value=float; result attributes of the
// function's own results are kept. A function without points is unchanged.
// CHECK-LABEL: func.func @g
// CHECK-SAME: -> (tensor<4xf32> {foo.bar}, tensor<4xf32> {qsim.point = "f.y"})
// CHECK: %[[A:.*]] = tosa.abs
// CHECK: return %{{.*}}, %[[A]]
// CHECK-LABEL: func.func @h
// CHECK-SAME: -> tensor<4xf32>
func.func @g(%x: tensor<4xf32>) -> (tensor<4xf32> {foo.bar}) {
  %0 = tosa.abs %x : (tensor<4xf32>) -> tensor<4xf32>
  %1 = qsim.annotate %0 activation "f.y" : tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func @h(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
