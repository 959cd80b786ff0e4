// UBSan in the sanitizer build: `qsim-opt --canonicalize` on this input
// reports "QSimOps.cpp:741:22: runtime error: left shift of negative value
// -2" (the bias-scale unification folder shifts the sign-extended constant
// -2 left; a negative left operand of << is undefined in C++17). From
// test/Dialect/QSim/canonicalize.mlir (@unify_bias_scale).
//
//   ASAN_OPTIONS=allow_user_poisoning=0 build-asan/bin/qsim-opt --canonicalize \
//     test/fuzz/crashes/ubsan/qsimops-left-shift-negative.mlir
func.func @unify_bias_scale(%acc: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %b = arith.constant dense<[1, -2, 3]> : tensor<3xi32>
  %0 = qsim.add %acc, %b scales([0.25], [1.0] -> [0.25]) : tensor<2x3xi32>, tensor<3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
