//===- ElementRanges.cpp - value ranges of integer elements ---------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Analysis/ElementRanges.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APInt.h"

using namespace mlir;
using namespace mlir::qsim;

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
  auto outType =
      dyn_cast<RankedTensorType>(pool.getResultTensors()[0].getType());
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

/// The integer held by a constant one-element (zero-point) tensor.
static std::optional<int64_t> getScalarConstant(Value v) {
  DenseIntElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || attr.getNumElements() != 1)
    return std::nullopt;
  return (*attr.value_begin<APInt>()).getSExtValue();
}

/// |x - zp_x| is bounded by the triangle inequality, not from x's range:
/// the bound --convert-qsim-to-linalg's tie-free requantize was checked
/// against.
std::optional<AccumulatorBound>
mlir::qsim::getAccumulatorBound(Operation *op,
                                function_ref<int64_t(Value)> maxMagnitude,
                                bool variableWeights) {
  Value x, w, bias, xZp, wZp;
  // The output (filter) of a flat weight index, for the weight's shape.
  std::function<int64_t(int64_t, ArrayRef<int64_t>)> filterOf;
  if (auto conv = dyn_cast<tosa::Conv2DOp>(op)) {
    x = conv.getInput(), w = conv.getWeight(), bias = conv.getBias();
    xZp = conv.getInputZp(), wZp = conv.getWeightZp();
    // [O, KH, KW, I]
    filterOf = [](int64_t i, ArrayRef<int64_t> s) {
      return i / (s[1] * s[2] * s[3]);
    };
  } else if (auto dw = dyn_cast<tosa::DepthwiseConv2DOp>(op)) {
    x = dw.getInput(), w = dw.getWeight(), bias = dw.getBias();
    xZp = dw.getInputZp(), wZp = dw.getWeightZp();
    // [KH, KW, C, M]: output channel c * M + m
    filterOf = [](int64_t i, ArrayRef<int64_t> s) { return i % (s[2] * s[3]); };
  } else if (auto mm = dyn_cast<tosa::MatMulOp>(op)) {
    x = mm.getA(), w = mm.getB(), xZp = mm.getAZp(), wZp = mm.getBZp();
    // [N, K, C]: a column (n, c)
    filterOf = [](int64_t i, ArrayRef<int64_t> s) {
      return (i / (s[1] * s[2])) * s[2] + i % s[2];
    };
  } else {
    return std::nullopt;
  }
  auto resultType = dyn_cast<ShapedType>(op->getResult(0).getType());
  DenseIntElementsAttr weights, biases;
  bool constantWeights = matchPattern(w, m_Constant(&weights));
  if (!resultType || !resultType.getElementType().isInteger(32) ||
      (!constantWeights && !variableWeights) ||
      (bias && !matchPattern(bias, m_Constant(&biases))))
    return std::nullopt;
  std::optional<int64_t> xz = getScalarConstant(xZp);
  std::optional<int64_t> wz = getScalarConstant(wZp);
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = dyn_cast<RankedTensorType>(w.getType());
  if (!xz || !wz || !xType.getElementType().isInteger() ||
      xType.getElementTypeBitWidth() > 32 || !wType ||
      !wType.hasStaticShape() || !wType.getElementType().isInteger() ||
      wType.getElementTypeBitWidth() > 32)
    return std::nullopt;
  ArrayRef<int64_t> shape = wType.getShape();
  int64_t n = wType.getNumElements();
  if (n == 0)
    return std::nullopt;
  int64_t maxSum = 0;
  if (constantWeights) {
    SmallVector<int64_t> sums(filterOf(n - 1, shape) + 1, 0);
    int64_t i = 0;
    for (const APInt &value : weights.getValues<APInt>()) {
      int64_t &sum = sums[filterOf(i++, shape)];
      sum = std::min<int64_t>(sum + std::abs(value.getSExtValue() - *wz),
                              int64_t(1) << 62);
      maxSum = std::max(maxSum, sum);
    }
  } else {
    // Every filter has the same number of elements; each |w - zp_w| is at
    // most max |w| + |zp_w| (at most 2^33, times n <= 2^62 elements: the
    // product is clamped like the constant sums).
    int64_t perFilter = n / (filterOf(n - 1, shape) + 1);
    __int128 sum = (__int128)perFilter * (maxMagnitude(w) + std::abs(*wz));
    maxSum = static_cast<int64_t>(std::min<__int128>(sum, int64_t(1) << 62));
  }
  int64_t maxBias = 0;
  if (biases)
    for (const APInt &value : biases.getValues<APInt>())
      maxBias = std::max(maxBias, std::abs(value.getSExtValue()));
  AccumulatorBound bound;
  bound.weightSum = maxSum;
  bound.input = maxMagnitude(x) + std::abs(*xz);
  bound.bias = maxBias;
  return bound;
}

/// The i32 range of the accumulator of getAccumulatorBound.
static std::optional<ConstantIntRanges>
getAccumulatorRange(Operation *op, function_ref<int64_t(Value)> maxMagnitude) {
  std::optional<AccumulatorBound> acc = getAccumulatorBound(op, maxMagnitude);
  if (!acc)
    return std::nullopt;
  __int128 bound = acc->get();
  if (bound > INT32_MAX)
    return ConstantIntRanges::maxRange(32);
  return ConstantIntRanges::fromSigned(APInt(32, -int64_t(bound), true),
                                       APInt(32, int64_t(bound), true));
}

int64_t mlir::qsim::getMaxMagnitude(const ConstantIntRanges &range) {
  if (range.smin().getBitWidth() > 63)
    return INT64_MAX;
  return std::max(std::abs(range.smin().getSExtValue()),
                  std::abs(range.smax().getSExtValue()));
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
  if (depth > options.maxDepth)
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
      if (generic.isDpsInput(operand) || generic.getNumReductionLoops() == 0)
        result = of(operand->get());
    }
  } else if (Operation *op = v.getDefiningOp();
             !options.follow || options.follow(op)) {
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
                   tensor::ExtractSliceOp, tensor::CastOp, tensor::ExtractOp>(
                   op)) {
      // An element of the tensor (tensor.extract: a lookup table's entry,
      // within the table's smallest and largest).
      result = of(op->getOperand(0));
    } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
      result = of(insert.getSource()).rangeUnion(of(insert.getDest()));
    } else if (std::optional<ConstantIntRanges> acc =
                   getAccumulatorRange(op, [&](Value x) {
                     // The input is narrower than the accumulator.
                     return getMaxMagnitude(*compute(x, depth + 1));
                   })) {
      result = *acc;
    } else if (auto infer = dyn_cast<InferIntRangeInterface>(op)) {
      // On tensors the ranges are those of the elements (as in upstream's
      // IntegerRangeAnalysis).
      if (llvm::all_of(op->getOperandTypes(),
                       [](Type t) { return getIntWidth(t) != 0; })) {
        SmallVector<ConstantIntRanges> args;
        for (Value operand : op->getOperands())
          args.push_back(*compute(operand, depth + 1));
        infer.inferResultRanges(
            args, [&](Value r, const ConstantIntRanges &range) {
              if (r == v && range.smin().getBitWidth() == width)
                result = range;
            });
      }
    }
  }
  cache.try_emplace(v, result);
  return result;
}
