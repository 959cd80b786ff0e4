// RUN: qsim-opt %s --qsim-mark-entry-points | FileCheck %s
// RUN: qsim-opt %s --qsim-mark-entry-points="emit-c-interface=false" | FileCheck %s --check-prefix=NOWRAP
// RUN: qsim-opt %s --qsim-mark-entry-points="gpu-translations" | FileCheck %s

// A public definition: its signature recorded, its tensor arguments
// non-writable (scalars untouched), its C wrapper requested.
// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%{{.*}}: tensor<4xi8> {bufferization.writable = false}, %{{.*}}: i32)
// CHECK-SAME:    attributes {llvm.emit_c_interface, qsim.entry_type = (tensor<4xi8>, i32) -> tensor<4xi8>}
// NOWRAP-LABEL: func.func @main
// NOWRAP-SAME:    attributes {qsim.entry_type = (tensor<4xi8>, i32) -> tensor<4xi8>}
func.func @main(%x: tensor<4xi8>, %n: i32) -> tensor<4xi8> {
  return %x : tensor<4xi8>
}

// Private functions and declarations (libm, runtime helpers) are not entry
// points: a C wrapper of a declaration would redirect its calls to a
// _mlir_ciface_ symbol that does not exist.
// CHECK-LABEL: func.func private @helper
// CHECK-SAME:    (%{{.*}}: tensor<4xi8>) -> tensor<4xi8> {
// CHECK:       func.func private @libm(f32) -> f32{{$}}
func.func private @helper(%x: tensor<4xi8>) -> tensor<4xi8> {
  return %x : tensor<4xi8>
}
func.func private @libm(f32) -> f32

// A module fed through twice keeps the signature it had on first entry.
// CHECK-LABEL: func.func @again
// CHECK-SAME:    qsim.entry_type = (tensor<4xi8>) -> ()
func.func @again(%x: memref<4xi8>) attributes {qsim.entry_type = (tensor<4xi8>) -> ()} {
  return
}
