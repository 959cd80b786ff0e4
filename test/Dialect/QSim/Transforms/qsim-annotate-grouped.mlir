// RUN: qsim-opt %s --qsim-annotate="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json

// A grouped convolution as the ONNX importer writes it (TOSA has none): a
// tosa.pad, the input viewed as [N, H, W, G, C/G], upstream's
// linalg.conv_2d_nhwgc_gfhwc on a zero-filled init, the result viewed as
// [N, OH, OW, M], the bias added. The pad and the reshapes keep the
// input's scale (their points get it), the convolution gets an input, a per-group weight and an
// output point; the init's tensor.empty and fill carry no values and the
// arith ops of the convolution's body are not ops of the model: the report
// lists none of them.

// CHECK-LABEL: func.func @grouped
// CHECK: %[[X:.*]] = qsim.annotate %arg0 input "grouped.arg0"
// CHECK: %[[P:.*]] = tosa.pad %[[X]]
// CHECK: %[[PM:.*]] = qsim.annotate %[[P]] activation "gconv/pad.out"
// CHECK: %[[R:.*]] = tosa.reshape %[[PM]]
// CHECK: %[[RM:.*]] = qsim.annotate %[[R]] activation "gconv/by_group.out"
// CHECK: %[[W:.*]] = qsim.annotate %{{.*}} weight "gconv.weight"
// CHECK: %[[C:.*]] = linalg.conv_2d_nhwgc_gfhwc {{.*}} ins(%[[RM]], %[[W]] :
// CHECK: qsim.annotate %[[C]] activation "gconv.out"
func.func @grouped(%x: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %s = tosa.const_shape {values = dense<[0, 0, 1, 1, 1, 1, 0, 0]> : tensor<8xindex>} : () -> !tosa.shape<8>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %p = tosa.pad %x, %s, %zp : (tensor<1x4x4x8xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x6x6x8xf32> loc("gconv/pad")
  %s5 = tosa.const_shape {values = dense<[1, 6, 6, 2, 4]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %r = tosa.reshape %p, %s5 : (tensor<1x6x6x8xf32>, !tosa.shape<5>) -> tensor<1x6x6x2x4xf32> loc("gconv/by_group")
  %w = "tosa.const"() <{values = dense<0.5> : tensor<2x4x3x3x4xf32>}> : () -> tensor<2x4x3x3x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x2x4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x4x4x2x4xf32>) -> tensor<1x4x4x2x4xf32>
  %c = linalg.conv_2d_nhwgc_gfhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%r, %w : tensor<1x6x6x2x4xf32>, tensor<2x4x3x3x4xf32>) outs(%i : tensor<1x4x4x2x4xf32>) -> tensor<1x4x4x2x4xf32> loc("gconv")
  %s4 = tosa.const_shape {values = dense<[1, 4, 4, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %y = tosa.reshape %c, %s4 : (tensor<1x4x4x2x4xf32>, !tosa.shape<4>) -> tensor<1x4x4x8xf32> loc("gconv/nhwc")
  return %y : tensor<1x4x4x8xf32>
}

// REPORT: "point": "gconv/pad"
// REPORT-NEXT: "op": "tosa.pad"
// REPORT: "status": "quantized"
// REPORT: "point": "gconv"
// REPORT-NEXT: "op": "linalg.conv_2d_nhwgc_gfhwc"
// REPORT-NEXT: "loc"
// REPORT-NEXT: "category": "conv"
// REPORT-NEXT: "status": "quantized"
// REPORT-NOT: "op": "arith.
// REPORT-NOT: "op": "linalg.fill"
// REPORT-NOT: "op": "tensor.empty"
// REPORT: "quantized":
