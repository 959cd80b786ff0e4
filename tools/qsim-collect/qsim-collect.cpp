//===- qsim-collect.cpp - calibration statistics from data ----------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Runs an annotated model (after --qsim-annotate) on calibration data and
// writes the statistics table that --qsim-calibrate reads:
//
//   qsim-collect model.mlir --data=calib.npy [--data=...] --output=table.json
//                [--batch-size=N] [--percentile=P] [--skip-nonfinite]
//
// One --data per argument of the entry, in argument order or as NAME=FILE
// (NAME: the argument's location name, which `qsim import-onnx` sets to the
// ONNX input's name, or argN). Each file is an (N, ...) .npy of the
// argument's element type (the dtypes qsim-run takes: float32 for f32,
// int64 for i64, ...); every file holds the same N samples.
//
// The module is instrumented (--qsim-instrument: markers become calls of
// the observer runtime), lowered with --qsim-cpu-pipeline and JIT-compiled.
// The data is read `--batch-size` samples at a time and fed to the model in
// calls of its own batch size (the arguments' leading dimension), so memory
// does not grow with N. A NaN or infinity in the data or in an observed
// activation is an error unless --skip-nonfinite leaves it out (and counts
// it). Every check on the inputs and the output path happens before
// anything is written; the table is written to a temporary file and renamed
// at the end, so a failure leaves no partial table and no temporary file.
// See docs/Calibration.md.
//
// main reads as its steps: checkOptions, findEntry, bindDataFiles and
// readDataHeaders (DataInputs.cpp), compile (instrument, lower, JIT; the
// points go to the Collector of Collector.cpp), SampleRunner::run,
// reportStats, writeTable.
//
//===----------------------------------------------------------------------===//

#include "Collector.h"
#include "DataInputs.h"

#include "qsim/Calibration/Table.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "qsim/Pipelines/Pipelines.h"
#include "qsim/Runtime/Files.h"
#include "qsim/Runtime/JitModule.h"
#include "qsim/Runtime/Npy.h"
#include "qsim/Runtime/Observer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <set>

using namespace mlir;
using mlir::qsim::collect::Arguments;
using mlir::qsim::collect::Collector;
using mlir::qsim::collect::DataInput;
namespace cal = mlir::qsim::calibration;
namespace rt = mlir::qsim::runtime;

namespace {

int fail(const llvm::Twine &message) {
  llvm::errs() << "qsim-collect: error: " << message << "\n";
  return 1;
}

int fail(llvm::Error error) { return fail(llvm::toString(std::move(error))); }

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The command line. The options live as long as this object, which main
/// creates before parsing.
struct Options {
  llvm::cl::OptionCategory category{"qsim-collect options"};
  llvm::cl::opt<std::string> inputFilename{
      llvm::cl::Positional, llvm::cl::desc("<annotated-model.mlir>"),
      llvm::cl::Required, llvm::cl::cat(category)};
  llvm::cl::list<std::string> dataFiles{
      "data",
      llvm::cl::desc("Calibration samples of one argument: an (N, ...) .npy "
                     "of its element type; one per argument, in order or as "
                     "NAME=FILE"),
      llvm::cl::value_desc("[NAME=]file.npy"), llvm::cl::OneOrMore,
      llvm::cl::cat(category)};
  llvm::cl::opt<std::string> outputFile{
      "output", llvm::cl::desc("The statistics table to write (JSON)"),
      llvm::cl::value_desc("table.json"), llvm::cl::Required,
      llvm::cl::cat(category)};
  llvm::cl::opt<std::string> entryName{
      "entry",
      llvm::cl::desc("Function to run (default: the only public function)"),
      llvm::cl::value_desc("name"), llvm::cl::cat(category)};
  llvm::cl::opt<int64_t> batchSize{
      "batch-size",
      llvm::cl::desc("Samples read per step (a multiple of the model's batch "
                     "dimension; default: that dimension)"),
      llvm::cl::value_desc("N"), llvm::cl::init(0), llvm::cl::cat(category)};
  llvm::cl::opt<double> percentile{
      "percentile",
      llvm::cl::desc("Percentile of |x| recorded for method=percentile"),
      llvm::cl::init(99.99), llvm::cl::cat(category)};
  llvm::cl::opt<unsigned> bins{
      "bins", llvm::cl::desc("Histogram bins (a power of two, default 2048)"),
      llvm::cl::init(cal::kDefaultHistogramBins), llvm::cl::cat(category)};
  llvm::cl::opt<bool> skipNonFinite{
      "skip-nonfinite",
      llvm::cl::desc("Skip samples holding NaN or infinity and leave NaN or "
                     "infinite activation values out of the statistics, "
                     "counting both (default: either is an error)"),
      llvm::cl::cat(category)};
  llvm::cl::opt<bool> quiet{"quiet",
                            llvm::cl::desc("No progress lines on stderr"),
                            llvm::cl::cat(category)};
  llvm::cl::opt<unsigned> optLevel{
      "opt-level", llvm::cl::desc("LLVM optimization level of the JIT, 0-3"),
      llvm::cl::init(2), llvm::cl::cat(category)};
  // "threads" is taken by one of libLLVM's global options.
  llvm::cl::opt<unsigned> numThreads{
      "num-threads",
      llvm::cl::desc("Threads of the model's parallel loops (OpenMP, as "
                     "--qsim-cpu-pipeline=\"threads=N\"); the table is the "
                     "same for every count (default 1)"),
      llvm::cl::value_desc("N"), llvm::cl::init(1), llvm::cl::cat(category)};
};

/// The temporary file the table is written to before it is renamed.
std::string getTemporaryPath(const Options &options) {
  return options.outputFile + ".tmp";
}

/// Checks the option values, and that the table and its temporary file can
/// be written, before any work is done.
llvm::Error checkOptions(const Options &options) {
  if (options.batchSize < 0)
    return makeError("--batch-size must be positive");
  if (!(options.percentile > 0) || !(options.percentile <= 100))
    return makeError("--percentile must be in (0, 100]");
  unsigned bins = options.bins;
  if (bins < 2 || (bins & (bins - 1)) || bins > (1u << 24))
    return makeError("--bins must be a power of two in [2, 2^24]");
  if (options.optLevel > 3)
    return makeError("--opt-level must be 0, 1, 2 or 3");
  if (options.numThreads < 1)
    return makeError("--num-threads must be at least 1");
  for (const std::string &path :
       {std::string(options.outputFile), getTemporaryPath(options)})
    if (std::string err = rt::checkWritableFile(path); !err.empty())
      return makeError("--output: " + err);
  return llvm::Error::success();
}

/// The function samples are fed to and what --data needs to know about it.
struct Entry {
  /// Valid until the module is lowered.
  func::FuncOp func;
  /// The signature, which outlives the lowering.
  FunctionType type;
  Arguments args;
  /// The leading dimension shared by all arguments.
  int64_t modelBatch = -1;
};

/// Finds the entry (--entry or the only public function) and checks its
/// signature: static tensors (B, ...) of the dtypes qsim-run supports, all
/// with the same batch B, and static ranked results.
llvm::Expected<Entry> findEntry(ModuleOp module, const Options &options) {
  const std::string &filename = options.inputFilename;
  StringRef entryName = options.entryName;
  Entry entry;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    if (!entryName.empty() ? func.getSymName() == entryName : !entry.func) {
      entry.func = func;
      continue;
    }
    if (entryName.empty())
      return makeError("'" + filename +
                       "' has several public functions; choose one with "
                       "--entry");
  }
  if (!entry.func)
    return makeError(entryName.empty()
                         ? "no public function to run in '" + filename + "'"
                         : "entry function '" + entryName + "' not found in '" +
                               filename + "'");
  std::string name = entry.func.getSymName().str();
  entry.args.entry = name;
  FunctionType ftype = entry.func.getFunctionType();
  entry.type = ftype;
  unsigned numArgs = ftype.getNumInputs();
  if (numArgs == 0)
    return makeError("'" + name +
                     "' takes no argument to feed calibration samples");
  for (unsigned i = 0; i < numArgs; ++i) {
    entry.args.names.push_back(
        qsim::collect::getArgumentName(entry.func.getArgument(i)));
    auto t = dyn_cast<RankedTensorType>(ftype.getInput(i));
    if (!t || !t.hasStaticShape() || t.getRank() < 1 ||
        !rt::getNpyDTypeFor(t.getElementType()))
      return makeError("argument #" + llvm::Twine(i) + " of '" + name +
                       "' must be a static tensor (batch, ...) of f32, f64, "
                       "i1, i8, ui8, i16, i32 or i64 to be fed calibration "
                       "samples");
    if (entry.modelBatch < 0)
      entry.modelBatch = t.getShape()[0];
    else if (t.getShape()[0] != entry.modelBatch)
      return makeError("the arguments of '" + name +
                       "' have different batch dimensions (" +
                       llvm::Twine(entry.modelBatch) + " and " +
                       llvm::Twine(t.getShape()[0]) + ")");
  }
  for (Type t : ftype.getResults()) {
    auto r = dyn_cast<RankedTensorType>(t);
    if (!r || !r.hasStaticShape())
      return makeError("'" + name + "' must return static ranked tensors");
  }
  return entry;
}

/// Instruments the module (one point per input/activation marker, added to
/// `collector`), lowers it with --qsim-cpu-pipeline and JIT-compiles it with
/// the observer runtime bound.
llvm::Expected<std::unique_ptr<ExecutionEngine>> compile(ModuleOp module,
                                                         const Options &options,
                                                         StringRef entryName,
                                                         Collector &collector) {
  const std::string &filename = options.inputFilename;
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  pm.addPass(qsim::createQSimInstrument());
  if (failed(pm.run(module)))
    return makeError("instrumenting '" + filename + "' failed");
  auto pointsAttr = module->getAttrOfType<ArrayAttr>("qsim.observed_points");
  if (!pointsAttr || pointsAttr.empty())
    return makeError("'" + filename +
                     "' has no input/activation quantization points; run "
                     "--qsim-annotate first");
  for (Attribute a : pointsAttr) {
    auto d = cast<DictionaryAttr>(a);
    qsim::collect::Point p(options.bins);
    p.name = d.getAs<StringAttr>("name").str();
    p.kind = d.getAs<StringAttr>("kind").str();
    p.loc = d.getAs<StringAttr>("loc").str();
    collector.points.push_back(std::move(p));
  }
  // threads=0 and the team sized here: the loops that are worth a team are
  // the same as with threads=N.
  qsim::QSimCPUPipelineOptions pipeline;
  pipeline.threads = options.numThreads == 1 ? 1 : 0;
  if (llvm::Error err = rt::lowerWithCPUPipeline(
          module, filename, /*applyCLOptions=*/false, pipeline))
    return std::move(err);
  if (options.numThreads > 1 && rt::usesOpenMP(module))
    if (llvm::Error err = rt::setOpenMPThreads(options.numThreads))
      return makeError("--num-threads: " + llvm::toString(std::move(err)));
  return rt::createJitEngine(
      module, filename, entryName, options.optLevel,
      {{"qsim_observe", reinterpret_cast<void *>(&qsimObserve)}});
}

/// What the run over the data used and left out.
struct CollectStats {
  int64_t used = 0, skipped = 0, dropped = 0;
  std::string hash;
};

/// Streams the samples through the model, `batchSize` samples per step
/// (a multiple of the model batch), and fills the collector.
class SampleRunner {
public:
  SampleRunner(const Options &options, const Entry &entry,
               std::vector<DataInput> &inputs, ExecutionEngine &engine,
               Collector &collector)
      : options(options), entry(entry), inputs(inputs), engine(engine),
        collector(collector) {
    FunctionType ftype = entry.type;
    numResults = ftype.getNumResults();
    size_t resultWords = 0;
    for (Type t : ftype.getResults()) {
      resultOffsets.push_back(resultWords);
      resultWords +=
          rt::getDescriptorWords(cast<RankedTensorType>(t).getRank());
    }
    resultStorage.resize(std::max<size_t>(resultWords, 1));
    cifaceName = (rt::kCIfacePrefix + entry.args.entry).str();
  }

  llvm::Expected<CollectStats> run(int64_t numSamples, int64_t batchSize);

private:
  /// The data files, for messages: the file with one argument.
  std::string describeData() const {
    return inputs.size() == 1 ? "'" + inputs[0].file + "'"
                              : std::string("the --data files");
  }

  /// Runs the model on batch `b` of the pending samples.
  llvm::Error runBatch(size_t b);

  /// Unless --skip-nonfinite, fails when a point saw NaN or infinity in the
  /// model batch of samples `first`..`first + modelBatch - 1`.
  llvm::Error checkActivations(int64_t first);

  const Options &options;
  const Entry &entry;
  std::vector<DataInput> &inputs;
  ExecutionEngine &engine;
  Collector &collector;
  unsigned numResults = 0;
  SmallVector<size_t> resultOffsets;
  std::vector<int64_t> resultStorage;
  std::string cifaceName;
};

llvm::Error SampleRunner::runBatch(size_t b) {
  // One descriptor per argument, of the model batch; results come back
  // through an out-struct and are freed after each call.
  std::set<uintptr_t> notOwned;
  SmallVector<void *> inPtrs;
  for (DataInput &d : inputs) {
    uint8_t *batch = d.pending.data() + b * entry.modelBatch * d.sampleBytes;
    rt::fillContiguousDescriptor(d.desc.data(), batch, d.argShape);
    notOwned.insert(reinterpret_cast<uintptr_t>(batch));
    inPtrs.push_back(d.desc.data());
  }
  std::fill(resultStorage.begin(), resultStorage.end(), 0);
  void *resultPtr = resultStorage.data();
  SmallVector<void *> packed;
  if (numResults)
    packed.push_back(&resultPtr);
  for (void *&p : inPtrs)
    packed.push_back(&p);
  if (llvm::Error e = engine.invokePacked(cifaceName, packed))
    return e;
  rt::freeResultBuffers(resultStorage, resultOffsets, notOwned);
  return llvm::Error::success();
}

llvm::Error SampleRunner::checkActivations(int64_t first) {
  if (options.skipNonFinite)
    return llvm::Error::success();
  for (const qsim::collect::Point &p : collector.points) {
    if (!p.getNumNonFinite())
      continue;
    int64_t last = first + entry.modelBatch - 1;
    std::string samples = first == last ? "sample " + std::to_string(first)
                                        : "samples " + std::to_string(first) +
                                              ".." + std::to_string(last);
    return makeError("point '" + p.name + "' got NaN or infinity from " +
                     samples + " of " + describeData() +
                     " (use --skip-nonfinite to leave such values out)");
  }
  return llvm::Error::success();
}

llvm::Expected<CollectStats> SampleRunner::run(int64_t numSamples,
                                               int64_t batchSize) {
  int64_t modelBatch = entry.modelBatch;
  qsim::collect::Fnv1a hash;
  for (DataInput &d : inputs) {
    d.in.open(d.file, std::ios::binary);
    if (!d.in)
      return makeError("cannot open '" + d.file + "'");
    d.in.seekg(d.header.dataOffset);
    hash.update(d.header.shape.data(), d.header.shape.size() * sizeof(int64_t));
  }
  CollectStats stats;
  int64_t pendingSamples = 0;
  int64_t numSteps = (numSamples + batchSize - 1) / batchSize;
  auto start = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < numSteps; ++step) {
    int64_t firstSample = step * batchSize;
    int64_t count = std::min<int64_t>(batchSize, numSamples - firstSample);
    for (DataInput &d : inputs) {
      d.chunk.resize(count * d.sampleBytes);
      d.in.read(reinterpret_cast<char *>(d.chunk.data()),
                count * d.sampleBytes);
      if (!d.in)
        return makeError("cannot read samples " + llvm::Twine(firstSample) +
                         ".." + llvm::Twine(firstSample + count - 1) + " of '" +
                         d.file + "'");
    }
    for (int64_t s = 0; s < count; ++s) {
      bool finite = true;
      for (DataInput &d : inputs)
        finite = finite &&
                 (!d.isFloat ||
                  qsim::collect::allFinite(d.chunk.data() + s * d.sampleBytes,
                                           d.sampleElems, d.header.dtype));
      if (!finite) {
        if (!options.skipNonFinite)
          return makeError("sample " + llvm::Twine(firstSample + s) + " of " +
                           describeData() +
                           " holds NaN or infinity (use --skip-nonfinite "
                           "to skip such samples)");
        ++stats.skipped;
        continue;
      }
      for (DataInput &d : inputs) {
        const uint8_t *sample = d.chunk.data() + s * d.sampleBytes;
        hash.update(sample, d.sampleBytes);
        d.pending.insert(d.pending.end(), sample, sample + d.sampleBytes);
      }
      ++pendingSamples;
      ++stats.used;
    }
    int64_t full = pendingSamples / modelBatch;
    for (int64_t b = 0; b < full; ++b) {
      if (llvm::Error e = runBatch(b))
        return makeError("calling '" + entry.args.entry +
                         "' failed: " + llvm::toString(std::move(e)));
      // Without --skip-nonfinite no sample was skipped and no batch is left
      // pending, so batch b holds these samples.
      if (llvm::Error e = checkActivations(firstSample + b * modelBatch))
        return std::move(e);
    }
    for (DataInput &d : inputs)
      d.pending.erase(d.pending.begin(),
                      d.pending.begin() + full * modelBatch * d.sampleBytes);
    pendingSamples -= full * modelBatch;
    if (!options.quiet) {
      double secs = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count();
      llvm::errs() << llvm::format(
          "qsim-collect: batch %lld/%lld: %lld/%lld samples (%.1f samples/s)\n",
          (long long)step + 1, (long long)numSteps,
          (long long)(firstSample + count), (long long)numSamples,
          secs > 0 ? (firstSample + count) / secs : 0.0);
    }
  }
  stats.dropped = pendingSamples;
  stats.used -= stats.dropped;
  stats.hash = hash.hex();
  return stats;
}

/// Reports what was left out; fails when a point changed shape or no sample
/// was used.
llvm::Error reportStats(const CollectStats &stats, const Collector &collector,
                        const Options &options, const Entry &entry,
                        const std::vector<DataInput> &inputs) {
  for (const qsim::collect::Point &p : collector.points)
    if (p.badShape)
      return makeError("point '" + p.name + "' changed shape between calls");
  if (stats.skipped)
    llvm::errs() << "qsim-collect: skipped " << stats.skipped
                 << " sample(s) holding NaN or infinity\n";
  for (const qsim::collect::Point &p : collector.points)
    if (uint64_t n = p.getNumNonFinite())
      llvm::errs() << "qsim-collect: point '" << p.name << "': left out " << n
                   << " NaN or infinite value(s)\n";
  if (stats.dropped)
    llvm::errs() << "qsim-collect: dropped " << stats.dropped
                 << " sample(s) that do not fill a model batch of "
                 << entry.modelBatch << "\n";
  if (stats.used == 0)
    return makeError("no sample of " +
                     (inputs.size() == 1 ? "'" + inputs[0].file + "'"
                                         : std::string("the --data files")) +
                     " was used (" + llvm::Twine(stats.skipped) +
                     " skipped as non-finite)");
  return llvm::Error::success();
}

/// Writes the table to a temporary file and renames it over --output; the
/// temporary file is removed on every failure.
llvm::Error writeTable(const cal::Table &table, const Options &options) {
  std::string text = cal::writeTable(table);
  std::string tmp = getTemporaryPath(options);
  const std::string &output = options.outputFile;
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec)
      return makeError("cannot write '" + tmp + "': " + ec.message());
    os << text;
    os.close();
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(tmp);
      return makeError("cannot write '" + tmp + "'");
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, output)) {
    llvm::sys::fs::remove(tmp);
    return makeError("cannot rename '" + tmp + "' to '" + output +
                     "': " + ec.message());
  }
  return llvm::Error::success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // Compiled code mallocs its intermediate buffers on every call.
  rt::keepFreedHeapMemory();
  Options options;
  llvm::cl::HideUnrelatedOptions(options.category);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qsim-collect: run an annotated model on calibration data and write the "
      "statistics table for --qsim-calibrate\n");
  if (llvm::Error err = checkOptions(options))
    return fail(std::move(err));

  DialectRegistry registry;
  rt::registerJitDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  llvm::Expected<OwningOpRef<ModuleOp>> module =
      rt::loadModuleFile(options.inputFilename, context, sourceMgr);
  if (!module)
    return fail(module.takeError());

  // The entry and the data: every check before anything is compiled.
  llvm::Expected<Entry> entry = findEntry(**module, options);
  if (!entry)
    return fail(entry.takeError());
  llvm::Expected<std::vector<DataInput>> inputs =
      qsim::collect::bindDataFiles(options.dataFiles, entry->args);
  if (!inputs)
    return fail(inputs.takeError());
  int64_t numSamples = 0;
  if (llvm::Error err = qsim::collect::readDataHeaders(*inputs, entry->type,
                                                       entry->args, numSamples))
    return fail(std::move(err));
  int64_t modelBatch = entry->modelBatch;
  int64_t batchSize = options.batchSize ? options.batchSize : modelBatch;
  if (batchSize % modelBatch)
    return fail("--batch-size=" + llvm::Twine(batchSize) +
                " is not a multiple of the model's batch dimension " +
                llvm::Twine(modelBatch));
  if (numSamples % modelBatch && !options.skipNonFinite)
    return fail("data '" + (*inputs)[0].file + "'" + (*inputs)[0].label +
                " has " + llvm::Twine(numSamples) +
                " samples, not a multiple of the model's batch dimension " +
                llvm::Twine(modelBatch));

  Collector collector;
  std::string name = entry->args.entry;
  llvm::Expected<std::unique_ptr<ExecutionEngine>> engine =
      compile(**module, options, name, collector);
  if (!engine)
    return fail(engine.takeError());
  collector.install();

  SampleRunner runner(options, *entry, *inputs, **engine, collector);
  llvm::Expected<CollectStats> stats = runner.run(numSamples, batchSize);
  if (!stats)
    return fail(stats.takeError());
  if (llvm::Error err =
          reportStats(*stats, collector, options, *entry, *inputs))
    return fail(std::move(err));

  cal::Table table;
  table.samples = stats->used;
  table.skippedSamples = stats->skipped;
  table.dataHash = stats->hash;
  table.percentile = options.percentile;
  cal::SelectOptions selectOptions;
  selectOptions.percentile = options.percentile;
  for (const qsim::collect::Point &p : collector.points)
    table.points.push_back(
        cal::makePointStats(p.name, p.kind, p.loc, p.observer, selectOptions));
  if (llvm::Error err = writeTable(table, options))
    return fail(std::move(err));
  if (!options.quiet)
    llvm::errs() << "qsim-collect: " << collector.points.size() << " point(s), "
                 << stats->used << " sample(s) -> '" << options.outputFile
                 << "'\n";
  return 0;
}
