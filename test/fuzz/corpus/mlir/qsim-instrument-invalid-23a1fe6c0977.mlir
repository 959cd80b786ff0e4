func.func @g(%x: tensor<4xf64>) -> tensor<4xf64> {
  %0 = qsim.annotate %x input "g.x" : tensor<4xf64>
  return %0 : tensor<4xf64>
}
