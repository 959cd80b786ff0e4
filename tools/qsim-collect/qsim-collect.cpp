//===- qsim-collect.cpp - calibration statistics from data ----------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Runs an annotated model (after --qsim-annotate) on calibration data and
// writes the statistics table that --qsim-calibrate reads:
//
//   qsim-collect model.mlir --data=calib.npy --output=table.json
//                [--batch-size=N] [--percentile=P] [--skip-nonfinite]
//
// The module is instrumented (--qsim-instrument: markers become calls of
// the observer runtime), lowered with --qsim-cpu-pipeline and JIT-compiled.
// The data, an (N, ...) float32 .npy, is read `--batch-size` samples at a
// time and fed to the model in calls of its own batch size (the entry's
// leading dimension), so memory does not grow with N. Every check on the
// inputs happens before anything is written; the table is written to a
// temporary file and renamed at the end, so a failure leaves no partial
// table. See docs/Calibration.md.
//
//===----------------------------------------------------------------------===//

#include "qsim/Calibration/Table.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
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
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

using namespace mlir;
using mlir::qsim::runtime::formatShape;
namespace cal = mlir::qsim::calibration;
namespace rt = mlir::qsim::runtime;

namespace {

int fail(const llvm::Twine &message) {
  llvm::errs() << "qsim-collect: error: " << message << "\n";
  return 1;
}

/// One observed point: what the table records.
struct Point {
  std::string name, kind, loc;
  cal::TensorObserver observer;
  bool badShape = false;
  explicit Point(unsigned bins) : observer(bins) {}
};

struct Collector {
  std::vector<Point> points;
  void observe(int64_t id, const float *data, int64_t offset, int64_t rank,
               const int64_t *sizes, const int64_t *strides) {
    if (id < 0 || static_cast<size_t>(id) >= points.size())
      return;
    // Channels along the last dimension (NHWC activations, features of a
    // dense layer); rank-0/1 points have none.
    int64_t axis = rank >= 2 ? rank - 1 : -1;
    if (!points[id].observer.observe(data, offset, sizes, strides, rank, axis))
      points[id].badShape = true;
  }
};

void observeCallback(void *ctx, int64_t point, const float *aligned,
                     int64_t offset, int64_t rank, const int64_t *sizes,
                     const int64_t *strides) {
  static_cast<Collector *>(ctx)->observe(point, aligned, offset, rank, sizes,
                                         strides);
}

/// FNV-1a, 64 bits: a stable hash of the data actually used.
struct Fnv1a {
  uint64_t h = 1469598103934665603ull;
  void update(const void *p, size_t n) {
    auto *b = static_cast<const uint8_t *>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
  }
  std::string hex() const {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "fnv1a64:%016llx",
                  static_cast<unsigned long long>(h));
    return buf;
  }
};

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // Compiled code mallocs its intermediate buffers on every call.
  mlir::qsim::runtime::keepFreedHeapMemory();
  llvm::cl::OptionCategory category("qsim-collect options");
  llvm::cl::opt<std::string> inputFilename(
      llvm::cl::Positional, llvm::cl::desc("<annotated-model.mlir>"),
      llvm::cl::Required, llvm::cl::cat(category));
  llvm::cl::opt<std::string> dataFile(
      "data", llvm::cl::desc("Calibration samples: an (N, ...) float32 .npy"),
      llvm::cl::value_desc("file.npy"), llvm::cl::Required,
      llvm::cl::cat(category));
  llvm::cl::opt<std::string> outputFile(
      "output", llvm::cl::desc("The statistics table to write (JSON)"),
      llvm::cl::value_desc("table.json"), llvm::cl::Required,
      llvm::cl::cat(category));
  llvm::cl::opt<std::string> entryName(
      "entry",
      llvm::cl::desc("Function to run (default: the only public function)"),
      llvm::cl::value_desc("name"), llvm::cl::cat(category));
  llvm::cl::opt<int64_t> batchSize(
      "batch-size",
      llvm::cl::desc("Samples read per step (a multiple of the model's batch "
                     "dimension; default: that dimension)"),
      llvm::cl::value_desc("N"), llvm::cl::init(0), llvm::cl::cat(category));
  llvm::cl::opt<double> percentile(
      "percentile",
      llvm::cl::desc("Percentile of |x| recorded for method=percentile"),
      llvm::cl::init(99.99), llvm::cl::cat(category));
  llvm::cl::opt<unsigned> bins(
      "bins", llvm::cl::desc("Histogram bins (a power of two, default 2048)"),
      llvm::cl::init(cal::kDefaultHistogramBins), llvm::cl::cat(category));
  llvm::cl::opt<bool> skipNonFinite(
      "skip-nonfinite",
      llvm::cl::desc("Skip samples holding NaN or infinity (default: error)"),
      llvm::cl::cat(category));
  llvm::cl::opt<bool> quiet("quiet",
                            llvm::cl::desc("No progress lines on stderr"),
                            llvm::cl::cat(category));
  llvm::cl::opt<unsigned> optLevel(
      "opt-level", llvm::cl::desc("LLVM optimization level of the JIT, 0-3"),
      llvm::cl::init(2), llvm::cl::cat(category));
  llvm::cl::HideUnrelatedOptions(category);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qsim-collect: run an annotated model on calibration data and write the "
      "statistics table for --qsim-calibrate\n");

  if (batchSize < 0)
    return fail("--batch-size must be positive");
  if (!(percentile > 0) || !(percentile <= 100))
    return fail("--percentile must be in (0, 100]");
  if (bins < 2 || (bins & (bins - 1)) || bins > (1u << 24))
    return fail("--bins must be a power of two in [2, 2^24]");
  if (optLevel > 3)
    return fail("--opt-level must be 0, 1, 2 or 3");

  // The data: header only; the samples are streamed later.
  rt::NpyHeader data;
  if (std::string err = rt::readNpyHeader(dataFile, data); !err.empty())
    return fail("data: " + err);
  if (data.dtype != rt::NpyDType::F32)
    return fail("data '" + dataFile + "' has dtype '" +
                rt::getNpyDescr(data.dtype) + "'; calibration data must be "
                "float32 ('<f4')");
  if (data.shape.empty())
    return fail("data '" + dataFile + "' is 0-d; expected (N, ...) samples");
  int64_t numSamples = data.shape[0];
  if (numSamples == 0)
    return fail("data '" + dataFile + "' is empty: shape " +
                formatShape(data.shape) + " holds no sample");

  DialectRegistry registry;
  rt::registerJitDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  llvm::Expected<OwningOpRef<ModuleOp>> loaded =
      rt::loadModuleFile(inputFilename, context, sourceMgr);
  if (!loaded)
    return fail(llvm::toString(loaded.takeError()));
  OwningOpRef<ModuleOp> module = std::move(*loaded);

  // The entry: one f32 tensor argument (B, ...) matching the samples.
  func::FuncOp entry;
  for (auto func : module->getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    if (!entryName.empty() ? func.getSymName() == entryName : !entry) {
      entry = func;
      continue;
    }
    if (entryName.empty())
      return fail("'" + inputFilename +
                  "' has several public functions; choose one with --entry");
  }
  if (!entry)
    return fail(entryName.empty()
                    ? "no public function to run in '" + inputFilename + "'"
                    : "entry function '" + entryName + "' not found in '" +
                          inputFilename + "'");
  std::string name = entry.getSymName().str();
  FunctionType ftype = entry.getFunctionType();
  auto argType = ftype.getNumInputs() == 1
                     ? dyn_cast<RankedTensorType>(ftype.getInput(0))
                     : RankedTensorType();
  if (!argType || !argType.hasStaticShape() || argType.getRank() < 1 ||
      !argType.getElementType().isF32())
    return fail("'" + name +
                "' must take exactly one static f32 tensor (batch, ...) to be "
                "fed calibration samples");
  for (Type t : ftype.getResults()) {
    auto r = dyn_cast<RankedTensorType>(t);
    if (!r || !r.hasStaticShape())
      return fail("'" + name + "' must return static ranked tensors");
  }
  ArrayRef<int64_t> argShape = argType.getShape();
  int64_t modelBatch = argShape[0];
  if (!llvm::equal(argShape.drop_front(), ArrayRef(data.shape).drop_front()))
    return fail("data '" + dataFile + "' has shape " +
                formatShape(data.shape) + ", '" + name + "' takes " +
                formatShape(argShape) + " (expects (N, " +
                formatShape(argShape.drop_front()).substr(1) + ")");
  if (batchSize == 0)
    batchSize = modelBatch;
  if (batchSize % modelBatch)
    return fail("--batch-size=" + llvm::Twine(batchSize) +
                " is not a multiple of the model's batch dimension " +
                llvm::Twine(modelBatch));
  if (numSamples % modelBatch && !skipNonFinite)
    return fail("data '" + dataFile + "' has " + llvm::Twine(numSamples) +
                " samples, not a multiple of the model's batch dimension " +
                llvm::Twine(modelBatch));

  // Instrument, then lower.
  PassManager pm(&context, ModuleOp::getOperationName());
  pm.addPass(qsim::createQSimInstrument());
  if (failed(pm.run(*module)))
    return fail("instrumenting '" + inputFilename + "' failed");
  auto pointsAttr = (*module)->getAttrOfType<ArrayAttr>("qsim.observed_points");
  if (!pointsAttr || pointsAttr.empty())
    return fail("'" + inputFilename +
                "' has no input/activation quantization points; run "
                "--qsim-annotate first");
  Collector collector;
  for (Attribute a : pointsAttr) {
    auto d = cast<DictionaryAttr>(a);
    Point p(bins);
    p.name = d.getAs<StringAttr>("name").str();
    p.kind = d.getAs<StringAttr>("kind").str();
    p.loc = d.getAs<StringAttr>("loc").str();
    collector.points.push_back(std::move(p));
  }
  if (llvm::Error err = rt::lowerWithCPUPipeline(*module, inputFilename,
                                                 /*applyCLOptions=*/false))
    return fail(llvm::toString(std::move(err)));

  llvm::Expected<std::unique_ptr<ExecutionEngine>> engine =
      rt::createJitEngine(*module, inputFilename, name, optLevel,
                          {{"qsim_observe", reinterpret_cast<void *>(&qsimObserve)}});
  if (!engine)
    return fail(llvm::toString(engine.takeError()));
  std::string cifaceName = (rt::kCIfacePrefix + name).str();
  rt::setObserver(observeCallback, &collector);

  // Descriptors: one input of the model batch; results come back through an
  // out-struct and are freed after each call.
  int64_t sampleElems = 1;
  for (int64_t d : argShape.drop_front())
    sampleElems *= d;
  size_t sampleBytes = sampleElems * sizeof(float);
  std::vector<float> pending; // samples waiting to fill a model batch
  size_t rank = argShape.size();
  std::vector<int64_t> inDesc(rt::getDescriptorWords(rank));
  size_t resultWords = 0;
  SmallVector<size_t> resultOffsets;
  for (Type t : ftype.getResults()) {
    resultOffsets.push_back(resultWords);
    resultWords += rt::getDescriptorWords(cast<RankedTensorType>(t).getRank());
  }
  std::vector<int64_t> resultStorage(std::max<size_t>(resultWords, 1));
  auto runBatch = [&](float *batch) -> llvm::Error {
    rt::fillContiguousDescriptor(inDesc.data(), batch, argShape);
    std::fill(resultStorage.begin(), resultStorage.end(), 0);
    void *resultPtr = resultStorage.data(), *inPtr = inDesc.data();
    SmallVector<void *> packed;
    if (ftype.getNumResults())
      packed.push_back(&resultPtr);
    packed.push_back(&inPtr);
    if (llvm::Error e = (*engine)->invokePacked(cifaceName, packed))
      return e;
    rt::freeResultBuffers(resultStorage, resultOffsets,
                          {reinterpret_cast<uintptr_t>(batch)});
    return llvm::Error::success();
  };

  std::ifstream in(dataFile, std::ios::binary);
  if (!in)
    return fail("cannot open '" + dataFile + "'");
  in.seekg(data.dataOffset);
  Fnv1a hash;
  hash.update(data.shape.data(), data.shape.size() * sizeof(int64_t));
  int64_t used = 0, skipped = 0, dropped = 0;
  int64_t numSteps = (numSamples + batchSize - 1) / batchSize;
  std::vector<float> chunk;
  auto start = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < numSteps; ++step) {
    int64_t first = step * batchSize;
    int64_t count = std::min<int64_t>(batchSize, numSamples - first);
    chunk.resize(count * sampleElems);
    in.read(reinterpret_cast<char *>(chunk.data()), count * sampleBytes);
    if (!in)
      return fail("cannot read samples " + llvm::Twine(first) + ".." +
                  llvm::Twine(first + count - 1) + " of '" + dataFile + "'");
    for (int64_t s = 0; s < count; ++s) {
      const float *sample = chunk.data() + s * sampleElems;
      bool finite = true;
      for (int64_t i = 0; i < sampleElems && finite; ++i)
        finite = std::isfinite(sample[i]);
      if (!finite) {
        if (!skipNonFinite)
          return fail("sample " + llvm::Twine(first + s) + " of '" + dataFile +
                      "' holds NaN or infinity (use --skip-nonfinite to skip "
                      "such samples)");
        ++skipped;
        continue;
      }
      hash.update(sample, sampleBytes);
      pending.insert(pending.end(), sample, sample + sampleElems);
      ++used;
    }
    size_t batchElems = modelBatch * sampleElems;
    size_t full = pending.size() / batchElems;
    for (size_t b = 0; b < full; ++b)
      if (llvm::Error e = runBatch(pending.data() + b * batchElems))
        return fail("calling '" + name +
                    "' failed: " + llvm::toString(std::move(e)));
    pending.erase(pending.begin(), pending.begin() + full * batchElems);
    if (!quiet) {
      double secs = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count();
      llvm::errs() << llvm::format(
          "qsim-collect: batch %lld/%lld: %lld/%lld samples (%.1f samples/s)\n",
          (long long)step + 1, (long long)numSteps, (long long)(first + count),
          (long long)numSamples, secs > 0 ? (first + count) / secs : 0.0);
    }
  }
  dropped = pending.size() / sampleElems;
  used -= dropped;
  for (const Point &p : collector.points)
    if (p.badShape)
      return fail("point '" + p.name + "' changed shape between calls");
  if (skipped)
    llvm::errs() << "qsim-collect: skipped " << skipped
                 << " sample(s) holding NaN or infinity\n";
  if (dropped)
    llvm::errs() << "qsim-collect: dropped " << dropped
                 << " sample(s) that do not fill a model batch of "
                 << modelBatch << "\n";
  if (used == 0)
    return fail("no sample of '" + dataFile + "' was used (" +
                llvm::Twine(skipped) + " skipped as non-finite)");

  cal::Table table;
  table.samples = used;
  table.skippedSamples = skipped;
  table.dataHash = hash.hex();
  table.percentile = percentile;
  cal::SelectOptions options;
  options.percentile = percentile;
  for (const Point &p : collector.points)
    table.points.push_back(
        cal::makePointStats(p.name, p.kind, p.loc, p.observer, options));
  std::string text = cal::writeTable(table);
  std::string tmp = outputFile + ".tmp";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec)
      return fail("cannot write '" + tmp + "': " + ec.message());
    os << text;
    os.close();
    if (os.has_error())
      return fail("cannot write '" + tmp + "'");
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, outputFile))
    return fail("cannot rename '" + tmp + "' to '" + outputFile +
                "': " + ec.message());
  if (!quiet)
    llvm::errs() << "qsim-collect: " << collector.points.size()
                 << " point(s), " << used << " sample(s) -> '" << outputFile
                 << "'\n";
  return 0;
}
