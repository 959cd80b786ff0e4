// RUN: qsim-opt %s --split-input-file --qsim-gpu-tile-and-map-parallel-loops="max-threads-per-block=64" | FileCheck %s
// RUN: qsim-opt %s --split-input-file --qsim-gpu-tile-and-map-parallel-loops | FileCheck %s --check-prefix=DEFAULT

// 100 x 8 with 64 threads per block: the innermost dimension (8) whole on
// threadIdx.x, the next one gets the rest of the budget (8, of a rounded-up
// 128) on threadIdx.y; the tiles on blockIdx.y/x. A guard keeps the last
// partial tile (rows 96..103) inside 100, so the block size is constant.
// CHECK-LABEL: func.func @nc
// CHECK-DAG:     %[[C100:.*]] = arith.constant 100 : index
// CHECK:         %[[SN:.*]] = arith.muli %{{.*}}, %c8{{(_[0-9]+)?}} : index
// CHECK:         %[[SC:.*]] = arith.muli %{{.*}}, %c8{{(_[0-9]+)?}} : index
// CHECK:         scf.parallel ({{.*}}) = {{.*}} to (%[[C100]], %{{.*}}) step (%[[SN]], %[[SC]]) {
// CHECK:           scf.parallel ({{.*}}) = {{.*}} to (%[[SN]], %[[SC]])
// CHECK:             arith.cmpi ult, %{{.*}}, %[[C100]] : index
// CHECK:             scf.if
// CHECK:               memref.store
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = thread_y, {{.*}}>, #gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_y, {{.*}}>, #gpu.loop_dim_map<processor = block_x, {{.*}}>]}
// With the default 256: 32 x 8 threads.
// DEFAULT-LABEL: func.func @nc
// DEFAULT:         arith.muli %{{.*}}, %c32{{(_[0-9]+)?}} : index
// DEFAULT:         arith.muli %{{.*}}, %c8{{(_[0-9]+)?}} : index
func.func @nc(%buf: memref<100x8xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c100 = arith.constant 100 : index
  %zero = arith.constant 0 : i32
  scf.parallel (%n, %c) = (%c0, %c0) to (%c100, %c8) step (%c1, %c1) {
    memref.store %zero, %buf[%n, %c] : memref<100x8xi32>
    scf.reduce
  }
  return
}

// -----

// NHWC, 2 x 5 x 5 x 16 with 64 threads: channels (16) on x, 4 of the 5
// columns on y (64 / 16), rows on z with one thread; the batch dimension,
// beyond the innermost three, is sequential.
// Tiles 1 x 1 x 4 x 16 (64), and 1 x 2 x 8 x 16 (256) by default.
// CHECK-LABEL: func.func @nhwc
// CHECK:         arith.muli %{{.*}}, %c1{{(_[0-9]+)?}} : index
// CHECK:         arith.muli %{{.*}}, %c1{{(_[0-9]+)?}} : index
// CHECK:         arith.muli %{{.*}}, %c4{{(_[0-9]+)?}} : index
// CHECK:         arith.muli %{{.*}}, %c16{{(_[0-9]+)?}} : index
// CHECK:         scf.parallel
// CHECK:           scf.parallel
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = sequential, {{.*}}>, #gpu.loop_dim_map<processor = thread_z, {{.*}}>, #gpu.loop_dim_map<processor = thread_y, {{.*}}>, #gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = sequential, {{.*}}>, #gpu.loop_dim_map<processor = block_z, {{.*}}>, #gpu.loop_dim_map<processor = block_y, {{.*}}>, #gpu.loop_dim_map<processor = block_x, {{.*}}>]}
// DEFAULT-LABEL: func.func @nhwc
// DEFAULT:         arith.muli %{{.*}}, %c1{{(_[0-9]+)?}} : index
// DEFAULT:         arith.muli %{{.*}}, %c2{{(_[0-9]+)?}} : index
// DEFAULT:         arith.muli %{{.*}}, %c8{{(_[0-9]+)?}} : index
// DEFAULT:         arith.muli %{{.*}}, %c16{{(_[0-9]+)?}} : index
func.func @nhwc(%buf: memref<2x5x5x16xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c5 = arith.constant 5 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0 : i8
  scf.parallel (%n, %h, %w, %c) = (%c0, %c0, %c0, %c0) to (%c2, %c5, %c5, %c16) step (%c1, %c1, %c1, %c1) {
    memref.store %zero, %buf[%n, %h, %w, %c] : memref<2x5x5x16xi8>
    scf.reduce
  }
  return
}
