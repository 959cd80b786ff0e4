// Signatures qsim-run cannot call: checked before compiling, with the index
// of the argument or result.

// RUN: not qsim-run %s --entry=dynamic 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// DYNAMIC: qsim-run: error: argument #1 of 'dynamic' has dynamic shape tensor<?x3xf32>; qsim-run supports static shapes only

// RUN: not qsim-run %s --entry=dynamic_result 2>&1 | FileCheck %s --check-prefix=DYNAMIC-RESULT
// DYNAMIC-RESULT: qsim-run: error: result #0 of 'dynamic_result' has dynamic shape tensor<?xf32>; qsim-run supports static shapes only

// RUN: not qsim-run %s --entry=unranked 2>&1 | FileCheck %s --check-prefix=UNRANKED
// UNRANKED: qsim-run: error: argument #0 of 'unranked' has type tensor<*xf32>; qsim-run passes only ranked tensors and memrefs

// RUN: not qsim-run %s --entry=bf16 2>&1 | FileCheck %s --check-prefix=BF16
// BF16: qsim-run: error: argument #0 of 'bf16' has unsupported element type bf16 in tensor<4xbf16> (supported: f32 f64 i1 i8 ui8 i16 i32 i64)

// RUN: not qsim-run %s --entry=i4_result 2>&1 | FileCheck %s --check-prefix=I4
// I4: qsim-run: error: result #1 of 'i4_result' has unsupported element type i4 in tensor<4xi4>

// RUN: not qsim-run %s --entry=scalar 2>&1 | FileCheck %s --check-prefix=SCALAR
// SCALAR: qsim-run: error: argument #1 of 'scalar' has type f32; qsim-run passes only ranked tensors and memrefs

// RUN: not qsim-run %s --entry=strided 2>&1 | FileCheck %s --check-prefix=STRIDED
// STRIDED: qsim-run: error: argument #0 of 'strided' has type memref<4xf32, strided<[2]>>; only the identity layout is supported

func.func @dynamic(%a: tensor<2x3xf32>, %b: tensor<?x3xf32>) -> tensor<2x3xf32> {
  return %a : tensor<2x3xf32>
}

func.func @dynamic_result(%a: tensor<4xf32>) -> tensor<?xf32> {
  %r = tensor.cast %a : tensor<4xf32> to tensor<?xf32>
  return %r : tensor<?xf32>
}

func.func @unranked(%a: tensor<*xf32>) -> tensor<*xf32> {
  return %a : tensor<*xf32>
}

func.func @bf16(%a: tensor<4xbf16>) -> tensor<4xbf16> {
  return %a : tensor<4xbf16>
}

func.func @i4_result(%a: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi4>) {
  %r = arith.trunci %a : tensor<4xi8> to tensor<4xi4>
  return %a, %r : tensor<4xi8>, tensor<4xi4>
}

func.func @scalar(%a: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

func.func @strided(%a: memref<4xf32, strided<[2]>>) {
  return
}
