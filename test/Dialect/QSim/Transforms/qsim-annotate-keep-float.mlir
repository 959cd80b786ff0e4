// Ops a frontend marks qsim.keep_float stay float (the ONNX importer marks
// the ops of a softmax or a normalization), and so does an elementwise op
// whose results feed only float ops: the attention mask's add before a
// float softmax would otherwise get a point whose range (the mask's -10000)
// leaves the scores no step of the 8-bit grid. The matmul, whose result
// now feeds only float ops, keeps its int8 inputs but gets no output point:
// realize computes its float result from the i32 accumulator.
// RUN: qsim-opt %s --qsim-annotate="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: qsim-opt %s --qsim-quantize="global-scale=4" | FileCheck %s --check-prefix=REAL

// CHECK-LABEL: func.func @attention
// CHECK-DAG: qsim.annotate %arg0 input "attention.arg0"
// CHECK-DAG: qsim.annotate %arg1 input "attention.arg1"
// CHECK: tosa.matmul
// CHECK-NOT: "scores.out"
// CHECK-NOT: "masked.out"
// CHECK-NOT: "sm/sub.out"
// CHECK-NOT: "sm/exp.out"
// CHECK: return
// REPORT: "point": "scores"
// REPORT: "status": "quantized"
// REPORT: "result": "float: it feeds only float ops"
// REPORT: "point": "masked"
// REPORT: "status": "float"
// REPORT: "reason": "its results feed only ops that stay float"
// REPORT: "point": "sm/sub"
// REPORT: "status": "float"
// REPORT: "reason": "kept float (qsim.keep_float): part of a Softmax"
// REAL-LABEL: func.func @attention
// REAL: %[[ACC:.*]] = tosa.matmul %{{.*}} -> tensor<1x4x4xi32>
// REAL: %[[F:.*]] = tosa.cast %[[ACC]] : (tensor<1x4x4xi32>) -> tensor<1x4x4xf32>
// REAL: %[[S:.*]] = tosa.mul %[[F]], %{{.*}} : (tensor<1x4x4xf32>, tensor<1x1x4xf32>, tensor<1xi8>)
// REAL: tosa.add %[[S]], %arg2
// REAL-NOT: qsim.dequantize
// REAL-LABEL: func.func @read_by_int8
func.func @attention(%q: tensor<1x4x8xf32>, %k: tensor<1x8x4xf32>, %mask: tensor<1x4x4xf32>) -> tensor<1x4x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s = tosa.matmul %q, %k, %zp, %zp : (tensor<1x4x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4xf32> loc("scores")
  %m = tosa.add %s, %mask : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32> loc("masked")
  %mx = tosa.reduce_max %m {axis = 2 : i32, qsim.keep_float = "Softmax"} : (tensor<1x4x4xf32>) -> tensor<1x4x1xf32> loc("sm/max")
  %d = tosa.sub %m, %mx {qsim.keep_float = "Softmax"} : (tensor<1x4x4xf32>, tensor<1x4x1xf32>) -> tensor<1x4x4xf32> loc("sm/sub")
  %e = tosa.exp %d {qsim.keep_float = "Softmax"} : (tensor<1x4x4xf32>) -> tensor<1x4x4xf32> loc("sm/exp")
  %sum = tosa.reduce_sum %e {axis = 2 : i32, qsim.keep_float = "Softmax"} : (tensor<1x4x4xf32>) -> tensor<1x4x1xf32> loc("sm/sum")
  %inv = tosa.reciprocal %sum {qsim.keep_float = "Softmax"} : (tensor<1x4x1xf32>) -> tensor<1x4x1xf32> loc("sm/reciprocal")
  %y = tosa.mul %e, %inv, %shift {qsim.keep_float = "Softmax"} : (tensor<1x4x4xf32>, tensor<1x4x1xf32>, tensor<1xi8>) -> tensor<1x4x4xf32> loc("sm")
  return %y : tensor<1x4x4xf32>
}

// An elementwise op read by an int8 op, or returned, keeps its point.
// CHECK-LABEL: func.func @read_by_int8
// CHECK: qsim.annotate %{{.*}} activation "both.out"
// CHECK: qsim.annotate %{{.*}} activation "ret.out"
// CHECK: return
func.func @read_by_int8(%a: tensor<1x4x4xf32>, %b: tensor<1x4x4xf32>) -> (tensor<1x4x4xf32>, tensor<1x4x1xf32>, tensor<1x4x4xf32>) {
  %x = tosa.add %a, %b : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32> loc("both")
  %r = tosa.reduce_sum %x {axis = 2 : i32} : (tensor<1x4x4xf32>) -> tensor<1x4x1xf32> loc("sum")
  %c = tosa.clamp %x {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x4x4xf32>) -> tensor<1x4x4xf32> loc("relu")
  %t = tosa.add %a, %a : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32> loc("ret")
  %u = tosa.reduce_sum %t {axis = 2 : i32} : (tensor<1x4x4xf32>) -> tensor<1x4x1xf32> loc("sum2")
  return %c, %r, %t : tensor<1x4x4xf32>, tensor<1x4x1xf32>, tensor<1x4x4xf32>
}

// A reshape between the scores' matmul and the float ops (the importer's
// 3-D matmul back to [1, heads, seq, seq]) stays float too, so the matmul
// still hands its accumulator over unrounded.
// CHECK-LABEL: func.func @attention_reshaped
// CHECK: tosa.matmul
// CHECK-NOT: "scores4.out"
// CHECK-NOT: "back.out"
// CHECK: return
// REPORT: "point": "scores4"
// REPORT: "result": "float: it feeds only float ops"
// REPORT: "point": "back"
// REPORT: "status": "float"
// REPORT: "reason": "its results feed only ops that stay float"
// REAL-LABEL: func.func @attention_reshaped
// REAL: %[[ACC:.*]] = tosa.matmul %{{.*}} -> tensor<2x4x4xi32>
// REAL: tosa.cast %[[ACC]] : (tensor<2x4x4xi32>) -> tensor<2x4x4xf32>
// REAL-NOT: qsim.requantize
// REAL-NOT: qsim.dequantize
// REAL: tosa.reshape %{{.*}} : (tensor<2x4x4xf32>, !tosa.shape<4>) -> tensor<1x2x4x4xf32>
// REAL: return
func.func @attention_reshaped(%q: tensor<2x4x8xf32>, %k: tensor<2x8x4xf32>) -> tensor<1x2x4x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s = tosa.matmul %q, %k, %zp, %zp : (tensor<2x4x8xf32>, tensor<2x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4xf32> loc("scores4")
  %shape = tosa.const_shape {values = dense<[1, 2, 4, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %r = tosa.reshape %s, %shape : (tensor<2x4x4xf32>, !tosa.shape<4>) -> tensor<1x2x4x4xf32> loc("back")
  %mx = tosa.reduce_max %r {axis = 3 : i32, qsim.keep_float = "Softmax"} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x1xf32> loc("sm4/max")
  %d = tosa.sub %r, %mx {qsim.keep_float = "Softmax"} : (tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x4xf32> loc("sm4/sub")
  return %d : tensor<1x2x4x4xf32>
}
