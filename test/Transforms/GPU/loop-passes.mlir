// RUN: qsim-opt %s --split-input-file --qsim-gpu-fuse-parallel-loops | FileCheck %s --check-prefix=FUSE
// RUN: qsim-opt %s --split-input-file --qsim-gpu-fuse-parallel-loops --qsim-gpu-promote-accumulators | FileCheck %s --check-prefix=PROMOTE
// RUN: qsim-opt %s --split-input-file --qsim-gpu-fuse-parallel-loops --qsim-gpu-promote-accumulators --qsim-gpu-int8-dot4 | FileCheck %s --check-prefix=DOT4
// RUN: qsim-test-opt %s --split-input-file --qsim-gpu-fuse-parallel-loops --qsim-gpu-promote-accumulators --qsim-test-gpu-int8-dot4-emulated | FileCheck %s --check-prefix=EMU

// The loop passes of --qsim-gpu-pipeline on their own, on the forms that
// convert-linalg-to-parallel-loops produces: what they rewrite and what they
// must leave alone.

// A reduction, its initialization and an element-wise epilogue: one loop,
// the accumulator in registers, no i32 buffer, dp4a over four-byte loads.
// FUSE-LABEL: func.func @matmul_epilogue
// FUSE:         memref.alloc() : memref<4x8xi8>
// FUSE:         scf.parallel
// FUSE:           memref.store %{{.*}}, %[[ACC:.*]][%{{.*}}, %{{.*}}] : memref<4x8xi32>
// FUSE:           scf.for
// FUSE:           memref.load %[[ACC]]
// FUSE:           arith.trunci
// FUSE-NOT:     scf.parallel
// FUSE:         memref.dealloc %[[ACC]]
// PROMOTE-LABEL: func.func @matmul_epilogue
// PROMOTE-NOT:   memref<4x8xi32>
// PROMOTE:       scf.parallel
// PROMOTE:         %[[R:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %c0_i32) -> (i32)
// PROMOTE:         arith.trunci %[[R]] : i32 to i8
// PROMOTE-NOT:   memref<4x8xi32>
// DOT4-LABEL: func.func @matmul_epilogue
// DOT4:         scf.for %[[K:.*]] = %c0 to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %c0_i32) -> (i32)
// DOT4:           vector.load %arg0[%{{.*}}, %[[K]]] {alignment = 4 : i64} : memref<4x16xi8>, vector<4xi8>
// The right operand's k is not contiguous: four byte loads.
// DOT4-COUNT-4:   memref.load %arg1
// DOT4:           vector.from_elements
// DOT4:           nvvm.dot.accumulate.4way {{.*}} <signed>, {{.*}} <signed>
// EMU-LABEL: func.func @matmul_epilogue
// EMU:           arith.extsi {{.*}} : vector<4xi8> to vector<4xi32>
// EMU:           arith.muli {{.*}} : vector<4xi32>
// EMU:           vector.reduction <add>
// EMU-NOT:       nvvm.
func.func @matmul_epilogue(%a: memref<4x16xi8>, %b: memref<16x8xi8>, %out: memref<4x8xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0 : i32
  %acc = memref.alloc() : memref<4x8xi32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    memref.store %zero, %acc[%i, %j] : memref<4x8xi32>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    scf.for %k = %c0 to %c16 step %c1 {
      %x = memref.load %a[%i, %k] : memref<4x16xi8>
      %y = memref.load %b[%k, %j] : memref<16x8xi8>
      %s = memref.load %acc[%i, %j] : memref<4x8xi32>
      %xe = arith.extsi %x : i8 to i32
      %ye = arith.extsi %y : i8 to i32
      %p = arith.muli %xe, %ye : i32
      %t = arith.addi %s, %p : i32
      memref.store %t, %acc[%i, %j] : memref<4x8xi32>
    }
    scf.reduce
  }
  %tmp = memref.alloc() : memref<4x8xi8>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %v = memref.load %acc[%i, %j] : memref<4x8xi32>
    %t = arith.trunci %v : i32 to i8
    memref.store %t, %tmp[%i, %j] : memref<4x8xi8>
    scf.reduce
  }
  memref.copy %tmp, %out : memref<4x8xi8> to memref<4x8xi8>
  memref.dealloc %tmp : memref<4x8xi8>
  memref.dealloc %acc : memref<4x8xi32>
  return
}

// -----

// The second loop reads a neighbour's element (another iteration's value):
// no fusion, and the buffer stays.
// FUSE-LABEL: func.func @shifted_read
// FUSE-COUNT-2: scf.parallel
// PROMOTE-LABEL: func.func @shifted_read
// PROMOTE:       memref.alloc() : memref<9xi32>
func.func @shifted_read(%in: memref<9xi32>, %out: memref<8xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %buf = memref.alloc() : memref<9xi32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %in[%i] : memref<9xi32>
    memref.store %v, %buf[%i] : memref<9xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %n = arith.addi %i, %c1 : index
    %v = memref.load %buf[%n] : memref<9xi32>
    memref.store %v, %out[%i] : memref<8xi32>
    scf.reduce
  }
  memref.dealloc %buf : memref<9xi32>
  return
}

// -----

// Independent loops stay apart; so do loops with a side effect between them
// and loops with different bounds.
// FUSE-LABEL: func.func @not_fused
// FUSE-COUNT-5: scf.parallel
func.func @not_fused(%in: memref<8xi32>, %o1: memref<8xi32>, %o2: memref<8xi32>, %o3: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %in[%i] : memref<8xi32>
    memref.store %v, %o1[%i] : memref<8xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %in[%i] : memref<8xi32>
    memref.store %v, %o2[%i] : memref<8xi32>
    scf.reduce
  }
  memref.copy %o1, %o2 : memref<8xi32> to memref<8xi32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %o2[%i] : memref<8xi32>
    memref.store %v, %o1[%i] : memref<8xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %o1[%i] : memref<8xi32>
    memref.store %v, %o3[%i] : memref<4xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %o1[%i] : memref<8xi32>
    memref.store %v, %o2[%c0] : memref<8xi32>
    scf.reduce
  }
  return
}

// -----

// The reduction loop also reads the accumulator's buffer through a view: the
// accumulator is not hoisted; and three-element reductions and i16 operands
// are no dp4a.
// PROMOTE-LABEL: func.func @no_hoist
// PROMOTE:         scf.for %{{.*}} = %c0 to %c8 step %c1 {
// PROMOTE:           memref.load %[[A:.*]][%{{.*}}, %{{.*}}] : memref<4x8xi32>
// PROMOTE:           memref.store %{{.*}}, %[[A]]
// DOT4-LABEL: func.func @no_hoist
// DOT4-NOT:     nvvm.dot.accumulate
// DOT4-LABEL: func.func @too_short
// DOT4-NOT:     nvvm.dot.accumulate
// DOT4-LABEL: func.func @i16
// DOT4-NOT:     nvvm.dot.accumulate
func.func @no_hoist(%a: memref<4x8xi8>, %out: memref<4x8xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %acc = memref.alloc() : memref<4x8xi32>
  %flat = memref.collapse_shape %acc [[0, 1]] : memref<4x8xi32> into memref<32xi32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<4x8xi8>
      %s = memref.load %acc[%i, %j] : memref<4x8xi32>
      %o = memref.load %flat[%k] : memref<32xi32>
      %xe = arith.extsi %x : i8 to i32
      %p = arith.muli %xe, %o : i32
      %t = arith.addi %s, %p : i32
      memref.store %t, %acc[%i, %j] : memref<4x8xi32>
    }
    scf.reduce
  }
  memref.copy %acc, %out : memref<4x8xi32> to memref<4x8xi32>
  memref.dealloc %acc : memref<4x8xi32>
  return
}

func.func @too_short(%a: memref<4x3xi8>, %b: memref<3x8xi8>, %out: memref<4x8xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    scf.for %k = %c0 to %c3 step %c1 {
      %x = memref.load %a[%i, %k] : memref<4x3xi8>
      %y = memref.load %b[%k, %j] : memref<3x8xi8>
      %s = memref.load %out[%i, %j] : memref<4x8xi32>
      %xe = arith.extsi %x : i8 to i32
      %ye = arith.extsi %y : i8 to i32
      %p = arith.muli %xe, %ye : i32
      %t = arith.addi %s, %p : i32
      memref.store %t, %out[%i, %j] : memref<4x8xi32>
    }
    scf.reduce
  }
  return
}

func.func @i16(%a: memref<4x8xi16>, %b: memref<8x8xi16>, %out: memref<4x8xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<4x8xi16>
      %y = memref.load %b[%k, %j] : memref<8x8xi16>
      %s = memref.load %out[%i, %j] : memref<4x8xi32>
      %xe = arith.extsi %x : i16 to i32
      %ye = arith.extsi %y : i16 to i32
      %p = arith.muli %xe, %ye : i32
      %t = arith.addi %s, %p : i32
      memref.store %t, %out[%i, %j] : memref<4x8xi32>
    }
    scf.reduce
  }
  return
}
