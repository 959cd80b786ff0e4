// int8 (and one float) kernels that exercise the loop rewrites of
// --qsim-gpu-pipeline: epilogue fusion, accumulators in registers, dp4a with
// and without zero points, a remainder loop, zero-extended bytes and
// wrap-around of the i32 accumulator. Shared by emulation.mlir (runs
// everywhere), execution-int8.mlir (needs a GPU), dp4a.mlir (PTX),
// epilogue-fusion.mlir (IR) and the qsim-run --target=gpu tests.

// Conv (input zero point -7, pad 1, bias) + per-channel requantize + ReLU:
// only the i8 result leaves, so the i32 accumulator stays in a register.
func.func @conv_requant(%x: tensor<1x6x5x8xi8>, %w: tensor<4x3x3x8xi8>, %b: tensor<4xi32>)
    -> tensor<1x6x5x4xi8> {
  %izp = "tosa.const"() <{values = dense<-7> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %izp, %wzp {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
      : (tensor<1x6x5x8xi8>, tensor<4x3x3x8xi8>, tensor<4xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x5x4xi32>
  %mult = "tosa.const"() <{values = dense<[1518500250, 1073741824, 2147483647, 1431655765]> : tensor<4xi32>}> : () -> tensor<4xi32>
  %shift = "tosa.const"() <{values = dense<38> : tensor<4xi8>}> : () -> tensor<4xi8>
  %zi = "tosa.const"() <{values = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
  %zo = "tosa.const"() <{values = dense<3> : tensor<1xi8>}> : () -> tensor<1xi8>
  %q = tosa.rescale %acc, %mult, %shift, %zi, %zo {scale32 = true, rounding_mode = DOUBLE_ROUND, per_channel = true, input_unsigned = false, output_unsigned = false}
      : (tensor<1x6x5x4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<1xi32>, tensor<1xi8>) -> tensor<1x6x5x4xi8>
  %relu = tosa.clamp %q {min_val = 3 : i8, max_val = 127 : i8} : (tensor<1x6x5x4xi8>) -> tensor<1x6x5x4xi8>
  return %relu : tensor<1x6x5x4xi8>
}

// The same conv returning its i32 accumulator as well: fused, but the
// accumulator is stored.
func.func @conv_acc(%x: tensor<1x6x5x8xi8>, %w: tensor<4x3x3x8xi8>, %b: tensor<4xi32>)
    -> (tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>) {
  %izp = "tosa.const"() <{values = dense<-7> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %izp, %wzp {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
      : (tensor<1x6x5x8xi8>, tensor<4x3x3x8xi8>, tensor<4xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x5x4xi32>
  %mult = "tosa.const"() <{values = dense<1073741824> : tensor<1xi32>}> : () -> tensor<1xi32>
  %shift = "tosa.const"() <{values = dense<40> : tensor<1xi8>}> : () -> tensor<1xi8>
  %zi = "tosa.const"() <{values = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
  %zo = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %q = tosa.rescale %acc, %mult, %shift, %zi, %zo {scale32 = true, rounding_mode = SINGLE_ROUND, per_channel = false, input_unsigned = false, output_unsigned = false}
      : (tensor<1x6x5x4xi32>, tensor<1xi32>, tensor<1xi8>, tensor<1xi32>, tensor<1xi8>) -> tensor<1x6x5x4xi8>
  return %acc, %q : tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>
}

// Six channels (one dp4a group and a remainder of two), stride 2, no pad,
// zero points on the input (5) and the weights (-3).
func.func @conv_c6_zp(%x: tensor<2x7x7x6xi8>, %w: tensor<5x3x3x6xi8>, %b: tensor<5xi32>)
    -> tensor<2x3x3x5xi32> {
  %izp = "tosa.const"() <{values = dense<5> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{values = dense<-3> : tensor<1xi8>}> : () -> tensor<1xi8>
  %acc = tosa.conv2d %x, %w, %b, %izp, %wzp {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}
      : (tensor<2x7x7x6xi8>, tensor<5x3x3x6xi8>, tensor<5xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<2x3x3x5xi32>
  return %acc : tensor<2x3x3x5xi32>
}

// A plain i8 matmul (k = 32): the int8 GEMM of --qsim-realize.
func.func @matmul_i8(%a: tensor<1x16x32xi8>, %b: tensor<1x32x8xi8>) -> tensor<1x16x8xi32> {
  %zp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %r = tosa.matmul %a, %b, %zp, %zp : (tensor<1x16x32xi8>, tensor<1x32x8xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x16x8xi32>
  return %r : tensor<1x16x8xi32>
}

// Matmul with zero points on both operands and k = 10 (two dp4a groups and a
// remainder); the right operand's k is its strided dimension (byte loads).
func.func @matmul_zp(%a: tensor<1x16x10xi8>, %b: tensor<1x10x8xi8>) -> tensor<1x16x8xi32> {
  %azp = "tosa.const"() <{values = dense<12> : tensor<1xi8>}> : () -> tensor<1xi8>
  %bzp = "tosa.const"() <{values = dense<-128> : tensor<1xi8>}> : () -> tensor<1xi8>
  %r = tosa.matmul %a, %b, %azp, %bzp : (tensor<1x16x10xi8>, tensor<1x10x8xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x16x8xi32>
  return %r : tensor<1x16x8xi32>
}

// Zero-extended (uint8) left operand times sign-extended right operand, on
// top of an accumulator near INT32_MAX, so the i32 sums wrap around.
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @matmul_u8_wrap(%a: tensor<8x64xi8>, %b: tensor<64x4xi8>) -> tensor<8x4xi32> {
  %big = arith.constant 2147480000 : i32
  %e = tensor.empty() : tensor<8x4xi32>
  %init = linalg.fill ins(%big : i32) outs(%e : tensor<8x4xi32>) -> tensor<8x4xi32>
  %r = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<8x64xi8>, tensor<64x4xi8>) outs(%init : tensor<8x4xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %ye = arith.extsi %y : i8 to i32
    %p = arith.muli %xe, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<8x4xi32>
  return %r : tensor<8x4xi32>
}

// A float conv + bias + ReLU: fused like the int8 ones, no dp4a.
func.func @conv_f32(%x: tensor<1x6x5x8xf32>, %w: tensor<4x3x3x8xf32>, %b: tensor<4xf32>)
    -> tensor<1x6x5x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %acc = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
      : (tensor<1x6x5x8xf32>, tensor<4x3x3x8xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x5x4xf32>
  %relu = tosa.clamp %acc {min_val = 0.0 : f32, max_val = 3.4028235e38 : f32} : (tensor<1x6x5x4xf32>) -> tensor<1x6x5x4xf32>
  return %relu : tensor<1x6x5x4xf32>
}
