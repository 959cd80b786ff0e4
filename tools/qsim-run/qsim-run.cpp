//===- qsim-run.cpp - JIT runner of tensor functions on .npy files --------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Runs one function of an MLIR module on .npy inputs and writes its results
// as .npy files:
//
//   qsim-run model.mlir [--entry=NAME] --input=a.npy ... --output=r.npy ...
//            [--print] [--repeat=N] [--time] [--opt-level=N]
//            [--target=cpu|gpu] [--gpu-chip=sm_XY] [--cuda-runtime=PATH]
//            [--pipeline-options=OPTIONS]
//
// A module that is not in the LLVM dialect yet goes through
// --qsim-cpu-pipeline first (--target=gpu: --qsim-gpu-pipeline, then the JIT
// links libqsim_cuda_runtime.so). Inputs are checked against the entry's
// tensor signature before anything is compiled or run; the function is
// called through its C interface (`_mlir_ciface_<name>`, see docs/Tools.md).
//
//===----------------------------------------------------------------------===//

#include "qsim/Pipelines/Pipelines.h"
#include "qsim/Runtime/JitModule.h"
#include "qsim/Runtime/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace mlir;
using mlir::qsim::runtime::fillContiguousDescriptor;
using mlir::qsim::runtime::formatShape;
using mlir::qsim::runtime::freeResultBuffers;
using mlir::qsim::runtime::getDescriptorWords;
using mlir::qsim::runtime::kCIfacePrefix;
using mlir::qsim::runtime::NpyArray;
using mlir::qsim::runtime::NpyDType;

namespace {

/// Prints `qsim-run: error: <message>` and returns the exit code of errors.
int fail(const llvm::Twine &message) {
  llvm::errs() << "qsim-run: error: " << message << "\n";
  return 1;
}

std::string typeToString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

/// The .npy dtype that holds elements of `type`, if qsim-run supports it.
std::optional<NpyDType> getDTypeFor(Type type) {
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

/// Whether an input file of dtype `actual` may feed an element of `expected`:
/// the same dtype, or the other signedness of a byte (the bytes are passed
/// as they are, so uint8 200 reaches an i8 function as -56).
bool isCompatible(NpyDType expected, NpyDType actual) {
  if (expected == actual)
    return true;
  return (expected == NpyDType::I8 && actual == NpyDType::U8) ||
         (expected == NpyDType::U8 && actual == NpyDType::I8);
}

/// One argument or result of the entry: a static shape and an element type.
struct TensorSpec {
  Type type;
  SmallVector<int64_t> shape;
  NpyDType dtype;
};

/// Checks that `type`, the `index`-th argument or result of `entry`, is a
/// ranked static tensor or identity-layout memref of a supported element type.
std::optional<TensorSpec> getSpec(Type type, StringRef what, unsigned index,
                                  StringRef entry) {
  auto error = [&](const llvm::Twine &message) {
    fail(what + " #" + llvm::Twine(index) + " of '" + entry + "' " + message);
    return std::nullopt;
  };
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !isa<RankedTensorType, MemRefType>(type))
    return error("has type " + typeToString(type) +
                 "; qsim-run passes only ranked tensors and memrefs");
  if (auto memref = dyn_cast<MemRefType>(type);
      memref && !memref.getLayout().isIdentity())
    return error("has type " + typeToString(type) +
                 "; only the identity layout is supported");
  if (!shaped.hasStaticShape())
    return error("has dynamic shape " + typeToString(type) +
                 "; qsim-run supports static shapes only");
  std::optional<NpyDType> dtype = getDTypeFor(shaped.getElementType());
  if (!dtype)
    return error("has unsupported element type " +
                 typeToString(shaped.getElementType()) + " in " +
                 typeToString(type) +
                 " (supported: f32 f64 i1 i8 ui8 i16 i32 i64)");
  return TensorSpec{type, SmallVector<int64_t>(shaped.getShape()), *dtype};
}

/// The function to run and its signature from before the lowering.
struct Entry {
  std::string name;
  FunctionType type;
};

/// Finds the entry: `requested` or the only public function. In a module
/// that is already in the LLVM dialect, the candidates are the llvm.func
/// definitions carrying the signature recorded by qsim-cpu-pipeline.
std::optional<Entry> findEntry(ModuleOp module, StringRef requested,
                               StringRef filename, bool lowered) {
  SmallVector<Entry> candidates;
  SmallVector<std::string> unrecorded;
  if (!lowered) {
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        candidates.push_back({func.getSymName().str(), func.getFunctionType()});
  } else {
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      if (func.isExternal() || func.getSymName().starts_with(kCIfacePrefix) ||
          func.isPrivate())
        continue;
      auto recorded = func->getAttrOfType<TypeAttr>(qsim::kEntryTypeAttrName);
      if (recorded && isa<FunctionType>(recorded.getValue()))
        candidates.push_back(
            {func.getSymName().str(), cast<FunctionType>(recorded.getValue())});
      else
        unrecorded.push_back(func.getSymName().str());
    }
  }

  auto listNames = [](ArrayRef<Entry> entries) {
    std::string s;
    for (const Entry &e : entries)
      s += (s.empty() ? "'" : ", '") + e.name + "'";
    return s;
  };

  if (!requested.empty()) {
    for (const Entry &e : candidates)
      if (e.name == requested)
        return e;
    if (llvm::is_contained(unrecorded, requested)) {
      fail("entry function '" + requested + "' in '" + filename +
           "' is an llvm.func without the " + qsim::kEntryTypeAttrName +
           " attribute, so its tensor signature is unknown; run qsim-run on "
           "the module before lowering, or lower it with --qsim-cpu-pipeline");
      return std::nullopt;
    }
    Operation *symbol = SymbolTable::lookupSymbolIn(module, requested);
    if (auto func = dyn_cast_or_null<FunctionOpInterface>(symbol);
        func && func.isExternal()) {
      fail("entry function '" + requested + "' in '" + filename +
           "' is a declaration without a body");
      return std::nullopt;
    }
    if (symbol && SymbolTable::getSymbolVisibility(symbol) !=
                      SymbolTable::Visibility::Public) {
      fail("entry function '" + requested + "' in '" + filename +
           "' is not public");
      return std::nullopt;
    }
    fail("entry function '" + requested + "' not found in '" + filename + "'" +
         (candidates.empty()
              ? std::string(" (it has no public function)")
              : " (public functions: " + listNames(candidates) + ")"));
    return std::nullopt;
  }
  if (candidates.size() == 1)
    return candidates.front();
  if (candidates.empty()) {
    if (!unrecorded.empty())
      fail("'" + filename +
           "' is in the LLVM dialect and no function carries "
           "the " +
           qsim::kEntryTypeAttrName +
           " attribute, so no tensor "
           "signature is known; run qsim-run on the module before lowering, "
           "or lower it with --qsim-cpu-pipeline");
    else
      fail("no public function to run in '" + filename + "'");
    return std::nullopt;
  }
  fail("'" + filename + "' has several public functions (" +
       listNames(candidates) + "); choose one with --entry=NAME");
  return std::nullopt;
}

/// Copies the elements a result descriptor points to into a contiguous array
/// (the JIT'd code may return strided views).
NpyArray copyOut(const int64_t *descriptor, const TensorSpec &spec) {
  size_t rank = spec.shape.size();
  size_t elementSize = qsim::runtime::getNpyElementSize(spec.dtype);
  NpyArray array = *NpyArray::zeros(
      spec.dtype, std::vector<int64_t>(spec.shape.begin(), spec.shape.end()));
  int64_t numElements = array.getNumElements();
  if (numElements == 0)
    return array;
  auto *aligned = reinterpret_cast<const uint8_t *>(descriptor[1]);
  int64_t offset = descriptor[2];
  const int64_t *strides = descriptor + 3 + rank;
  SmallVector<int64_t> index(rank, 0);
  for (int64_t linear = 0; linear < numElements; ++linear) {
    int64_t position = offset;
    for (size_t d = 0; d < rank; ++d)
      position += index[d] * strides[d];
    std::memcpy(array.data.data() + linear * elementSize,
                aligned + position * elementSize, elementSize);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < spec.shape[d])
        break;
      index[d] = 0;
    }
  }
  return array;
}

std::string formatElement(const NpyArray &array, int64_t i) {
  const uint8_t *p =
      array.data.data() + i * qsim::runtime::getNpyElementSize(array.dtype);
  char buffer[64];
  switch (array.dtype) {
  case NpyDType::F32: {
    float v;
    std::memcpy(&v, p, sizeof(v));
    std::snprintf(buffer, sizeof(buffer), "%.7g", static_cast<double>(v));
    return buffer;
  }
  case NpyDType::F64: {
    double v;
    std::memcpy(&v, p, sizeof(v));
    std::snprintf(buffer, sizeof(buffer), "%.16g", v);
    return buffer;
  }
  case NpyDType::I8:
    return std::to_string(static_cast<int8_t>(*p));
  case NpyDType::U8:
    return std::to_string(*p);
  case NpyDType::Bool:
    return *p ? "True" : "False";
  case NpyDType::I16: {
    int16_t v;
    std::memcpy(&v, p, sizeof(v));
    return std::to_string(v);
  }
  case NpyDType::I32: {
    int32_t v;
    std::memcpy(&v, p, sizeof(v));
    return std::to_string(v);
  }
  case NpyDType::I64: {
    int64_t v;
    std::memcpy(&v, p, sizeof(v));
    return std::to_string(v);
  }
  }
  return "?";
}

/// Prints `array` as nested brackets like numpy; large arrays (more than
/// 1000 elements) show the first and last 3 entries of every dimension.
void printNested(llvm::raw_ostream &os, const NpyArray &array, size_t dim,
                 int64_t base, bool summarize, size_t indent) {
  if (dim == array.shape.size()) {
    os << formatElement(array, base);
    return;
  }
  int64_t size = array.shape[dim];
  int64_t stride = 1;
  for (size_t d = dim + 1; d < array.shape.size(); ++d)
    stride *= array.shape[d];
  constexpr int64_t kEdge = 3;
  bool elide = summarize && size > 2 * kEdge;
  os << "[";
  bool first = true;
  for (int64_t i = 0; i < size; ++i) {
    if (elide && i == kEdge) {
      os << ",";
      if (dim + 1 == array.shape.size())
        os << " ...";
      else
        os << "\n" << std::string(indent + 1, ' ') << "...";
      i = size - kEdge - 1;
      continue;
    }
    if (!first) {
      os << ",";
      if (dim + 1 == array.shape.size())
        os << " ";
      else
        os << std::string(array.shape.size() - dim - 1, '\n')
           << std::string(indent + 1, ' ');
    }
    first = false;
    printNested(os, array, dim + 1, base + i * stride, summarize, indent + 1);
  }
  os << "]";
}

void printArray(llvm::raw_ostream &os, const NpyArray &array, unsigned index,
                Type type) {
  os << "result #" << index << ": " << typeToString(type) << " shape "
     << formatShape(array.shape) << " dtype "
     << qsim::runtime::getNpyDescr(array.dtype) << "\n";
  if (array.getNumElements() == 0) {
    os << "[]\n";
    return;
  }
  printNested(os, array, 0, 0, array.getNumElements() > 1000, 0);
  os << "\n";
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // Compiled code mallocs its intermediate buffers on every call.
  qsim::runtime::keepFreedHeapMemory();

  llvm::cl::OptionCategory category("qsim-run options");
  llvm::cl::opt<std::string> inputFilename(
      llvm::cl::Positional, llvm::cl::desc("<model.mlir>"), llvm::cl::Required,
      llvm::cl::cat(category));
  llvm::cl::opt<std::string> entryName(
      "entry",
      llvm::cl::desc("Function to run (default: the only public function)"),
      llvm::cl::value_desc("name"), llvm::cl::cat(category));
  llvm::cl::list<std::string> inputFiles(
      "input", llvm::cl::desc("A .npy file per argument, in order"),
      llvm::cl::value_desc("file.npy"), llvm::cl::cat(category));
  llvm::cl::list<std::string> outputFiles(
      "output",
      llvm::cl::desc("A .npy file per result, in order (none: not written)"),
      llvm::cl::value_desc("file.npy"), llvm::cl::cat(category));
  llvm::cl::opt<bool> printResults(
      "print", llvm::cl::desc("Print the results (shape and values) to stdout"),
      llvm::cl::cat(category));
  llvm::cl::opt<unsigned> repeat(
      "repeat", llvm::cl::desc("Call the function N times (default 1)"),
      llvm::cl::value_desc("N"), llvm::cl::init(1), llvm::cl::cat(category));
  llvm::cl::opt<bool> printTime(
      "time", llvm::cl::desc("Print compile time and per-call times to stdout"),
      llvm::cl::cat(category));
  llvm::cl::opt<unsigned> optLevel(
      "opt-level",
      llvm::cl::desc("LLVM optimization level of the JIT, 0-3 (default 2)"),
      llvm::cl::value_desc("N"), llvm::cl::init(2), llvm::cl::cat(category));
  enum class Target { CPU, GPU };
  llvm::cl::opt<Target> target(
      "target", llvm::cl::desc("Where the function runs (default cpu)"),
      llvm::cl::values(
          clEnumValN(Target::CPU, "cpu",
                     "the host: --qsim-cpu-pipeline, JIT-compiled"),
          clEnumValN(Target::GPU, "gpu",
                     "an NVIDIA GPU: --qsim-gpu-pipeline, the host code "
                     "JIT-compiled with libqsim_cuda_runtime.so")),
      llvm::cl::init(Target::CPU), llvm::cl::cat(category));
  llvm::cl::opt<std::string> gpuChip(
      "gpu-chip",
      llvm::cl::desc("--target=gpu: the GPU architecture the kernels are "
                     "compiled for (the pipeline's chip=, default sm_80)"),
      llvm::cl::value_desc("sm_XY"), llvm::cl::init("sm_80"),
      llvm::cl::cat(category));
  llvm::cl::opt<std::string> cudaRuntime(
      "cuda-runtime",
      llvm::cl::desc("--target=gpu: the CUDA runtime library (default: "
                     "libqsim_cuda_runtime.so in ../lib next to qsim-run)"),
      llvm::cl::value_desc("path"), llvm::cl::cat(category));
  llvm::cl::opt<bool> compileOnly(
      "compile-only",
      llvm::cl::desc("Lower and JIT-compile (link) the module, then stop: no "
                     "initializers, no call, no --input needed. With "
                     "--target=gpu no GPU is needed either (the CUDA runtime "
                     "library must load)"),
      llvm::cl::cat(category));
  llvm::cl::opt<std::string> pipelineOptions(
      "pipeline-options",
      llvm::cl::desc("Options of the lowering pipeline, as in "
                     "--qsim-cpu-pipeline=\"OPTIONS\" (--qsim-gpu-pipeline "
                     "with --target=gpu), e.g. \"emit-c-interface=true\""),
      llvm::cl::value_desc("OPTIONS"), llvm::cl::cat(category));

  // "threads" is taken by one of libLLVM's global options.
  llvm::cl::opt<unsigned> threads(
      "num-threads",
      llvm::cl::desc("Team size of the parallel loops of a module lowered "
                     "with --pipeline-options=\"threads=0\" "
                     "(omp_set_num_threads); without it the OpenMP runtime "
                     "decides (OMP_NUM_THREADS, else all cores). An error "
                     "for a module without OpenMP loops"),
      llvm::cl::value_desc("N"), llvm::cl::cat(category));

  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  // libLLVM registers hundreds of backend options; --help shows ours and
  // --help-hidden everything (the MLIR options above included).
  llvm::cl::HideUnrelatedOptions(category);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qsim-run: JIT-compile an MLIR module and run one of its functions on "
      ".npy inputs\n");

  if (repeat == 0)
    return fail("--repeat must be at least 1");
  if (optLevel > 3)
    return fail("--opt-level must be 0, 1, 2 or 3");

  // Pipeline options, parsed before anything else is done: a typo must not
  // cost a compilation.
  bool gpu = target == Target::GPU;
  qsim::QSimCPUPipelineOptions cpuOptions;
  qsim::QSimGPUPipelineOptions gpuOptions;
  if (gpu && gpuChip.getNumOccurrences())
    gpuOptions.chip = gpuChip;
  if (!pipelineOptions.empty()) {
    std::string parseError;
    llvm::raw_string_ostream errorStream(parseError);
    LogicalResult parsed =
        gpu ? gpuOptions.parseFromString(pipelineOptions, errorStream)
            : cpuOptions.parseFromString(pipelineOptions, errorStream);
    if (failed(parsed)) {
      StringRef message = StringRef(parseError).trim();
      return fail("invalid --pipeline-options=\"" + pipelineOptions +
                  "\" for " +
                  (gpu ? "--qsim-gpu-pipeline" : "--qsim-cpu-pipeline") +
                  (message.empty() ? "" : ": " + message.str()));
    }
  }
  if (!(gpu ? gpuOptions.emitCInterface : cpuOptions.emitCInterface))
    return fail("qsim-run calls the C interface of the entry; "
                "--pipeline-options cannot turn off emit-c-interface");
  if (!gpu && (gpuChip.getNumOccurrences() || cudaRuntime.getNumOccurrences()))
    return fail("--gpu-chip and --cuda-runtime need --target=gpu");

  DialectRegistry registry;
  qsim::runtime::registerJitDialects(registry);
  MLIRContext context(registry);

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  llvm::Expected<OwningOpRef<ModuleOp>> loaded =
      qsim::runtime::loadModuleFile(inputFilename, context, sourceMgr);
  if (!loaded)
    return fail(llvm::toString(loaded.takeError()));
  OwningOpRef<ModuleOp> module = std::move(*loaded);

  // Find the entry and check everything about it and the inputs before
  // spending time on compilation.
  qsim::runtime::LoweringState state = qsim::runtime::getLoweringState(*module);
  bool lowered = state.lowered;
  if (lowered && state.hasKernels && !gpu)
    return fail("'" + inputFilename +
                "' contains GPU kernels (gpu.binary, lowered by "
                "--qsim-gpu-pipeline); run it with --target=gpu");
  if (lowered && !state.hasKernels && gpu)
    return fail("'" + inputFilename +
                "' is already lowered for the CPU (LLVM dialect without "
                "gpu.binary); --target=gpu needs a module before lowering or "
                "one lowered by --qsim-gpu-pipeline");
  if (lowered && !pipelineOptions.empty())
    return fail("--pipeline-options has no effect on '" + inputFilename +
                "', which is already lowered");
  std::optional<Entry> entry =
      findEntry(*module, entryName, inputFilename, lowered);
  if (!entry)
    return 1;
  if (lowered && !module->lookupSymbol((kCIfacePrefix + entry->name).str()))
    return fail("'" + entry->name + "' in '" + inputFilename +
                "' has no C interface function '" + kCIfacePrefix +
                entry->name + "' (lowered with emit-c-interface=false?)");

  SmallVector<TensorSpec> argSpecs, resultSpecs;
  for (auto [i, type] : llvm::enumerate(entry->type.getInputs())) {
    std::optional<TensorSpec> spec = getSpec(type, "argument", i, entry->name);
    if (!spec)
      return 1;
    argSpecs.push_back(*spec);
  }
  for (auto [i, type] : llvm::enumerate(entry->type.getResults())) {
    std::optional<TensorSpec> spec = getSpec(type, "result", i, entry->name);
    if (!spec)
      return 1;
    resultSpecs.push_back(*spec);
  }

  if (inputFiles.size() != argSpecs.size() &&
      !(compileOnly && inputFiles.empty()))
    return fail("'" + entry->name + "' takes " + llvm::Twine(argSpecs.size()) +
                " argument(s) " + typeToString(entry->type) + ", got " +
                llvm::Twine(inputFiles.size()) + " --input file(s)");
  if (!outputFiles.empty() && outputFiles.size() != resultSpecs.size())
    return fail("'" + entry->name + "' returns " +
                llvm::Twine(resultSpecs.size()) + " result(s), got " +
                llvm::Twine(outputFiles.size()) + " --output file(s)");

  std::vector<NpyArray> inputs(inputFiles.size());
  for (auto [i, spec] : llvm::enumerate(argSpecs)) {
    if (i >= inputFiles.size())
      break;
    const std::string &path = inputFiles[i];
    if (std::string err = qsim::runtime::readNpyFile(path, inputs[i]);
        !err.empty())
      return fail("input #" + llvm::Twine(i) + ": " + err);
    if (!isCompatible(spec.dtype, inputs[i].dtype))
      return fail("input #" + llvm::Twine(i) + " '" + path + "' has dtype '" +
                  qsim::runtime::getNpyDescr(inputs[i].dtype) +
                  "', argument #" + llvm::Twine(i) + " of '" + entry->name +
                  "' is " + typeToString(spec.type) + " (expects '" +
                  qsim::runtime::getNpyDescr(spec.dtype) + "')");
    if (!llvm::equal(inputs[i].shape, spec.shape))
      return fail("input #" + llvm::Twine(i) + " '" + path + "' has shape " +
                  formatShape(inputs[i].shape) + ", argument #" +
                  llvm::Twine(i) + " of '" + entry->name + "' is " +
                  typeToString(spec.type) + " (expects shape " +
                  formatShape(spec.shape) + ")");
  }

  // The GPU: the runtime library and a device, before compiling anything.
  std::string runtimePath;
  if (gpu) {
    runtimePath = cudaRuntime.getNumOccurrences()
                      ? std::string(cudaRuntime)
                      : qsim::runtime::getDefaultCUDARuntimePath(
                            argv[0], reinterpret_cast<void *>(&fail));
    llvm::Expected<qsim::runtime::CUDADeviceInfo> device =
        qsim::runtime::loadCUDARuntime(runtimePath,
                                       /*checkDevice=*/!compileOnly);
    if (!device)
      return fail("--target=gpu: " + llvm::toString(device.takeError()));
    // PTX for a newer architecture than the device's does not load.
    unsigned chipVersion = 0;
    StringRef chip = StringRef(gpuOptions.chip).take_while(
        [](char c) { return c != 'a' && c != 'f'; });
    unsigned deviceVersion = device->computeMajor * 10 + device->computeMinor;
    if (!compileOnly && !lowered && chip.consume_front("sm_") &&
        !chip.getAsInteger(10, chipVersion) && chipVersion > deviceVersion)
      return fail("--target=gpu: the kernels would be compiled for " +
                  gpuOptions.chip + ", but the GPU (" + device->name +
                  ") is sm_" + llvm::Twine(deviceVersion) +
                  "; pass --gpu-chip=sm_" + llvm::Twine(deviceVersion));
  }

  // Lower and compile.
  auto compileStart = std::chrono::steady_clock::now();
  // Ownership-based deallocation in the qsim pipelines makes every returned
  // buffer a fresh allocation owned by the caller (the GPU pipeline copies
  // results into malloc'ed host buffers); a module lowered by some other flow
  // gives no such guarantee, so its results are leaked.
  bool ownsResults = true;
  if (!lowered) {
    llvm::Error err =
        gpu ? qsim::runtime::lowerWithGPUPipeline(*module, inputFilename,
                                                  /*applyCLOptions=*/true,
                                                  gpuOptions)
            : qsim::runtime::lowerWithCPUPipeline(*module, inputFilename,
                                                  /*applyCLOptions=*/true,
                                                  cpuOptions);
    if (err)
      return fail(llvm::toString(std::move(err)));
    if (!qsim::runtime::getLoweringState(*module).lowered)
      return fail("'" + inputFilename +
                  "' still has ops outside the LLVM dialect after " +
                  (gpu ? "--qsim-gpu-pipeline" : "--qsim-cpu-pipeline") +
                  " (are there ops it does not lower?)");
  } else {
    auto func = module->lookupSymbol<LLVM::LLVMFuncOp>(entry->name);
    ownsResults = func && func->hasAttr(qsim::kEntryTypeAttrName);
  }

  if (threads.getNumOccurrences()) {
    if (threads == 0 || !qsim::runtime::usesOpenMP(*module))
      return fail("--num-threads: '" + inputFilename +
                  "' has no OpenMP loops to size (lower it with "
                  "--pipeline-options=\"threads=0\"; N must be at least 1)");
    if (llvm::Error err = qsim::runtime::setOpenMPThreads(threads))
      return fail("--num-threads: " + llvm::toString(std::move(err)));
  }

  SmallVector<StringRef> sharedLibs;
  if (gpu)
    sharedLibs.push_back(runtimePath);
  llvm::Expected<std::unique_ptr<ExecutionEngine>> engine =
      qsim::runtime::createJitEngine(*module, inputFilename, entry->name,
                                     optLevel, /*symbols=*/{}, sharedLibs,
                                     /*runInitializers=*/!compileOnly);
  if (!engine)
    return fail(llvm::toString(engine.takeError()));
  std::string cifaceName = (kCIfacePrefix + entry->name).str();
  double compileMs = millisecondsSince(compileStart);
  if (compileOnly) {
    if (printTime)
      llvm::outs() << llvm::format("compile: %.3f ms\n", compileMs);
    return 0;
  }

  // Descriptors: inputs point into the .npy data (the pipeline marks entry
  // arguments non-writable, so the code never writes into them); results
  // come back through one out-struct, the first argument, when there are any.
  static uint8_t emptyStorage[8];
  std::vector<std::vector<int64_t>> inputDescriptors;
  std::set<uintptr_t> inputPointers;
  for (auto [i, spec] : llvm::enumerate(argSpecs)) {
    size_t rank = spec.shape.size();
    std::vector<int64_t> desc(getDescriptorWords(rank));
    uint8_t *data =
        inputs[i].data.empty() ? emptyStorage : inputs[i].data.data();
    fillContiguousDescriptor(desc.data(), data, spec.shape);
    inputPointers.insert(reinterpret_cast<uintptr_t>(data));
    inputDescriptors.push_back(std::move(desc));
  }
  size_t resultWords = 0;
  SmallVector<size_t> resultOffsets;
  for (const TensorSpec &spec : resultSpecs) {
    resultOffsets.push_back(resultWords);
    resultWords += getDescriptorWords(spec.shape.size());
  }
  std::vector<int64_t> resultStorage(std::max<size_t>(resultWords, 1));

  SmallVector<void *> descriptorPointers;
  if (!resultSpecs.empty())
    descriptorPointers.push_back(resultStorage.data());
  for (std::vector<int64_t> &desc : inputDescriptors)
    descriptorPointers.push_back(desc.data());
  // invokePacked takes the address of every argument of the C interface
  // function, and those arguments are descriptor pointers.
  SmallVector<void *> packedArgs;
  for (void *&p : descriptorPointers)
    packedArgs.push_back(&p);

  auto freeResults = [&]() {
    if (ownsResults)
      freeResultBuffers(resultStorage, resultOffsets, inputPointers);
  };

  std::vector<double> runMs;
  std::vector<NpyArray> results;
  for (unsigned run = 0; run < repeat; ++run) {
    std::fill(resultStorage.begin(), resultStorage.end(), 0);
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error err = (*engine)->invokePacked(cifaceName, packedArgs))
      return fail("calling '" + entry->name +
                  "' failed: " + llvm::toString(std::move(err)));
    runMs.push_back(millisecondsSince(start));
    if (run + 1 == repeat) {
      // Copy every result out before anything is freed: results may share
      // buffers with each other.
      for (auto [i, spec] : llvm::enumerate(resultSpecs)) {
        const int64_t *desc = resultStorage.data() + resultOffsets[i];
        for (size_t d = 0; d < spec.shape.size(); ++d)
          if (desc[3 + d] != spec.shape[d])
            return fail("result #" + llvm::Twine(i) + " of '" + entry->name +
                        "' came back with size " + llvm::Twine(desc[3 + d]) +
                        " in dimension " + llvm::Twine(d) + ", expected " +
                        typeToString(spec.type));
        results.push_back(copyOut(desc, spec));
      }
    }
    freeResults();
  }

  for (auto [i, path] : llvm::enumerate(outputFiles))
    if (std::string err = qsim::runtime::writeNpyFile(path, results[i]);
        !err.empty())
      return fail("output #" + llvm::Twine(i) + ": " + err);

  if (printResults)
    for (auto [i, array] : llvm::enumerate(results))
      printArray(llvm::outs(), array, i, resultSpecs[i].type);

  if (printTime) {
    double total = 0, best = runMs.front();
    for (double ms : runMs) {
      total += ms;
      best = std::min(best, ms);
    }
    llvm::outs() << llvm::format("compile: %.3f ms\n", compileMs);
    llvm::outs() << llvm::format(
        "run: %u call(s), mean %.3f ms, min %.3f ms, total %.3f ms\n",
        static_cast<unsigned>(runMs.size()), total / runMs.size(), best, total);
  }
  return 0;
}
