func.func @f(%x: tensor<4xf32>, %w: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.annotate %x input "f.x" : tensor<4xf32>
  %1 = qsim.annotate %w weight "f.w" : tensor<4xf32>
  %2 = arith.addf %0, %1 : tensor<4xf32>
  %3 = qsim.annotate %2 activation "f.y" : tensor<4xf32>
  return %3 : tensor<4xf32>
}
