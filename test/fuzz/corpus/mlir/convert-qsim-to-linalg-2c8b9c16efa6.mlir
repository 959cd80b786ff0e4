func.func @dequantize(%q: tensor<?x3xi8>) -> tensor<?x3xf16> {
  %x = qsim.dequantize %q <u8, scales = [0.5, 0.25, 1.0], zero_points = [128, 128, 128], axis = 1> : tensor<?x3xi8> -> tensor<?x3xf16>
  return %x : tensor<?x3xf16>
}
