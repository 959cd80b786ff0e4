// The classifier after a global pool: upstream's elementwise fusion would
// propagate the reshapes through the matmul by rewriting it as a generic
// (and fold the pool's requantize into it), which the micro-kernels do not
// match; the CPU pipeline's fusion leaves named ops named, so the FC runs
// as a kernel with its requantize fused, and no i32 tensor is stored
// (report-int32 would remark; --verify-diagnostics rejects any remark).
// RUN: qsim-opt %s --verify-diagnostics --qsim-cpu-pipeline="microkernels=avx2 report-int32" | FileCheck %s

// CHECK-LABEL: llvm.func @fc
// CHECK: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
func.func @fc(%x: tensor<1x1x1x64xi32>) -> tensor<1x10xi8> {
  %q = qsim.requantize %x multiplier [1073741824] shift [40] : tensor<1x1x1x64xi32> -> tensor<1x1x1x64xi8>
  %s = tosa.const_shape {values = dense<[1, 1, 64]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %r = tosa.reshape %q, %s : (tensor<1x1x1x64xi8>, !tosa.shape<3>) -> tensor<1x1x64xi8>
  %w = arith.constant dense<3> : tensor<1x64x10xi8>
  %z = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>
  %m = tosa.matmul %r, %w, %z, %z : (tensor<1x1x64xi8>, tensor<1x64x10xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x1x10xi32>
  %y = qsim.requantize %m multiplier [1073741824] shift [36] : tensor<1x1x10xi32> -> tensor<1x1x10xi8>
  %s2 = tosa.const_shape {values = dense<[1, 10]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %o = tosa.reshape %y, %s2 : (tensor<1x1x10xi8>, !tosa.shape<2>) -> tensor<1x10xi8>
  return %o : tensor<1x10xi8>
}
