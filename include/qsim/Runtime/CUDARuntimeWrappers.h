//===- CUDARuntimeWrappers.h - the mgpu* host calls on CUDA -----*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The C functions that MLIR 22's `gpu-to-llvm` lowering and the gpu.binary /
// gpu.launch_func translation to LLVM IR call (upstream implements them in
// libmlir_cuda_runtime, which Debian's LLVM packages do not ship). The
// signatures follow the declarations that the lowering emits, e.g.
// `declare ptr @mgpuMemAlloc(i64, ptr, i8)`. Implemented on the CUDA driver
// API by libqsim_cuda_runtime.so (lib/Runtime/CUDA), built only when CMake
// finds the CUDA toolkit. Errors are reported on stderr and not fatal, as
// upstream does; a failed allocation returns null.
//
// All calls run in the primary context of the default device (0, or the one
// set by mgpuSetDefaultDevice), made current for the duration of the call.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_RUNTIME_CUDARUNTIMEWRAPPERS_H
#define QSIM_RUNTIME_CUDARUNTIMEWRAPPERS_H

#include <cstddef>
#include <cstdint>

extern "C" {
/// Loads a cubin or fatbin (format=bin/fatbin) of `size` bytes.
void *mgpuModuleLoad(void *data, size_t size);
/// JIT-compiles NUL-terminated PTX (format=isa) at `optLevel` (0..4).
void *mgpuModuleLoadJIT(void *data, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
/// Launches with `params` (pointers to the kernel arguments, `paramsCount` of
/// them) on `stream`; `extra` is passed to cuLaunchKernel as is.
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);

void *mgpuStreamCreate();
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate();
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);

/// Device memory, or managed memory (host and device) when `isHostShared`.
void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, bool isHostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream);
void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream);
void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  void *stream);

/// Page-locks the dense buffer of a ranked memref descriptor
/// (`{T *allocated, T *aligned, int64_t offset, sizes[rank], strides[rank]}`).
void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementSizeBytes);
void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementSizeBytes);
void mgpuSetDefaultDevice(int32_t device);

/// Not called by lowered code: lets a host (qsim-run) check before compiling
/// anything that the driver initializes and the default device exists.
/// Returns 0 and fills `name` (NUL-terminated, at most `nameSize` bytes) and
/// the compute capability, or returns a CUresult (non-zero) and writes what
/// failed into `error`, e.g. "cuInit failed: CUDA_ERROR_NO_DEVICE (100): no
/// CUDA-capable device is detected".
int32_t qsimCudaGetDeviceInfo(char *name, size_t nameSize, int32_t *ccMajor,
                              int32_t *ccMinor, char *error, size_t errorSize);
}

#endif // QSIM_RUNTIME_CUDARUNTIMEWRAPPERS_H
