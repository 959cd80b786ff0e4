// --pipeline-options: the text of --qsim-cpu-pipeline="..." (of
// --qsim-gpu-pipeline="..." with --target=gpu), checked before anything is
// compiled; and the command-line checks of --target=gpu that need no GPU.

// RUN: %python -c "import numpy as np; np.save(r'%t.a.npy', np.arange(6, dtype=np.float32).reshape(2, 3))"

// RUN: qsim-run %s --input=%t.a.npy --pipeline-options="emit-c-interface=true" --print | FileCheck %s
// RUN: qsim-run %s --input=%t.a.npy --pipeline-options="microkernels=none" --print | FileCheck %s
// RUN: qsim-run %s --input=%t.a.npy --pipeline-options="" --print | FileCheck %s
// CHECK: result #0: tensor<2x3xf32> shape (2, 3) dtype <f4
// CHECK-NEXT: {{\[\[}}1, 2, 3],
// CHECK-NEXT: {{^}} [4, 5, 6]]

// RUN: not qsim-run %s --input=%t.a.npy --pipeline-options="no-such-option=1" 2>&1 | FileCheck %s --check-prefix=NAME
// NAME: qsim-run: error: invalid --pipeline-options="no-such-option=1" for --qsim-cpu-pipeline: {{.*}}no such option no-such-option

// RUN: not qsim-run %s --input=%t.a.npy --pipeline-options="emit-c-interface=maybe" 2>&1 | FileCheck %s --check-prefix=VALUE
// VALUE: 'maybe' is invalid value for boolean argument
// VALUE: qsim-run: error: invalid --pipeline-options="emit-c-interface=maybe" for --qsim-cpu-pipeline

// GPU pipeline options are not CPU pipeline options, and the other way round.
// RUN: not qsim-run %s --input=%t.a.npy --pipeline-options="dp4a=false" 2>&1 | FileCheck %s --check-prefix=GPUOPT
// GPUOPT: qsim-run: error: invalid --pipeline-options="dp4a=false" for --qsim-cpu-pipeline: {{.*}}no such option dp4a
// RUN: not qsim-run %s --input=%t.a.npy --target=gpu --pipeline-options="microkernels=none" 2>&1 | FileCheck %s --check-prefix=CPUOPT
// CPUOPT: qsim-run: error: invalid --pipeline-options="microkernels=none" for --qsim-gpu-pipeline: {{.*}}no such option microkernels

// RUN: not qsim-run %s --input=%t.a.npy --pipeline-options="emit-c-interface=false" 2>&1 | FileCheck %s --check-prefix=NOCI
// NOCI: qsim-run: error: qsim-run calls the C interface of the entry; --pipeline-options cannot turn off emit-c-interface

// RUN: qsim-opt %s --qsim-cpu-pipeline -o %t.ll.mlir
// RUN: not qsim-run %t.ll.mlir --input=%t.a.npy --pipeline-options="microkernels=none" 2>&1 | FileCheck %s --check-prefix=LOWERED
// LOWERED: qsim-run: error: --pipeline-options has no effect on '{{.*}}', which is already lowered

// RUN: not qsim-run %s --input=%t.a.npy --gpu-chip=sm_90 2>&1 | FileCheck %s --check-prefix=NOTGPU
// RUN: not qsim-run %s --input=%t.a.npy --cuda-runtime=%t.so 2>&1 | FileCheck %s --check-prefix=NOTGPU
// NOTGPU: qsim-run: error: --gpu-chip and --cuda-runtime need --target=gpu

// RUN: not qsim-run %s --input=%t.a.npy --target=tpu 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: Cannot find option named 'tpu'!

// The CUDA runtime library must exist (it is built only with the CUDA
// toolkit); the message says so instead of failing in the JIT.
// RUN: not qsim-run %s --input=%t.a.npy --target=gpu --cuda-runtime=%t.missing.so 2>&1 | FileCheck %s --check-prefix=NORT
// NORT: qsim-run: error: --target=gpu: the CUDA runtime library '{{.*}}missing.so' does not exist (libqsim_cuda_runtime.so is built only where CMake finds the CUDA toolkit, see docs/GPU.md)

// A module lowered for one target does not run on the other.
// RUN: not qsim-run %t.ll.mlir --input=%t.a.npy --target=gpu 2>&1 | FileCheck %s --check-prefix=CPULOWERED
// CPULOWERED: qsim-run: error: '{{.*}}' is already lowered for the CPU (LLVM dialect without gpu.binary); --target=gpu needs a module before lowering or one lowered by --qsim-gpu-pipeline
// RUN: qsim-opt %s --qsim-gpu-pipeline -o %t.gpu.mlir
// RUN: not qsim-run %t.gpu.mlir --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=GPULOWERED
// GPULOWERED: qsim-run: error: '{{.*}}' contains GPU kernels (gpu.binary, lowered by --qsim-gpu-pipeline); run it with --target=gpu

// RUN: qsim-run --help | FileCheck %s --check-prefix=HELP
// HELP: --cuda-runtime=<path>
// HELP: --gpu-chip=<sm_XY>
// HELP: --pipeline-options=<OPTIONS>
// HELP: --target=<value>
// HELP-NEXT: =cpu
// HELP-NEXT: =gpu

func.func @add_one(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %one = "tosa.const"() <{values = dense<1.0> : tensor<2x3xf32>}> : () -> tensor<2x3xf32>
  %r = tosa.add %x, %one : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
