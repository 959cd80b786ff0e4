func.func @annotate(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.annotate %x input "main.arg0" : tensor<4xf32>
  return %0 : tensor<4xf32>
}
