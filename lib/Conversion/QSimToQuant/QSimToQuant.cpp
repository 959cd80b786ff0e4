//===- QSimToQuant.cpp - qsim ops to upstream quant casts -----------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Expresses qsim's quantize / dequantize / sim_quantize with the upstream
// quant dialect. The !quant.uniform type carries the integer format, the
// scales and the zero points; the rest of a qsim op (rounding mode, the
// power-of-two constraint, the point's kind and name) has no place in the
// type and travels as qsim.* discardable attributes on the quant.qcast, which
// --quant-to-qsim reads back. See docs/QuantDialect.md.
//
//===----------------------------------------------------------------------===//

#include "qsim/Conversion/QSimToQuant/QSimToQuant.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "qsim/Dialect/QSim/IR/QSimOps.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_CONVERTQSIMTOQUANT
#include "qsim/Conversion/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

namespace {

/// The !quant.uniform element type equivalent to `params` for values whose
/// float element type is `expressed`. The storage range is the full range of
/// the format, as qsim's quantize clamps to it.
quant::QuantizedType getQuantType(QuantParamsAttr params, Type expressed) {
  MLIRContext *ctx = params.getContext();
  unsigned flags = params.getIsSigned() ? quant::QuantizationFlags::Signed : 0;
  Type storage = IntegerType::get(ctx, params.getBits());
  int64_t qmin = params.getQMin(), qmax = params.getQMax();
  if (!params.isPerChannel())
    return quant::UniformQuantizedType::get(flags, storage, expressed,
                                            params.getScale(),
                                            params.getZeroPoint(), qmin, qmax);
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  for (size_t i = 0, e = params.getNumScales(); i < e; ++i) {
    scales.push_back(params.getScale(i));
    zeroPoints.push_back(params.getZeroPoint(i));
  }
  return quant::UniformQuantizedPerAxisType::get(flags, storage, expressed,
                                                 scales, zeroPoints,
                                                 *params.getAxis(), qmin, qmax);
}

/// `type` (a ranked float tensor) with the quantized element type.
RankedTensorType getQuantTensorType(QuantParamsAttr params, Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return tensor.clone(getQuantType(params, tensor.getElementType()));
}

/// Creates the quant.qcast of `input` and attaches what the type cannot say.
Value createQCast(PatternRewriter &rewriter, Location loc, Value input,
                  QuantParamsAttr params, RoundingMode rounding,
                  QuantKindAttr kind, StringAttr point) {
  auto qcast = quant::QuantizeCastOp::create(
      rewriter, loc, getQuantTensorType(params, input.getType()), input);
  MLIRContext *ctx = rewriter.getContext();
  if (rounding != RoundingMode::HalfToEven)
    qcast->setAttr("qsim.rounding", RoundingModeAttr::get(ctx, rounding));
  if (params.getPow2())
    qcast->setAttr("qsim.pow2", UnitAttr::get(ctx));
  if (kind)
    qcast->setAttr("qsim.kind", kind);
  if (point)
    qcast->setAttr("qsim.point", point);
  return qcast.getResult();
}

/// sim_quantize -> qcast + dcast (QDQ).
struct SimQuantizeToQuant : OpRewritePattern<SimQuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SimQuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Value q =
        createQCast(rewriter, op.getLoc(), op.getInput(), op.getParams(),
                    op.getRounding(), op.getKindAttr(), op.getPointAttr());
    rewriter.replaceOpWithNewOp<quant::DequantizeCastOp>(op, op.getType(), q);
    return success();
  }
};

/// quantize -> qcast + scast to the integer tensor.
struct QuantizeToQuant : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Value q = createQCast(rewriter, op.getLoc(), op.getInput(), op.getParams(),
                          op.getRounding(), QuantKindAttr(), op.getPointAttr());
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, op.getType(), q);
    return success();
  }
};

/// dequantize -> scast of the integer tensor + dcast.
struct DequantizeToQuant : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Value q = quant::StorageCastOp::create(
        rewriter, op.getLoc(), getQuantTensorType(op.getParams(), op.getType()),
        op.getInput());
    rewriter.replaceOpWithNewOp<quant::DequantizeCastOp>(op, op.getType(), q);
    return success();
  }
};

struct ConvertQSimToQuantPass
    : qsim::impl::ConvertQSimToQuantBase<ConvertQSimToQuantPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQSimToQuantPatterns(patterns);
    // No folding: the qsim folders would turn a sim_quantize of a constant
    // into a constant and lose the parameters this pass exists to carry.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace

void mlir::qsim::populateQSimToQuantPatterns(RewritePatternSet &patterns) {
  patterns.add<SimQuantizeToQuant, QuantizeToQuant, DequantizeToQuant>(
      patterns.getContext());
}
