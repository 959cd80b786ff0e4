//===- JitModule.cpp - loading, lowering and JIT-compiling a module -------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Runtime/JitModule.h"

#include "qsim/Dialect/QSim/Extensions/QuantizableOpInterfaceImpl.h"
#include "qsim/Dialect/QSim/IR/QSimDialect.h"
#include "qsim/Pipelines/Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace mlir;
using namespace mlir::qsim::runtime;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

void mlir::qsim::runtime::registerJitDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<qsim::QSimDialect>();
  qsim::registerQuantizableOpInterfaceExternalModels(registry);
  registerAllToLLVMIRTranslations(registry);
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::qsim::runtime::loadModuleFile(StringRef filename, MLIRContext &context,
                                    llvm::SourceMgr &sourceMgr) {
  // Only a regular file (or "-", stdin) is read: a directory or a device
  // such as /dev/zero would fail late or be read forever.
  if (filename != "-") {
    llvm::sys::fs::file_status status;
    if (std::error_code ec = llvm::sys::fs::status(filename, status))
      return makeError("cannot open '" + filename + "': " + ec.message());
    if (status.type() == llvm::sys::fs::file_type::directory_file)
      return makeError("cannot open '" + filename + "': it is a directory");
    if (status.type() != llvm::sys::fs::file_type::regular_file)
      return makeError("cannot open '" + filename + "': not a regular file");
  }
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(filename, &errorMessage);
  if (!file)
    return makeError("cannot open '" + filename + "': " + errorMessage);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return makeError("cannot parse '" + filename + "'");
  return module;
}

llvm::Error mlir::qsim::runtime::lowerWithCPUPipeline(ModuleOp module,
                                                      StringRef filename,
                                                      bool applyCLOptions) {
  return lowerWithCPUPipeline(module, filename, applyCLOptions,
                              qsim::QSimCPUPipelineOptions());
}

/// Runs the pipeline that `build` adds on `module`; `name` is its flag for
/// the error message.
static llvm::Error lowerWith(ModuleOp module, StringRef filename,
                             bool applyCLOptions, StringRef name,
                             llvm::function_ref<void(OpPassManager &)> build) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  if (applyCLOptions && failed(applyPassManagerCLOptions(pm)))
    return makeError("cannot apply the pass manager options");
  build(pm);
  if (failed(pm.run(module)))
    return makeError("lowering '" + filename + "' with --" + name +
                     " failed");
  return llvm::Error::success();
}

llvm::Error mlir::qsim::runtime::lowerWithCPUPipeline(
    ModuleOp module, StringRef filename, bool applyCLOptions,
    const qsim::QSimCPUPipelineOptions &options) {
  return lowerWith(module, filename, applyCLOptions, "qsim-cpu-pipeline",
                   [&](OpPassManager &pm) {
                     qsim::buildQSimCPUPipeline(pm, options);
                   });
}

llvm::Error mlir::qsim::runtime::lowerWithGPUPipeline(
    ModuleOp module, StringRef filename, bool applyCLOptions,
    const qsim::QSimGPUPipelineOptions &options) {
  return lowerWith(module, filename, applyCLOptions, "qsim-gpu-pipeline",
                   [&](OpPassManager &pm) {
                     qsim::buildQSimGPUPipeline(pm, options);
                   });
}

LoweringState mlir::qsim::runtime::getLoweringState(ModuleOp module) {
  LoweringState state;
  state.lowered = true;
  for (Operation &op : *module.getBody()) {
    if (isa<gpu::BinaryOp>(op)) {
      state.hasKernels = true;
      continue;
    }
    // gpu.launch_func stays in the host code until the translation to LLVM
    // IR, which turns it into mgpu* calls; so do OpenMP ops (libomp calls).
    WalkResult result = op.walk([](Operation *nested) {
      return isa<LLVM::LLVMDialect, omp::OpenMPDialect>(
                     nested->getDialect()) ||
                     isa<gpu::LaunchFuncOp>(nested)
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      state.lowered = false;
  }
  return state;
}

std::string mlir::qsim::runtime::getDefaultCUDARuntimePath(const char *argv0,
                                                           void *mainAddress) {
  std::string executable = llvm::sys::fs::getMainExecutable(argv0, mainAddress);
  llvm::SmallString<256> path(llvm::sys::path::parent_path(executable));
  llvm::sys::path::append(path, "..", "lib", "libqsim_cuda_runtime.so");
  llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
  return std::string(path);
}

llvm::Expected<CUDADeviceInfo>
mlir::qsim::runtime::loadCUDARuntime(StringRef path, bool checkDevice) {
  if (!llvm::sys::fs::exists(path))
    return makeError("the CUDA runtime library '" + path +
                     "' does not exist (libqsim_cuda_runtime.so is built "
                     "only where CMake finds the CUDA toolkit, see "
                     "docs/GPU.md)");
  std::string loadError;
  llvm::sys::DynamicLibrary library =
      llvm::sys::DynamicLibrary::getPermanentLibrary(path.str().c_str(),
                                                     &loadError);
  if (!library.isValid()) {
    std::string hint;
    if (StringRef(loadError).contains("libcuda"))
      hint = " (the NVIDIA driver, which provides libcuda.so.1, is not "
             "installed)";
    return makeError("cannot load the CUDA runtime library '" + path +
                     "': " + loadError + hint);
  }
  if (!checkDevice)
    return CUDADeviceInfo();
  using GetInfoFn = int32_t (*)(char *, size_t, int32_t *, int32_t *, char *,
                                size_t);
  auto getInfo = reinterpret_cast<GetInfoFn>(
      library.getAddressOfSymbol("qsimCudaGetDeviceInfo"));
  if (!getInfo)
    return makeError("'" + path +
                     "' is not qsim's CUDA runtime library (it has no "
                     "qsimCudaGetDeviceInfo)");
  char name[256] = {0}, error[512] = {0};
  int32_t major = 0, minor = 0;
  if (getInfo(name, sizeof(name), &major, &minor, error, sizeof(error)))
    return makeError(llvm::Twine("no usable CUDA device: ") + error);
  return CUDADeviceInfo{name, major, minor};
}

bool mlir::qsim::runtime::usesOpenMP(ModuleOp module) {
  bool found = false;
  module.walk([&](Operation *op) {
    if (isa<omp::OpenMPDialect>(op->getDialect())) {
      found = true;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

llvm::Expected<std::string> mlir::qsim::runtime::openMPRuntimePath() {
#ifdef QSIM_OPENMP_RUNTIME
  return std::string(QSIM_OPENMP_RUNTIME);
#else
  return makeError("uses threads (OpenMP), but this build found no LLVM "
                   "OpenMP runtime (libomp; Debian: libomp-22-dev)");
#endif
}

llvm::Error mlir::qsim::runtime::setOpenMPThreads(unsigned threads) {
  llvm::Expected<std::string> path = openMPRuntimePath();
  if (!path)
    return makeError("the module " + llvm::toString(path.takeError()));
  std::string loadError;
  auto library =
      llvm::sys::DynamicLibrary::getPermanentLibrary(path->c_str(), &loadError);
  if (!library.isValid())
    return makeError("cannot load the OpenMP runtime '" + *path +
                     "': " + loadError);
  using SetNumThreadsFn = void (*)(int);
  auto setNumThreads = reinterpret_cast<SetNumThreadsFn>(
      library.getAddressOfSymbol("omp_set_num_threads"));
  if (!setNumThreads)
    return makeError("'" + *path + "' has no omp_set_num_threads");
  setNumThreads(static_cast<int>(threads));
  return llvm::Error::success();
}

void mlir::qsim::runtime::keepFreedHeapMemory() {
#if defined(__GLIBC__)
  // 32 MiB is glibc's largest mmap threshold on 64-bit targets (larger
  // values are rejected); bigger buffers are still mmap'd.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

llvm::Expected<std::unique_ptr<ExecutionEngine>>
mlir::qsim::runtime::createJitEngine(ModuleOp module, StringRef filename,
                                     StringRef entry, unsigned optLevel,
                                     ArrayRef<JitSymbol> symbols,
                                     ArrayRef<StringRef> sharedLibPaths,
                                     bool runInitializers) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return makeError("cannot detect the host target: " +
                     llvm::toString(tmBuilder.takeError()));
  auto codeGenOptLevel =
      static_cast<llvm::CodeGenOptLevel>(static_cast<int>(optLevel));
  tmBuilder->setCodeGenOptLevel(codeGenOptLevel);
  auto tm = tmBuilder->createTargetMachine();
  if (!tm)
    return makeError("cannot create the host target machine: " +
                     llvm::toString(tm.takeError()));
  // ExecutionEngineOptions::transformer is a function_ref: the function it
  // refers to must outlive ExecutionEngine::create, so it is a local here
  // (assigning the temporary directly left the IR unoptimized).
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, tm->get());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = codeGenOptLevel;
  // No debugger or profiler registration: it costs time and is not needed.
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  // A module lowered with threads != 1 holds OpenMP ops, which LLVM IR
  // translation turns into calls of LLVM's OpenMP runtime.
  SmallVector<StringRef> libs(sharedLibPaths.begin(), sharedLibPaths.end());
  std::string openMPRuntime;
  if (usesOpenMP(module)) {
    llvm::Expected<std::string> path = openMPRuntimePath();
    if (!path)
      return makeError("'" + filename + "' " +
                       llvm::toString(path.takeError()));
    openMPRuntime = std::move(*path);
    libs.push_back(openMPRuntime);
  }
  engineOptions.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(module, engineOptions, std::move(*tm));
  if (!engine)
    return makeError("cannot JIT-compile '" + filename +
                     "': " + llvm::toString(engine.takeError()));
  // memref.copy of non-contiguous views lowers to a call of the C runner
  // utilities' memrefCopy; bind it to the copy linked into this library.
  SmallVector<JitSymbol> bound{{"memrefCopy", reinterpret_cast<void *>(&memrefCopy)}};
  bound.append(symbols.begin(), symbols.end());
  (*engine)->registerSymbols([&](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbolMap;
    for (const JitSymbol &symbol : bound)
      symbolMap[interner(symbol.name)] = {
          llvm::orc::ExecutorAddr::fromPtr(symbol.address),
          llvm::JITSymbolFlags::Exported};
    return symbolMap;
  });
  if (runInitializers)
    (*engine)->initialize();
  std::string cifaceName = (kCIfacePrefix + entry).str();
  if (auto lookup = (*engine)->lookupPacked(cifaceName); !lookup)
    return makeError("JIT compilation of '" + cifaceName +
                     "' failed: " + llvm::toString(lookup.takeError()));
  return std::move(*engine);
}

void mlir::qsim::runtime::fillContiguousDescriptor(int64_t *descriptor,
                                                   const void *data,
                                                   ArrayRef<int64_t> shape) {
  size_t rank = shape.size();
  descriptor[0] = descriptor[1] =
      static_cast<int64_t>(reinterpret_cast<uintptr_t>(data));
  descriptor[2] = 0;
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    descriptor[3 + d] = shape[d];
    descriptor[3 + rank + d] = stride;
    stride *= shape[d];
  }
}

void mlir::qsim::runtime::freeResultBuffers(
    ArrayRef<int64_t> storage, ArrayRef<size_t> offsets,
    const std::set<uintptr_t> &notOwned) {
  // Results may share a buffer with each other.
  std::set<uintptr_t> freed;
  for (size_t offset : offsets) {
    auto allocated = static_cast<uintptr_t>(storage[offset]);
    if (!allocated || allocated == kGlobalMarker ||
        notOwned.count(allocated) || !freed.insert(allocated).second)
      continue;
    std::free(reinterpret_cast<void *>(allocated));
  }
}

std::string mlir::qsim::runtime::formatShape(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

std::optional<mlir::qsim::runtime::NpyDType>
mlir::qsim::runtime::getNpyDTypeFor(Type type) {
  if (type.isF32())
    return NpyDType::F32;
  if (type.isF64())
    return NpyDType::F64;
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType)
    return std::nullopt;
  if (intType.isUnsigned())
    return intType.getWidth() == 8 ? std::optional(NpyDType::U8) : std::nullopt;
  switch (intType.getWidth()) {
  case 1:
    return NpyDType::Bool;
  case 8:
    return NpyDType::I8;
  case 16:
    return NpyDType::I16;
  case 32:
    return NpyDType::I32;
  case 64:
    return NpyDType::I64;
  default:
    return std::nullopt;
  }
}
