// A linear layer as ONNX writes it, MatMul then Add of a bias: the matmul
// gets no output point and the add none on its input, so realize adds the
// bias to the int32 accumulator (quantized at s_x * s_w[c]) and requantizes
// once, at the add's point, instead of rounding to 8 bits before the bias.
// RUN: qsim-opt %s --qsim-annotate="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: qsim-opt %s --qsim-quantize="global-scale=4" | FileCheck %s --check-prefix=REAL

// CHECK-LABEL: func.func @linear
// CHECK: %[[MM:.*]] = tosa.matmul
// CHECK-NOT: qsim.annotate %[[MM]]
// CHECK: %[[ADD:.*]] = tosa.add %{{.*}}, %[[MM]]
// CHECK: qsim.annotate %[[ADD]] activation "lin.out"
// REPORT: "point": "lin/mm"
// REPORT: "status": "quantized"
// REPORT: "result": "int32: the bias add after it requantizes"
// REPORT: "point": "lin"
// REPORT: "status": "quantized"
// The bias at s_x * s_w[c] (s_x = 4/127, s_w = [0.75, 0.25, 1]/127):
// 0.1 * 127^2 / 3 = 537.6, -0.2 * 127^2 = -3225.8, 0.3 * 127^2 / 4 = 1209.7.
// REAL-LABEL: func.func @linear
// REAL: %[[B:.*]] = "tosa.const"() <{values = dense<{{\[\[\[}}538, -3226, 1210]]]> : tensor<1x1x3xi32>}>
// REAL: %[[ACC:.*]] = tosa.matmul %{{.*}} -> tensor<1x4x3xi32>
// REAL-NEXT: %[[SUM:.*]] = tosa.add %[[ACC]], %[[B]] : (tensor<1x4x3xi32>, tensor<1x1x3xi32>) -> tensor<1x4x3xi32>
// REAL-NEXT: tensor.empty() : tensor<1x4x3xi8>
// REAL-NEXT: linalg.generic {{.*}} ins(%[[SUM]],
// REAL-NOT: tosa.add
// REAL: return
func.func @linear(%x: tensor<1x4x2xf32>) -> tensor<1x4x3xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[0.5, -0.25, 1.0], [0.75, 0.125, -1.0]]]> : tensor<1x2x3xf32>}> : () -> tensor<1x2x3xf32>
  %b = "tosa.const"() <{values = dense<[[[0.1, -0.2, 0.3]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %m = tosa.matmul %x, %w, %zp, %zp : (tensor<1x4x2xf32>, tensor<1x2x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x3xf32> loc("lin/mm")
  %y = tosa.add %b, %m : (tensor<1x1x3xf32>, tensor<1x4x3xf32>) -> tensor<1x4x3xf32> loc("lin")
  return %y : tensor<1x4x3xf32>
}

// The matmul keeps its point when the add's other operand is no bias (an
// activation, a constant that varies along another dimension) or when a
// second op reads the matmul.
// CHECK-LABEL: func.func @not_a_bias
// CHECK: qsim.annotate %{{.*}} activation "res/mm.out"
// CHECK: qsim.annotate %{{.*}} activation "rows/mm.out"
// CHECK: qsim.annotate %{{.*}} activation "two/mm.out"
// CHECK: return
func.func @not_a_bias(%x: tensor<1x4x2xf32>, %r: tensor<1x4x3xf32>) -> (tensor<1x4x3xf32>, tensor<1x4x3xf32>, tensor<1x4x3xf32>, tensor<1x4x3xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[0.5, -0.25, 1.0], [0.75, 0.125, -1.0]]]> : tensor<1x2x3xf32>}> : () -> tensor<1x2x3xf32>
  %rows = "tosa.const"() <{values = dense<[[[0.1], [0.2], [0.3], [0.4]]]> : tensor<1x4x1xf32>}> : () -> tensor<1x4x1xf32>
  %b = "tosa.const"() <{values = dense<[[[0.1, -0.2, 0.3]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %m1 = tosa.matmul %x, %w, %zp, %zp : (tensor<1x4x2xf32>, tensor<1x2x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x3xf32> loc("res/mm")
  %y1 = tosa.add %m1, %r : (tensor<1x4x3xf32>, tensor<1x4x3xf32>) -> tensor<1x4x3xf32> loc("res")
  %m2 = tosa.matmul %x, %w, %zp, %zp : (tensor<1x4x2xf32>, tensor<1x2x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x3xf32> loc("rows/mm")
  %y2 = tosa.add %m2, %rows : (tensor<1x4x3xf32>, tensor<1x4x1xf32>) -> tensor<1x4x3xf32> loc("rows")
  %m3 = tosa.matmul %x, %w, %zp, %zp : (tensor<1x4x2xf32>, tensor<1x2x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x3xf32> loc("two/mm")
  %y3 = tosa.add %m3, %b : (tensor<1x4x3xf32>, tensor<1x1x3xf32>) -> tensor<1x4x3xf32> loc("two")
  return %y1, %y2, %y3, %m3 : tensor<1x4x3xf32>, tensor<1x4x3xf32>, tensor<1x4x3xf32>, tensor<1x4x3xf32>
}

// A batch of several: the importer's 3-D matmul, a reshape back that keeps
// the last dimension, then the bias. The reshape passes the accumulator on.
// CHECK-LABEL: func.func @linear_batch
// CHECK-NOT: "b4/mm.out"
// CHECK-NOT: "b4/back.out"
// CHECK: qsim.annotate %{{.*}} activation "b4.out"
// REAL-LABEL: func.func @linear_batch
// REAL: %[[ACC:.*]] = tosa.matmul %{{.*}} -> tensor<1x8x3xi32>
// REAL: %[[R:.*]] = tosa.reshape %[[ACC]], %{{.*}} : (tensor<1x8x3xi32>, !tosa.shape<3>) -> tensor<2x4x3xi32>
// REAL: tosa.add %[[R]], %{{.*}} : (tensor<2x4x3xi32>, tensor<1x1x3xi32>) -> tensor<2x4x3xi32>
// REAL-NOT: tosa.cast
// REAL: return
func.func @linear_batch(%x: tensor<1x8x2xf32>) -> tensor<2x4x3xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[0.5, -0.25, 1.0], [0.75, 0.125, -1.0]]]> : tensor<1x2x3xf32>}> : () -> tensor<1x2x3xf32>
  %b = "tosa.const"() <{values = dense<[[[0.1, -0.2, 0.3]]]> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %m = tosa.matmul %x, %w, %zp, %zp : (tensor<1x8x2xf32>, tensor<1x2x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x3xf32> loc("b4/mm")
  %shape = tosa.const_shape {values = dense<[2, 4, 3]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %r = tosa.reshape %m, %shape : (tensor<1x8x3xf32>, !tosa.shape<3>) -> tensor<2x4x3xf32> loc("b4/back")
  %y = tosa.add %r, %b : (tensor<2x4x3xf32>, tensor<1x1x3xf32>) -> tensor<2x4x3xf32> loc("b4")
  return %y : tensor<2x4x3xf32>
}
