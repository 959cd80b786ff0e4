// RUN: qsim-opt %s --qsim-cpu-pipeline | FileCheck %s
// RUN: qsim-opt %s --qsim-cpu-pipeline | FileCheck %s --check-prefix=LLVM-ONLY
// RUN: qsim-opt %s --qsim-cpu-pipeline="emit-c-interface=false" | FileCheck %s --check-prefix=NOCI
// RUN: qsim-opt %s --qsim-cpu-pipeline | qsim-opt --qsim-cpu-pipeline | FileCheck %s --check-prefix=TWICE

// The pipeline leaves only LLVM dialect ops: every TOSA, linalg, tensor,
// bufferization, memref, scf, cf, arith and math op of the float and int8
// models below is lowered. Public definitions get a C interface wrapper and
// keep their tensor signature in qsim.entry_type; private functions and
// declarations do not.

// LLVM-ONLY-NOT: tosa.
// LLVM-ONLY-NOT: linalg.
// LLVM-ONLY-NOT: tensor.
// LLVM-ONLY-NOT: bufferization.
// LLVM-ONLY-NOT: memref.
// LLVM-ONLY-NOT: scf.
// LLVM-ONLY-NOT: cf.
// LLVM-ONLY-NOT: arith.
// LLVM-ONLY-NOT: math.
// LLVM-ONLY-NOT: affine.
// LLVM-ONLY-NOT: ub.
// LLVM-ONLY-NOT: func.func
// LLVM-ONLY-NOT: func.call
// LLVM-ONLY-NOT: unrealized_conversion_cast

// CHECK-LABEL: llvm.func @float_ops(
// CHECK-SAME:    qsim.entry_type = (tensor<1x8x8x3xf32>, tensor<1x8x8x3xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x8x8x6xf32>, tensor<1x2x10xf32>)
// CHECK-LABEL: llvm.func @_mlir_ciface_float_ops(
// CHECK-SAME:    %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK-LABEL: llvm.func @int8_ops(
// CHECK-LABEL: llvm.func @_mlir_ciface_int8_ops(
// CHECK-LABEL: llvm.func @helper(
// CHECK-NOT:   llvm.func @_mlir_ciface_helper
// CHECK-LABEL: llvm.func @uses_helper(
// CHECK-LABEL: llvm.func @_mlir_ciface_uses_helper(

// NOCI-NOT: _mlir_ciface_
// NOCI: llvm.func @float_ops(
// NOCI-SAME: qsim.entry_type
// NOCI-NOT: _mlir_ciface_

// A second run changes nothing that matters: still LLVM only, the recorded
// signature is the original one.
// TWICE-NOT: tosa.
// TWICE: llvm.func @float_ops(
// TWICE-SAME: qsim.entry_type = (tensor<1x8x8x3xf32>, tensor<1x8x8x3xf32>)
// TWICE-NOT: linalg.

func.func @float_ops(%x: tensor<1x8x8x3xf32>, %y: tensor<1x8x8x3xf32>)
    -> (tensor<1x4x4x8xf32>, tensor<1x8x8x6xf32>, tensor<1x2x10xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<0.5> : tensor<8x3x3x3xf32>}> : () -> tensor<8x3x3x3xf32>
  %b = "tosa.const"() <{values = dense<0.25> : tensor<8xf32>}> : () -> tensor<8xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x3xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x8xf32>
  %r = tosa.clamp %c {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %p = tosa.max_pool2d %r {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x8xf32>) -> tensor<1x4x4x8xf32>
  %s = tosa.add %x, %y : (tensor<1x8x8x3xf32>, tensor<1x8x8x3xf32>) -> tensor<1x8x8x3xf32>
  %t = tosa.tanh %s : (tensor<1x8x8x3xf32>) -> tensor<1x8x8x3xf32>
  %cat = tosa.concat %s, %t {axis = 3 : i32} : (tensor<1x8x8x3xf32>, tensor<1x8x8x3xf32>) -> tensor<1x8x8x6xf32>
  %a = tosa.avg_pool2d %r, %zp, %zp {acc_type = f32, kernel = array<i64: 4, 4>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 4, 4>} : (tensor<1x8x8x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x8xf32>
  %shape = tosa.const_shape {values = dense<[1, 2, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %f = tosa.reshape %a, %shape : (tensor<1x2x2x8xf32>, !tosa.shape<3>) -> tensor<1x2x16xf32>
  %wfc = "tosa.const"() <{values = dense<0.125> : tensor<1x16x10xf32>}> : () -> tensor<1x16x10xf32>
  %m = tosa.matmul %f, %wfc, %zp, %zp : (tensor<1x2x16xf32>, tensor<1x16x10xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x10xf32>
  return %p, %cat, %m : tensor<1x4x4x8xf32>, tensor<1x8x8x6xf32>, tensor<1x2x10xf32>
}

func.func @int8_ops(%x: tensor<1x6x6x4xi8>) -> (tensor<1x6x6x4xi8>, tensor<1x4xi32>) {
  %w = "tosa.const"() <{values = dense<3> : tensor<3x3x4x1xi8>}> : () -> tensor<3x3x4x1xi8>
  %bias = "tosa.const"() <{values = dense<7> : tensor<4xi32>}> : () -> tensor<4xi32>
  %izp = "tosa.const"() <{values = dense<-2> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %dw = tosa.depthwise_conv2d %x, %w, %bias, %izp, %wzp {acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x6x6x4xi8>, tensor<3x3x4x1xi8>, tensor<4xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x6x6x4xi32>
  %mult = "tosa.const"() <{values = dense<1518500250> : tensor<1xi32>}> : () -> tensor<1xi32>
  %sh = "tosa.const"() <{values = dense<38> : tensor<1xi8>}> : () -> tensor<1xi8>
  %zi = "tosa.const"() <{values = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
  %zo = "tosa.const"() <{values = dense<-5> : tensor<1xi8>}> : () -> tensor<1xi8>
  %q = tosa.rescale %dw, %mult, %sh, %zi, %zo {scale32 = true, rounding_mode = DOUBLE_ROUND, per_channel = false, input_unsigned = false, output_unsigned = false} : (tensor<1x6x6x4xi32>, tensor<1xi32>, tensor<1xi8>, tensor<1xi32>, tensor<1xi8>) -> tensor<1x6x6x4xi8>
  %cl = tosa.clamp %q {min_val = -5 : i8, max_val = 127 : i8} : (tensor<1x6x6x4xi8>) -> tensor<1x6x6x4xi8>
  %wide = tosa.cast %cl : (tensor<1x6x6x4xi8>) -> tensor<1x6x6x4xi32>
  %r1 = tosa.reduce_sum %wide {axis = 1 : i32} : (tensor<1x6x6x4xi32>) -> tensor<1x1x6x4xi32>
  %r2 = tosa.reduce_sum %r1 {axis = 2 : i32} : (tensor<1x1x6x4xi32>) -> tensor<1x1x1x4xi32>
  %shape = tosa.const_shape {values = dense<[1, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %flat = tosa.reshape %r2, %shape : (tensor<1x1x1x4xi32>, !tosa.shape<2>) -> tensor<1x4xi32>
  return %cl, %flat : tensor<1x6x6x4xi8>, tensor<1x4xi32>
}

// A private function on memrefs (no C wrapper), and linalg named ops plus a
// linalg.generic with math on tensors.
func.func private @helper(%m: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %v = memref.load %m[%c0] : memref<4xf32>
  %e = math.exp %v : f32
  return %e : f32
}

func.func @uses_helper(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %init = tensor.empty() : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%acc : tensor<4x4xf32>) -> tensor<4x4xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%mm : tensor<4x4xf32>) outs(%init : tensor<4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.sqrt %in : f32
    %l = math.log1p %s : f32
    linalg.yield %l : f32
  } -> tensor<4x4xf32>
  return %g : tensor<4x4xf32>
}
