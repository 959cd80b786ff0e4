// RUN: qsim-opt %s --qsim-expose-points | FileCheck %s
// RUN: qsim-opt %s --qsim-expose-points="value=float points=f.y" | FileCheck %s --check-prefix=FLOAT
// RUN: qsim-opt %s --qsim-expose-points="manifest=-" -o /dev/null | FileCheck %s --check-prefix=JSON
// RUN: qsim-opt %s --qsim-expose-points="feed points=f.y,f.z" | FileCheck %s --check-prefix=FEED
// RUN: qsim-opt %s --qsim-expose-points="feed points=f.y,f.z manifest=-" -o /dev/null | FileCheck %s --check-prefix=FEEDJSON

// Every input/activation point becomes a result after the function's own,
// in the byte order of the names (f.b < f.y < f.z), not in program order;
// the weight point is not exposed by default.
// CHECK-LABEL: func.func @f
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-SAME: -> (tensor<4xf32>, tensor<4xf32> {qsim.point = "f.b"}, tensor<4xf32> {qsim.point = "f.y"}, tensor<4xf32> {qsim.point = "f.z"})
// CHECK: %[[Z:.*]] = qsim.sim_quantize %[[X]] {{.*}}point = "f.z"
// CHECK: %[[A:.*]] = tosa.abs %[[Z]]
// CHECK: %[[Y:.*]] = qsim.sim_quantize %[[A]] {{.*}}point = "f.y"
// CHECK: %[[B:.*]] = qsim.sim_quantize %[[Y]] {{.*}}point = "f.b"
// CHECK: return %[[B]], %[[B]], %[[Y]], %[[Z]] : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>

// value=float returns the marker's operand, and `points` picks by name.
// FLOAT-LABEL: func.func @f
// FLOAT-SAME: -> (tensor<4xf32>, tensor<4xf32> {qsim.point = "f.y"})
// FLOAT: %[[A:.*]] = tosa.abs
// FLOAT: return %{{.*}}, %[[A]] : tensor<4xf32>, tensor<4xf32>

// With feed, the points' other uses read new arguments (same order), and
// the results are the values computed from them; the function's own
// result stays the computed value.
// FEED-LABEL: func.func @f
// FEED-SAME: (%[[X:.*]]: tensor<4xf32>, %[[FY:.*]]: tensor<4xf32> {qsim.point = "f.y"}, %[[FZ:.*]]: tensor<4xf32> {qsim.point = "f.z"})
// FEED-SAME: -> (tensor<4xf32>, tensor<4xf32> {qsim.point = "f.y"}, tensor<4xf32> {qsim.point = "f.z"})
// FEED: %[[Z:.*]] = qsim.sim_quantize %[[X]] {{.*}}point = "f.z"
// FEED: %[[A:.*]] = tosa.abs %[[FZ]]
// FEED: %[[Y:.*]] = qsim.sim_quantize %[[A]] {{.*}}point = "f.y"
// FEED: %[[B:.*]] = qsim.sim_quantize %[[FY]] {{.*}}point = "f.b"
// FEED: return %[[B]], %[[Y]], %[[Z]]

// FEEDJSON: "feed": true,
// FEEDJSON: "results": 1,
// FEEDJSON-NEXT: "arguments": 1,
// FEEDJSON: "name": "f.y",
// FEEDJSON: "result": 1,
// FEEDJSON-NEXT: "argument": 1,
// FEEDJSON: "name": "f.z",
// FEEDJSON: "result": 2,
// FEEDJSON-NEXT: "argument": 2,

// JSON: "schema": "qsim-exposed-points/1",
// JSON: "value": "quantized",
// JSON-NEXT: "feed": false,
// JSON: "name": "f",
// JSON-NEXT: "results": 1,
// JSON-NEXT: "arguments": 1,
// JSON: "name": "f.b",
// JSON-NEXT: "kind": "activation",
// JSON-NEXT: "result": 1,
// JSON-NEXT: "order": 2,
// JSON-NEXT: "type": "tensor<4xf32>",
// JSON: "name": "f.y",
// JSON: "result": 2,
// JSON-NEXT: "order": 1,
// JSON: "name": "f.z",
// JSON-NEXT: "kind": "input",
// JSON-NEXT: "result": 3,
// JSON-NEXT: "order": 0,
// JSON: "bits": 8,
// JSON-NEXT: "signed": true,
// JSON-NEXT: "scales": [
// JSON-NEXT: 0.5
// JSON-NEXT: ],
// JSON-NEXT: "zero_points": [
// JSON-NEXT: 0
// JSON-NEXT: ],
// JSON-NEXT: "axis": null
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = arith.constant dense<1.0> : tensor<4xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.5> {kind = #qsim<kind input>, point = "f.z"} : tensor<4xf32>
  %1 = qsim.sim_quantize %w <s8, scale = 0.25> {kind = #qsim<kind weight>, point = "f.w"} : tensor<4xf32>
  %2 = tosa.abs %0 : (tensor<4xf32>) -> tensor<4xf32>
  %3 = qsim.sim_quantize %2 <s8, scale = 0.125> {kind = #qsim<kind activation>, point = "f.y"} : tensor<4xf32>
  %4 = qsim.sim_quantize %3 <u8, scales = [0.25, 0.5, 1.0, 2.0], zero_points = [0, 1, 2, 3], axis = 0> {kind = #qsim<kind activation>, point = "f.b"} : tensor<4xf32>
  return %4 : tensor<4xf32>
}
