// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: qsim-opt %S/qsim-gpu-pipeline.mlir --qsim-gpu-pipeline -o %t/sm80.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t/sm80.mlir --out-dir %t/sm80 --ptxas %ptxas --arch sm_80 | FileCheck %s
// RUN: qsim-opt %S/qsim-gpu-pipeline.mlir --qsim-gpu-pipeline="chip=sm_90 features=+ptx80" -o %t/sm90.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t/sm90.mlir --out-dir %t/sm90 --ptxas %ptxas --arch sm_90 | FileCheck %s
// RUN: qsim-opt %S/qsim-gpu-pipeline.mlir --qsim-gpu-pipeline="format=bin" | FileCheck %s --check-prefix=BIN

// The PTX of every kernel assembles with the CUDA toolkit's ptxas, and
// format=bin (gpu-module-to-binary running ptxas) embeds cubins.

// CHECK-DAG: ptxas ok: int8_conv_kernel
// CHECK-DAG: ptxas ok: int8_conv_kernel_0
// CHECK-DAG: ptxas ok: int8_matmul_kernel
// CHECK:     // 3 PTX object(s)

// BIN-NOT: assembly =
// BIN:     gpu.binary @int8_conv_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">, properties = {{.*}}, bin = "
// BIN-NOT: assembly =
