func.func @h(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = qsim.annotate %x input "h.x" : tensor<4xf32>
  %1 = qsim.annotate %x activation "h.r" : tensor<4xf32>
  %2 = qsim.annotate %x activation "h.t" : tensor<4xf32>
  %3 = qsim.annotate %x activation "h.n" : tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
