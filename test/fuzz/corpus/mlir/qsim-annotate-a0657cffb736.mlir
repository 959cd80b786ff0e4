func.func @pool_concat_fc(%x: tensor<1x4x4x2xf32>, %y: tensor<1x2x2x2xf32>) -> tensor<1x1x3xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %p = tosa.max_pool2d %x {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32> loc("fc.maxpool")
  %c = tosa.concat %p, %y {axis = 3 : i32} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x4xf32> loc("fc.concat")
  %shape = tosa.const_shape {values = dense<[1, 1, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %f = tosa.reshape %c, %shape : (tensor<1x2x2x4xf32>, !tosa.shape<3>) -> tensor<1x1x16xf32> loc("fc.flatten")
  %w = "tosa.const"() <{values = dense<0.01> : tensor<1x16x3xf32>}> : () -> tensor<1x16x3xf32>
  %o = tosa.matmul %f, %w, %zp, %zp : (tensor<1x1x16xf32>, tensor<1x16x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x3xf32> loc("fc.dense")
  return %o : tensor<1x1x3xf32>
}
