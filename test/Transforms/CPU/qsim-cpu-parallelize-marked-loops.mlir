// RUN: qsim-opt %s --qsim-cpu-parallelize-marked-loops | FileCheck %s
// RUN: qsim-opt %s --qsim-cpu-parallelize-marked-loops="parallelize=false" | FileCheck %s --check-prefix=SEQ

// A marked loop without results (the micro-kernels' pixel loop after
// bufferization) becomes a one-dimensional scf.parallel with its bounds and
// body.
// CHECK-LABEL: func.func @marked
// CHECK-SAME:    (%[[BUF:.*]]: memref<8xi32>)
// CHECK-NOT:     scf.for
// CHECK:         scf.parallel (%[[I:.*]]) = (%c0) to (%c8) step (%c2) {
// CHECK:           memref.store %{{.*}}, %[[BUF]][%[[I]]] : memref<8xi32>
// CHECK-NOT:     qsim.parallel
// With parallelize=false (threads=1) only the mark goes.
// SEQ-LABEL: func.func @marked
// SEQ:         scf.for %{{.*}} = %c0 to %c8 step %c2 {
// SEQ-NOT:     qsim.parallel
// SEQ-NOT:     scf.parallel
func.func @marked(%buf: memref<8xi32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1 : i32
  scf.for %i = %c0 to %c8 step %c2 {
    memref.store %one, %buf[%i] : memref<8xi32>
  } {qsim.parallel}
  return
}

// A loop that still has results (not bufferized) stays sequential; its mark
// is dropped. Unmarked loops are not touched.
// CHECK-LABEL: func.func @with_result
// CHECK:         %{{.*}} = scf.for {{.*}} iter_args
// CHECK-NOT:     qsim.parallel
// CHECK:         scf.for %{{.*}} = %c0 to %c8 step %c2 {
// CHECK-NOT:     scf.parallel
func.func @with_result(%buf: memref<8xi32>) -> i32 {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0 : i32
  %r = scf.for %i = %c0 to %c8 step %c2 iter_args(%acc = %zero) -> (i32) {
    %v = memref.load %buf[%i] : memref<8xi32>
    %s = arith.addi %acc, %v : i32
    scf.yield %s : i32
  } {qsim.parallel}
  scf.for %i = %c0 to %c8 step %c2 {
    memref.store %zero, %buf[%i] : memref<8xi32>
  }
  return %r : i32
}
