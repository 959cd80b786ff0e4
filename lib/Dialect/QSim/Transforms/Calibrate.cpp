//===- Calibrate.cpp - markers to simulated quantization ------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "qsim/Calibration/ScaleSelection.h"
#include "qsim/Calibration/Table.h"
#include "qsim/Dialect/QSim/IR/QSimInterfaces.h"
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

  std::optional<float> scaleFor(AnnotateOp marker, double threshold,
                                const calibration::QuantSpec &spec,
                                StringRef source) const;
  QuantParamsAttr weightParams(AnnotateOp marker, DenseElementsAttr values);
  std::optional<calibration::Method> selectedMethod;

  QuantParamsAttr activationParams(AnnotateOp marker,
                                   SmallVectorImpl<std::string> &missing,
                                   SmallVectorImpl<std::string> &fallback);
  double tableThreshold(const calibration::PointStats &stats, double absMax,
                        bool isUnsigned,
                        SmallVectorImpl<std::string> &fallback);
};
} // namespace

/// With unsigned-activations, a range whose negative part is at most this
/// share of its positive part still uses the unsigned grid, shifted to
/// cover the negative part.
constexpr double kMaxNegativeShare = 1.0 / 8.0;

/// The integer grid of every point: signed unless `isUnsigned`.
static calibration::QuantSpec makeSpec(unsigned bits, bool pow2,
                                       RoundingMode mode, bool isUnsigned) {
  calibration::QuantSpec spec;
  spec.bits = bits;
  spec.pow2 = pow2;
  spec.rounding = toNumerics(mode);
  spec.isUnsigned = isUnsigned;
  return spec;
}

/// The scale of clip threshold `threshold` on the grid `spec`, or an error
/// on `marker` when it has none (a NaN or infinite threshold, or one whose
/// scale leaves the f32 range: the quantized model would compute NaN).
/// `source` says where the threshold came from.
std::optional<float> CalibratePass::scaleFor(AnnotateOp marker,
                                             double threshold,
                                             const calibration::QuantSpec &spec,
                                             StringRef source) const {
  float scale = calibration::scaleForThreshold(threshold, spec);
  if (nm::isUsableScale(scale))
    return scale;
  marker.emitError("qsim-calibrate: point '")
      << marker.getPoint() << "': threshold " << threshold << " (" << source
      << ") gives scale " << scale << ", which is not a finite f32 scale in ["
      << FLT_MIN << ", " << FLT_MAX / 65536 << "]";
  return std::nullopt;
}

/// Fails with an error on `marker` when the constant `values` behind it holds
/// a NaN or an infinity: its quantized form would be a finite integer where
/// the float model computes NaN.
static LogicalResult checkFinite(AnnotateOp marker, DenseElementsAttr values) {
  int64_t i = 0;
  for (APFloat v : values.getValues<APFloat>()) {
    if (!v.isFinite()) {
      SmallString<16> text;
      v.toString(text);
      Operation *def = marker.getInput().getDefiningOp();
      return marker.emitError("qsim-calibrate: ")
             << stringifyQuantKind(marker.getKind()) << " point '"
             << marker.getPoint() << "' (" << def->getName()
             << ") holds a non-finite value " << text << " at element " << i;
    }
    ++i;
  }
  return success();
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
  // The weights' range: `weight-range-bits` narrows it inside the type.
  unsigned rangeBits = weightRangeBits ? unsigned(weightRangeBits) : bits;
  calibration::QuantSpec spec = makeSpec(rangeBits, pow2, mode, false);
  SmallVector<float> scales;
  for (const std::vector<float> &ch : perCh) {
    double amax = 0;
    for (float v : ch)
      amax = std::max(amax, std::fabs(static_cast<double>(v)));
    std::optional<float> best = scaleFor(marker, amax, spec, "max |w|");
    if (!best)
      return {};
    if (weightMethod == "mse") {
      float mse = calibration::mseScaleFromValues(ch.data(), ch.size(), spec);
      // A narrowed range must hold every weight: no clipping threshold
      // (the type's wider range would not clip them).
      best = rangeBits < bits ? std::max(mse, *best) : mse;
    }
    scales.push_back(*best);
  }
  return QuantParamsAttr::get(&getContext(), bits, /*isSigned=*/true, scales,
                              ArrayRef<int64_t>{}, axis, pow2);
}

QuantParamsAttr
CalibratePass::activationParams(AnnotateOp marker,
                                SmallVectorImpl<std::string> &missing,
                                SmallVectorImpl<std::string> &fallback) {
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
  StringRef source = "global-scale";
  const calibration::PointStats *stats = nullptr;
  if (table) {
    stats = table->lookup(marker.getPoint());
    if (stats) {
      lo = stats->min;
      hi = stats->max;
      source = "calibration table";
    } else {
      missing.push_back(marker.getPoint().str());
    }
  }
  // NaN would drop out of the max below and leave a finite threshold.
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    marker.emitError("qsim-calibrate: point '")
        << marker.getPoint() << "': the " << source << " range [" << lo
        << ", " << hi << "] is not finite";
    return {};
  }
  // A range with a small negative tail (GELU's, SiLU's and hard-swish's
  // minimum of -0.17 to -0.375) is nearly non-negative: the grid then spans
  // [lo, T] instead of [-T, T], about twice as fine.
  bool isUnsigned = unsignedActivations && stats &&
                    (lo >= 0 || (hi > 0 && -lo <= hi * kMaxNegativeShare));
  double threshold = isUnsigned ? hi : std::max(std::fabs(lo), std::fabs(hi));
  if (stats)
    threshold = tableThreshold(*stats, threshold, isUnsigned, fallback);
  double below = isUnsigned ? std::max(0.0, -lo) : 0.0;
  std::optional<float> scale =
      scaleFor(marker, threshold + below,
               makeSpec(bits, pow2, mode, isUnsigned), source);
  if (!scale)
    return {};
  // Unsigned: [-below, T] on the whole signed range, zero point at qmin
  // plus the steps below zero.
  int64_t zeroPoint = 0;
  if (isUnsigned)
    zeroPoint = nm::minValue(bits, true) + std::llround(below / *scale);
  return QuantParamsAttr::get(&getContext(), bits, true, *scale, zeroPoint,
                              pow2);
}

/// The clip threshold of a table point under `method`; `absMax` is the
/// max-abs of its min/max (the max of its range when unsigned).
double CalibratePass::tableThreshold(const calibration::PointStats &stats,
                                     double absMax, bool isUnsigned,
                                     SmallVectorImpl<std::string> &fallback) {
  calibration::SelectOptions options;
  options.spec = makeSpec(bits, pow2, mode, isUnsigned);
  options.percentile = percentile;
  switch (*selectedMethod) {
  case calibration::Method::Max:
    return absMax;
  case calibration::Method::Pow2:
    return calibration::pow2Threshold(absMax, options.spec);
  case calibration::Method::Percentile:
  case calibration::Method::MSE:
  case calibration::Method::KL:
    break;
  }
  // A stored histogram knows its maximum only up to a bin edge; the table's
  // min/max are exact.
  if (stats.histogram)
    return std::min(calibration::selectThreshold(*stats.histogram,
                                                 *selectedMethod, options),
                    absMax);
  // Thresholds recorded by the collector were chosen for the table's
  // percentile and the point's own signedness; use them only when those
  // agree with this run.
  bool sameGrid = isUnsigned == (stats.min >= 0) && bits == table->bits;
  bool samePercentile = *selectedMethod != calibration::Method::Percentile ||
                        percentile == table->percentile;
  if (sameGrid && samePercentile)
    if (std::optional<double> t = stats.getThreshold(method))
      return *t;
  fallback.push_back(stats.name);
  return absMax;
}

void CalibratePass::runOnOperation() {
  ModuleOp module = getOperation();
  if (bits < 2 || bits > 16) {
    module.emitError("qsim-calibrate: bits must be in [2, 16], got ")
        << static_cast<unsigned>(bits);
    return signalPassFailure();
  }
  if (weightRangeBits != 0 && (weightRangeBits < 2 || weightRangeBits > bits)) {
    module.emitError("qsim-calibrate: weight-range-bits must be in [2, bits = ")
        << static_cast<unsigned>(bits) << "], got "
        << static_cast<unsigned>(weightRangeBits);
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
  selectedMethod = calibration::parseMethod(method);
  if (!selectedMethod) {
    module.emitError("qsim-calibrate: unknown method '")
        << method << "' (expected max, pow2, percentile, mse or kl)";
    return signalPassFailure();
  }
  if (!(percentile > 0) || !(percentile <= 100)) {
    module.emitError("qsim-calibrate: percentile must be in (0, 100], got ")
        << static_cast<double>(percentile);
    return signalPassFailure();
  }
  if (!(globalScale > 0) || !std::isfinite(globalScale)) {
    module.emitError(
        "qsim-calibrate: global-scale must be finite and positive, got ")
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

  SmallVector<std::string> missing, fallback;
  llvm::StringSet<> seen;
  SmallVector<AnnotateOp> markers;
  module.walk([&](AnnotateOp op) { markers.push_back(op); });
  for (AnnotateOp marker : markers) {
    seen.insert(marker.getPoint());
    OpBuilder b(marker);
    QuantParamsAttr params;
    switch (marker.getKind()) {
    case QuantKind::Bias: {
      DenseElementsAttr values;
      if (matchPattern(marker.getInput(), m_Constant(&values)) &&
          failed(checkFinite(marker, values)))
        return signalPassFailure();
      // Realization quantizes biases to 32 bits at s_in * s_w.
      marker.replaceAllUsesWith(marker.getInput());
      marker.erase();
      continue;
    }
    case QuantKind::Weight: {
      DenseElementsAttr values;
      if (!matchPattern(marker.getInput(), m_Constant(&values)) ||
          !values.getType().hasStaticShape()) {
        marker.emitError("qsim-calibrate: weight point '")
            << marker.getPoint() << "' is not a constant";
        return signalPassFailure();
      }
      if (failed(checkFinite(marker, values)))
        return signalPassFailure();
      params = weightParams(marker, values);
      if (!params)
        return signalPassFailure();
      ++numWeights;
      break;
    }
    case QuantKind::Input:
    case QuantKind::Activation:
      params = activationParams(marker, missing, fallback);
      if (!params)
        return signalPassFailure();
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
  if (!fallback.empty()) {
    numFallback += fallback.size();
    InFlightDiagnostic diag = module.emitWarning()
                              << "qsim-calibrate: " << fallback.size()
                              << " point(s) have no histogram in the table "
                                 "(method '"
                              << method << "' fell back to max): ";
    llvm::interleaveComma(fallback, diag);
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
