// Parses and verifies, but qsim-cpu-pipeline has no lowering for
// tosa.custom.
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = tosa.custom %x {domain_name = "example", operator_name = "op", implementation_attrs = ""} : (tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
