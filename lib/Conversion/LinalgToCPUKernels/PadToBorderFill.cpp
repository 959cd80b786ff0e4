//===- PadToBorderFill.cpp - tensor.pad as copy + border fills ------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// tensor.pad bufferizes upstream as a buffer filled whole with the padding
// value and the source copied over its interior. Here the pad becomes the
// source inserted into an uninitialised tensor and fills of the border slabs,
// which one-shot bufferization writes in place: every element once.
//
//===----------------------------------------------------------------------===//

#include "qsim/Conversion/LinalgToCPUKernels/LinalgToCPUKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_PADTOBORDERFILL
#include "qsim/Conversion/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

namespace {
struct PadToBorderFill : OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    RankedTensorType srcType = pad.getSourceType();
    RankedTensorType resType = pad.getResultType();
    Value value = pad.getConstantPaddingValue();
    if (!value || !srcType.hasStaticShape() || !resType.hasStaticShape())
      return rewriter.notifyMatchFailure(pad, "dynamic shape or padding value");
    auto padding = getConstantPadding(pad);
    if (!padding)
      return rewriter.notifyMatchFailure(pad, "dynamic padding");
    ArrayRef<int64_t> low = padding->first;
    if (srcType == resType)
      return rewriter.notifyMatchFailure(pad, "no padding");

    Location loc = pad.getLoc();
    // A constant defined in the pad's body moves out with it.
    if (Operation *def = value.getDefiningOp();
        def && pad->isProperAncestor(def))
      value = rewriter.clone(*def)->getResult(0);
    ArrayRef<int64_t> src = srcType.getShape(), res = resType.getShape();
    SmallVector<OpFoldResult> ones(resType.getRank(),
                                   rewriter.getIndexAttr(1));
    Value result = tensor::EmptyOp::create(rewriter, loc, res,
                                           resType.getElementType());
    result = tensor::InsertSliceOp::create(
        rewriter, loc, pad.getSource(), result,
        getAsIndexOpFoldResult(rewriter.getContext(), low),
        getAsIndexOpFoldResult(rewriter.getContext(), src), ones);
    result = fillPadBorder(rewriter, loc, result, low, src, value);
    rewriter.replaceOp(pad, result);
    return success();
  }
};

struct PadToBorderFillPass
    : qsim::impl::PadToBorderFillBase<PadToBorderFillPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populatePadToBorderFillPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

std::optional<std::pair<SmallVector<int64_t>, SmallVector<int64_t>>>
mlir::qsim::getConstantPadding(tensor::PadOp pad) {
  std::optional<SmallVector<int64_t>> low =
      getConstantIntValues(pad.getMixedLowPad());
  std::optional<SmallVector<int64_t>> high =
      getConstantIntValues(pad.getMixedHighPad());
  if (!low || !high)
    return std::nullopt;
  return std::make_pair(*low, *high);
}

Value mlir::qsim::fillPadBorder(OpBuilder &b, Location loc, Value dest,
                                ArrayRef<int64_t> low,
                                ArrayRef<int64_t> interior, Value value) {
  ArrayRef<int64_t> res = cast<RankedTensorType>(dest.getType()).getShape();
  int64_t rank = res.size();
  SmallVector<OpFoldResult> ones(rank, b.getIndexAttr(1));
  MLIRContext *ctx = b.getContext();
  // Slab (d, side): dimensions before d over the interior, d over its low
  // or high border, later dimensions whole. Each border element lies in
  // exactly one slab: the one of its first dimension outside the interior.
  for (int64_t d = 0; d < rank; ++d) {
    int64_t high = res[d] - interior[d] - low[d];
    for (auto [start, size] : {std::pair<int64_t, int64_t>{0, low[d]},
                               {low[d] + interior[d], high}}) {
      if (size == 0)
        continue;
      SmallVector<int64_t> offsets(rank, 0), sizes(res);
      for (int64_t j = 0; j < d; ++j)
        offsets[j] = low[j], sizes[j] = interior[j];
      offsets[d] = start, sizes[d] = size;
      SmallVector<OpFoldResult> o = getAsIndexOpFoldResult(ctx, offsets),
                                s = getAsIndexOpFoldResult(ctx, sizes);
      Value slab = tensor::ExtractSliceOp::create(b, loc, dest, o, s, ones);
      Value filled = linalg::FillOp::create(b, loc, value, slab).getResult(0);
      dest = tensor::InsertSliceOp::create(b, loc, filled, dest, o, s, ones);
    }
  }
  return dest;
}

void mlir::qsim::populatePadToBorderFillPatterns(RewritePatternSet &patterns) {
  patterns.add<PadToBorderFill>(patterns.getContext());
}
