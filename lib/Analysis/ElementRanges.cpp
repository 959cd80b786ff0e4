//===- ElementRanges.cpp - value ranges of integer tensor elements --------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Analysis/ElementRanges.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APInt.h"

using namespace mlir;
using namespace mlir::qsim;

/// Producer chains longer than this get the full range (bounds the walk).
static constexpr unsigned kMaxDepth = 64;

static unsigned getIntWidth(Type t) {
  if (auto shaped = dyn_cast<ShapedType>(t))
    t = shaped.getElementType();
  if (auto i = dyn_cast<IntegerType>(t))
    return i.getWidth();
  if (isa<IndexType>(t))
    return IndexType::kInternalStorageBitWidth;
  return 0;
}

/// Whether every window of a max pool over `pad`'s result holds at least
/// one element of the pad's source: the pad is static and only on H and W,
/// and along each of them every output position's taps reach the source.
static bool everyWindowReadsSource(linalg::PoolingNhwcMaxOp pool,
                                   tensor::PadOp pad) {
  auto srcType = dyn_cast<RankedTensorType>(pad.getSource().getType());
  auto outType = dyn_cast<RankedTensorType>(pool.getResultTensors()[0].getType());
  auto winType = dyn_cast<RankedTensorType>(pool.getDpsInputs()[1].getType());
  if (!srcType || !outType || !winType || !srcType.hasStaticShape() ||
      !outType.hasStaticShape() || !winType.hasStaticShape() ||
      srcType.getRank() != 4 || winType.getRank() != 2)
    return false;
  SmallVector<int64_t> low = llvm::to_vector(pad.getStaticLow());
  SmallVector<int64_t> high = llvm::to_vector(pad.getStaticHigh());
  if (llvm::any_of(low, ShapedType::isDynamic) ||
      llvm::any_of(high, ShapedType::isDynamic) || low[0] || high[0] ||
      low[3] || high[3])
    return false;
  auto strides = llvm::to_vector(pool.getStrides().getValues<int64_t>());
  auto dilations = llvm::to_vector(pool.getDilations().getValues<int64_t>());
  for (int d = 0; d < 2; ++d) {
    int64_t first = low[d + 1], last = first + srcType.getDimSize(d + 1) - 1;
    for (int64_t o = 0; o < outType.getDimSize(d + 1); ++o) {
      bool reads = false;
      for (int64_t k = 0; k < winType.getDimSize(d) && !reads; ++k) {
        int64_t i = o * strides[d] + k * dilations[d];
        reads = i >= first && i <= last;
      }
      if (!reads)
        return false;
    }
  }
  return true;
}

std::optional<ConstantIntRanges> ElementRanges::get(Value v) {
  return compute(v, 0);
}

std::optional<ConstantIntRanges> ElementRanges::compute(Value v,
                                                        unsigned depth) {
  unsigned width = getIntWidth(v.getType());
  if (width == 0)
    return std::nullopt;
  if (auto it = cache.find(v); it != cache.end())
    return it->second;
  ConstantIntRanges full = ConstantIntRanges::maxRange(width);
  if (depth > kMaxDepth)
    return full;
  auto of = [&](Value u) -> ConstantIntRanges {
    std::optional<ConstantIntRanges> r = compute(u, depth + 1);
    return r && r->smin().getBitWidth() == width ? *r : full;
  };

  ConstantIntRanges result = full;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    // A block argument of an elementwise generic: an element of its operand
    // (an output one only when every loop is parallel: in a reduction it
    // carries the partial result).
    auto generic =
        dyn_cast_or_null<linalg::GenericOp>(arg.getOwner()->getParentOp());
    if (generic && arg.getOwner() == generic.getBlock()) {
      OpOperand *operand = generic.getMatchingOpOperand(arg);
      if (generic.isDpsInput(operand) ||
          generic.getNumReductionLoops() == 0)
        result = of(operand->get());
    }
  } else {
    Operation *op = v.getDefiningOp();
    DenseIntElementsAttr dense;
    if (isa<ShapedType>(v.getType()) && matchPattern(v, m_Constant(&dense)) &&
        !dense.empty()) {
      APInt lo = *dense.value_begin<APInt>(), hi = lo;
      for (APInt e : dense.getValues<APInt>()) {
        if (e.slt(lo))
          lo = e;
        if (e.sgt(hi))
          hi = e;
      }
      result = ConstantIntRanges::fromSigned(lo, hi);
    } else if (auto fill = dyn_cast<linalg::FillOp>(op)) {
      result = of(fill.value());
    } else if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      auto yield = cast<linalg::YieldOp>(generic.getBlock()->getTerminator());
      result = of(yield.getOperand(cast<OpResult>(v).getResultNumber()));
    } else if (auto pool = dyn_cast<linalg::PoolingNhwcMaxOp>(op)) {
      // max(init, window): at least the larger lower bound, at most the
      // larger upper bound. When the input is padded but every window
      // holds an element of the pad's source, the padding value raises
      // only the upper bound.
      Value input = pool.getDpsInputs()[0];
      ConstantIntRanges in = of(input);
      ConstantIntRanges init = of(pool.getDpsInits()[0]);
      APInt lo = in.smin();
      auto pad = input.getDefiningOp<tensor::PadOp>();
      if (pad && everyWindowReadsSource(pool, pad))
        lo = of(pad.getSource()).smin();
      result = ConstantIntRanges::fromSigned(
          llvm::APIntOps::smax(lo, init.smin()),
          llvm::APIntOps::smax(in.smax(), init.smax()));
    } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
      Value padValue = pad.getConstantPaddingValue();
      result = padValue ? of(pad.getSource()).rangeUnion(of(padValue)) : full;
    } else if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
                   tensor::ExtractSliceOp, tensor::CastOp>(op)) {
      result = of(op->getOperand(0));
    } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
      result = of(insert.getSource()).rangeUnion(of(insert.getDest()));
    } else if (auto infer = dyn_cast<InferIntRangeInterface>(op)) {
      if (llvm::all_of(op->getOperandTypes(),
                       [](Type t) { return getIntWidth(t) != 0; }) &&
          llvm::none_of(op->getOperandTypes(),
                        [](Type t) { return isa<ShapedType>(t); })) {
        SmallVector<ConstantIntRanges> args;
        for (Value operand : op->getOperands())
          args.push_back(*compute(operand, depth + 1));
        infer.inferResultRanges(args, [&](Value r,
                                          const ConstantIntRanges &range) {
          if (r == v && range.smin().getBitWidth() == width)
            result = range;
        });
      }
    }
  }
  cache.try_emplace(v, result);
  return result;
}
