// REQUIRES: qsim-cuda-runtime, ptxas
// RUN: qsim-opt %S/qsim-gpu-pipeline.mlir --qsim-gpu-pipeline | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=DECL
// RUN: qsim-opt %S/qsim-gpu-pipeline.mlir --qsim-gpu-pipeline="format=bin" | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=BIN
// RUN: llvm-nm -D --defined-only %qsim_cuda_runtime | FileCheck %s --check-prefix=SYM

// The host code of a lowered module (after translation to LLVM IR, where
// gpu.launch_func becomes module loads and launches) calls these functions,
// with these signatures; libqsim_cuda_runtime.so defines every one of them.
// (Runs wherever the library was built; executing needs a GPU.)

// DECL-DAG: declare ptr @mgpuMemAlloc(i64, ptr, i8)
// DECL-DAG: declare void @mgpuMemFree(ptr, ptr)
// DECL-DAG: declare ptr @mgpuStreamCreate()
// DECL-DAG: declare void @mgpuStreamSynchronize(ptr)
// DECL-DAG: declare void @mgpuStreamDestroy(ptr)
// DECL-DAG: declare ptr @mgpuModuleLoadJIT(ptr, i32)
// DECL-DAG: declare void @mgpuModuleUnload(ptr)
// DECL-DAG: declare ptr @mgpuModuleGetFunction(ptr, ptr)
// DECL-DAG: declare void @mgpuLaunchKernel(ptr, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr, i64)
// BIN:      declare ptr @mgpuModuleLoad(ptr, i64)

// SYM-DAG: T mgpuEventCreate
// SYM-DAG: T mgpuEventDestroy
// SYM-DAG: T mgpuEventRecord
// SYM-DAG: T mgpuEventSynchronize
// SYM-DAG: T mgpuLaunchKernel
// SYM-DAG: T mgpuMemAlloc
// SYM-DAG: T mgpuMemFree
// SYM-DAG: T mgpuMemHostRegisterMemRef
// SYM-DAG: T mgpuMemHostUnregisterMemRef
// SYM-DAG: T mgpuMemcpy
// SYM-DAG: T mgpuMemset16
// SYM-DAG: T mgpuMemset32
// SYM-DAG: T mgpuModuleGetFunction
// SYM-DAG: T mgpuModuleLoad
// SYM-DAG: T mgpuModuleLoadJIT
// SYM-DAG: T mgpuModuleUnload
// SYM-DAG: T mgpuSetDefaultDevice
// SYM-DAG: T mgpuStreamCreate
// SYM-DAG: T mgpuStreamDestroy
// SYM-DAG: T mgpuStreamSynchronize
// SYM-DAG: T mgpuStreamWaitEvent
// qsim-run's device check (not called by lowered code).
// SYM-DAG: T qsimCudaGetDeviceInfo
