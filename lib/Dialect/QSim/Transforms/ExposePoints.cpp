//===- ExposePoints.cpp - quantization points as function results ---------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Support/FileUtilities.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMEXPOSEPOINTS
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

namespace {
/// One marker of a function: the op, its point name and kind, and the value
/// that becomes a result.
struct Exposed {
  Operation *marker;
  std::string name;
  std::optional<QuantKind> kind;
  Value value;
  QuantParamsAttr params; // null for value=float
  unsigned order;         // position in program order
  unsigned result = 0;    // index among the function's results
  unsigned argument = 0;  // index among its arguments (with feed)
};

struct ExposedFunction {
  std::string name;
  unsigned ownResults;
  unsigned ownArguments;
  std::vector<Exposed> points;
};

struct ExposePointsPass
    : public qsim::impl::QSimExposePointsBase<ExposePointsPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult exposeIn(func::FuncOp func, bool quantized,
                         const llvm::StringSet<> &wanted,
                         llvm::StringSet<> &found, ExposedFunction &record);
  LogicalResult writeManifest(ArrayRef<ExposedFunction> functions,
                              bool quantized);
};
} // namespace

LogicalResult ExposePointsPass::exposeIn(func::FuncOp func, bool quantized,
                                         const llvm::StringSet<> &wanted,
                                         llvm::StringSet<> &found,
                                         ExposedFunction &record) {
  std::vector<Exposed> points;
  llvm::StringMap<Operation *> seen;
  WalkResult walk = func.walk([&](Operation *op) -> WalkResult {
    Exposed e{op, "", std::nullopt, Value(), QuantParamsAttr(), 0};
    if (auto marker = dyn_cast<AnnotateOp>(op)) {
      e.name = marker.getPoint().str();
      e.kind = marker.getKind();
      e.value = quantized ? marker.getOutput() : marker.getInput();
    } else if (auto sq = dyn_cast<SimQuantizeOp>(op)) {
      if (!sq.getPoint())
        return WalkResult::advance();
      e.name = sq.getPoint()->str();
      e.kind = sq.getKind();
      e.value = quantized ? sq.getOutput() : sq.getInput();
      e.params = quantized ? sq.getParams() : QuantParamsAttr();
    } else {
      return WalkResult::advance();
    }
    bool selected = wanted.empty()
                        ? (e.kind == QuantKind::Input ||
                           e.kind == QuantKind::Activation)
                        : wanted.contains(e.name);
    if (!selected)
      return WalkResult::advance();
    auto [it, inserted] = seen.try_emplace(e.name, op);
    if (!inserted) {
      InFlightDiagnostic diag = op->emitError("qsim-expose-points: point '")
                                << e.name
                                << "' is marked twice in function '@"
                                << func.getSymName() << "'";
      diag.attachNote(it->second->getLoc()) << "first marker here";
      return WalkResult::interrupt();
    }
    if (quantized && isa<AnnotateOp>(op)) {
      op->emitError("qsim-expose-points: point '")
          << e.name
          << "' is not calibrated (qsim.annotate); value=quantized needs "
             "qsim.sim_quantize, run --qsim-calibrate first";
      return WalkResult::interrupt();
    }
    e.order = points.size();
    points.push_back(std::move(e));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (points.empty())
    return success();

  if (!func.getBody().hasOneBlock())
    return func.emitError("qsim-expose-points: function '@")
           << func.getSymName() << "' has "
           << func.getBody().getBlocks().size()
           << " blocks; points can only be returned from a single-block "
              "function";
  std::optional<SymbolTable::UseRange> uses =
      SymbolTable::getSymbolUses(func, getOperation());
  if (!uses || !uses->empty())
    return func.emitError("qsim-expose-points: function '@")
           << func.getSymName()
           << "' is called in the module; adding results would break its "
              "callers";

  // Result order is the byte-wise order of the names, so that it does not
  // depend on how the model's ops are scheduled.
  llvm::stable_sort(points, [](const Exposed &a, const Exposed &b) {
    return a.name < b.name;
  });
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  MLIRContext *ctx = &getContext();
  record.name = func.getSymName().str();
  record.ownResults = func.getNumResults();
  record.ownArguments = func.getNumArguments();
  SmallVector<Value> operands(ret.getOperands());
  for (Exposed &e : points) {
    if (feed) {
      e.argument = func.getNumArguments();
      auto attr = DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "qsim.point"),
                               StringAttr::get(ctx, e.name))});
      if (failed(func.insertArgument(e.argument, e.value.getType(), attr,
                                     e.marker->getLoc())))
        return func.emitError(
                   "qsim-expose-points: cannot add an argument to '@")
               << func.getSymName() << "'";
      // The return keeps the computed value; every other use reads the fed
      // one, so an error at this point does not reach the next.
      e.value.replaceAllUsesExcept(func.getArgument(e.argument), ret);
    }
    found.insert(e.name);
    e.result = func.getNumResults();
    auto attr = DictionaryAttr::get(
        ctx, {NamedAttribute(StringAttr::get(ctx, "qsim.point"),
                             StringAttr::get(ctx, e.name))});
    if (failed(func.insertResult(e.result, e.value.getType(), attr)))
      return func.emitError("qsim-expose-points: cannot add a result to '@")
             << func.getSymName() << "'";
    operands.push_back(e.value);
    ++numExposed;
  }
  ret->setOperands(operands);
  record.points = std::move(points);
  return success();
}

void ExposePointsPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (value != "float" && value != "quantized") {
    emitError(module.getLoc(), "qsim-expose-points: unknown value '")
        << value << "' (expected float or quantized)";
    return signalPassFailure();
  }
  bool quantized = value == "quantized";
  llvm::StringSet<> wanted, found;
  for (const std::string &p : points)
    wanted.insert(p);

  std::vector<ExposedFunction> functions;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    ExposedFunction record;
    if (failed(exposeIn(func, quantized, wanted, found, record)))
      return signalPassFailure();
    if (!record.points.empty())
      functions.push_back(std::move(record));
  }

  // A name that matches nothing is a typo or a point the annotate options
  // left out; returning fewer results than asked for would misalign the
  // caller's outputs.
  SmallVector<std::string> missing;
  for (const std::string &p : points)
    if (!found.contains(p))
      missing.push_back(p);
  if (!missing.empty()) {
    emitError(module.getLoc(), "qsim-expose-points: no marker for point(s) '")
        << llvm::join(missing, "', '") << "'";
    return signalPassFailure();
  }
  if (!manifestFile.empty() && failed(writeManifest(functions, quantized)))
    return signalPassFailure();
}

LogicalResult
ExposePointsPass::writeManifest(ArrayRef<ExposedFunction> functions,
                                bool quantized) {
  std::string error;
  auto file = openOutputFile(manifestFile, &error);
  if (!file)
    return emitError(getOperation().getLoc(),
                     "qsim-expose-points: cannot write manifest '")
           << manifestFile << "': " << error;
  llvm::json::OStream j(file->os(), 2);
  j.object([&] {
    j.attribute("schema", "qsim-exposed-points/1");
    j.attribute("value", quantized ? "quantized" : "float");
    j.attribute("feed", static_cast<bool>(feed));
    j.attributeArray("functions", [&] {
      for (const ExposedFunction &f : functions)
        j.object([&] {
          j.attribute("name", f.name);
          j.attribute("results", f.ownResults);
          j.attribute("arguments", f.ownArguments);
          j.attributeArray("points", [&] {
            for (const Exposed &e : f.points)
              j.object([&] {
                j.attribute("name", e.name);
                j.attribute("kind", e.kind ? stringifyQuantKind(*e.kind).str()
                                           : std::string());
                j.attribute("result", e.result);
                if (feed)
                  j.attribute("argument", e.argument);
                j.attribute("order", e.order);
                std::string type;
                llvm::raw_string_ostream os(type);
                e.value.getType().print(os);
                j.attribute("type", type);
                if (!e.params)
                  return;
                j.attributeObject("params", [&] {
                  QuantParamsAttr p = e.params;
                  j.attribute("bits", p.getBits());
                  j.attribute("signed", p.getIsSigned());
                  j.attributeArray("scales", [&] {
                    for (float s : p.getScales())
                      j.value(static_cast<double>(s));
                  });
                  j.attributeArray("zero_points", [&] {
                    for (size_t c = 0; c < p.getNumScales(); ++c)
                      j.value(p.getZeroPoint(c));
                  });
                  if (p.getAxis())
                    j.attribute("axis", *p.getAxis());
                  else
                    j.attribute("axis", nullptr);
                });
              });
          });
        });
    });
  });
  file->os() << "\n";
  file->keep();
  return success();
}
