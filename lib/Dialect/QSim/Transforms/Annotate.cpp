//===- Annotate.cpp - insert quantization-point markers -------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Support/FileUtilities.h"
#include "qsim/Dialect/QSim/IR/QSimInterfaces.h"
#include "qsim/Dialect/QSim/Transforms/InputChecks.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "qsim/Dialect/QSim/Transforms/PointNames.h"
#include "qsim/Dialect/QSim/Transforms/RealizeContext.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMANNOTATE
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

namespace {
/// One line of the report.
struct OpRecord {
  std::string point;
  std::string opName;
  std::string loc;
  std::string category;
  bool quantized = false;
  /// Quantized inputs, float result (no output point).
  bool floatResult = false;
  /// Quantized inputs, int32 result read by a bias add (no output point).
  bool biasFollows = false;
  std::string reason;
  SmallVector<std::string> markers;
};

/// Quantizable ops whose output point only adds a rounding (and a range of
/// its own) when every consumer stays float: arithmetic elementwise ops.
bool isElementwiseArithmetic(QuantOpCategory cat) {
  return cat == QuantOpCategory::Add || cat == QuantOpCategory::Mul ||
         cat == QuantOpCategory::Elementwise;
}

/// Ops that carry no values to quantize: constants, terminators, markers,
/// and the start values of destination-style ops (a tensor.empty, the fill
/// of a linalg convolution's init), which the realize rules replace.
bool isBookkeeping(Operation *op) {
  if (op->hasTrait<OpTrait::ConstantLike>() ||
      op->hasTrait<OpTrait::IsTerminator>() || isa<AnnotateOp>(op))
    return true;
  auto isInit = [](OpOperand &use) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
    return dps && dps.isDpsInit(&use);
  };
  return op->getNumResults() > 0 &&
         llvm::all_of(op->getResults(), [&](Value r) {
           return !r.use_empty() && llvm::all_of(r.getUses(), isInit);
         });
}

bool isFloatTensor(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return tensor && isa<FloatType>(tensor.getElementType());
}

std::string printLoc(Location loc) {
  std::string s;
  llvm::raw_string_ostream os(s);
  loc.print(os);
  return s;
}

struct AnnotatePass : public qsim::impl::QSimAnnotateBase<AnnotatePass> {
  using Base::Base;

  void runOnOperation() override;

private:
  /// Stable names of the ops of the function being processed.
  DenseMap<Operation *, std::string> opNames;
  std::string funcName;

  LogicalResult compilePatterns();
  std::optional<std::string> skipReason(Operation *op,
                                        QuantizableOpInterface qop,
                                        unsigned &convIndex);
  std::string pointNameOf(Value v);
  Value markOperand(OpBuilder &b, Value v, QuantKind kind, StringRef name,
                    OpRecord &rec);
  void annotateFunction(func::FuncOp func, std::vector<OpRecord> &records);
  void writeReport(ArrayRef<std::pair<std::string, std::vector<OpRecord>>>);

  /// Compiled skip-points (shared: passes are copied when cloned).
  std::vector<std::shared_ptr<llvm::Regex>> patterns;
};
} // namespace

LogicalResult AnnotatePass::compilePatterns() {
  patterns.clear();
  for (const std::string &p : skipPoints) {
    auto re = std::make_shared<llvm::Regex>(p);
    std::string error;
    if (!re->isValid(error)) {
      getOperation().emitError("qsim-annotate: invalid skip-points regex '")
          << p << "': " << error;
      return failure();
    }
    patterns.push_back(std::move(re));
  }
  return success();
}

std::optional<std::string>
AnnotatePass::skipReason(Operation *op, QuantizableOpInterface qop,
                         unsigned &convIndex) {
  StringRef name = op->getName().getStringRef();
  QuantOpCategory cat = qop.getQuantCategory();
  bool isConv =
      cat == QuantOpCategory::Conv || cat == QuantOpCategory::DepthwiseConv;
  // Count every convolution, quantized or not, so "first k" is positional.
  unsigned thisConv = isConv ? convIndex++ : 0;
  if (auto why = op->getAttrOfType<StringAttr>(kKeepFloatAttrName))
    return "kept float (qsim.keep_float): part of a " + why.getValue().str();
  if (llvm::is_contained(denyOps, name))
    return std::string("op is in deny-ops");
  if (!allowOps.empty() && !llvm::is_contained(allowOps, name))
    return std::string("op is not in allow-ops");
  std::string loc = printLoc(op->getLoc());
  for (auto [re, src] : llvm::zip(patterns, skipPoints))
    if (re->match(opNames[op]) || re->match(name) || re->match(loc))
      return "matches skip-points pattern '" + src + "'";
  if (isConv && thisConv < skipFirstConvs)
    return "one of the first " + std::to_string(skipFirstConvs) +
           " convolutions (skip-first-convs)";
  if (cat == QuantOpCategory::Dense && skipDense)
    return std::string("dense layer (skip-dense)");
  if (op->getNumResults() == 0 ||
      !llvm::all_of(op->getResultTypes(), isFloatTensor))
    return std::string("results are not float tensors");
  return std::nullopt;
}

std::string AnnotatePass::pointNameOf(Value v) {
  return qsim::pointNameOf(v, opNames, funcName);
}

Value AnnotatePass::markOperand(OpBuilder &b, Value v, QuantKind kind,
                                StringRef name, OpRecord &rec) {
  // Already a marker (the producer's activation marker): share it.
  if (auto marker = v.getDefiningOp<AnnotateOp>()) {
    rec.markers.push_back(marker.getPoint().str());
    return v;
  }
  // One marker per (value, kind): reuse an existing one.
  for (Operation *user : v.getUsers())
    if (auto marker = dyn_cast<AnnotateOp>(user))
      if (marker.getKind() == kind) {
        rec.markers.push_back(marker.getPoint().str());
        return marker;
      }
  OpBuilder::InsertionGuard guard(b);
  if (auto arg = dyn_cast<BlockArgument>(v))
    b.setInsertionPointToStart(arg.getOwner());
  else
    b.setInsertionPointAfter(v.getDefiningOp());
  auto marker = AnnotateOp::create(b, v.getLoc(), v, kind, name);
  ++numMarkers;
  rec.markers.push_back(name.str());
  return marker;
}

void AnnotatePass::annotateFunction(func::FuncOp func,
                                    std::vector<OpRecord> &records) {
  funcName = func.getSymName().str();
  opNames.clear();
  // Names first, so that they do not depend on which ops end up quantized.
  opNames = nameOpsOf(func);

  OpBuilder b(func.getContext());
  SmallVector<Operation *> ops;
  // Not the bodies of linalg ops: their arith ops are the op's scalar
  // computation, quantized (or not) with it.
  func.walk([&](Operation *op) {
    if (op != func.getOperation() &&
        !isa<DestinationStyleOpInterface>(op->getParentOp()))
      ops.push_back(op);
  });

  // Which ops stay float, and why, before any marker is placed.
  DenseMap<Operation *, std::string> floatReason;
  DenseSet<Operation *> quantized;
  unsigned convIndex = 0;
  for (Operation *op : ops) {
    if (isBookkeeping(op))
      continue;
    auto qop = dyn_cast<QuantizableOpInterface>(op);
    if (!qop)
      floatReason[op] = "no quantization rule for this op";
    else if (auto reason = skipReason(op, qop, convIndex))
      floatReason[op] = *reason;
    else
      quantized.insert(op);
  }
  // Whether every user of `op` stays float (a function result counts as
  // an int8 reader).
  auto feedsOnlyFloatOps = [&](Operation *op) {
    return !op->use_empty() && llvm::all_of(op->getUsers(), [&](Operation *u) {
      return floatReason.contains(u) &&
             !u->hasTrait<OpTrait::IsTerminator>();
    });
  };
  // An elementwise op whose every result feeds only ops that stay float
  // stays float too: its output point would round a value no int8 op reads,
  // on a range that is its own (an attention mask's -10000 added to the
  // scores before a float softmax leaves the scores no step of the grid).
  // Function results count as int8 readers. A reshape, transpose or slice
  // feeding only float ops stays float as well, so that the contraction
  // before it can hand over its accumulator unrounded (attention's scores:
  // matmul, reshape, then a float scale, mask and softmax). Users come
  // later in the block, so a backward sweep settles chains; repeat for
  // what regions reorder.
  for (bool changed = true; changed;) {
    changed = false;
    for (Operation *op : llvm::reverse(ops)) {
      if (!quantized.contains(op))
        continue;
      QuantOpCategory cat = cast<QuantizableOpInterface>(op).getQuantCategory();
      if (!(isElementwiseArithmetic(cat) || cat == QuantOpCategory::Reshape) ||
          !feedsOnlyFloatOps(op))
        continue;
      quantized.erase(op);
      floatReason[op] = "its results feed only ops that stay float";
      changed = true;
    }
  }

  // A contraction whose results feed only float ops keeps its int8 inputs
  // but gets no output point: realize computes its float result from the
  // integer accumulator (rounding it to 8 bits would only lose what the
  // float consumer keeps, e.g. a transformer's outlier features before a
  // float residual add).
  DenseSet<Operation *> floatResult;
  for (Operation *op : ops)
    if (quantized.contains(op) &&
        cast<QuantizableOpInterface>(op).canRealizeWithFloatResult() &&
        feedsOnlyFloatOps(op))
      floatResult.insert(op);

  // A matmul whose only reader is a quantized add of a constant that varies
  // at most along the last dimension (ONNX's MatMul + Add of a linear layer)
  // gets no output point either, nor does the add on that operand: realize
  // adds the bias to the int32 accumulator and requantizes once, at the
  // add's point, instead of rounding to 8 bits before the bias.
  // Reshapes that keep the last dimension may come between (a batch of
  // several: the importer's 3-D matmul and its reshape back): they get no
  // points either and pass the accumulator on.
  DenseSet<Operation *> biasFollows;
  for (Operation *op : ops) {
    if (!quantized.contains(op) || floatResult.contains(op) ||
        !op->hasOneUse() || op->getNumResults() != 1)
      continue;
    auto qop = cast<QuantizableOpInterface>(op);
    if (qop.getQuantCategory() != QuantOpCategory::Dense ||
        !qop.canRealizeWithFloatResult())
      continue;
    auto accTy = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!accTy || accTy.getRank() == 0)
      continue;
    SmallVector<Operation *> chain{op};
    Operation *user = *op->user_begin();
    while (isa<tosa::ReshapeOp>(user) && quantized.contains(user) &&
           user->hasOneUse()) {
      auto t = cast<RankedTensorType>(user->getResult(0).getType());
      if (t.getRank() == 0 || t.getShape().back() != accTy.getShape().back())
        break;
      chain.push_back(user);
      user = *user->user_begin();
    }
    Value fed = chain.back()->getResult(0);
    auto uq = dyn_cast<QuantizableOpInterface>(user);
    if (!quantized.contains(user) || !uq ||
        uq.getQuantCategory() != QuantOpCategory::Add ||
        user->getNumOperands() != 2)
      continue;
    Value other = user->getOperand(user->getOperand(0) == fed);
    auto resTy = dyn_cast<RankedTensorType>(fed.getType());
    auto otherTy = dyn_cast<RankedTensorType>(other.getType());
    if (!resTy || !otherTy || resTy != user->getResult(0).getType() ||
        !matchPattern(other, m_Constant()) ||
        !RealizeContext::isBiasShaped(otherTy, resTy))
      continue;
    biasFollows.insert(chain.begin(), chain.end());
  }

  for (Operation *op : ops) {
    if (isBookkeeping(op))
      continue;
    OpRecord rec;
    rec.point = opNames[op];
    rec.opName = op->getName().getStringRef().str();
    rec.loc = printLoc(op->getLoc());
    auto qop = dyn_cast<QuantizableOpInterface>(op);
    if (!qop) {
      rec.category = "none";
      rec.reason = floatReason[op];
      ++numSkipped;
      records.push_back(std::move(rec));
      continue;
    }
    rec.category = stringifyQuantOpCategory(qop.getQuantCategory()).str();
    if (!quantized.contains(op)) {
      rec.reason = floatReason[op];
      ++numSkipped;
      records.push_back(std::move(rec));
      continue;
    }
    rec.quantized = true;
    ++numQuantized;
    for (OpOperand &operand : op->getOpOperands()) {
      std::optional<QuantKind> kind =
          qop.getOperandQuantKind(operand.getOperandNumber());
      Value v = operand.get();
      if (!kind || !isFloatTensor(v.getType()) ||
          biasFollows.contains(v.getDefiningOp()))
        continue;
      bool isConst = matchPattern(v, m_Constant());
      std::string name;
      if (*kind == QuantKind::Input && isConst) {
        // A constant in an input role (a batch norm's per-channel scale) is
        // calibrated from its values like a weight.
        kind = QuantKind::Weight;
        name = opNames[op] + ".in" + std::to_string(operand.getOperandNumber());
      } else if (*kind == QuantKind::Input || !isConst) {
        // A "weight" computed at run time (attention's second matmul
        // operand) is an input activation.
        kind = QuantKind::Input;
        name = pointNameOf(v);
      } else {
        name = opNames[op] + "." + stringifyQuantKind(*kind).str();
      }
      Value marked = markOperand(b, v, *kind, name, rec);
      operand.set(marked);
    }
    rec.floatResult = floatResult.contains(op);
    rec.biasFollows = biasFollows.contains(op);
    b.setInsertionPointAfter(op);
    for (OpResult result : op->getResults()) {
      if (rec.floatResult || rec.biasFollows)
        break;
      std::optional<QuantKind> kind =
          qop.getResultQuantKind(result.getResultNumber());
      if (!kind)
        continue;
      if (llvm::any_of(result.getUsers(),
                       [](Operation *u) { return isa<AnnotateOp>(u); }))
        continue; // already annotated (the pass ran before)
      std::string name = pointNameOf(result);
      auto marker = AnnotateOp::create(b, op->getLoc(), result, *kind, name);
      result.replaceAllUsesExcept(marker, marker);
      ++numMarkers;
      rec.markers.push_back(name);
    }
    records.push_back(std::move(rec));
  }
}

void AnnotatePass::runOnOperation() {
  if (failed(compilePatterns()))
    return signalPassFailure();
  // The first pass of --qsim-quantize: refuse what later (upstream) passes
  // would crash on, while the error can still name the op.
  if (failed(checkQuantizationInput(getOperation(), "qsim-annotate")))
    return signalPassFailure();
  std::vector<std::pair<std::string, std::vector<OpRecord>>> report;
  for (auto func : getOperation().getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    std::vector<OpRecord> records;
    annotateFunction(func, records);
    if (emitRemarks) {
      DenseMap<StringRef, const OpRecord *> byPoint;
      for (const OpRecord &r : records)
        byPoint[r.point] = &r;
      func.walk([&](Operation *op) {
        auto it = byPoint.find(opNames.lookup(op));
        if (it == byPoint.end() || opNames.lookup(op).empty())
          return;
        const OpRecord &r = *it->second;
        if (r.quantized)
          op->emitRemark("quantized (") << r.category << ")";
        else
          op->emitRemark("left in float: ") << r.reason;
      });
    }
    report.emplace_back(funcName, std::move(records));
  }
  if (!reportFile.empty())
    writeReport(report);
}

void AnnotatePass::writeReport(
    ArrayRef<std::pair<std::string, std::vector<OpRecord>>> report) {
  std::string error;
  auto file = openOutputFile(reportFile, &error);
  if (!file) {
    getOperation().emitError("qsim-annotate: cannot write report '")
        << reportFile << "': " << error;
    return signalPassFailure();
  }
  unsigned quantized = 0, kept = 0;
  llvm::json::OStream j(file->os(), 2);
  j.object([&] {
    j.attribute("schema", "qsim-annotate-report/1");
    j.attributeArray("functions", [&] {
      for (const auto &[fname, records] : report)
        j.object([&] {
          j.attribute("name", fname);
          j.attributeArray("ops", [&] {
            for (const OpRecord &r : records) {
              (r.quantized ? quantized : kept)++;
              j.object([&] {
                j.attribute("point", r.point);
                j.attribute("op", r.opName);
                j.attribute("loc", r.loc);
                j.attribute("category", r.category);
                j.attribute("status", r.quantized ? "quantized" : "float");
                if (!r.quantized)
                  j.attribute("reason", r.reason);
                if (r.floatResult)
                  j.attribute("result", "float: it feeds only float ops");
                if (r.biasFollows)
                  j.attribute("result",
                              "int32: the bias add after it requantizes");
                j.attributeArray("markers", [&] {
                  for (const std::string &m : r.markers)
                    j.value(m);
                });
              });
            }
          });
        });
    });
    j.attributeObject("summary", [&] {
      j.attribute("quantized", quantized);
      j.attribute("float", kept);
    });
  });
  file->os() << "\n";
  file->keep();
}
