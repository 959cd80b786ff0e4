//===- SmoothActivations.cpp - SmoothQuant for float-produced values ------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Divides a float-produced activation by a per-channel factor on its way to
// the matmuls that read it, and multiplies the matching weight rows by the
// same factor (see the pass description in Passes.td). The factors come from
// the per-channel ranges of a calibration table, found under the point name
// --qsim-annotate gives the value (PointNames.h).
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "qsim/Calibration/Table.h"
#include "qsim/Dialect/QSim/IR/QSimInterfaces.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "qsim/Dialect/QSim/Transforms/PointNames.h"

#include <cmath>

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMSMOOTHACTIVATIONS
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

namespace {
constexpr StringLiteral kSmoothingName = "SmoothQuant scaling";

RankedTensorType staticF32Tensor(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor || !tensor.hasStaticShape() || tensor.getRank() < 1 ||
      !tensor.getElementType().isF32())
    return nullptr;
  return tensor;
}

/// Whether `op` stays float whatever --qsim-annotate's options: a frontend
/// marked it, or no quantization rule covers it.
bool staysFloat(Operation *op) {
  if (op->hasTrait<OpTrait::ConstantLike>())
    return false;
  return op->hasAttr(kKeepFloatAttrName) || !isa<QuantizableOpInterface>(op);
}

/// A matmul reading the smoothed value as its left operand, with its
/// constant right operand `[batch, K, N]`.
struct WeightUse {
  tosa::MatMulOp matmul;
  DenseElementsAttr weight;
};

/// The uses of `v` (last dimension `k`) that can read `v / s` instead:
/// left operands of matmuls with constant f32 weights of K = `k`, and
/// reshapes keeping the last dimension whose every reader is such a use.
/// Appends the operands to rewire and the matmuls.
bool collectUses(Value v, int64_t k, SmallVectorImpl<OpOperand *> &operands,
                 SmallVectorImpl<WeightUse> &weights, bool all) {
  bool any = false;
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    bool ok = false;
    if (auto mm = dyn_cast<tosa::MatMulOp>(user)) {
      DenseElementsAttr w;
      auto wt = staticF32Tensor(mm.getB().getType());
      if (use.getOperandNumber() == 0 && wt && wt.getRank() == 3 &&
          wt.getDimSize(1) == k && matchPattern(mm.getB(), m_Constant(&w)) &&
          w.getElementType().isF32()) {
        weights.push_back({mm, w});
        ok = true;
      }
    } else if (auto reshape = dyn_cast<tosa::ReshapeOp>(user)) {
      auto rt = staticF32Tensor(reshape.getType());
      if (rt && rt.getDimSize(rt.getRank() - 1) == k) {
        SmallVector<OpOperand *> inner;
        SmallVector<WeightUse> innerWeights;
        if (collectUses(reshape.getResult(), k, inner, innerWeights,
                        /*all=*/true)) {
          llvm::append_range(weights, innerWeights);
          ok = true;
        }
      }
    }
    if (ok) {
      operands.push_back(&use);
      any = true;
    } else if (all) {
      return false;
    }
  }
  return any;
}

struct SmoothActivationsPass
    : public qsim::impl::QSimSmoothActivationsBase<SmoothActivationsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (tableFile.empty()) {
      module.emitError("qsim-smooth-activations: the table option is "
                       "required (per-channel statistics of the activations)");
      return signalPassFailure();
    }
    if (!(alpha >= 0.0 && alpha <= 1.0)) {
      module.emitError("qsim-smooth-activations: alpha must be in [0, 1], got ")
          << static_cast<double>(alpha);
      return signalPassFailure();
    }
    llvm::Expected<calibration::Table> table =
        calibration::readTable(tableFile);
    if (!table) {
      module.emitError("qsim-smooth-activations: ")
          << llvm::toString(table.takeError());
      return signalPassFailure();
    }
    unmeasured.clear();
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        smoothFunction(func, *table);
    if (!unmeasured.empty()) {
      auto diag = module.emitWarning("qsim-smooth-activations: ")
                  << unmeasured.size()
                  << " activation(s) left unscaled: the table has no "
                     "per-channel ranges along their last axis: ";
      llvm::interleaveComma(ArrayRef(unmeasured).take_front(8), diag);
      if (unmeasured.size() > 8)
        diag << ", ...";
    }
  }

private:
  void smoothFunction(func::FuncOp func, const calibration::Table &table);

  /// Candidates whose points the table lacks (or has without per-channel
  /// ranges along the last axis).
  SmallVector<std::string> unmeasured;
};
} // namespace

void SmoothActivationsPass::smoothFunction(func::FuncOp func,
                                           const calibration::Table &table) {
  // Names before any op is added, as --qsim-annotate will see them (the
  // added ops are named, so they shift no counter).
  DenseMap<Operation *, std::string> names = nameOpsOf(func);
  StringRef funcName = func.getSymName();
  SmallVector<Value> candidates;
  func.walk([&](Operation *op) {
    if (op != func.getOperation() && staysFloat(op))
      for (Value r : op->getResults())
        if (staticF32Tensor(r.getType()))
          candidates.push_back(r);
  });

  for (Value x : candidates) {
    auto type = staticF32Tensor(x.getType());
    int64_t rank = type.getRank(), k = type.getDimSize(rank - 1);
    SmallVector<OpOperand *> operands;
    SmallVector<WeightUse> uses;
    if (!collectUses(x, k, operands, uses, /*all=*/false))
      continue;
    std::string point = pointNameOf(x, names, funcName);
    const calibration::PointStats *stats = table.lookup(point);
    if (!stats || stats->channelAxis != rank - 1 ||
        static_cast<int64_t>(stats->channelMax.size()) != k) {
      unmeasured.push_back(point);
      ++numUnmeasured;
      continue;
    }

    // max |w| of each row over every weight read with x.
    std::vector<double> wmax(k, 0.0);
    for (const WeightUse &u : uses) {
      auto shape = u.weight.getType().getShape();
      int64_t n = shape[2], i = 0;
      for (float w : u.weight.getValues<float>()) {
        int64_t row = (i++ / n) % k;
        wmax[row] = std::max(wmax[row], static_cast<double>(std::fabs(w)));
      }
    }
    std::vector<float> s(k, 1.0f);
    for (int64_t c = 0; c < k; ++c) {
      double ax = std::max(std::fabs(stats->channelMin[c]),
                           std::fabs(stats->channelMax[c]));
      // A channel without range (always 0) or without weight keeps 1.
      if (!(ax > 0.0) || !(wmax[c] > 0.0) || !std::isfinite(ax))
        continue;
      double f = std::pow(ax, alpha) / std::pow(wmax[c], 1.0 - alpha);
      if (std::isfinite(f) && f > 0.0)
        s[c] = static_cast<float>(f);
    }

    // x' = x * (1 / s), right after x's op, named after it.
    Operation *def = x.getDefiningOp();
    OpBuilder b(def->getContext());
    b.setInsertionPointAfter(def);
    Location loc = NameLoc::get(
        b.getStringAttr(names.lookup(def) + "/smooth"), x.getLoc());
    SmallVector<int64_t> ones(rank, 1);
    ones.back() = k;
    auto invType = RankedTensorType::get(ones, b.getF32Type());
    SmallVector<float> inv(k);
    for (int64_t c = 0; c < k; ++c)
      inv[c] = 1.0f / s[c];
    Value invS = tosa::ConstOp::create(
        b, loc, invType, DenseElementsAttr::get(invType, ArrayRef<float>(inv)));
    auto shiftType = RankedTensorType::get({1}, b.getI8Type());
    Value shift = tosa::ConstOp::create(
        b, loc, shiftType,
        DenseElementsAttr::get(shiftType, ArrayRef<int8_t>{0}));
    auto mul = tosa::MulOp::create(b, loc, type, x, invS, shift);
    mul->setAttr(kKeepFloatAttrName, b.getStringAttr(kSmoothingName));
    mul->setAttr(kSmoothQuantAttrName, b.getUnitAttr());
    for (OpOperand *use : operands)
      use->set(mul.getResult());

    // Row c of each weight times s_c (a new constant per matmul: the old
    // one may have other readers).
    for (WeightUse &u : uses) {
      auto wType = cast<RankedTensorType>(u.weight.getType());
      int64_t n = wType.getDimSize(2), i = 0;
      SmallVector<float> scaled;
      scaled.reserve(wType.getNumElements());
      for (float w : u.weight.getValues<float>())
        scaled.push_back(w * s[(i++ / n) % k]);
      b.setInsertionPoint(u.matmul);
      Value w = tosa::ConstOp::create(
          b, u.matmul.getB().getLoc(), wType,
          DenseElementsAttr::get(wType, ArrayRef<float>(scaled)));
      Operation *old = u.matmul.getB().getDefiningOp();
      u.matmul.getBMutable().assign(w);
      if (old && old->use_empty())
        old->erase();
      ++numWeights;
    }
    ++numSmoothed;
  }
}
