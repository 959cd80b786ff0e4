// REQUIRES: cuda-gpu, qsim-cuda-runtime
// RUN: qsim-opt %s --qsim-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so > %t.cpu
// RUN: qsim-opt %s --qsim-gpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%qsim_cuda_runtime,%mlir_lib_dir/libmlir_runner_utils.so,%mlir_lib_dir/libmlir_c_runner_utils.so > %t.gpu
// RUN: grep -v "Unranked Memref" %t.cpu > %t.cpu.data
// RUN: grep -v "Unranked Memref" %t.gpu > %t.gpu.data
// RUN: diff %t.cpu.data %t.gpu.data
// RUN: FileCheck %s < %t.gpu

// GPU execution against the CPU path, bit for bit: the int8 conv (zero
// point, bias, 3x3 pad 1, per-channel double-round rescale, ReLU clamp) and
// an i8 matmul of qsim-gpu-pipeline.mlir on fixed pseudo-random data, both
// pipelines run by mlir-runner, and the printed values compared with diff
// (the header lines hold buffer addresses, which differ).
// Needs a CUDA GPU and libqsim_cuda_runtime.so; unsupported elsewhere.

// CHECK: Unranked Memref {{.*}} rank = 4 offset = 0 sizes = [1, 6, 5, 4]
// CHECK: Unranked Memref {{.*}} rank = 4 offset = 0 sizes = [1, 6, 5, 4]
// CHECK: Unranked Memref {{.*}} rank = 3 offset = 0 sizes = [1, 16, 8]

func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}
func.func private @printMemrefI8(memref<*xi8>) attributes {llvm.emit_c_interface}

func.func private @int8_conv(%x: tensor<1x6x5x8xi8>, %w: tensor<4x3x3x8xi8>, %b: tensor<4xi32>)
    -> (tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>) {
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
  return %acc, %relu : tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>
}

func.func private @int8_matmul(%a: tensor<1x16x32xi8>, %b: tensor<1x32x8xi8>) -> tensor<1x16x8xi32> {
  %zp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %r = tosa.matmul %a, %b, %zp, %zp : (tensor<1x16x32xi8>, tensor<1x32x8xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x16x8xi32>
  return %r : tensor<1x16x8xi32>
}

func.func @main() {
  %x = arith.constant dense<[37, -51, 74, -104, -91, -80, 59, -99, -19, -109, -84, 94, 86, -93, -5, -82, 89, -98, -65, -14, -97, 75, -103, -15, -105, -60, 20, 86, -55, -68, 29, -36, -76, -32, 62, -79, -96, -98, -23, 126, 90, 32, 110, 104, 57, 25, -1, -36, -4, -87, 25, 125, 47, 101, 19, -91, -68, 86, -44, 47, -51, 122, 87, -108, -89, 32, 46, 51, 126, 105, -93, -81, 10, 114, -95, -97, 30, 100, 17, 69, 49, -117, 108, 53, -42, -69, 124, -98, -17, 19, -62, -2, 75, 72, 126, -87, -43, 101, 77, 14, -58, 92, 14, 84, 55, 66, -10, -51, -86, -38, -51, -10, -9, -122, 120, -35, 6, 16, -126, -54, 86, 61, 35, -64, -101, 105, 72, 75, 76, 73, -75, 118, 77, -97, -31, -94, -22, 97, -45, -72, 46, -102, -76, -128, -51, -77, 58, -115, -92, -22, 64, -52, 1, 49, 58, 114, -66, -69, 121, 110, 117, 119, 31, -85, -55, -76, 47, 7, 117, -46, -117, -23, 57, -53, -115, 24, -82, 5, 59, -43, 54, -14, 40, -14, -29, -6, 77, -12, -26, 124, 54, -114, -114, 15, 113, 4, -29, 48, 100, 50, 58, -87, -16, -76, -12, 112, -28, 44, -24, 119, -128, 117, 48, -85, -67, 70, -26, 116, -37, 94, 42, -84, 74, 109, 77, -85, -47, -41, -63, -114, -51, 110, -54, 114, 51, -49, -61, -118, -121, -76]> : tensor<240xi8>
  %w = arith.constant dense<[-57, 94, -29, -20, -114, 0, -20, 21, -5, 38, 4, 86, -61, -97, 53, 106, 87, -62, -51, -119, 97, -35, -126, -52, -40, -56, 114, -67, -97, 38, 119, -74, -99, -1, -31, 13, -107, -78, 103, -114, -96, 98, 38, -26, 13, 103, 116, -2, 4, -25, 101, -58, 85, -66, 72, 98, 33, -91, -5, 91, -91, -20, 27, -66, -49, 59, -55, 1, -58, 111, -16, -80, 75, 121, -45, -14, -46, 92, 78, 45, 87, -28, 54, 35, -81, 59, -119, 45, 106, 97, -119, 68, 41, 23, -96, -71, -11, -75, -85, 7, 11, -108, -36, 10, -62, 88, 4, 79, -52, 125, 39, -83, 14, -99, -35, 89, -91, 9, -120, -83, 5, -86, -15, -94, 7, -66, 104, -123, 45, 85, 9, -62, -106, -6, -72, -46, 6, -103, -36, -25, 31, 28, -23, 20, 100, -37, 10, 49, -119, 0, -110, -121, -119, -31, 115, -3, 100, -74, 93, 125, 73, 29, -18, -11, 47, -27, -57, 79, 49, -101, -62, -121, -92, 2, 92, -45, -100, -85, 67, 16, -4, 22, -105, 107, -34, -48, 9, 100, -127, 6, 58, 40, 37, -3, -111, 30, -17, 54, -35, -128, 43, 67, -86, 115, 14, -26, -1, -126, -82, 7, -83, -55, 76, -107, 73, -117, 25, 27, -9, -85, -49, 71, 38, 125, -52, 17, -54, -106, 91, -57, -120, -11, -85, -113, -107, -60, 56, -75, 64, 103, -103, -119, -3, 122, 7, -127, 105, -93, -81, -95, 114, 1, -90, 7, -8, -23, -10, 107, 124, 67, -89, 117, 19, -105, -27, -89, -53, 41, 2, 27, -60, -122, 118, -97, 120, 9, -78, -17, 122, 20, 18, 109, 110, 110, -68, -26, 31, -85]> : tensor<288xi8>
  %b = arith.constant dense<[1000, -2000, 30000, -7]> : tensor<4xi32>
  %a = arith.constant dense<[114, -120, 20, 106, -89, 102, 9, 70, -21, -21, -90, -82, -56, 6, 56, -61, 15, -71, 58, -10, 126, 120, 73, -116, -47, -127, 123, 102, 79, 26, -56, 85, 48, 64, 33, -67, 41, -128, 38, 45, 75, -67, -28, -122, 20, 1, 62, -95, 73, 71, -89, 56, 91, 12, -104, 15, -76, -102, 18, -52, -1, 8, 95, 33, -31, 63, 91, -114, 76, -24, -87, -103, 82, 102, -58, 18, 120, -103, -63, -41, 113, 84, 47, 16, 24, 2, 5, 79, -6, 26, 119, 73, -67, -43, -46, -90, -22, 126, -16, 103, 42, 102, 90, -57, -30, -4, -82, -39, 47, -82, 35, -6, 60, 4, -25, -118, 83, 68, 83, -21, 64, 10, 45, -97, 127, 14, 56, -64, -18, -81, 10, -1, 68, 76, 100, 93, 31, -117, -63, -112, 89, 114, 122, -128, -91, 72, 111, 101, -1, -73, -14, -49, -51, -73, 106, -85, -108, -128, -64, -9, -109, 27, -63, 0, 95, -71, -78, -92, 25, -30, 70, 5, -14, -128, -123, 26, 107, 14, 33, -4, 115, -8, -2, -114, 82, 29, -100, -117, -29, 127, 87, -87, 3, -12, 89, 61, -12, 124, -111, 45, 87, 57, 74, -27, -125, 21, -94, -23, 125, -26, 31, -29, -10, 110, -15, 7, 23, -73, 125, -33, -14, 120, 85, -100, -54, 73, -101, -19, -116, -56, 84, -102, -98, -34, 73, 102, 32, -71, -88, -44, 40, -31, -34, 111, -112, 31, 65, 63, 41, 98, -42, -73, -127, -88, 15, -87, 51, 87, -65, -22, 66, 54, 30, 93, -84, -103, 114, -28, 62, 100, -30, 37, 58, 114, -113, 82, -2, 79, -108, 64, -111, 109, -96, -97, 3, -29, -96, 45, 57, 11, 43, -106, 6, 34, 13, 24, -127, -95, -116, -9, -74, 115, 110, 69, 0, 92, 124, -61, 126, -35, -124, 27, -51, -8, 39, 35, 107, 57, -88, -27, 72, -47, -2, 80, -95, -111, 118, 38, -46, 90, -75, -92, 7, -85, -22, -79, 87, 127, 100, -40, -9, -60, 85, 107, -8, -66, 22, 22, 15, 9, 62, 2, 5, -27, 96, -2, -33, -3, -8, -50, 16, -32, 39, -95, 74, 0, -3, -10, -77, 109, -110, -76, -126, 115, -10, 101, 63, -108, 22, -9, -67, -103, -31, -29, -90, 62, -37, 101, 5, -125, -74, 51, -17, -109, 60, 46, -56, -106, -24, 2, -109, -24, -123, 39, 81, 62, -34, 31, -89, -24, -112, 125, 119, -96, 80, -77, 74, -49, -82, -45, 75, 10, 81, 17, 29, 85, -102, 31, 54, 84, 85, -119, 58, -28, 72, 79, -24, -125, 94, -48, 88, -70, -82, 79, 58, 107, -45, -62, -121, -102, -56, 75, -83, 61, -41, -54, 50, 17, -46, -41, -94, -73, 68, 123, -27, 26, -64, -106, 119, 33, -101, 70, -84, -46, -15, 79, -28, 114, -35, -17, -107, 76, -48, 68, 55, -65, -52, -2, -30, -107, -109, 37, -68, 71, 105, 28, 87, 29, -1, 89, 71, 60, 100, 96, -37, -117, -127, 122, 110, -8, 100, 106]> : tensor<512xi8>
  %bm = arith.constant dense<[-37, 114, 76, -74, -94, -63, 55, 92, 59, -82, 98, -108, -108, -62, -86, 32, -88, -101, 65, -59, -115, -95, -72, -29, -61, 123, 19, -44, -15, -95, 51, 1, -47, 37, 12, 105, -55, 2, 117, -22, 6, -7, 35, 62, -110, -27, -35, 78, -46, 14, 39, 64, -42, 7, -70, -104, 56, 103, -75, 1, 73, 62, 7, 64, 60, -54, 56, 41, -87, 98, -11, -38, -104, 23, 1, 30, 32, -128, -111, -15, -52, 20, 93, 85, 58, -104, -61, 122, -12, -105, -117, -101, -127, 53, 27, -74, 54, -14, 83, 26, -60, -24, 59, 115, -47, -60, -121, -4, -52, 102, -79, -96, -54, 10, 77, 7, -123, -100, 51, 99, 124, -1, -44, -128, -106, -97, -116, 79, -33, -7, -47, -99, -75, -122, -28, -56, 83, -26, 84, -39, 30, -96, 25, -104, 116, -125, 64, 95, 110, -87, 103, -39, -13, -75, 5, -10, -109, -65, 43, 6, -102, 8, 95, 7, 23, -17, -85, -121, -42, 5, -8, -25, -47, 39, -30, 71, 40, -6, 66, 112, 113, -125, -115, 95, -9, 29, -20, 72, -89, -41, -54, -112, -115, -71, -74, -46, 48, -56, -114, -113, -107, -58, -107, -94, -105, -95, 58, -26, -95, 68, -74, -2, -23, -24, -71, -111, -111, -84, 19, 116, -77, -61, -78, -24, 22, 35, 44, 88, 5, -118, 51, 3, 16, -104, 60, 36, 115, 19, -113, 83, -113, 95, -78, 49, 112, -104, -18, -82, 19, -41, 95, -128, -25, 19, -101, -126]> : tensor<256xi8>
  %xs = tensor.expand_shape %x [[0, 1, 2, 3]] output_shape [1, 6, 5, 8] : tensor<240xi8> into tensor<1x6x5x8xi8>
  %ws = tensor.expand_shape %w [[0, 1, 2, 3]] output_shape [4, 3, 3, 8] : tensor<288xi8> into tensor<4x3x3x8xi8>
  %as = tensor.expand_shape %a [[0, 1, 2]] output_shape [1, 16, 32] : tensor<512xi8> into tensor<1x16x32xi8>
  %bs = tensor.expand_shape %bm [[0, 1, 2]] output_shape [1, 32, 8] : tensor<256xi8> into tensor<1x32x8xi8>
  %acc, %relu = func.call @int8_conv(%xs, %ws, %b) : (tensor<1x6x5x8xi8>, tensor<4x3x3x8xi8>, tensor<4xi32>) -> (tensor<1x6x5x4xi32>, tensor<1x6x5x4xi8>)
  %mm = func.call @int8_matmul(%as, %bs) : (tensor<1x16x32xi8>, tensor<1x32x8xi8>) -> tensor<1x16x8xi32>
  %accm = bufferization.to_buffer %acc : tensor<1x6x5x4xi32> to memref<1x6x5x4xi32>
  %relum = bufferization.to_buffer %relu : tensor<1x6x5x4xi8> to memref<1x6x5x4xi8>
  %mmm = bufferization.to_buffer %mm : tensor<1x16x8xi32> to memref<1x16x8xi32>
  %u0 = memref.cast %accm : memref<1x6x5x4xi32> to memref<*xi32>
  %u1 = memref.cast %relum : memref<1x6x5x4xi8> to memref<*xi8>
  %u2 = memref.cast %mmm : memref<1x16x8xi32> to memref<*xi32>
  func.call @printMemrefI32(%u0) : (memref<*xi32>) -> ()
  func.call @printMemrefI8(%u1) : (memref<*xi8>) -> ()
  func.call @printMemrefI32(%u2) : (memref<*xi32>) -> ()
  return
}
