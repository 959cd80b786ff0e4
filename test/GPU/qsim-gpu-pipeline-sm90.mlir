// RUN: qsim-opt %s --qsim-gpu-pipeline="chip=sm_90 features=+ptx80 opt-level=1" | %python %S/Inputs/extract_ptx.py - | FileCheck %s

// The chip and feature options reach nvvm-attach-target: sm_90 (H100) with
// PTX ISA 8.0.

// CHECK-LABEL: // gpu.binary @int8_matmul_kernel #nvvm.target<O = 1, chip = "sm_90", features = "+ptx80">
// CHECK:       .version 8.0
// CHECK:       .target sm_90
// CHECK:       .visible .entry int8_matmul_kernel(
// CHECK:       dp4a.s32.s32

func.func @int8_matmul(%a: tensor<1x16x32xi8>, %b: tensor<1x32x8xi8>) -> tensor<1x16x8xi32> {
  %zp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %r = tosa.matmul %a, %b, %zp, %zp : (tensor<1x16x32xi8>, tensor<1x32x8xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x16x8xi32>
  return %r : tensor<1x16x8xi32>
}
