// The requantize that --convert-qsim-to-linalg emits for a convolution
// accumulator (32-bit lanes, arith.mulsi_extended: an op with two results)
// runs on the accumulators: the kernel writes i8 and no i32 tensor is left
// (report-int32 would remark, and --verify-diagnostics rejects any remark).
// RUN: qsim-opt %s --convert-qsim-to-linalg | qsim-opt --verify-diagnostics --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,canonicalize,linalg-fuse-elementwise-ops,convert-linalg-to-cpu-kernels{target=avx2 report-int32},canonicalize,cse))' | FileCheck %s

// CHECK-LABEL: func.func @conv_requantize
// CHECK-NOT: linalg.conv_2d
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// The 32 x 32 -> 64 product of the requantize as even/odd-lane multiplies
// of vector<4xi64> (vpmuldq), interleaved back into the high words. (The
// multiplier cannot tie, so half_to_even needs no low word: the canonical
// form drops its shuffle.)
// CHECK: arith.muli %{{.*}}, %{{.*}} : vector<4xi64>
// CHECK: arith.muli %{{.*}}, %{{.*}} : vector<4xi64>
// CHECK-NOT: vector.shuffle %{{.*}}, %{{.*}} [0, 8, 2, 10, 4, 12, 6, 14]
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [1, 9, 3, 11, 5, 13, 7, 15] : vector<8xi32>, vector<8xi32>
// CHECK-NOT: arith.cmpi
// CHECK-NOT: arith.mulsi_extended
// The clamp to [0, 127] and the narrowing run once on a pixel's two vectors
// (16 lanes): saturated to [-128, 127] in i32 (x86's packs), truncated, and
// clamped below at 0 on bytes; one 16-byte write.
// CHECK: %[[LO:.*]] = arith.maxsi %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]], %{{.*}} : vector<16xi32>
// CHECK: %[[B:.*]] = arith.trunci %[[HI]] : vector<16xi32> to vector<16xi8>
// CHECK: %[[R:.*]] = arith.maxsi %[[B]], %{{.*}} : vector<16xi8>
// CHECK-NOT: arith.minsi %{{.*}} : vector<16xi8>
// CHECK: vector.transfer_write %[[R]], %{{.*}} : vector<16xi8>
func.func @conv_requantize(%x: tensor<1x6x6x16xi8>) -> tensor<1x6x6x16xi8> {
  %w = arith.constant dense<5> : tensor<16x3x3x16xi8>
  %b = arith.constant dense<-300> : tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x6x6x16xi8>, tensor<16x3x3x16xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x6x16xi32>
  %1 = qsim.requantize %0 multiplier [1518500250] shift [39] {clamp_min = 0 : i64} : tensor<1x6x6x16xi32> -> tensor<1x6x6x16xi8>
  return %1 : tensor<1x6x6x16xi8>
}

// A residual operand read through (0, d1, d2, d3) (a batch of 1 written as
// a broadcast) is an element-for-element operand: the add is fused too, and
// no i32 tensor is left.
// CHECK-LABEL: func.func @conv_residual_batch1
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK: arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// CHECK-NOT: arith.maxsi %{{.*}} : vector<16xi8>
// CHECK: vector.transfer_write %{{.*}} : vector<16xi8>
// CHECK-NOT: linalg.generic
func.func @conv_residual_batch1(%x: tensor<1x6x6x16xi8>, %skip: tensor<1x6x6x16xi8>) -> tensor<1x6x6x16xi8> {
  %w = arith.constant dense<5> : tensor<16x1x1x16xi8>
  %b = arith.constant dense<-300> : tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x6x6x16xi8>, tensor<16x1x1x16xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x6x16xi32>
  %e = tensor.empty() : tensor<1x6x6x16xi8>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%0, %skip : tensor<1x6x6x16xi32>, tensor<1x6x6x16xi8>) outs(%e : tensor<1x6x6x16xi8>) {
  ^bb0(%a: i32, %s: i8, %o: i8):
    %c8 = arith.constant 8 : i32
    %sh = arith.shrsi %a, %c8 : i32
    %se = arith.extsi %s : i8 to i32
    %sum = arith.addi %sh, %se : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %c1 = arith.maxsi %sum, %lo : i32
    %c2 = arith.minsi %c1, %hi : i32
    %t = arith.trunci %c2 : i32 to i8
    linalg.yield %t : i8
  } -> tensor<1x6x6x16xi8>
  return %1 : tensor<1x6x6x16xi8>
}

// A lookup after the requantize (qsim.lut: hard-swish, sigmoid, ...) runs in
// the epilogue too, on the narrowed bytes of the tile's pixels: 16 vpshufb
// per 32 bytes on tables indexed at x + 128 - 16k (wrapping, then
// saturating), XORed; no loop after the kernel reads the table.
// CHECK-LABEL: func.func @conv_requantize_lut
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK: arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// CHECK: arith.xori %{{.*}}, %{{.*}} : vector<32xi8>
// CHECK-COUNT-16: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"
// CHECK: llvm.intr.ssub.sat
// CHECK: vector.transfer_write %{{.*}} : vector<16xi8>
// CHECK-NOT: tensor.extract
// CHECK-NOT: linalg.generic
func.func @conv_requantize_lut(%x: tensor<1x6x6x16xi8>) -> tensor<1x6x6x16xi8> {
  %w = arith.constant dense<5> : tensor<16x1x1x16xi8>
  %b = arith.constant dense<-300> : tensor<16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.conv2d %x, %w, %b, %z, %z {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x6x6x16xi8>, tensor<16x1x1x16xi8>, tensor<16xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x6x16xi32>
  %1 = qsim.requantize %0 multiplier [1518500250] shift [39] : tensor<1x6x6x16xi32> -> tensor<1x6x6x16xi8>
  %2 = qsim.lut %1 table dense<"0x000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF"> : tensor<256xi8> : tensor<1x6x6x16xi8> -> tensor<1x6x6x16xi8>
  return %2 : tensor<1x6x6x16xi8>
}

// A linear layer's bias, realized as a [1, 1, C] i32 constant added to the
// [1, M, C] matmul accumulator (TOSA broadcasting, read through (d0, 0, d2)),
// is a per-channel operand: the bias add and the requantize run in the
// kernel's epilogue and no i32 tensor is left.
// CHECK-LABEL: func.func @matmul_bias
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// CHECK: arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// CHECK: vector.transfer_write %{{.*}} : vector<16xi8>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @matmul_bias(%x: tensor<1x8x32xi8>) -> tensor<1x8x16xi8> {
  %w = arith.constant dense<3> : tensor<1x32x16xi8>
  %b = "tosa.const"() {values = dense<[[[100, -200, 300, -400, 500, -600, 700, -800, 900, -1000, 1100, -1200, 1300, -1400, 1500, -1600]]]> : tensor<1x1x16xi32>} : () -> tensor<1x1x16xi32>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %0 = tosa.matmul %x, %w, %z, %z : (tensor<1x8x32xi8>, tensor<1x32x16xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x8x16xi32>
  %1 = tosa.add %0, %b : (tensor<1x8x16xi32>, tensor<1x1x16xi32>) -> tensor<1x8x16xi32>
  %2 = qsim.requantize %1 multiplier [1518500250] shift [39] : tensor<1x8x16xi32> -> tensor<1x8x16xi8>
  return %2 : tensor<1x8x16xi8>
}
