//===- DataInputs.cpp - the --data files of qsim-collect ------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "DataInputs.h"

#include "qsim/Runtime/JitModule.h"

#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"

#include <cmath>
#include <optional>

using namespace mlir;
using namespace mlir::qsim::collect;
namespace rt = mlir::qsim::runtime;
using rt::formatShape;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string Arguments::describe(unsigned i) const {
  std::string s = "#" + std::to_string(i);
  if (!names[i].empty())
    s += " '" + names[i] + "'";
  return s;
}

std::string mlir::qsim::collect::getArgumentName(BlockArgument arg) {
  Location loc = arg.getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (auto n = dyn_cast<NameLoc>(l))
        return n.getName().str();
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  return "";
}

llvm::Expected<std::vector<DataInput>>
mlir::qsim::collect::bindDataFiles(ArrayRef<std::string> dataFiles,
                                   const Arguments &args) {
  unsigned numArgs = args.names.size();
  if (dataFiles.size() != numArgs) {
    std::string list;
    for (unsigned i = 0; i < numArgs; ++i)
      list += (i ? ", " : "") + args.describe(i);
    return makeError("'" + args.entry + "' takes " + llvm::Twine(numArgs) +
                     " argument(s) (" + list + "); got " +
                     llvm::Twine(dataFiles.size()) +
                     " --data file(s), one per argument is needed");
  }
  // A text is NAME=FILE only when NAME is an argument's name (or argN), so
  // file names may hold '='.
  SmallVector<std::optional<unsigned>> named;
  for (const std::string &spec : dataFiles) {
    std::optional<unsigned> arg;
    size_t eq = spec.find('=');
    if (eq != std::string::npos && eq > 0) {
      StringRef key = StringRef(spec).take_front(eq);
      for (unsigned i = 0; i < numArgs && !arg; ++i)
        if (key == args.names[i] || key == ("arg" + llvm::Twine(i)).str())
          arg = i;
    }
    named.push_back(arg);
  }
  bool anyNamed = llvm::any_of(named, [](auto a) { return a.has_value(); });
  bool allNamed = llvm::all_of(named, [](auto a) { return a.has_value(); });
  if (anyNamed && !allNamed)
    return makeError("--data: give every file in argument order or every one "
                     "as NAME=FILE, not a mix");
  std::vector<DataInput> inputs(numArgs);
  for (unsigned k = 0; k < numArgs; ++k) {
    unsigned arg = anyNamed ? *named[k] : k;
    DataInput &d = inputs[arg];
    if (!d.file.empty())
      return makeError("--data: argument " + args.describe(arg) +
                       " is given twice");
    d.file = anyNamed ? dataFiles[k].substr(dataFiles[k].find('=') + 1)
                      : dataFiles[k];
    d.arg = arg;
    if (d.file.empty())
      return makeError("--data: no file for argument " + args.describe(arg));
  }
  return inputs;
}

llvm::Error mlir::qsim::collect::readDataHeaders(std::vector<DataInput> &inputs,
                                                 FunctionType type,
                                                 const Arguments &args,
                                                 int64_t &numSamples) {
  unsigned numArgs = args.names.size();
  numSamples = -1;
  const DataInput *first = nullptr;
  for (DataInput &d : inputs) {
    const std::string &file = d.file;
    d.label = numArgs > 1 ? " (argument " + args.describe(d.arg) + ")" : "";
    if (std::string err = rt::readNpyHeader(file, d.header); !err.empty())
      return makeError("data: " + err);
    auto argType = cast<RankedTensorType>(type.getInput(d.arg));
    rt::NpyDType want = *rt::getNpyDTypeFor(argType.getElementType());
    if (!rt::isNpyDTypeCompatible(want, d.header.dtype))
      return makeError(
          "data '" + file + "'" + d.label + " has dtype '" +
          rt::getNpyDescr(d.header.dtype) + "'; calibration data " +
          (numArgs > 1 ? "of this argument " : "") + "must be " +
          rt::getNpyTypeName(want) + " ('" + rt::getNpyDescr(want) + "')");
    if (d.header.shape.empty())
      return makeError("data '" + file + "'" + d.label +
                       " is 0-d; expected (N, ...) samples");
    if (d.header.shape[0] == 0)
      return makeError("data '" + file + "'" + d.label + " is empty: shape " +
                       formatShape(d.header.shape) + " holds no sample");
    ArrayRef<int64_t> argShape = argType.getShape();
    if (!llvm::equal(argShape.drop_front(),
                     ArrayRef(d.header.shape).drop_front()))
      return makeError("data '" + file + "'" + d.label + " has shape " +
                       formatShape(d.header.shape) + ", '" + args.entry +
                       "' takes " + formatShape(argShape) + " (expects (N, " +
                       formatShape(argShape.drop_front()).substr(1) + ")");
    if (numSamples < 0) {
      numSamples = d.header.shape[0];
      first = &d;
    } else if (d.header.shape[0] != numSamples) {
      return makeError("data '" + file + "'" + d.label + " has " +
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
  return llvm::Error::success();
}

bool mlir::qsim::collect::allFinite(const uint8_t *p, int64_t n,
                                    rt::NpyDType dtype) {
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
