// RUN: qsim-opt %s --convert-qsim-to-linalg --split-input-file -verify-diagnostics

// The folders and the lowering compute add/mul in 64 bits.
func.func @add_i128(%a: tensor<4xi128>, %b: tensor<4xi128>) -> tensor<4xi128> {
  // expected-error@+1 {{'qsim.add' op cannot be converted to linalg: element type i128 is wider than the 64-bit arithmetic of the op}}
  %0 = qsim.add %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<4xi128>, tensor<4xi128> -> tensor<4xi128>
  return %0 : tensor<4xi128>
}

// -----

func.func @mul_i128(%a: tensor<4xi128>, %b: tensor<4xi128>) -> tensor<4xi128> {
  // expected-error@+1 {{'qsim.mul' op cannot be converted to linalg: element type i128 is wider than the 64-bit arithmetic of the op}}
  %0 = qsim.mul %a, %b scales([1.0], [1.0] -> [1.0]) : tensor<4xi128>, tensor<4xi128> -> tensor<4xi128>
  return %0 : tensor<4xi128>
}
