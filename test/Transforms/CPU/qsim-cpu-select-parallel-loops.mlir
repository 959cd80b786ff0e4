// RUN: qsim-opt %s --split-input-file --qsim-cpu-select-parallel-loops="min-work=1000" | FileCheck %s

// A 64 x 64 nest has enough work: the leading dimension stays parallel, the
// innermost (contiguous) one runs in each thread.
// CHECK-LABEL: func.func @split
// CHECK:         scf.parallel (%[[I:.*]]) = (%c0) to (%c64) step (%c1) {
// CHECK:           scf.for %[[J:.*]] = %c0 to %c64 step %c1 {
// CHECK:             memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
// CHECK-NOT:     scf.parallel
func.func @split(%buf: memref<64x64xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %v = arith.constant 7 : i32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c64) step (%c1, %c1) {
    memref.store %v, %buf[%i, %j] : memref<64x64xi32>
  }
  return
}

// -----

// A leading dimension of one trip (a batch of one) gives no parallelism
// alone: all dimensions stay parallel (OpenMP collapses them).
// CHECK-LABEL: func.func @batch_one
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c1, %c4096)
// CHECK-NOT:     scf.for
func.func @batch_one(%buf: memref<1x4096xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4096 = arith.constant 4096 : index
  %v = arith.constant 7 : i32
  scf.parallel (%n, %j) = (%c0, %c0) to (%c1, %c4096) step (%c1, %c1) {
    memref.store %v, %buf[%n, %j] : memref<1x4096xi32>
  }
  return
}

// -----

// Below min-work (16 x 16 stores and loop ops) the loop is sequential.
// CHECK-LABEL: func.func @small
// CHECK:         scf.for %[[I:.*]] = %c0 to %c16 step %c1 {
// CHECK:           scf.for %[[J:.*]] = %c0 to %c16 step %c1 {
// CHECK:             memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
// CHECK-NOT:     scf.parallel
func.func @small(%buf: memref<16x16xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %v = arith.constant 7 : i32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c16) step (%c1, %c1) {
    memref.store %v, %buf[%i, %j] : memref<16x16xi32>
  }
  return
}

// -----

// The work counts the inner loops' operations: 8 iterations of a 256-trip
// reduction loop are enough. A parallel loop nested in a kept one becomes sequential.
// CHECK-LABEL: func.func @nested
// CHECK:         scf.parallel (%{{.*}}) = (%c0) to (%c8) step (%c1) {
// CHECK:           scf.for %{{.*}} = %c0 to %c256 step %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK-NOT:     scf.parallel
func.func @nested(%buf: memref<8x256xi32>, %out: memref<8x4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0 : i32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %s = scf.for %k = %c0 to %c256 step %c1 iter_args(%acc = %zero) -> (i32) {
      %v = memref.load %buf[%i, %k] : memref<8x256xi32>
      %a = arith.addi %acc, %v : i32
      scf.yield %a : i32
    }
    scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
      memref.store %s, %out[%i, %j] : memref<8x4xi32>
    }
  }
  return
}

// -----

// One iteration is no parallelism, however much work it has.
// CHECK-LABEL: func.func @one_trip
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for %{{.*}} = %c0 to %c1 step %c1 {
// CHECK:           scf.for %{{.*}} = %c0 to %c4096 step %c1 {
func.func @one_trip(%buf: memref<1x4096xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4096 = arith.constant 4096 : index
  %v = arith.constant 7 : i32
  scf.parallel (%i) = (%c0) to (%c1) step (%c1) {
    scf.for %j = %c0 to %c4096 step %c1 {
      memref.store %v, %buf[%i, %j] : memref<1x4096xi32>
    }
  }
  return
}

// -----

// Leading dimensions stay parallel only until they give 64 iterations to
// share (n x h = 128 here): w and c run in each thread as loops, without a
// division per pixel to recover them from one collapsed index.
// CHECK-LABEL: func.func @rows
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c1, %c128) step (%c1, %c1) {
// CHECK:           scf.for %{{.*}} = %c0 to %c128 step %c1 {
// CHECK:             scf.for %{{.*}} = %c0 to %c3 step %c1 {
// CHECK-NOT:     scf.parallel
func.func @rows(%buf: memref<1x128x128x3xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c128 = arith.constant 128 : index
  %v = arith.constant 7 : i8
  scf.parallel (%n, %h, %w, %c) = (%c0, %c0, %c0, %c0) to (%c1, %c128, %c128, %c3) step (%c1, %c1, %c1, %c1) {
    memref.store %v, %buf[%n, %h, %w, %c] : memref<1x128x128x3xi8>
  }
  return
}
