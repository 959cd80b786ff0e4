// RUN: qsim-opt %s --split-input-file --verify-diagnostics --qsim-gpu-device-memory

// The pass rewrites straight-line host code (what bufferization produces).
// expected-error@+1 {{qsim-gpu-pipeline expects a single-block function after bufferization}}
func.func @branches(%in: memref<8xi8>, %p: i1) {
  %c1 = arith.constant 1 : index
  cf.cond_br %p, ^a, ^b
^a:
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = memref.load %in[%tx] : memref<8xi8>
    gpu.terminator
  }
  cf.br ^b
^b:
  return
}

// -----

// An argument is staged with one contiguous copy of a static buffer.
// expected-error@+1 {{qsim-gpu-pipeline: only static identity-layout buffers can be staged to the device, got 'memref<8xi8, strided<[2]>>'}}
func.func @strided_arg(%in: memref<8xi8, strided<[2]>>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = memref.load %in[%tx] : memref<8xi8, strided<[2]>>
    gpu.terminator
  }
  return
}

// -----

func.func @dynamic_result(%n: index) -> memref<?xi8> {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : i8
  %out = memref.alloc(%n) : memref<?xi8>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %c0, %out[%tx] : memref<?xi8>
    gpu.terminator
  }
  // expected-error@+1 {{qsim-gpu-pipeline: results must be static identity-layout buffers, got 'memref<?xi8>'}}
  return %out : memref<?xi8>
}

// -----

// A buffer from an unknown source (a call) cannot be placed in managed
// memory.
func.func private @make() -> memref<8xi8>

func.func @unknown_buffer() {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : i8
  %buf = func.call @make() : () -> memref<8xi8>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    // expected-error@+1 {{qsim-gpu-pipeline: a kernel uses a buffer that is not in device-accessible memory}}
    memref.store %c0, %buf[%tx] : memref<8xi8>
    gpu.terminator
  }
  return
}
