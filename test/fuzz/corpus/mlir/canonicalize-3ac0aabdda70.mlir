func.func @fold_add_mul() -> (tensor<2x2xi8>, tensor<2x2xi8>) {
  %a = arith.constant dense<[[1, 2], [-1, 100]]> : tensor<2x2xi8>
  %b = arith.constant dense<[1, 1]> : tensor<2xi8>
  %s = qsim.add %a, %b scales([2.0], [1.0] -> [1.0]) : tensor<2x2xi8>, tensor<2xi8> -> tensor<2x2xi8>
  %c = arith.constant dense<[2, 3]> : tensor<2xi8>
  %p = qsim.mul %a, %c scales([1.0], [1.0] -> [1.0]) : tensor<2x2xi8>, tensor<2xi8> -> tensor<2x2xi8>
  return %s, %p : tensor<2x2xi8>, tensor<2x2xi8>
}
