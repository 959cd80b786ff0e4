//===- Entry.cpp - the function qsim-run calls and its signature ----------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "Entry.h"

#include "qsim/Pipelines/Pipelines.h"
#include "qsim/Runtime/JitModule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

using namespace mlir;
using namespace mlir::qsim::run;
using mlir::qsim::runtime::kCIfacePrefix;
using mlir::qsim::runtime::NpyDType;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string mlir::qsim::run::typeToString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

/// Checks that `type`, the `index`-th argument or result of `entry`, is a
/// ranked static tensor or identity-layout memref of a supported element type.
static llvm::Expected<TensorSpec> getSpec(Type type, StringRef what,
                                          unsigned index, StringRef entry) {
  auto error = [&](const llvm::Twine &message) {
    return makeError(what + " #" + llvm::Twine(index) + " of '" + entry + "' " +
                     message);
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
  std::optional<NpyDType> dtype =
      qsim::runtime::getNpyDTypeFor(shaped.getElementType());
  if (!dtype)
    return error("has unsupported element type " +
                 typeToString(shaped.getElementType()) + " in " +
                 typeToString(type) +
                 " (supported: f32 f64 i1 i8 ui8 i16 i32 i64)");
  return TensorSpec{type, SmallVector<int64_t>(shaped.getShape()), *dtype};
}

/// Picks the entry among the candidates (name and signature only).
static llvm::Expected<Entry> chooseEntry(ModuleOp module, StringRef requested,
                                         StringRef filename, bool lowered) {
  SmallVector<Entry> candidates;
  SmallVector<std::string> unrecorded;
  if (!lowered) {
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        candidates.push_back(
            {func.getSymName().str(), func.getFunctionType(), {}, {}});
  } else {
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      if (func.isExternal() || func.getSymName().starts_with(kCIfacePrefix) ||
          func.isPrivate())
        continue;
      auto recorded = func->getAttrOfType<TypeAttr>(qsim::kEntryTypeAttrName);
      if (recorded && isa<FunctionType>(recorded.getValue()))
        candidates.push_back({func.getSymName().str(),
                              cast<FunctionType>(recorded.getValue()),
                              {},
                              {}});
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
    if (llvm::is_contained(unrecorded, requested))
      return makeError(
          "entry function '" + requested + "' in '" + filename +
          "' is an llvm.func without the " + qsim::kEntryTypeAttrName +
          " attribute, so its tensor signature is unknown; run qsim-run on "
          "the module before lowering, or lower it with --qsim-cpu-pipeline");
    Operation *symbol = SymbolTable::lookupSymbolIn(module, requested);
    if (auto func = dyn_cast_or_null<FunctionOpInterface>(symbol);
        func && func.isExternal())
      return makeError("entry function '" + requested + "' in '" + filename +
                       "' is a declaration without a body");
    if (symbol && SymbolTable::getSymbolVisibility(symbol) !=
                      SymbolTable::Visibility::Public)
      return makeError("entry function '" + requested + "' in '" + filename +
                       "' is not public");
    return makeError(
        "entry function '" + requested + "' not found in '" + filename + "'" +
        (candidates.empty()
             ? std::string(" (it has no public function)")
             : " (public functions: " + listNames(candidates) + ")"));
  }
  if (candidates.size() == 1)
    return candidates.front();
  if (candidates.empty()) {
    if (!unrecorded.empty())
      return makeError("'" + filename +
                       "' is in the LLVM dialect and no function carries "
                       "the " +
                       qsim::kEntryTypeAttrName +
                       " attribute, so no tensor "
                       "signature is known; run qsim-run on the module "
                       "before lowering, or lower it with "
                       "--qsim-cpu-pipeline");
    return makeError("no public function to run in '" + filename + "'");
  }
  return makeError("'" + filename + "' has several public functions (" +
                   listNames(candidates) + "); choose one with --entry=NAME");
}

llvm::Expected<Entry> mlir::qsim::run::findEntry(ModuleOp module,
                                                 StringRef requested,
                                                 StringRef filename,
                                                 bool lowered) {
  llvm::Expected<Entry> entry =
      chooseEntry(module, requested, filename, lowered);
  if (!entry)
    return entry.takeError();
  if (lowered && !module.lookupSymbol((kCIfacePrefix + entry->name).str()))
    return makeError("'" + entry->name + "' in '" + filename +
                     "' has no C interface function '" + kCIfacePrefix +
                     entry->name + "' (lowered with emit-c-interface=false?)");
  for (auto [i, type] : llvm::enumerate(entry->type.getInputs())) {
    llvm::Expected<TensorSpec> spec = getSpec(type, "argument", i, entry->name);
    if (!spec)
      return spec.takeError();
    entry->args.push_back(*spec);
  }
  for (auto [i, type] : llvm::enumerate(entry->type.getResults())) {
    llvm::Expected<TensorSpec> spec = getSpec(type, "result", i, entry->name);
    if (!spec)
      return spec.takeError();
    entry->results.push_back(*spec);
  }
  return entry;
}
