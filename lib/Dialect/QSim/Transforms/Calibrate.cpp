//===- Calibrate.cpp - markers to simulated quantization ------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "qsim/Calibration/Table.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "llvm/ADT/StringSet.h"

#include <cfloat>
#include <cmath>

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMCALIBRATE
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;
namespace nm = mlir::qsim::numerics;

namespace {
struct CalibratePass : public qsim::impl::QSimCalibrateBase<CalibratePass> {
  using Base::Base;
  void runOnOperation() override;

private:
  RoundingMode mode = RoundingMode::HalfToEven;
  std::optional<calibration::Table> table;

  float finalizeScale(double scale) const;
  QuantParamsAttr weightParams(AnnotateOp marker, DenseElementsAttr values);
  QuantParamsAttr activationParams(AnnotateOp marker,
                                   SmallVectorImpl<std::string> &missing);
};
} // namespace

/// A usable f32 scale: positive, normal, rounded up to a power of two with
/// `pow2`.
float CalibratePass::finalizeScale(double scale) const {
  if (!(scale > 0) || !std::isfinite(scale))
    scale = 1.0;
  scale = std::max(scale, 1e-30);
  if (pow2)
    scale = std::exp2(std::ceil(std::log2(scale)));
  return static_cast<float>(scale);
}

/// The output-channel axis of the weight behind `marker`, asked from the
/// quantizable op that consumes it.
static std::optional<int64_t> weightAxis(AnnotateOp marker) {
  for (OpOperand &use : marker.getResult().getUses())
    if (auto qop = dyn_cast<QuantizableOpInterface>(use.getOwner()))
      if (auto axis = qop.getWeightChannelAxis(use.getOperandNumber()))
        return axis;
  return std::nullopt;
}

/// Squared error of simulated quantization of `values` at `scale`.
static double quantError(ArrayRef<float> values, float scale, unsigned bits,
                         RoundingMode mode) {
  double err = 0;
  for (float v : values) {
    double d = nm::fakeQuantize(v, scale, 0, bits, true, toNumerics(mode)) - v;
    err += d * d;
  }
  return err;
}

QuantParamsAttr CalibratePass::weightParams(AnnotateOp marker,
                                            DenseElementsAttr values) {
  auto type = cast<RankedTensorType>(values.getType());
  std::optional<int64_t> axis = perChannel ? weightAxis(marker) : std::nullopt;
  int64_t channels = axis ? type.getDimSize(*axis) : 1;
  int64_t stride = 1;
  if (axis)
    for (int64_t d = *axis + 1; d < type.getRank(); ++d)
      stride *= type.getDimSize(d);
  std::vector<std::vector<float>> perCh(channels);
  int64_t i = 0;
  for (APFloat v : values.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    perCh[axis ? (i / stride) % channels : 0].push_back(v.convertToFloat());
    ++i;
  }
  double qmax = nm::maxValue(bits, true);
  SmallVector<float> scales;
  for (const std::vector<float> &ch : perCh) {
    double amax = 0;
    for (float v : ch)
      amax = std::max(amax, std::fabs(static_cast<double>(v)));
    float best = finalizeScale(amax / qmax);
    if (weightMethod == "mse" && amax > 0) {
      // Search clip thresholds from 30% to 100% of max-abs; the first
      // minimum wins, so the choice is deterministic.
      double bestErr = quantError(ch, best, bits, mode);
      for (int k = 30; k < 100; ++k) {
        float s = finalizeScale(amax * k / 100.0 / qmax);
        double e = quantError(ch, s, bits, mode);
        if (e < bestErr) {
          bestErr = e;
          best = s;
        }
      }
    }
    scales.push_back(best);
  }
  return QuantParamsAttr::get(&getContext(), bits, /*isSigned=*/true, scales,
                              ArrayRef<int64_t>{}, axis, pow2);
}

QuantParamsAttr
CalibratePass::activationParams(AnnotateOp marker,
                                SmallVectorImpl<std::string> &missing) {
  // Scale-preserving producers (ReLU, max pool, reshape) reuse the
  // parameters of their quantized input.
  if (Operation *def = marker.getInput().getDefiningOp())
    if (auto qop = dyn_cast<QuantizableOpInterface>(def))
      if (qop.preservesScale())
        for (OpOperand &operand : def->getOpOperands())
          if (qop.getOperandQuantKind(operand.getOperandNumber()))
            if (auto sq = operand.get().getDefiningOp<SimQuantizeOp>())
              return sq.getParams();

  double lo = -globalScale, hi = globalScale;
  bool fromTable = false;
  if (table) {
    if (const calibration::PointStats *s = table->lookup(marker.getPoint())) {
      lo = s->min;
      hi = s->max;
      fromTable = true;
    } else {
      missing.push_back(marker.getPoint().str());
    }
  }
  int64_t qmin = nm::minValue(bits, true), qmax = nm::maxValue(bits, true);
  if (unsignedActivations && fromTable && lo >= 0) {
    // [0, hi] on the whole signed range: zero point at qmin.
    float scale = finalizeScale(hi / static_cast<double>(qmax - qmin));
    return QuantParamsAttr::get(&getContext(), bits, true, scale, qmin, pow2);
  }
  double amax = std::max(std::fabs(lo), std::fabs(hi));
  return QuantParamsAttr::get(&getContext(), bits, true,
                              finalizeScale(amax / qmax), 0, pow2);
}

void CalibratePass::runOnOperation() {
  ModuleOp module = getOperation();
  if (bits < 2 || bits > 16) {
    module.emitError("qsim-calibrate: bits must be in [2, 16], got ")
        << static_cast<unsigned>(bits);
    return signalPassFailure();
  }
  std::optional<RoundingMode> parsedMode = symbolizeRoundingMode(rounding);
  if (!parsedMode) {
    module.emitError("qsim-calibrate: unknown rounding mode '")
        << rounding
        << "' (expected half_to_even, half_away_from_zero, half_up, "
           "toward_zero or floor)";
    return signalPassFailure();
  }
  mode = *parsedMode;
  if (weightMethod != "max" && weightMethod != "mse") {
    module.emitError("qsim-calibrate: unknown weight-method '")
        << weightMethod << "' (expected max or mse)";
    return signalPassFailure();
  }
  if (!(globalScale > 0) || !std::isfinite(globalScale)) {
    module.emitError("qsim-calibrate: global-scale must be positive, got ")
        << static_cast<double>(globalScale);
    return signalPassFailure();
  }
  table.reset();
  if (!tableFile.empty()) {
    llvm::Expected<calibration::Table> t = calibration::readTable(tableFile);
    if (!t) {
      module.emitError("qsim-calibrate: ") << llvm::toString(t.takeError());
      return signalPassFailure();
    }
    table = std::move(*t);
  }

  SmallVector<std::string> missing;
  llvm::StringSet<> seen;
  SmallVector<AnnotateOp> markers;
  module.walk([&](AnnotateOp op) { markers.push_back(op); });
  for (AnnotateOp marker : markers) {
    seen.insert(marker.getPoint());
    OpBuilder b(marker);
    QuantParamsAttr params;
    switch (marker.getKind()) {
    case QuantKind::Bias:
      // Realization quantizes biases to 32 bits at s_in * s_w.
      marker.replaceAllUsesWith(marker.getInput());
      marker.erase();
      continue;
    case QuantKind::Weight: {
      DenseElementsAttr values;
      if (!matchPattern(marker.getInput(), m_Constant(&values)) ||
          !values.getType().hasStaticShape()) {
        marker.emitError("qsim-calibrate: weight point '")
            << marker.getPoint() << "' is not a constant";
        return signalPassFailure();
      }
      params = weightParams(marker, values);
      ++numWeights;
      break;
    }
    case QuantKind::Input:
    case QuantKind::Activation:
      params = activationParams(marker, missing);
      ++numActivations;
      break;
    }
    auto sq = SimQuantizeOp::create(
        b, marker.getLoc(), marker.getInput(), params,
        RoundingModeAttr::get(&getContext(), mode),
        QuantKindAttr::get(&getContext(), marker.getKind()),
        marker.getPointAttr());
    marker.replaceAllUsesWith(sq.getResult());
    marker.erase();
  }

  if (!missing.empty()) {
    numMissing += missing.size();
    InFlightDiagnostic diag = module.emitWarning()
                              << "qsim-calibrate: " << missing.size()
                              << " point(s) missing from the calibration "
                                 "table (global-scale used): ";
    llvm::interleaveComma(missing, diag);
  }
  if (table) {
    SmallVector<StringRef> extra;
    for (const calibration::PointStats &p : table->points)
      if (!seen.contains(p.name))
        extra.push_back(p.name);
    if (!extra.empty()) {
      InFlightDiagnostic diag = module.emitWarning()
                                << "qsim-calibrate: " << extra.size()
                                << " table point(s) not in the model: ";
      llvm::interleaveComma(extra, diag);
    }
  }
}
