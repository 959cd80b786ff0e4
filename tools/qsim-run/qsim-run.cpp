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
// tensor signature, and output paths against the file system, before
// anything is compiled or run; the function is called through its C
// interface (`_mlir_ciface_<name>`, see docs/Tools.md).
//
// main reads as its steps: checkOptions, loadModule, findEntry (Entry.cpp),
// checkFileCounts, readInputs, checkOutputPaths, prepareGPU, compile,
// runEntry, writeOutputs, printArray (PrintArray.cpp), printTimes.
//
//===----------------------------------------------------------------------===//

#include "Entry.h"
#include "PrintArray.h"

#include "qsim/Pipelines/Pipelines.h"
#include "qsim/Runtime/Files.h"
#include "qsim/Runtime/JitModule.h"
#include "qsim/Runtime/Npy.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

using namespace mlir;
using mlir::qsim::run::Entry;
using mlir::qsim::run::TensorSpec;
using mlir::qsim::run::typeToString;
using mlir::qsim::runtime::formatShape;
using mlir::qsim::runtime::kCIfacePrefix;
using mlir::qsim::runtime::NpyArray;

namespace {

/// Prints `qsim-run: error: <message>` and returns the exit code of errors.
int fail(const llvm::Twine &message) {
  llvm::errs() << "qsim-run: error: " << message << "\n";
  return 1;
}

int fail(llvm::Error error) { return fail(llvm::toString(std::move(error))); }

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

enum class Target { CPU, GPU };

/// The command line. The options live as long as this object, which main
/// creates before parsing.
struct Options {
  llvm::cl::OptionCategory category{"qsim-run options"};
  llvm::cl::opt<std::string> inputFilename{
      llvm::cl::Positional, llvm::cl::desc("<model.mlir>"), llvm::cl::Required,
      llvm::cl::cat(category)};
  llvm::cl::opt<std::string> entryName{
      "entry",
      llvm::cl::desc("Function to run (default: the only public function)"),
      llvm::cl::value_desc("name"), llvm::cl::cat(category)};
  llvm::cl::list<std::string> inputFiles{
      "input", llvm::cl::desc("A .npy file per argument, in order"),
      llvm::cl::value_desc("file.npy"), llvm::cl::cat(category)};
  llvm::cl::list<std::string> outputFiles{
      "output",
      llvm::cl::desc("A .npy file per result, in order (none: not written)"),
      llvm::cl::value_desc("file.npy"), llvm::cl::cat(category)};
  llvm::cl::opt<bool> printResults{
      "print", llvm::cl::desc("Print the results (shape and values) to stdout"),
      llvm::cl::cat(category)};
  llvm::cl::opt<unsigned> repeat{
      "repeat", llvm::cl::desc("Call the function N times (default 1)"),
      llvm::cl::value_desc("N"), llvm::cl::init(1), llvm::cl::cat(category)};
  llvm::cl::opt<bool> printTime{
      "time", llvm::cl::desc("Print compile time and per-call times to stdout"),
      llvm::cl::cat(category)};
  llvm::cl::opt<unsigned> optLevel{
      "opt-level",
      llvm::cl::desc("LLVM optimization level of the JIT, 0-3 (default 2)"),
      llvm::cl::value_desc("N"), llvm::cl::init(2), llvm::cl::cat(category)};
  llvm::cl::opt<Target> target{
      "target", llvm::cl::desc("Where the function runs (default cpu)"),
      llvm::cl::values(
          clEnumValN(Target::CPU, "cpu",
                     "the host: --qsim-cpu-pipeline, JIT-compiled"),
          clEnumValN(Target::GPU, "gpu",
                     "an NVIDIA GPU: --qsim-gpu-pipeline, the host code "
                     "JIT-compiled with libqsim_cuda_runtime.so")),
      llvm::cl::init(Target::CPU), llvm::cl::cat(category)};
  llvm::cl::opt<std::string> gpuChip{
      "gpu-chip",
      llvm::cl::desc("--target=gpu: the GPU architecture the kernels are "
                     "compiled for (the pipeline's chip=, default sm_80)"),
      llvm::cl::value_desc("sm_XY"), llvm::cl::init("sm_80"),
      llvm::cl::cat(category)};
  llvm::cl::opt<std::string> cudaRuntime{
      "cuda-runtime",
      llvm::cl::desc("--target=gpu: the CUDA runtime library (default: "
                     "libqsim_cuda_runtime.so in ../lib next to qsim-run)"),
      llvm::cl::value_desc("path"), llvm::cl::cat(category)};
  llvm::cl::opt<bool> compileOnly{
      "compile-only",
      llvm::cl::desc("Lower and JIT-compile (link) the module, then stop: no "
                     "initializers, no call, no --input needed. With "
                     "--target=gpu no GPU is needed either (the CUDA runtime "
                     "library must load)"),
      llvm::cl::cat(category)};
  llvm::cl::opt<std::string> pipelineOptions{
      "pipeline-options",
      llvm::cl::desc("Options of the lowering pipeline, as in "
                     "--qsim-cpu-pipeline=\"OPTIONS\" (--qsim-gpu-pipeline "
                     "with --target=gpu), e.g. \"emit-c-interface=true\""),
      llvm::cl::value_desc("OPTIONS"), llvm::cl::cat(category)};
  // "threads" is taken by one of libLLVM's global options.
  llvm::cl::opt<unsigned> numThreads{
      "num-threads",
      llvm::cl::desc("Team size of the parallel loops of a module lowered "
                     "with --pipeline-options=\"threads=0\" "
                     "(omp_set_num_threads); without it the OpenMP runtime "
                     "decides (OMP_NUM_THREADS, else all cores). An error "
                     "for a module without OpenMP loops"),
      llvm::cl::value_desc("N"), llvm::cl::cat(category)};

  bool gpu() const { return target == Target::GPU; }
};

/// The lowering pipeline and its options, parsed from --pipeline-options.
struct Lowering {
  qsim::QSimCPUPipelineOptions cpu;
  qsim::QSimGPUPipelineOptions gpu;
};

/// Checks the option values and parses --pipeline-options before anything
/// else is done: a typo must not cost a compilation.
llvm::Error checkOptions(const Options &options, Lowering &lowering) {
  if (options.repeat == 0)
    return makeError("--repeat must be at least 1");
  if (options.optLevel > 3)
    return makeError("--opt-level must be 0, 1, 2 or 3");
  bool gpu = options.gpu();
  if (gpu && options.gpuChip.getNumOccurrences())
    lowering.gpu.chip = options.gpuChip.getValue();
  if (!options.pipelineOptions.empty()) {
    std::string parseError;
    llvm::raw_string_ostream errorStream(parseError);
    LogicalResult parsed =
        gpu ? lowering.gpu.parseFromString(options.pipelineOptions, errorStream)
            : lowering.cpu.parseFromString(options.pipelineOptions,
                                           errorStream);
    if (failed(parsed)) {
      StringRef message = StringRef(parseError).trim();
      return makeError("invalid --pipeline-options=\"" +
                       options.pipelineOptions + "\" for " +
                       (gpu ? "--qsim-gpu-pipeline" : "--qsim-cpu-pipeline") +
                       (message.empty() ? "" : ": " + message.str()));
    }
  }
  if (!(gpu ? lowering.gpu.emitCInterface : lowering.cpu.emitCInterface))
    return makeError("qsim-run calls the C interface of the entry; "
                     "--pipeline-options cannot turn off emit-c-interface");
  if (!gpu && (options.gpuChip.getNumOccurrences() ||
               options.cudaRuntime.getNumOccurrences()))
    return makeError("--gpu-chip and --cuda-runtime need --target=gpu");
  return llvm::Error::success();
}

/// Parses the model and checks that its lowering state fits --target and
/// --pipeline-options; sets `lowered` when it is in the LLVM dialect already.
llvm::Expected<OwningOpRef<ModuleOp>> loadModule(const Options &options,
                                                 MLIRContext &context,
                                                 llvm::SourceMgr &sourceMgr,
                                                 bool &lowered) {
  const std::string &filename = options.inputFilename;
  llvm::Expected<OwningOpRef<ModuleOp>> module =
      qsim::runtime::loadModuleFile(filename, context, sourceMgr);
  if (!module)
    return module.takeError();
  qsim::runtime::LoweringState state =
      qsim::runtime::getLoweringState(**module);
  lowered = state.lowered;
  bool gpu = options.gpu();
  if (lowered && state.hasKernels && !gpu)
    return makeError("'" + filename +
                     "' contains GPU kernels (gpu.binary, lowered by "
                     "--qsim-gpu-pipeline); run it with --target=gpu");
  if (lowered && !state.hasKernels && gpu)
    return makeError("'" + filename +
                     "' is already lowered for the CPU (LLVM dialect without "
                     "gpu.binary); --target=gpu needs a module before "
                     "lowering or one lowered by --qsim-gpu-pipeline");
  if (lowered && !options.pipelineOptions.empty())
    return makeError("--pipeline-options has no effect on '" + filename +
                     "', which is already lowered");
  return module;
}

/// Checks that the --input and --output files match the entry in number.
llvm::Error checkFileCounts(const Options &options, const Entry &entry) {
  size_t numInputs = options.inputFiles.size();
  if (numInputs != entry.args.size() &&
      !(options.compileOnly && numInputs == 0))
    return makeError("'" + entry.name + "' takes " +
                     llvm::Twine(entry.args.size()) + " argument(s) " +
                     typeToString(entry.type) + ", got " +
                     llvm::Twine(numInputs) + " --input file(s)");
  size_t numOutputs = options.outputFiles.size();
  if (numOutputs && numOutputs != entry.results.size())
    return makeError("'" + entry.name + "' returns " +
                     llvm::Twine(entry.results.size()) + " result(s), got " +
                     llvm::Twine(numOutputs) + " --output file(s)");
  return llvm::Error::success();
}

/// Reads the --input files and checks each against its argument.
llvm::Expected<std::vector<NpyArray>> readInputs(const Options &options,
                                                 const Entry &entry) {
  std::vector<NpyArray> inputs(options.inputFiles.size());
  for (auto [i, path] : llvm::enumerate(options.inputFiles)) {
    const TensorSpec &spec = entry.args[i];
    if (std::string err = qsim::runtime::readNpyFile(path, inputs[i]);
        !err.empty())
      return makeError("input #" + llvm::Twine(i) + ": " + err);
    if (!qsim::runtime::isNpyDTypeCompatible(spec.dtype, inputs[i].dtype))
      return makeError("input #" + llvm::Twine(i) + " '" + path +
                       "' has dtype '" +
                       qsim::runtime::getNpyDescr(inputs[i].dtype) +
                       "', argument #" + llvm::Twine(i) + " of '" + entry.name +
                       "' is " + typeToString(spec.type) + " (expects '" +
                       qsim::runtime::getNpyDescr(spec.dtype) + "')");
    if (!llvm::equal(inputs[i].shape, spec.shape))
      return makeError("input #" + llvm::Twine(i) + " '" + path +
                       "' has shape " + formatShape(inputs[i].shape) +
                       ", argument #" + llvm::Twine(i) + " of '" + entry.name +
                       "' is " + typeToString(spec.type) + " (expects shape " +
                       formatShape(spec.shape) + ")");
  }
  return inputs;
}

/// Checks that every --output can be written (an existing directory holds
/// it, it is not a directory itself) before anything is compiled or run.
llvm::Error checkOutputPaths(const Options &options) {
  for (auto [i, path] : llvm::enumerate(options.outputFiles))
    if (std::string err =
            qsim::runtime::checkWritableFile(path, /*allowDevices=*/true);
        !err.empty())
      return makeError("output #" + llvm::Twine(i) + ": " + err);
  return llvm::Error::success();
}

/// --target=gpu: loads the CUDA runtime library and, unless --compile-only,
/// checks the device and that it can load kernels for the chosen chip.
/// Returns the path of the library.
llvm::Expected<std::string> prepareGPU(const Options &options,
                                       const Lowering &lowering, bool lowered,
                                       const char *argv0) {
  std::string runtimePath =
      options.cudaRuntime.getNumOccurrences()
          ? std::string(options.cudaRuntime)
          : qsim::runtime::getDefaultCUDARuntimePath(
                argv0, reinterpret_cast<void *>(&millisecondsSince));
  llvm::Expected<qsim::runtime::CUDADeviceInfo> device =
      qsim::runtime::loadCUDARuntime(runtimePath,
                                     /*checkDevice=*/!options.compileOnly);
  if (!device)
    return makeError("--target=gpu: " + llvm::toString(device.takeError()));
  // PTX for a newer architecture than the device's does not load.
  unsigned chipVersion = 0;
  StringRef chip = StringRef(lowering.gpu.chip).take_while([](char c) {
    return c != 'a' && c != 'f';
  });
  unsigned deviceVersion = device->computeMajor * 10 + device->computeMinor;
  if (!options.compileOnly && !lowered && chip.consume_front("sm_") &&
      !chip.getAsInteger(10, chipVersion) && chipVersion > deviceVersion)
    return makeError("--target=gpu: the kernels would be compiled for " +
                     lowering.gpu.chip + ", but the GPU (" + device->name +
                     ") is sm_" + llvm::Twine(deviceVersion) +
                     "; pass --gpu-chip=sm_" + llvm::Twine(deviceVersion));
  return runtimePath;
}

/// The JIT-compiled module.
struct Compiled {
  std::unique_ptr<ExecutionEngine> engine;
  /// Whether the caller owns (and frees) the buffers of the results.
  bool ownsResults = true;
  double compileMs = 0;
};

/// Lowers the module unless it is `lowered` already, then JIT-compiles it.
llvm::Expected<Compiled> compile(ModuleOp module, const Options &options,
                                 const Lowering &lowering, bool lowered,
                                 const Entry &entry,
                                 StringRef cudaRuntimePath) {
  const std::string &filename = options.inputFilename;
  bool gpu = options.gpu();
  Compiled compiled;
  auto start = std::chrono::steady_clock::now();
  // Ownership-based deallocation in the qsim pipelines makes every returned
  // buffer a fresh allocation owned by the caller (the GPU pipeline copies
  // results into malloc'ed host buffers); a module lowered by some other flow
  // gives no such guarantee, so its results are leaked.
  if (!lowered) {
    llvm::Error err =
        gpu ? qsim::runtime::lowerWithGPUPipeline(module, filename,
                                                  /*applyCLOptions=*/true,
                                                  lowering.gpu)
            : qsim::runtime::lowerWithCPUPipeline(module, filename,
                                                  /*applyCLOptions=*/true,
                                                  lowering.cpu);
    if (err)
      return std::move(err);
    if (!qsim::runtime::getLoweringState(module).lowered)
      return makeError("'" + filename +
                       "' still has ops outside the LLVM dialect after " +
                       (gpu ? "--qsim-gpu-pipeline" : "--qsim-cpu-pipeline") +
                       " (are there ops it does not lower?)");
  } else {
    auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(entry.name);
    compiled.ownsResults = func && func->hasAttr(qsim::kEntryTypeAttrName);
  }

  if (options.numThreads.getNumOccurrences()) {
    if (options.numThreads == 0 || !qsim::runtime::usesOpenMP(module))
      return makeError("--num-threads: '" + filename +
                       "' has no OpenMP loops to size (lower it with "
                       "--pipeline-options=\"threads=0\"; N must be at "
                       "least 1)");
    if (llvm::Error err = qsim::runtime::setOpenMPThreads(options.numThreads))
      return makeError("--num-threads: " + llvm::toString(std::move(err)));
  }

  SmallVector<StringRef> sharedLibs;
  if (gpu)
    sharedLibs.push_back(cudaRuntimePath);
  llvm::Expected<std::unique_ptr<ExecutionEngine>> engine =
      qsim::runtime::createJitEngine(module, filename, entry.name,
                                     options.optLevel, /*symbols=*/{},
                                     sharedLibs,
                                     /*runInitializers=*/!options.compileOnly);
  if (!engine)
    return engine.takeError();
  compiled.engine = std::move(*engine);
  compiled.compileMs = millisecondsSince(start);
  return compiled;
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

/// What the calls gave: the results of the last one and every call's time.
struct RunResult {
  std::vector<NpyArray> results;
  std::vector<double> runMs;
};

/// Calls the entry --repeat times on `inputs` through its C interface.
llvm::Expected<RunResult> runEntry(const Compiled &compiled, const Entry &entry,
                                   std::vector<NpyArray> &inputs,
                                   unsigned repeat) {
  // Descriptors: inputs point into the .npy data (the pipeline marks entry
  // arguments non-writable, so the code never writes into them); results
  // come back through one out-struct, the first argument, when there are any.
  static uint8_t emptyStorage[8];
  std::vector<std::vector<int64_t>> inputDescriptors;
  std::set<uintptr_t> inputPointers;
  for (auto [i, spec] : llvm::enumerate(entry.args)) {
    size_t rank = spec.shape.size();
    std::vector<int64_t> desc(qsim::runtime::getDescriptorWords(rank));
    uint8_t *data =
        inputs[i].data.empty() ? emptyStorage : inputs[i].data.data();
    qsim::runtime::fillContiguousDescriptor(desc.data(), data, spec.shape);
    inputPointers.insert(reinterpret_cast<uintptr_t>(data));
    inputDescriptors.push_back(std::move(desc));
  }
  size_t resultWords = 0;
  SmallVector<size_t> resultOffsets;
  for (const TensorSpec &spec : entry.results) {
    resultOffsets.push_back(resultWords);
    resultWords += qsim::runtime::getDescriptorWords(spec.shape.size());
  }
  std::vector<int64_t> resultStorage(std::max<size_t>(resultWords, 1));

  SmallVector<void *> descriptorPointers;
  if (!entry.results.empty())
    descriptorPointers.push_back(resultStorage.data());
  for (std::vector<int64_t> &desc : inputDescriptors)
    descriptorPointers.push_back(desc.data());
  // invokePacked takes the address of every argument of the C interface
  // function, and those arguments are descriptor pointers.
  SmallVector<void *> packedArgs;
  for (void *&p : descriptorPointers)
    packedArgs.push_back(&p);

  auto freeResults = [&]() {
    if (compiled.ownsResults)
      qsim::runtime::freeResultBuffers(resultStorage, resultOffsets,
                                       inputPointers);
  };

  std::string cifaceName = (kCIfacePrefix + entry.name).str();
  RunResult run;
  for (unsigned call = 0; call < repeat; ++call) {
    std::fill(resultStorage.begin(), resultStorage.end(), 0);
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error err = compiled.engine->invokePacked(cifaceName, packedArgs))
      return makeError("calling '" + entry.name +
                       "' failed: " + llvm::toString(std::move(err)));
    run.runMs.push_back(millisecondsSince(start));
    if (call + 1 == repeat) {
      // Copy every result out before anything is freed: results may share
      // buffers with each other.
      for (auto [i, spec] : llvm::enumerate(entry.results)) {
        const int64_t *desc = resultStorage.data() + resultOffsets[i];
        for (size_t d = 0; d < spec.shape.size(); ++d)
          if (desc[3 + d] != spec.shape[d])
            return makeError("result #" + llvm::Twine(i) + " of '" +
                             entry.name + "' came back with size " +
                             llvm::Twine(desc[3 + d]) + " in dimension " +
                             llvm::Twine(d) + ", expected " +
                             typeToString(spec.type));
        run.results.push_back(copyOut(desc, spec));
      }
    }
    freeResults();
  }
  return run;
}

/// Writes the results to the --output files.
llvm::Error writeOutputs(const Options &options,
                         const std::vector<NpyArray> &results) {
  for (auto [i, path] : llvm::enumerate(options.outputFiles))
    if (std::string err = qsim::runtime::writeNpyFile(path, results[i]);
        !err.empty())
      return makeError("output #" + llvm::Twine(i) + ": " + err);
  return llvm::Error::success();
}

void printTimes(double compileMs, ArrayRef<double> runMs) {
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

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // Compiled code mallocs its intermediate buffers on every call.
  qsim::runtime::keepFreedHeapMemory();

  Options options;
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  // libLLVM registers hundreds of backend options; --help shows ours and
  // --help-hidden everything (the MLIR options above included).
  llvm::cl::HideUnrelatedOptions(options.category);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qsim-run: JIT-compile an MLIR module and run one of its functions on "
      ".npy inputs\n");
  Lowering lowering;
  if (llvm::Error err = checkOptions(options, lowering))
    return fail(std::move(err));

  DialectRegistry registry;
  qsim::runtime::registerJitDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  // Everything about the entry, the inputs and the outputs is checked before
  // time is spent on compilation.
  bool lowered = false;
  llvm::Expected<OwningOpRef<ModuleOp>> module =
      loadModule(options, context, sourceMgr, lowered);
  if (!module)
    return fail(module.takeError());
  llvm::Expected<Entry> entry = qsim::run::findEntry(
      **module, options.entryName, options.inputFilename, lowered);
  if (!entry)
    return fail(entry.takeError());
  if (llvm::Error err = checkFileCounts(options, *entry))
    return fail(std::move(err));
  llvm::Expected<std::vector<NpyArray>> inputs = readInputs(options, *entry);
  if (!inputs)
    return fail(inputs.takeError());
  if (llvm::Error err = checkOutputPaths(options))
    return fail(std::move(err));

  std::string cudaRuntimePath;
  if (options.gpu()) {
    llvm::Expected<std::string> path =
        prepareGPU(options, lowering, lowered, argv[0]);
    if (!path)
      return fail(path.takeError());
    cudaRuntimePath = *path;
  }

  llvm::Expected<Compiled> compiled =
      compile(**module, options, lowering, lowered, *entry, cudaRuntimePath);
  if (!compiled)
    return fail(compiled.takeError());
  if (options.compileOnly) {
    if (options.printTime)
      llvm::outs() << llvm::format("compile: %.3f ms\n", compiled->compileMs);
    return 0;
  }

  llvm::Expected<RunResult> run =
      runEntry(*compiled, *entry, *inputs, options.repeat);
  if (!run)
    return fail(run.takeError());
  if (llvm::Error err = writeOutputs(options, run->results))
    return fail(std::move(err));
  if (options.printResults)
    for (auto [i, array] : llvm::enumerate(run->results))
      qsim::run::printArray(llvm::outs(), array, i, entry->results[i].type);
  if (options.printTime)
    printTimes(compiled->compileMs, run->runMs);
  return 0;
}
