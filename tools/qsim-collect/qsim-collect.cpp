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
// does not grow with N. Every check on the inputs happens before anything
// is written; the table is written to a temporary file and renamed at the
// end, so a failure leaves no partial table. See docs/Calibration.md.
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
#include <optional>
#include <set>

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

/// The .npy dtype that holds elements of `type` (those qsim-run supports).
std::optional<rt::NpyDType> getDTypeFor(Type type) {
  if (type.isF32())
    return rt::NpyDType::F32;
  if (type.isF64())
    return rt::NpyDType::F64;
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType)
    return std::nullopt;
  if (intType.isUnsigned())
    return intType.getWidth() == 8 ? std::optional(rt::NpyDType::U8)
                                   : std::nullopt;
  switch (intType.getWidth()) {
  case 1:
    return rt::NpyDType::Bool;
  case 8:
    return rt::NpyDType::I8;
  case 16:
    return rt::NpyDType::I16;
  case 32:
    return rt::NpyDType::I32;
  case 64:
    return rt::NpyDType::I64;
  default:
    return std::nullopt;
  }
}

/// As qsim-run: the same dtype, or the other signedness of a byte.
bool isCompatible(rt::NpyDType expected, rt::NpyDType actual) {
  if (expected == actual)
    return true;
  return (expected == rt::NpyDType::I8 && actual == rt::NpyDType::U8) ||
         (expected == rt::NpyDType::U8 && actual == rt::NpyDType::I8);
}

/// numpy's name of a dtype, for messages.
const char *dtypeName(rt::NpyDType dtype) {
  switch (dtype) {
  case rt::NpyDType::F32:
    return "float32";
  case rt::NpyDType::F64:
    return "float64";
  case rt::NpyDType::I8:
    return "int8";
  case rt::NpyDType::U8:
    return "uint8";
  case rt::NpyDType::I16:
    return "int16";
  case rt::NpyDType::I32:
    return "int32";
  case rt::NpyDType::I64:
    return "int64";
  case rt::NpyDType::Bool:
    return "bool";
  }
  return "?";
}

/// The user-given name of an argument's location (NameLoc, possibly fused).
std::string argName(BlockArgument arg) {
  Location loc = arg.getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (auto n = dyn_cast<NameLoc>(l))
        return n.getName().str();
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  return "";
}

/// The samples of one argument: its file, streamed, and the batch waiting
/// to be passed.
struct DataInput {
  std::string file;
  unsigned arg = 0;
  std::string label; // "" with one argument, else " (argument #i 'name')"
  rt::NpyHeader header;
  SmallVector<int64_t> argShape;
  int64_t sampleElems = 1;
  size_t sampleBytes = 0;
  bool isFloat = false;
  std::ifstream in;
  std::vector<uint8_t> chunk;
  std::vector<uint8_t> pending; // samples waiting to fill a model batch
  std::vector<int64_t> desc;
};

/// Whether the `sampleElems` elements at `p` are all finite.
bool allFinite(const uint8_t *p, int64_t n, rt::NpyDType dtype) {
  if (dtype == rt::NpyDType::F32) {
    const float *f = reinterpret_cast<const float *>(p);
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite(f[i]))
        return false;
  } else if (dtype == rt::NpyDType::F64) {
    const double *d = reinterpret_cast<const double *>(p);
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite(d[i]))
        return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // Compiled code mallocs its intermediate buffers on every call.
  mlir::qsim::runtime::keepFreedHeapMemory();
  llvm::cl::OptionCategory category("qsim-collect options");
  llvm::cl::opt<std::string> inputFilename(
      llvm::cl::Positional, llvm::cl::desc("<annotated-model.mlir>"),
      llvm::cl::Required, llvm::cl::cat(category));
  llvm::cl::list<std::string> dataFiles(
      "data",
      llvm::cl::desc("Calibration samples of one argument: an (N, ...) .npy "
                     "of its element type; one per argument, in order or as "
                     "NAME=FILE"),
      llvm::cl::value_desc("[NAME=]file.npy"), llvm::cl::OneOrMore,
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

  // The entry: static tensors (B, ...) of the dtypes qsim-run supports, all
  // with the same batch B.
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
  unsigned numArgs = ftype.getNumInputs();
  if (numArgs == 0)
    return fail("'" + name + "' takes no argument to feed calibration samples");
  SmallVector<std::string> argNames;
  int64_t modelBatch = -1;
  for (unsigned i = 0; i < numArgs; ++i) {
    argNames.push_back(argName(entry.getArgument(i)));
    auto t = dyn_cast<RankedTensorType>(ftype.getInput(i));
    if (!t || !t.hasStaticShape() || t.getRank() < 1 ||
        !getDTypeFor(t.getElementType()))
      return fail("argument #" + llvm::Twine(i) + " of '" + name +
                  "' must be a static tensor (batch, ...) of f32, f64, i1, "
                  "i8, ui8, i16, i32 or i64 to be fed calibration samples");
    if (modelBatch < 0)
      modelBatch = t.getShape()[0];
    else if (t.getShape()[0] != modelBatch)
      return fail("the arguments of '" + name +
                  "' have different batch dimensions (" +
                  llvm::Twine(modelBatch) + " and " +
                  llvm::Twine(t.getShape()[0]) + ")");
  }
  for (Type t : ftype.getResults()) {
    auto r = dyn_cast<RankedTensorType>(t);
    if (!r || !r.hasStaticShape())
      return fail("'" + name + "' must return static ranked tensors");
  }
  auto describeArg = [&](unsigned i) {
    std::string s = "#" + std::to_string(i);
    if (!argNames[i].empty())
      s += " '" + argNames[i] + "'";
    return s;
  };

  // --data: in argument order, or NAME=FILE. A text is NAME=FILE only when
  // NAME is an argument's name (or argN), so file names may hold '='.
  if (dataFiles.size() != numArgs) {
    std::string args;
    for (unsigned i = 0; i < numArgs; ++i)
      args += (i ? ", " : "") + describeArg(i);
    return fail("'" + name + "' takes " + llvm::Twine(numArgs) +
                " argument(s) (" + args + "); got " +
                llvm::Twine(dataFiles.size()) + " --data file(s), one per "
                "argument is needed");
  }
  std::vector<DataInput> inputs(numArgs);
  {
    SmallVector<std::optional<unsigned>> named;
    for (const std::string &spec : dataFiles) {
      std::optional<unsigned> arg;
      size_t eq = spec.find('=');
      if (eq != std::string::npos && eq > 0) {
        StringRef key = StringRef(spec).take_front(eq);
        for (unsigned i = 0; i < numArgs && !arg; ++i)
          if (key == argNames[i] || key == ("arg" + llvm::Twine(i)).str())
            arg = i;
      }
      named.push_back(arg);
    }
    bool anyNamed = llvm::any_of(named, [](auto a) { return a.has_value(); });
    bool allNamed = llvm::all_of(named, [](auto a) { return a.has_value(); });
    if (anyNamed && !allNamed)
      return fail("--data: give every file in argument order or every one as "
                  "NAME=FILE, not a mix");
    for (unsigned k = 0; k < numArgs; ++k) {
      unsigned arg = anyNamed ? *named[k] : k;
      DataInput &d = inputs[arg];
      if (!d.file.empty())
        return fail("--data: argument " + describeArg(arg) +
                    " is given twice");
      d.file = anyNamed ? dataFiles[k].substr(dataFiles[k].find('=') + 1)
                        : dataFiles[k];
      d.arg = arg;
      if (d.file.empty())
        return fail("--data: no file for argument " + describeArg(arg));
    }
  }

  // The data: headers only; the samples are streamed later.
  int64_t numSamples = -1;
  const DataInput *first = nullptr;
  for (DataInput &d : inputs) {
    const std::string &file = d.file;
    d.label = numArgs > 1 ? " (argument " + describeArg(d.arg) + ")" : "";
    if (std::string err = rt::readNpyHeader(file, d.header); !err.empty())
      return fail("data: " + err);
    auto argType = cast<RankedTensorType>(ftype.getInput(d.arg));
    rt::NpyDType want = *getDTypeFor(argType.getElementType());
    if (!isCompatible(want, d.header.dtype))
      return fail("data '" + file + "'" + d.label + " has dtype '" +
                  rt::getNpyDescr(d.header.dtype) + "'; calibration data " +
                  (numArgs > 1 ? "of this argument " : "") + "must be " +
                  dtypeName(want) + " ('" + rt::getNpyDescr(want) + "')");
    if (d.header.shape.empty())
      return fail("data '" + file + "'" + d.label +
                  " is 0-d; expected (N, ...) samples");
    if (d.header.shape[0] == 0)
      return fail("data '" + file + "'" + d.label + " is empty: shape " +
                  formatShape(d.header.shape) + " holds no sample");
    ArrayRef<int64_t> argShape = argType.getShape();
    if (!llvm::equal(argShape.drop_front(),
                     ArrayRef(d.header.shape).drop_front()))
      return fail("data '" + file + "'" + d.label + " has shape " +
                  formatShape(d.header.shape) + ", '" + name + "' takes " +
                  formatShape(argShape) + " (expects (N, " +
                  formatShape(argShape.drop_front()).substr(1) + ")");
    if (numSamples < 0) {
      numSamples = d.header.shape[0];
      first = &d;
    } else if (d.header.shape[0] != numSamples) {
      return fail("data '" + file + "'" + d.label + " has " +
                  llvm::Twine(d.header.shape[0]) + " samples, '" +
                  first->file + "'" + first->label + " has " +
                  llvm::Twine(numSamples) +
                  "; every argument needs the same number");
    }
    d.argShape.assign(argShape.begin(), argShape.end());
    for (int64_t dim : argShape.drop_front())
      d.sampleElems *= dim;
    d.sampleBytes = d.sampleElems * rt::getNpyElementSize(d.header.dtype);
    d.isFloat = d.header.dtype == rt::NpyDType::F32 ||
                d.header.dtype == rt::NpyDType::F64;
    d.desc.resize(rt::getDescriptorWords(argShape.size()));
  }
  std::string dataNames = inputs[0].file;
  if (numArgs > 1)
    dataNames = "the --data files";
  if (batchSize == 0)
    batchSize = modelBatch;
  if (batchSize % modelBatch)
    return fail("--batch-size=" + llvm::Twine(batchSize) +
                " is not a multiple of the model's batch dimension " +
                llvm::Twine(modelBatch));
  if (numSamples % modelBatch && !skipNonFinite)
    return fail("data '" + inputs[0].file + "'" + inputs[0].label + " has " +
                llvm::Twine(numSamples) +
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

  // Descriptors: one per argument, of the model batch; results come back
  // through an out-struct and are freed after each call.
  size_t resultWords = 0;
  SmallVector<size_t> resultOffsets;
  for (Type t : ftype.getResults()) {
    resultOffsets.push_back(resultWords);
    resultWords += rt::getDescriptorWords(cast<RankedTensorType>(t).getRank());
  }
  std::vector<int64_t> resultStorage(std::max<size_t>(resultWords, 1));
  // Runs the model on batch `b` of the pending samples.
  auto runBatch = [&](size_t b) -> llvm::Error {
    std::set<uintptr_t> notOwned;
    SmallVector<void *> inPtrs;
    for (DataInput &d : inputs) {
      uint8_t *batch = d.pending.data() + b * modelBatch * d.sampleBytes;
      rt::fillContiguousDescriptor(d.desc.data(), batch, d.argShape);
      notOwned.insert(reinterpret_cast<uintptr_t>(batch));
      inPtrs.push_back(d.desc.data());
    }
    std::fill(resultStorage.begin(), resultStorage.end(), 0);
    void *resultPtr = resultStorage.data();
    SmallVector<void *> packed;
    if (ftype.getNumResults())
      packed.push_back(&resultPtr);
    for (void *&p : inPtrs)
      packed.push_back(&p);
    if (llvm::Error e = (*engine)->invokePacked(cifaceName, packed))
      return e;
    rt::freeResultBuffers(resultStorage, resultOffsets, notOwned);
    return llvm::Error::success();
  };

  Fnv1a hash;
  for (DataInput &d : inputs) {
    d.in.open(d.file, std::ios::binary);
    if (!d.in)
      return fail("cannot open '" + d.file + "'");
    d.in.seekg(d.header.dataOffset);
    hash.update(d.header.shape.data(), d.header.shape.size() * sizeof(int64_t));
  }
  int64_t used = 0, skipped = 0, dropped = 0, pendingSamples = 0;
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
        return fail("cannot read samples " + llvm::Twine(firstSample) + ".." +
                    llvm::Twine(firstSample + count - 1) + " of '" + d.file +
                    "'");
    }
    for (int64_t s = 0; s < count; ++s) {
      bool finite = true;
      for (DataInput &d : inputs)
        finite = finite && (!d.isFloat ||
                            allFinite(d.chunk.data() + s * d.sampleBytes,
                                      d.sampleElems, d.header.dtype));
      if (!finite) {
        if (!skipNonFinite) {
          std::string where = numArgs == 1 ? "'" + inputs[0].file + "'"
                                           : dataNames;
          return fail("sample " + llvm::Twine(firstSample + s) + " of " +
                      where + " holds NaN or infinity (use --skip-nonfinite "
                      "to skip such samples)");
        }
        ++skipped;
        continue;
      }
      for (DataInput &d : inputs) {
        const uint8_t *sample = d.chunk.data() + s * d.sampleBytes;
        hash.update(sample, d.sampleBytes);
        d.pending.insert(d.pending.end(), sample, sample + d.sampleBytes);
      }
      ++pendingSamples;
      ++used;
    }
    int64_t full = pendingSamples / modelBatch;
    for (int64_t b = 0; b < full; ++b)
      if (llvm::Error e = runBatch(b))
        return fail("calling '" + name +
                    "' failed: " + llvm::toString(std::move(e)));
    for (DataInput &d : inputs)
      d.pending.erase(d.pending.begin(),
                      d.pending.begin() + full * modelBatch * d.sampleBytes);
    pendingSamples -= full * modelBatch;
    if (!quiet) {
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
  dropped = pendingSamples;
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
    return fail("no sample of " +
                (numArgs == 1 ? "'" + inputs[0].file + "'" : dataNames) +
                " was used (" + llvm::Twine(skipped) +
                " skipped as non-finite)");

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
