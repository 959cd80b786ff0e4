// RUN: qsim-opt %s --split-input-file --qsim-cpu-strided-copies-to-linalg | FileCheck %s

// A padded NHWC image's interior: each of the 8 rows is 8 x 16 contiguous
// bytes in both buffers, copied as one 1-D memref.copy (llvm.memcpy) per row
// instead of the runtime's element-wise memrefCopy.
// CHECK-LABEL: func.func @rows
// CHECK-SAME:    (%[[SRC:.*]]: memref<1x8x8x16xi8>, %[[DST:.*]]: memref<1x10x10x16xi8>)
// CHECK:         %[[SV:.*]] = memref.subview %[[DST]][0, 1, 1, 0]
// CHECK:         scf.for %[[H:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           %[[D:.*]] = memref.subview %[[SV]][0, %[[H]], 0, 0] [1, 1, 8, 16]
// CHECK:           %[[DF:.*]] = memref.collapse_shape %[[D]] {{.*}} into memref<128xi8, strided<[1], offset: ?>>
// CHECK:           %[[S:.*]] = memref.subview %[[SRC]][0, %[[H]], 0, 0] [1, 1, 8, 16]
// CHECK:           %[[SF:.*]] = memref.collapse_shape %[[S]] {{.*}} into memref<128xi8, strided<[1], offset: ?>>
// CHECK:           memref.copy %[[SF]], %[[DF]]
// CHECK-NOT:     linalg.copy
func.func @rows(%src: memref<1x8x8x16xi8>, %dst: memref<1x10x10x16xi8>) {
  %sv = memref.subview %dst[0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1] : memref<1x10x10x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  memref.copy %src, %sv : memref<1x8x8x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  return
}

// -----

// Runs of 4 x 2 bytes are not worth a memcpy call each: linalg.copy loops.
// CHECK-LABEL: func.func @short_rows
// CHECK-NOT:     scf.for
// CHECK:         linalg.copy ins(%{{.*}} : memref<1x4x4x2xi8>) outs(%{{.*}} : memref<1x4x4x2xi8, strided<[72, 12, 2, 1], offset: 14>>)
// CHECK-NOT:     memref.copy
func.func @short_rows(%src: memref<1x4x4x2xi8>, %dst: memref<1x6x6x2xi8>) {
  %sv = memref.subview %dst[0, 1, 1, 0] [1, 4, 4, 2] [1, 1, 1, 1] : memref<1x6x6x2xi8> to memref<1x4x4x2xi8, strided<[72, 12, 2, 1], offset: 14>>
  memref.copy %src, %sv : memref<1x4x4x2xi8> to memref<1x4x4x2xi8, strided<[72, 12, 2, 1], offset: 14>>
  return
}

// -----

// No contiguous innermost dimension: linalg.copy.
// CHECK-LABEL: func.func @strided_inner
// CHECK:         linalg.copy ins(%{{.*}} : memref<64xi8>) outs(%{{.*}} : memref<64xi8, strided<[2]>>)
// CHECK-NOT:     memref.copy
func.func @strided_inner(%src: memref<64xi8>, %dst: memref<128xi8>) {
  %sv = memref.subview %dst[0] [64] [2] : memref<128xi8> to memref<64xi8, strided<[2]>>
  memref.copy %src, %sv : memref<64xi8> to memref<64xi8, strided<[2]>>
  return
}

// -----

// Two contiguous buffers already lower to one memcpy: left alone.
// CHECK-LABEL: func.func @contiguous
// CHECK-NEXT:    memref.copy %{{.*}}, %{{.*}} : memref<4x16xi8> to memref<4x16xi8>
// CHECK-NEXT:    return
func.func @contiguous(%src: memref<4x16xi8>, %dst: memref<4x16xi8>) {
  memref.copy %src, %dst : memref<4x16xi8> to memref<4x16xi8>
  return
}
