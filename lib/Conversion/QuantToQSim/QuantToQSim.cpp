//===- QuantToQSim.cpp - upstream quant casts to qsim ops -----------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Reads the QDQ form of the upstream quant dialect (quant.qcast / dcast /
// scast on !quant.uniform tensors) into qsim ops, so that graphs quantized by
// another frontend reach --qsim-realize and the qsim kernels. The pass checks
// every quant op first and reports the ones qsim cannot express, naming the
// op and the type, instead of leaving them for a later pass to trip on; the
// patterns then only see supported types. See docs/QuantDialect.md.
//
//===----------------------------------------------------------------------===//

#include "qsim/Conversion/QuantToQSim/QuantToQSim.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "qsim/Dialect/QSim/IR/QSimOps.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_CONVERTQUANTTOQSIM
#include "qsim/Conversion/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

namespace {

using EmitErrorFn = function_ref<InFlightDiagnostic()>;

/// The quantized element type of `type`, or null.
quant::QuantizedType getQuantElementType(Type type) {
  return dyn_cast<quant::QuantizedType>(getElementTypeOrSelf(type));
}

/// Scale and zero point of every channel (one entry per tensor), in the form
/// both the params and the constant dequantization need.
struct UniformParams {
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  std::optional<int64_t> axis;
  unsigned bits = 0;
  bool isSigned = false;
};

/// Checks that `qtype` is a uniform type with full-range integer storage of
/// 2 to 16 bits (or 32 with `allow32`, for constants) and returns its
/// parameters; otherwise reports why through `emitError` when given (which
/// says what cannot be expressed; this adds why).
FailureOr<UniformParams>
getUniformParams(quant::QuantizedType qtype, bool allow32,
                 std::optional<EmitErrorFn> emitError) {
  auto fail = [&](const Twine &why) -> FailureOr<UniformParams> {
    if (emitError)
      (*emitError)() << why;
    return failure();
  };
  if (isa<quant::UniformQuantizedSubChannelType>(qtype))
    return fail("sub-channel (blocked) quantization is not supported");
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(
          qtype))
    return fail("only uniform (per-tensor or per-axis) types are supported");
  if (!isa<IntegerType>(qtype.getStorageType()))
    return fail("the storage type must be an integer");
  unsigned bits = qtype.getStorageTypeIntegralWidth();
  if (!(bits >= 2 && bits <= 16) && !(allow32 && bits == 32))
    return fail(allow32 ? "storage must be a 2- to 16-bit or a 32-bit integer"
                        : "storage must be a 2- to 16-bit integer (32 bits "
                          "only for constants)");
  if (qtype.hasStorageTypeBounds())
    return fail("storage bounds narrower than the integer range are not "
                "supported (qsim clamps to the full range)");
  UniformParams p;
  p.bits = bits;
  p.isSigned = qtype.isSigned();
  if (auto t = dyn_cast<quant::UniformQuantizedType>(qtype)) {
    p.scales.push_back(t.getScale());
    p.zeroPoints.push_back(t.getZeroPoint());
  } else {
    auto perAxis = cast<quant::UniformQuantizedPerAxisType>(qtype);
    llvm::append_range(p.scales, perAxis.getScales());
    llvm::append_range(p.zeroPoints, perAxis.getZeroPoints());
    p.axis = perAxis.getQuantizedDimension();
  }
  return p;
}

/// The qsim.params for `p` (at most 16 bits); zero points that are all 0 are
/// left out, as qsim prints them. `pow2` comes from the qsim.pow2 attribute.
FailureOr<QuantParamsAttr> getParamsAttr(MLIRContext *ctx,
                                         const UniformParams &p, bool pow2,
                                         std::optional<EmitErrorFn> emitError) {
  SmallVector<float> scales(p.scales.begin(), p.scales.end());
  SmallVector<int64_t> zeroPoints;
  if (llvm::any_of(p.zeroPoints, [](int64_t zp) { return zp != 0; }))
    zeroPoints = p.zeroPoints;
  // Without a caller to report to, verify silently: an inactive
  // diagnostic discards what the verifier streams into it.
  auto silent = []() { return InFlightDiagnostic(); };
  if (failed(QuantParamsAttr::verify(
          emitError ? *emitError : EmitErrorFn(silent), p.bits, p.isSigned,
          DenseF32ArrayAttr::get(ctx, scales), zeroPoints, p.axis, pow2)))
    return failure();
  return QuantParamsAttr::get(ctx, p.bits, p.isSigned, ArrayRef<float>(scales),
                              zeroPoints, p.axis, pow2);
}

/// The integer constant behind a quant.scast, or null.
DenseIntElementsAttr getConstantStorage(quant::StorageCastOp scast) {
  DenseIntElementsAttr values;
  if (!matchPattern(scast.getInput(), m_Constant(&values)))
    return {};
  return values;
}

/// The qsim.* attributes --qsim-to-quant leaves on a quant.qcast.
struct QCastAttrs {
  RoundingModeAttr rounding;
  bool pow2 = false;
  QuantKindAttr kind;
  StringAttr point;
};

QCastAttrs getQCastAttrs(quant::QuantizeCastOp qcast) {
  QCastAttrs a;
  a.rounding = qcast->getAttrOfType<RoundingModeAttr>("qsim.rounding");
  a.pow2 = qcast->hasAttr("qsim.pow2");
  a.kind = qcast->getAttrOfType<QuantKindAttr>("qsim.kind");
  a.point = qcast->getAttrOfType<StringAttr>("qsim.point");
  return a;
}

/// Params of a qcast's result type (already checked by the pass).
FailureOr<QuantParamsAttr> getQCastParams(quant::QuantizeCastOp qcast) {
  FailureOr<UniformParams> p = getUniformParams(
      getQuantElementType(qcast.getType()), /*allow32=*/false, std::nullopt);
  if (failed(p))
    return failure();
  return getParamsAttr(qcast.getContext(), *p, getQCastAttrs(qcast).pow2,
                       std::nullopt);
}

/// `values` dequantized as `f32(q - zp) * scale` (docs/Numerics.md) into a
/// constant of `type`'s float element type.
DenseElementsAttr dequantizeConstant(DenseIntElementsAttr values,
                                     const UniformParams &p,
                                     RankedTensorType type) {
  auto floatType = cast<FloatType>(type.getElementType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t inner = 1, channels = 1;
  if (p.axis) {
    channels = shape[*p.axis];
    for (int64_t d = *p.axis + 1, e = shape.size(); d < e; ++d)
      inner *= shape[d];
  }
  SmallVector<APFloat> result;
  result.reserve(type.getNumElements());
  int64_t i = 0;
  for (APInt q : values.getValues<APInt>()) {
    size_t c = p.axis ? static_cast<size_t>((i / inner) % channels) : 0;
    ++i;
    int64_t qv = p.isSigned ? q.getSExtValue() : q.getZExtValue();
    float x = static_cast<float>(qv - p.zeroPoints[c]) *
              static_cast<float>(p.scales[c]);
    APFloat f(x);
    bool losesInfo;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    result.push_back(f);
  }
  return DenseElementsAttr::get(type, result);
}

/// dcast(qcast %x) -> qsim.sim_quantize %x.
struct QDQToSimQuantize : OpRewritePattern<quant::DequantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(quant::DequantizeCastOp op,
                                PatternRewriter &rewriter) const override {
    auto qcast = op.getInput().getDefiningOp<quant::QuantizeCastOp>();
    if (!qcast || qcast.getInput().getType() != op.getType())
      return failure();
    FailureOr<QuantParamsAttr> params = getQCastParams(qcast);
    if (failed(params))
      return failure();
    QCastAttrs a = getQCastAttrs(qcast);
    rewriter.replaceOpWithNewOp<SimQuantizeOp>(op, op.getType(),
                                               qcast.getInput(), *params,
                                               a.rounding, a.kind, a.point);
    return success();
  }
};

/// scast(qcast %x) to integers -> qsim.quantize %x.
struct QCastToQuantize : OpRewritePattern<quant::StorageCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(quant::StorageCastOp op,
                                PatternRewriter &rewriter) const override {
    auto qcast = op.getInput().getDefiningOp<quant::QuantizeCastOp>();
    if (!qcast || getQuantElementType(op.getType()))
      return failure();
    FailureOr<QuantParamsAttr> params = getQCastParams(qcast);
    if (failed(params))
      return failure();
    QCastAttrs a = getQCastAttrs(qcast);
    rewriter.replaceOpWithNewOp<QuantizeOp>(op, op.getType(), qcast.getInput(),
                                            *params, a.rounding, a.point);
    return success();
  }
};

/// dcast(scast %q) -> qsim.dequantize %q for a computed %q; for a constant
/// %q (a quantized weight or bias) the float constant, under a
/// qsim.sim_quantize when qsim.params can hold the format (weights), bare
/// for 32-bit storage (biases, which --qsim-realize quantizes itself).
struct StorageToDequantize : OpRewritePattern<quant::DequantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(quant::DequantizeCastOp op,
                                PatternRewriter &rewriter) const override {
    auto scast = op.getInput().getDefiningOp<quant::StorageCastOp>();
    if (!scast || getQuantElementType(scast.getInput().getType()))
      return failure();
    DenseIntElementsAttr values = getConstantStorage(scast);
    FailureOr<UniformParams> p =
        getUniformParams(getQuantElementType(op.getInput().getType()),
                         /*allow32=*/static_cast<bool>(values), std::nullopt);
    if (failed(p))
      return failure();
    if (!values) {
      FailureOr<QuantParamsAttr> params =
          getParamsAttr(getContext(), *p, /*pow2=*/false, std::nullopt);
      if (failed(params))
        return failure();
      rewriter.replaceOpWithNewOp<DequantizeOp>(op, op.getType(),
                                                scast.getInput(), *params);
      return success();
    }
    auto type = cast<RankedTensorType>(op.getType());
    Value real = arith::ConstantOp::create(
        rewriter, op.getLoc(), type, dequantizeConstant(values, *p, type));
    if (p->bits == 32) {
      rewriter.replaceOp(op, real);
      return success();
    }
    FailureOr<QuantParamsAttr> params =
        getParamsAttr(getContext(), *p, /*pow2=*/false, std::nullopt);
    if (failed(params))
      return failure();
    rewriter.replaceOpWithNewOp<SimQuantizeOp>(op, type, real, *params,
                                               RoundingModeAttr(),
                                               QuantKindAttr(), StringAttr());
    return success();
  }
};

/// scast(scast %v) back to %v's type -> %v.
struct StorageRoundTrip : OpRewritePattern<quant::StorageCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(quant::StorageCastOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<quant::StorageCastOp>();
    if (!inner || inner.getInput().getType() != op.getType())
      return failure();
    rewriter.replaceOp(op, inner.getInput());
    return success();
  }
};

/// Reports a quant op (or one of its uses) the patterns cannot convert.
LogicalResult checkQuantOp(Operation *op) {
  // The quantized side of the op and whether 32-bit storage is allowed
  // there (only for a constant, i.e. a bias).
  Type quantType;
  bool constant = false;
  if (auto qcast = dyn_cast<quant::QuantizeCastOp>(op)) {
    quantType = qcast.getType();
    if (auto r = qcast->getAttr("qsim.rounding");
        r && !isa<RoundingModeAttr>(r))
      return op->emitOpError("'qsim.rounding' must be a #qsim<rounding ...>, "
                             "got ")
             << r;
    if (auto k = qcast->getAttr("qsim.kind"); k && !isa<QuantKindAttr>(k))
      return op->emitOpError("'qsim.kind' must be a #qsim<kind ...>, got ")
             << k;
    if (auto pt = qcast->getAttr("qsim.point"); pt && !isa<StringAttr>(pt))
      return op->emitOpError("'qsim.point' must be a string, got ") << pt;
  } else if (auto dcast = dyn_cast<quant::DequantizeCastOp>(op)) {
    // The producing cast reports its type; only a quantized value from
    // elsewhere (e.g. a block argument) is checked here.
    if (isa_and_present<quant::QuantizeCastOp, quant::StorageCastOp>(
            dcast.getInput().getDefiningOp()))
      return success();
    quantType = dcast.getInput().getType();
  } else if (auto scast = dyn_cast<quant::StorageCastOp>(op)) {
    bool toQuant = getQuantElementType(scast.getType()) != nullptr;
    if (!toQuant &&
        isa_and_present<quant::QuantizeCastOp, quant::StorageCastOp>(
            scast.getInput().getDefiningOp()))
      return success();
    quantType = toQuant ? scast.getType() : scast.getInput().getType();
    constant = toQuant && getConstantStorage(scast);
  } else {
    return success();
  }
  if (!isa<RankedTensorType>(quantType))
    return op->emitOpError("only ranked tensors are supported, got ")
           << quantType;
  quant::QuantizedType qtype = getQuantElementType(quantType);
  auto emitError = [&]() {
    InFlightDiagnostic diag = op->emitOpError();
    diag << "cannot express " << qtype << " in qsim: ";
    return diag;
  };
  FailureOr<UniformParams> p = getUniformParams(qtype, constant, emitError);
  if (failed(p))
    return failure();
  if (constant &&
      llvm::any_of(p->zeroPoints, [](int64_t zp) { return zp != 0; }))
    return op->emitOpError("cannot express the quantized constant of type ")
           << quantType
           << " in qsim: weights and biases need zero point 0 (the integer "
              "kernels assume symmetric weights)";
  if (p->bits != 32) {
    bool pow2 = isa<quant::QuantizeCastOp>(op) && op->hasAttr("qsim.pow2");
    if (failed(getParamsAttr(op->getContext(), *p, pow2, emitError)))
      return failure();
  }
  // Every user of a quantized value must be a cast the patterns rewrite.
  for (Value result : op->getResults()) {
    if (!getQuantElementType(result.getType()))
      continue;
    for (Operation *user : result.getUsers())
      if (!isa<quant::DequantizeCastOp, quant::StorageCastOp>(user))
        return op->emitOpError("result of type ")
               << result.getType() << " is used by '" << user->getName()
               << "', which qsim cannot take a quantized operand of (only "
                  "quant.dcast and quant.scast users are converted)";
  }
  return success();
}

struct ConvertQuantToQSimPass
    : qsim::impl::ConvertQuantToQSimBase<ConvertQuantToQSimPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool ok = true;
    module.walk([&](Operation *op) {
      if (failed(checkQuantOp(op)))
        ok = false;
    });
    if (!ok)
      return signalPassFailure();

    RewritePatternSet patterns(&getContext());
    populateQuantToQSimPatterns(patterns);
    // No folding: a qsim.sim_quantize of a constant weight must stay, it is
    // how --qsim-realize learns the weight's parameters. Constants stay where
    // the frontend put them rather than being hoisted, so the result reads
    // like the graph it came from.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    config.enableConstantCSE(false);
    if (failed(applyPatternsGreedily(module, std::move(patterns), config)))
      return signalPassFailure();

    // Whatever is left has a quantized operand or result that does not come
    // from (or go to) a cast the patterns understand, e.g. a quantized
    // function argument.
    module.walk([&](Operation *op) {
      if (!isa<quant::QuantizeCastOp, quant::DequantizeCastOp,
               quant::StorageCastOp>(op))
        return;
      op->emitOpError("is not part of a quant.qcast -> quant.dcast, "
                      "quant.qcast -> quant.scast or quant.scast -> "
                      "quant.dcast chain that qsim can express (quantized "
                      "function arguments and results need "
                      "-strip-func-quant-types first)");
      ok = false;
    });
    if (!ok)
      signalPassFailure();
  }
};

} // namespace

void mlir::qsim::populateQuantToQSimPatterns(RewritePatternSet &patterns) {
  patterns.add<QDQToSimQuantize, QCastToQuantize, StorageToDequantize,
               StorageRoundTrip>(patterns.getContext());
}
