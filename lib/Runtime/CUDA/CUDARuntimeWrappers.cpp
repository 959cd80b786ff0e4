//===- CUDARuntimeWrappers.cpp - the mgpu* host calls on CUDA -------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// See include/qsim/Runtime/CUDARuntimeWrappers.h. Plain C++ on the CUDA
// driver API (libcuda), no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#include "qsim/Runtime/CUDARuntimeWrappers.h"

#include <cuda.h>

#include <cstdio>

namespace {

thread_local int32_t defaultDevice = 0;

/// The name of a driver error code. A stub libcuda (the toolkit's, no
/// driver) cannot name its own errors, hence the fallbacks.
const char *errorName(CUresult result) {
  const char *name = nullptr;
  if (cuGetErrorName(result, &name) == CUDA_SUCCESS && name)
    return name;
  switch (result) {
  case CUDA_ERROR_STUB_LIBRARY:
    return "CUDA_ERROR_STUB_LIBRARY";
  case CUDA_ERROR_NO_DEVICE:
    return "CUDA_ERROR_NO_DEVICE";
  default:
    return "CUresult";
  }
}

/// Reports a failed driver call on stderr; returns true on success.
bool check(CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return true;
  std::fprintf(stderr, "qsim-cuda-runtime: %s failed: %s (%d)\n", what,
               errorName(result), static_cast<int>(result));
  return false;
}
#define QSIM_CU(expr) check((expr), #expr)

/// Makes the primary context of the default device current for the duration
/// of one call and restores the caller's context afterwards. The context is
/// retained once per device and kept for the life of the process (kernels'
/// modules and managed buffers live in it).
class ScopedContext {
public:
  ScopedContext() {
    static bool initialized = QSIM_CU(cuInit(0));
    (void)initialized;
    CUdevice device;
    CUcontext context = nullptr;
    if (QSIM_CU(cuDeviceGet(&device, defaultDevice)))
      QSIM_CU(cuDevicePrimaryCtxRetain(&context, device));
    pushed = context && QSIM_CU(cuCtxPushCurrent(context));
  }
  ~ScopedContext() {
    if (pushed)
      QSIM_CU(cuCtxPopCurrent(nullptr));
  }

private:
  bool pushed = false;
};

CUstream asStream(void *stream) { return static_cast<CUstream>(stream); }
CUdeviceptr asDevicePtr(void *ptr) { return reinterpret_cast<CUdeviceptr>(ptr); }

/// The dense byte range of a ranked memref descriptor.
void memrefBytes(int64_t rank, void *descriptor, int64_t elementSizeBytes,
                 char *&begin, size_t &size) {
  struct Header {
    char *allocated;
    char *aligned;
    int64_t offset;
    int64_t sizes[1];
  };
  auto *header = static_cast<Header *>(descriptor);
  int64_t count = 1;
  for (int64_t i = 0; i < rank; ++i)
    count *= header->sizes[i];
  begin = header->aligned + header->offset * elementSizeBytes;
  size = static_cast<size_t>(count * elementSizeBytes);
}

} // namespace

extern "C" {

void *mgpuModuleLoad(void *data, size_t /*size*/) {
  ScopedContext context;
  CUmodule module = nullptr;
  QSIM_CU(cuModuleLoadData(&module, data));
  return module;
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  ScopedContext context;
  CUmodule module = nullptr;
  // The PTX JIT's log tells why a module does not load (unsupported PTX
  // version for the driver, too many registers ...).
  char log[8192] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log))};
  if (!QSIM_CU(cuModuleLoadDataEx(&module, data, 3, options, values)) &&
      log[0])
    std::fprintf(stderr, "qsim-cuda-runtime: PTX JIT log:\n%s\n", log);
  return module;
}

void mgpuModuleUnload(void *module) {
  // A module that never loaded (no device; or a JIT that did not run the
  // loading constructors) has nothing to unload.
  if (!module)
    return;
  ScopedContext context;
  QSIM_CU(cuModuleUnload(static_cast<CUmodule>(module)));
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  ScopedContext context;
  CUfunction function = nullptr;
  QSIM_CU(cuModuleGetFunction(&function, static_cast<CUmodule>(module), name));
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  ScopedContext context;
  QSIM_CU(cuLaunchKernel(static_cast<CUfunction>(function), gridX, gridY,
                         gridZ, blockX, blockY, blockZ, smem, asStream(stream),
                         params, extra));
}

void *mgpuStreamCreate() {
  ScopedContext context;
  CUstream stream = nullptr;
  QSIM_CU(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  return stream;
}

void mgpuStreamDestroy(void *stream) {
  ScopedContext context;
  QSIM_CU(cuStreamDestroy(asStream(stream)));
}

void mgpuStreamSynchronize(void *stream) {
  ScopedContext context;
  QSIM_CU(cuStreamSynchronize(asStream(stream)));
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  ScopedContext context;
  QSIM_CU(cuStreamWaitEvent(asStream(stream), static_cast<CUevent>(event), 0));
}

void *mgpuEventCreate() {
  ScopedContext context;
  CUevent event = nullptr;
  QSIM_CU(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

void mgpuEventDestroy(void *event) {
  ScopedContext context;
  QSIM_CU(cuEventDestroy(static_cast<CUevent>(event)));
}

void mgpuEventSynchronize(void *event) {
  ScopedContext context;
  QSIM_CU(cuEventSynchronize(static_cast<CUevent>(event)));
}

void mgpuEventRecord(void *event, void *stream) {
  ScopedContext context;
  QSIM_CU(cuEventRecord(static_cast<CUevent>(event), asStream(stream)));
}

void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/, bool isHostShared) {
  ScopedContext context;
  CUdeviceptr ptr = 0;
  // A zero-byte request (an empty tensor) is valid IR; the driver rejects it.
  if (sizeBytes == 0)
    sizeBytes = 1;
  bool ok = isHostShared
                ? QSIM_CU(cuMemAllocManaged(&ptr, sizeBytes,
                                            CU_MEM_ATTACH_GLOBAL))
                : QSIM_CU(cuMemAlloc(&ptr, sizeBytes));
  return ok ? reinterpret_cast<void *>(ptr) : nullptr;
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (!ptr)
    return;
  ScopedContext context;
  QSIM_CU(cuMemFree(asDevicePtr(ptr)));
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream) {
  ScopedContext context;
  QSIM_CU(cuMemcpyAsync(asDevicePtr(dst), asDevicePtr(src), sizeBytes,
                        asStream(stream)));
}

void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream) {
  ScopedContext context;
  QSIM_CU(cuMemsetD32Async(asDevicePtr(dst), value, count, asStream(stream)));
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  void *stream) {
  ScopedContext context;
  QSIM_CU(cuMemsetD16Async(asDevicePtr(dst), value, count, asStream(stream)));
}


void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementSizeBytes) {
  char *begin;
  size_t size;
  memrefBytes(rank, descriptor, elementSizeBytes, begin, size);
  ScopedContext context;
  QSIM_CU(cuMemHostRegister(begin, size, 0));
}

void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementSizeBytes) {
  char *begin;
  size_t size;
  memrefBytes(rank, descriptor, elementSizeBytes, begin, size);
  ScopedContext context;
  QSIM_CU(cuMemHostUnregister(begin));
}

void mgpuSetDefaultDevice(int32_t device) { defaultDevice = device; }

int32_t qsimCudaGetDeviceInfo(char *name, size_t nameSize, int32_t *ccMajor,
                              int32_t *ccMinor, char *error,
                              size_t errorSize) {
  auto report = [&](CUresult result, const char *what) {
    const char *errorText = nullptr;
    if (cuGetErrorString(result, &errorText) != CUDA_SUCCESS)
      errorText = result == CUDA_ERROR_STUB_LIBRARY
                      ? "libcuda.so.1 is the CUDA toolkit's stub, not a driver"
                      : nullptr;
    if (error && errorSize)
      std::snprintf(error, errorSize, "%s failed: %s (%d)%s%s", what,
                    errorName(result), static_cast<int>(result),
                    errorText ? ": " : "", errorText ? errorText : "");
    return static_cast<int32_t>(result);
  };
  if (CUresult r = cuInit(0); r != CUDA_SUCCESS)
    return report(r, "cuInit");
  CUdevice device;
  if (CUresult r = cuDeviceGet(&device, defaultDevice); r != CUDA_SUCCESS)
    return report(r, "cuDeviceGet");
  if (name && nameSize) {
    if (CUresult r = cuDeviceGetName(name, static_cast<int>(nameSize), device);
        r != CUDA_SUCCESS)
      return report(r, "cuDeviceGetName");
  }
  int major = 0, minor = 0;
  if (CUresult r = cuDeviceGetAttribute(
          &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
      r != CUDA_SUCCESS)
    return report(r, "cuDeviceGetAttribute");
  if (CUresult r = cuDeviceGetAttribute(
          &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
      r != CUDA_SUCCESS)
    return report(r, "cuDeviceGetAttribute");
  if (ccMajor)
    *ccMajor = major;
  if (ccMinor)
    *ccMinor = minor;
  return 0;
}

} // extern "C"
