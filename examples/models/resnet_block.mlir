// A ResNet v1 basic block on TOSA (NHWC): conv3x3+bias -> ReLU -> conv3x3+bias,
// identity shortcut, add, ReLU, then global average pooling and a
// fully-connected classifier. The bundled example of the main job.
func.func @resnet_block(%x: tensor<1x8x8x8xf32>) -> tensor<1x1x10xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w1 = "tosa.const"() <{values = dense<0.05> : tensor<8x3x3x8xf32>}> : () -> tensor<8x3x3x8xf32>
  %b1 = "tosa.const"() <{values = dense<0.1> : tensor<8xf32>}> : () -> tensor<8xf32>
  %w2 = "tosa.const"() <{values = dense<-0.03> : tensor<8x3x3x8xf32>}> : () -> tensor<8x3x3x8xf32>
  %b2 = "tosa.const"() <{values = dense<0.02> : tensor<8xf32>}> : () -> tensor<8xf32>
  %c1 = tosa.conv2d %x, %w1, %b1, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x8xf32> loc("block1.conv1")
  %r1 = tosa.clamp %c1 {min_val = 0.0 : f32, max_val = 3.4028235e+38 : f32} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> loc("block1.relu1")
  %c2 = tosa.conv2d %r1, %w2, %b2, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x3x3x8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x8xf32> loc("block1.conv2")
  %s = tosa.add %c2, %x : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> loc("block1.add")
  %r2 = tosa.clamp %s {min_val = 0.0 : f32, max_val = 3.4028235e+38 : f32} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> loc("block1.relu2")
  %p = tosa.avg_pool2d %r2, %zp, %zp {acc_type = f32, kernel = array<i64: 8, 8>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 8, 8>} : (tensor<1x8x8x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x1x8xf32> loc("pool")
  %shape = tosa.const_shape {values = dense<[1, 1, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %f = tosa.reshape %p, %shape : (tensor<1x1x1x8xf32>, !tosa.shape<3>) -> tensor<1x1x8xf32> loc("flatten")
  %wfc = "tosa.const"() <{values = dense<0.01> : tensor<1x8x10xf32>}> : () -> tensor<1x8x10xf32>
  %logits = tosa.matmul %f, %wfc, %zp, %zp : (tensor<1x1x8xf32>, tensor<1x8x10xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x10xf32> loc("fc")
  return %logits : tensor<1x1x10xf32>
}
