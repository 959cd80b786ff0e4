// RUN: qsim-opt %s --qsim-gpu-device-memory | FileCheck %s

// Everything a kernel reads or writes ends up in managed memory: the
// argument and the constant global are staged into gpu.alloc host_shared
// buffers, the allocations become gpu.alloc host_shared; deallocations are
// synchronous gpu.dealloc; the result is copied back into a fresh malloc'ed
// buffer that the caller owns, and every managed buffer is freed before the
// return.
// CHECK-LABEL: func.func @kernel
// CHECK-SAME:    (%[[ARG:.*]]: memref<8xi8>) -> memref<8xi8>
// CHECK:         %[[IN:.*]] = gpu.alloc host_shared () : memref<8xi8>
// CHECK:         memref.copy %[[ARG]], %[[IN]]
// CHECK:         %[[G:.*]] = memref.get_global @table
// CHECK:         %[[T:.*]] = gpu.alloc host_shared () : memref<8xi8>
// CHECK:         memref.copy %[[G]], %[[T]]
// CHECK:         %[[TMP:.*]] = gpu.alloc host_shared () : memref<8xi8>
// CHECK:         %[[OUT:.*]] = gpu.alloc host_shared () : memref<8xi8>
// CHECK-NOT:     memref.alloc
// CHECK:         gpu.launch
// CHECK:           memref.load %[[IN]]
// CHECK:           memref.load %[[T]]
// CHECK:           memref.store %{{.*}}, %[[TMP]]
// CHECK:           memref.store %{{.*}}, %[[OUT]]
// CHECK:           gpu.terminator
// CHECK:         %[[W0:.*]] = gpu.wait async
// CHECK:         %[[D0:.*]] = gpu.dealloc async [%[[W0]]] %[[TMP]]
// CHECK:         gpu.wait [%[[D0]]]
// CHECK-NOT:     memref.dealloc
// CHECK:         %[[RES:.*]] = memref.alloc() : memref<8xi8>
// CHECK:         memref.copy %[[OUT]], %[[RES]]
// CHECK-DAG:     gpu.dealloc async [%{{.*}}] %[[IN]]
// CHECK-DAG:     gpu.dealloc async [%{{.*}}] %[[T]]
// CHECK-DAG:     gpu.dealloc async [%{{.*}}] %[[OUT]]
// CHECK:         return %[[RES]] : memref<8xi8>
memref.global "private" constant @table : memref<8xi8> = dense<[1, 2, 3, 4, 5, 6, 7, 8]>

func.func @kernel(%in: memref<8xi8>) -> memref<8xi8> {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %t = memref.get_global @table : memref<8xi8>
  %tmp = memref.alloc() : memref<8xi8>
  %out = memref.alloc() : memref<8xi8>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1) {
    %a = memref.load %in[%tx] : memref<8xi8>
    %b = memref.load %t[%tx] : memref<8xi8>
    %s = arith.addi %a, %b : i8
    memref.store %s, %tmp[%tx] : memref<8xi8>
    memref.store %s, %out[%tx] : memref<8xi8>
    gpu.terminator
  }
  memref.dealloc %tmp : memref<8xi8>
  return %out : memref<8xi8>
}


// A function without kernels only ever sees host buffers: left alone.
// CHECK-LABEL: func.func @host_only
// CHECK-NEXT:    %[[A:.*]] = memref.alloc() : memref<8xi8>
// CHECK-NEXT:    memref.copy %{{.*}}, %[[A]]
// CHECK-NEXT:    return %[[A]]
func.func @host_only(%in: memref<8xi8>) -> memref<8xi8> {
  %out = memref.alloc() : memref<8xi8>
  memref.copy %in, %out : memref<8xi8> to memref<8xi8>
  return %out : memref<8xi8>
}
