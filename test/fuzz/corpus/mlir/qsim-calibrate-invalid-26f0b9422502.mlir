func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.annotate %x weight "g.w" : tensor<4xf32>
  return %0 : tensor<4xf32>
}
