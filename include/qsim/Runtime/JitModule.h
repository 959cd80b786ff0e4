//===- JitModule.h - loading, lowering and JIT-compiling a module -*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// What the JIT runners (qsim-run, qsim-collect) share: the dialect registry
// and parsing of a model file, the lowering with --qsim-cpu-pipeline or
// --qsim-gpu-pipeline, the mlir::ExecutionEngine set-up for the host (with
// the CUDA runtime library for GPU modules), and the ranked memref
// descriptors of the C interface (`_mlir_ciface_<name>`) that they pass and
// get back.
//
// This is the MLIR-dependent part of the runtime and a library of its own
// (QSimJit), so that QSimRuntime stays plain C++.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_RUNTIME_JITMODULE_H
#define QSIM_RUNTIME_JITMODULE_H

#include "qsim/Runtime/Npy.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class MLIRContext;

namespace qsim {
struct QSimCPUPipelineOptions;
struct QSimGPUPipelineOptions;

namespace runtime {

/// Prefix of the C interface function of a function lowered with
/// `llvm.emit_c_interface`.
inline constexpr llvm::StringLiteral kCIfacePrefix = "_mlir_ciface_";

/// memref.get_global of a constant lowers to a descriptor whose allocated
/// pointer is this marker; such a buffer must never be freed.
inline constexpr uintptr_t kGlobalMarker = 0xdeadbeef;

/// Adds what a runner needs to parse, lower and translate any model: all
/// upstream dialects and extensions, the qsim dialect with its external
/// models, and the translations to LLVM IR.
void registerJitDialects(DialectRegistry &registry);

/// Opens and parses `filename` into `context`, adding the file to
/// `sourceMgr` (whose diagnostic handler the caller owns). Fails with
/// "cannot open '<filename>': <reason>" (also for a directory or anything
/// but a regular file, which could be read forever; "-" reads stdin) or
/// "cannot parse '<filename>'".
llvm::Expected<OwningOpRef<ModuleOp>>
loadModuleFile(llvm::StringRef filename, MLIRContext &context,
               llvm::SourceMgr &sourceMgr);

/// Runs --qsim-cpu-pipeline (default options) on `module`, with the pass
/// manager command-line options applied when `applyCLOptions` is set (they
/// must have been registered). Fails with "lowering '<filename>' with
/// --qsim-cpu-pipeline failed"; the details went to the diagnostic handler.
llvm::Error lowerWithCPUPipeline(ModuleOp module, llvm::StringRef filename,
                                 bool applyCLOptions);

/// The same with the given pipeline options (e.g. parsed from the text of
/// --qsim-cpu-pipeline="..." by QSimCPUPipelineOptions::parseFromString).
llvm::Error lowerWithCPUPipeline(ModuleOp module, llvm::StringRef filename,
                                 bool applyCLOptions,
                                 const QSimCPUPipelineOptions &options);

/// Runs --qsim-gpu-pipeline with `options` on `module`: the result is host
/// code in the LLVM dialect plus gpu.binary ops, which createJitEngine runs
/// when the CUDA runtime library is among its shared libraries. Fails with
/// "lowering '<filename>' with --qsim-gpu-pipeline failed".
llvm::Error lowerWithGPUPipeline(ModuleOp module, llvm::StringRef filename,
                                 bool applyCLOptions,
                                 const QSimGPUPipelineOptions &options);

/// Where a module stands: `lowered` when every op is in the LLVM dialect, a
/// gpu.binary or a gpu.launch_func (what the CPU and GPU pipelines leave),
/// `hasKernels` when it contains gpu.binary ops (it needs the CUDA runtime).
struct LoweringState {
  bool lowered = false;
  bool hasKernels = false;
};
LoweringState getLoweringState(ModuleOp module);

/// The CUDA runtime wrapper library that GPU-lowered modules call
/// (libqsim_cuda_runtime.so, lib/Runtime/CUDA): its default location is
/// ../lib/ next to the directory of the running executable (the build and
/// the install tree alike). `argv0` and `mainAddress` locate the executable.
std::string getDefaultCUDARuntimePath(const char *argv0, void *mainAddress);

/// The device the CUDA runtime found.
struct CUDADeviceInfo {
  std::string name;
  int computeMajor = 0;
  int computeMinor = 0;
};

/// Loads the CUDA runtime library at `path` into the process and, with
/// `checkDevice`, checks that the driver initializes and the default device
/// exists (else the returned info is empty). Fails with a message that says
/// which: the library is missing ("... does not exist"), cannot be loaded
/// (e.g. the NVIDIA driver's libcuda.so.1 is not installed), or the driver
/// reports no usable device ("no usable CUDA device: cuInit failed:
/// CUDA_ERROR_NO_DEVICE (100): ..."). Never aborts.
llvm::Expected<CUDADeviceInfo> loadCUDARuntime(llvm::StringRef path,
                                               bool checkDevice = true);

/// A host function that JIT'd code may call, by its symbol name.
struct JitSymbol {
  llvm::StringRef name;
  void *address;
};

/// JIT-compiles `module` (in the LLVM dialect, read from `filename`) for the
/// host at LLVM optimization level `optLevel` (0-3), binds `memrefCopy` of
/// the C runner utilities (strided memref.copy calls it) and `symbols`,
/// links the shared libraries `sharedLibPaths` (the CUDA runtime for a
/// GPU-lowered module), runs the module's initializers (for GPU modules:
/// loading the kernels) unless `runInitializers` is false, and checks that
/// the C interface function of `entry` resolves (which links it).
llvm::Expected<std::unique_ptr<ExecutionEngine>>
createJitEngine(ModuleOp module, llvm::StringRef filename,
                llvm::StringRef entry, unsigned optLevel,
                llvm::ArrayRef<JitSymbol> symbols = {},
                llvm::ArrayRef<llvm::StringRef> sharedLibPaths = {},
                bool runInitializers = true);

/// Makes the C heap keep freed memory for the next call (glibc: mmap
/// threshold at its 32 MiB maximum, no trimming of the heap top). Compiled
/// code mallocs every intermediate buffer and frees it before returning; by
/// default glibc serves buffers above 128 KiB with fresh mmap'd pages and
/// trims the heap back to the OS, so every call page-faults on all of its
/// intermediate memory (measured: half the time of a depthwise layer). The
/// tools that call compiled code repeatedly (qsim-run, qsim-collect) call
/// this once at start-up; it is process-wide, so a library does not do it
/// on its own. A no-op on other C libraries.
void keepFreedHeapMemory();

/// Whether `module` holds OpenMP ops (lowered with threads != 1), which
/// createJitEngine then runs with LLVM's OpenMP runtime loaded.
bool usesOpenMP(ModuleOp module);

/// The OpenMP runtime (libomp) this build found, or an error saying it
/// found none.
llvm::Expected<std::string> openMPRuntimePath();

/// Sets the team size of the parallel loops of modules lowered with
/// threads=0 (omp_set_num_threads of the calling thread, which must be the
/// one that calls the entry point): loads the OpenMP runtime.
llvm::Error setOpenMPThreads(unsigned threads);

/// The number of 8-byte words of a ranked memref descriptor as the C
/// interface lays it out: {T *allocated, T *aligned, int64_t offset,
/// int64_t sizes[rank], int64_t strides[rank]}; every field is 8 bytes, a
/// rank-0 descriptor has only the first three.
inline size_t getDescriptorWords(size_t rank) { return 3 + 2 * rank; }

/// Fills `descriptor` (getDescriptorWords(shape.size()) words) so that it
/// describes the contiguous row-major buffer at `data` of `shape`.
void fillContiguousDescriptor(int64_t *descriptor, const void *data,
                              llvm::ArrayRef<int64_t> shape);

/// Frees the buffers that the result descriptors at `offsets` in `storage`
/// were allocated in, once each, except null, constant globals
/// (kGlobalMarker) and the buffers in `notOwned` (inputs a result may alias).
void freeResultBuffers(llvm::ArrayRef<int64_t> storage,
                       llvm::ArrayRef<size_t> offsets,
                       const std::set<uintptr_t> &notOwned);

/// The .npy dtype that holds elements of `type` as the C interface passes
/// them: f32 f64 i1 i8 ui8 i16 i32 i64; std::nullopt for any other type.
std::optional<NpyDType> getNpyDTypeFor(Type type);

/// Formats `shape` as Python prints a tuple: "(2, 3)", "(4,)", "()".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace runtime
} // namespace qsim
} // namespace mlir

#endif // QSIM_RUNTIME_JITMODULE_H
