// Bit-exactness of the lowered qsim.lut: every result is the table entry
// at the input plus 2^(bits - 1). The tables are permutations (entry i of
// the 8-bit one is (37 i + 11) mod 256 - 128), so a wrong index reads a
// wrong value; the expected values are table[x + 2^(bits - 1)].

// REQUIRES: mlir-runner
// RUN: qsim-opt %s --convert-qsim-to-linalg %lower-to-llvm | %run | FileCheck %s

func.func private @printMemrefI32(tensor<*xi32> {bufferization.access = "read"})

func.func private @lut_i8(%x: tensor<2x8xi8>) -> tensor<2x8xi8> {
  %r = qsim.lut %x table dense<[-117, -80, -43, -6, 31, 68, 105, -114, -77, -40, -3, 34, 71, 108, -111, -74, -37, 0, 37, 74, 111, -108, -71, -34, 3, 40, 77, 114, -105, -68, -31, 6, 43, 80, 117, -102, -65, -28, 9, 46, 83, 120, -99, -62, -25, 12, 49, 86, 123, -96, -59, -22, 15, 52, 89, 126, -93, -56, -19, 18, 55, 92, -127, -90, -53, -16, 21, 58, 95, -124, -87, -50, -13, 24, 61, 98, -121, -84, -47, -10, 27, 64, 101, -118, -81, -44, -7, 30, 67, 104, -115, -78, -41, -4, 33, 70, 107, -112, -75, -38, -1, 36, 73, 110, -109, -72, -35, 2, 39, 76, 113, -106, -69, -32, 5, 42, 79, 116, -103, -66, -29, 8, 45, 82, 119, -100, -63, -26, 11, 48, 85, 122, -97, -60, -23, 14, 51, 88, 125, -94, -57, -20, 17, 54, 91, -128, -91, -54, -17, 20, 57, 94, -125, -88, -51, -14, 23, 60, 97, -122, -85, -48, -11, 26, 63, 100, -119, -82, -45, -8, 29, 66, 103, -116, -79, -42, -5, 32, 69, 106, -113, -76, -39, -2, 35, 72, 109, -110, -73, -36, 1, 38, 75, 112, -107, -70, -33, 4, 41, 78, 115, -104, -67, -30, 7, 44, 81, 118, -101, -64, -27, 10, 47, 84, 121, -98, -61, -24, 13, 50, 87, 124, -95, -58, -21, 16, 53, 90, 127, -92, -55, -18, 19, 56, 93, -126, -89, -52, -15, 22, 59, 96, -123, -86, -49, -12, 25, 62, 99, -120, -83, -46, -9, 28, 65, 102]> : tensor<256xi8> : tensor<2x8xi8> -> tensor<2x8xi8>
  return %r : tensor<2x8xi8>
}

func.func private @lut_i4(%x: tensor<8xi4>) -> tensor<8xi8> {
  %r = qsim.lut %x table dense<[-29, 6, 41, -36, -1, 34, -43, -8, 27, -50, -15, 20, 55, -22, 13, 48]> : tensor<16xi8> : tensor<8xi4> -> tensor<8xi8>
  return %r : tensor<8xi8>
}

// CHECK-LABEL: @lut_i8:
// CHECK-NEXT: data =
// CHECK-NEXT: {{\[}}[-117, -80, -26, 11, 48, 85, 65, 102],
// CHECK-NEXT: [-60, 82, 75, -53, 127, -105, -48, 70]]
// CHECK-LABEL: @lut_i4:
// CHECK-NEXT: data =
// CHECK-NEXT: [-29, 6, -8, 27, -50, 48, 20, -1]
func.func private @lut_per_channel(%x: tensor<2x3xi2>) -> tensor<2x3xi8> {
  %r = qsim.lut %x table dense<[[10, 11, 12, 13], [20, 21, 22, 23], [30, 31, 32, 33]]> : tensor<3x4xi8> : tensor<2x3xi2> -> tensor<2x3xi8>
  return %r : tensor<2x3xi8>
}

// Row c of the per-channel table for column c: entry 10 (c + 1) + x + 2.
// CHECK-LABEL: @lut_per_channel:
// CHECK-NEXT: data =
// CHECK-NEXT: {{\[}}[10, 23, 31],
// CHECK-NEXT: [13, 22, 30]]
func.func @main() {
  %x8 = arith.constant dense<[[-128, -127, -1, 0, 1, 2, 126, 127], [5, -5, 64, -64, 100, -100, 33, -33]]> : tensor<2x8xi8>
  %x4 = arith.constant dense<[-8, -7, -1, 0, 1, 7, 3, -4]> : tensor<8xi4>
  vector.print str "@lut_i8:\n"
  %r8 = call @lut_i8(%x8) : (tensor<2x8xi8>) -> tensor<2x8xi8>
  %w8 = arith.extsi %r8 : tensor<2x8xi8> to tensor<2x8xi32>
  %u8 = tensor.cast %w8 : tensor<2x8xi32> to tensor<*xi32>
  call @printMemrefI32(%u8) : (tensor<*xi32>) -> ()
  vector.print str "@lut_i4:\n"
  %r4 = call @lut_i4(%x4) : (tensor<8xi4>) -> tensor<8xi8>
  %w4 = arith.extsi %r4 : tensor<8xi8> to tensor<8xi32>
  %u4 = tensor.cast %w4 : tensor<8xi32> to tensor<*xi32>
  call @printMemrefI32(%u4) : (tensor<*xi32>) -> ()
  %xc = arith.constant dense<[[-2, 1, -1], [1, 0, -2]]> : tensor<2x3xi2>
  vector.print str "@lut_per_channel:\n"
  %rc = call @lut_per_channel(%xc) : (tensor<2x3xi2>) -> tensor<2x3xi8>
  %wc = arith.extsi %rc : tensor<2x3xi8> to tensor<2x3xi32>
  %uc = tensor.cast %wc : tensor<2x3xi32> to tensor<*xi32>
  call @printMemrefI32(%uc) : (tensor<*xi32>) -> ()
  return
}
