//===- FuseLut.cpp - elementwise float chains to table lookups ------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Between two quantization points, a chain of elementwise float ops on one
// quantized value (sigmoid, hard-swish's mul/add/clamp/mul, GELU's
// mul/erf/add/mul, ...) is a function of the input's 2^N integer values.
// This pass tabulates it (UnaryChain evaluates the ops in f32) and replaces
// the chain by `qsim.quantize -> qsim.lut -> qsim.dequantize`, so that
// --qsim-realize finds integers on both sides and canonicalization leaves
// one lookup between the two int8 values. Quantization points inside the
// chain (the activation markers of its intermediate ops) are dropped: the
// table rounds once, at the output.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "qsim/Dialect/QSim/Transforms/UnaryChain.h"
#include "qsim/Numerics/Numerics.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMFUSELUT
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;
namespace nm = mlir::qsim::numerics;

namespace {
/// Tables of inputs wider than this would not pay for themselves.
constexpr unsigned kMaxInputBits = 8;
/// A per-channel table holds 2^N entries per channel; past this many in all
/// (4096 channels of 8-bit entries) it would not stay in a core's cache.
constexpr int64_t kMaxTableEntries = int64_t(1) << 20;

bool roundsToNearest(RoundingMode mode) {
  return mode == RoundingMode::HalfToEven ||
         mode == RoundingMode::HalfAwayFromZero ||
         mode == RoundingMode::HalfUp;
}

bool isPerTensorF32(SimQuantizeOp q) {
  return !q.getParams().isPerChannel() &&
         q.getType().getElementType().isF32();
}

/// Whether every constant operand of `op` (read directly or through its
/// quantization point) is a splat, or, with `perChannel`, holds one value
/// per channel of the last dimension (UnaryChain::matchPerChannelConstant).
/// A per-channel constant makes the op's value depend on the element's
/// channel, not only on its input value: a per-channel table stands for it
/// after the chain's last inner point (a batch norm's scale and shift after
/// an activation), but a point whose op reads one (a bias added to a
/// matmul's output) is where the chain starts, not an inner point.
bool readsOnlyTabulableConstants(Operation *op, bool perChannel) {
  auto type = cast<ShapedType>(op->getResult(0).getType());
  return llvm::all_of(op->getOperands(), [&](Value v) {
    if (auto q = v.getDefiningOp<SimQuantizeOp>())
      v = q.getInput();
    DenseElementsAttr attr;
    return !matchPattern(v, m_Constant(&attr)) || attr.isSplat() ||
           (perChannel && UnaryChain::matchPerChannelConstant(v, type));
  });
}

/// The ops between a root quantization point and `out`.
struct Chain {
  SimQuantizeOp root;
  /// Evaluable ops and the quantization points between them, in program
  /// order.
  SmallVector<Operation *> ops;
};

/// Walks back from `out`'s input through evaluable ops and through
/// quantization points whose input is an evaluable op reading only splat
/// constants (unless in `forcedRoots`) or a constant, to exactly one
/// quantization point: the root. GELU's `x * 0.5 * (1 + erf(x / sqrt 2))`
/// after a matmul's bias add is then one table from the add's point.
FailureOr<Chain> collectChain(SimQuantizeOp out,
                              const DenseSet<Operation *> &forcedRoots,
                              Operation *&escaping) {
  Block *block = out->getBlock();
  llvm::SetVector<Operation *> inChain;
  llvm::SetVector<Value> roots;
  SmallVector<Value> worklist{out.getInput()};
  // A point can be inside the chain only if the chain can go on through its
  // op: every other operand a constant, a point or an evaluable op. (A bias
  // add after a matmul reads the accumulator, which has no point: the add's
  // point must be the root even when the bias is a splat.)
  auto continuesBack = [&](Operation *def) {
    return llvm::all_of(def->getOperands(), [](Value v) {
      if (matchPattern(v, m_Constant()))
        return true;
      Operation *d = v.getDefiningOp();
      return d && (isa<SimQuantizeOp>(d) || UnaryChain::isEvaluable(d));
    });
  };
  auto isInnerPoint = [&](SimQuantizeOp q) {
    Operation *def = q.getInput().getDefiningOp();
    return !forcedRoots.contains(q) && isPerTensorF32(q) && def &&
           UnaryChain::isEvaluable(def) &&
           readsOnlyTabulableConstants(def, /*perChannel=*/false) &&
           continuesBack(def);
  };
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (matchPattern(v, m_Constant()))
      continue;
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != block)
      return failure();
    if (inChain.contains(def))
      continue;
    if (auto q = dyn_cast<SimQuantizeOp>(def)) {
      // A constant operand's point (annotate calibrates constants in an
      // input role like weights): the table reads the float constant.
      if (matchPattern(q.getInput(), m_Constant())) {
        inChain.insert(def);
        continue;
      }
      if (!isInnerPoint(q)) {
        roots.insert(v);
        continue;
      }
      inChain.insert(def);
      worklist.push_back(q.getInput());
      continue;
    }
    if (!UnaryChain::isEvaluable(def) ||
        !readsOnlyTabulableConstants(def, /*perChannel=*/true))
      return failure();
    inChain.insert(def);
    llvm::append_range(worklist, def->getOperands());
  }
  if (roots.size() != 1)
    return failure();
  auto root = roots.front().getDefiningOp<SimQuantizeOp>();
  if (!root)
    return failure();
  // An inner point read outside the chain keeps its rounding for those
  // readers; the chain must then start there.
  for (Operation *op : inChain) {
    auto q = dyn_cast<SimQuantizeOp>(op);
    if (!q || matchPattern(q.getInput(), m_Constant()))
      continue;
    for (Operation *user : op->getUsers())
      if (user != out && !inChain.contains(user)) {
        escaping = op;
        return failure();
      }
  }
  Chain chain{root, SmallVector<Operation *>(inChain.begin(), inChain.end())};
  llvm::sort(chain.ops,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return chain;
}

/// A single op that --qsim-realize already turns into exact integer code
/// (a ReLU clamp, an add or mul by a constant) gains nothing from a table.
bool worthATable(ArrayRef<Operation *> evaluable) {
  return evaluable.size() > 1 ||
         (evaluable.size() == 1 &&
          !isa<tosa::ClampOp, tosa::AddOp, tosa::MulOp>(evaluable.front()));
}

struct FuseLutPass : public qsim::impl::QSimFuseLutBase<FuseLutPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      fuseFunction(func);
  }

private:
  void fuseFunction(func::FuncOp func);
  bool tryFuse(SimQuantizeOp out, DenseSet<Operation *> &erased);
};
} // namespace

bool FuseLutPass::tryFuse(SimQuantizeOp out, DenseSet<Operation *> &erased) {
  if (!isPerTensorF32(out) || !roundsToNearest(out.getRounding()))
    return false;
  Operation *last = out.getInput().getDefiningOp();
  if (!last || !UnaryChain::isEvaluable(last))
    return false;
  DenseSet<Operation *> forcedRoots;
  FailureOr<Chain> chain = failure();
  // Each retry moves the root past one escaping inner point.
  while (true) {
    Operation *escaping = nullptr;
    chain = collectChain(out, forcedRoots, escaping);
    if (succeeded(chain) || !escaping)
      break;
    forcedRoots.insert(escaping);
  }
  if (failed(chain))
    return false;
  SimQuantizeOp root = chain->root;
  QuantParamsAttr in = root.getParams(), outParams = out.getParams();
  if (!isPerTensorF32(root) || !in.getIsSigned() ||
      in.getBits() > kMaxInputBits)
    return false;
  SmallVector<Operation *> evaluable;
  for (Operation *op : chain->ops)
    if (!isa<SimQuantizeOp>(op))
      evaluable.push_back(op);
  if (!worthATable(evaluable))
    return false;
  // The inner points are dropped: their ops read what the points read (the
  // float constant, for a constant's point).
  DenseSet<Operation *> innerPoints;
  for (Operation *op : chain->ops)
    if (isa<SimQuantizeOp>(op))
      innerPoints.insert(op);
  auto lookThrough = [&](Value v) {
    while (Operation *def = v.getDefiningOp()) {
      if (!innerPoints.contains(def))
        break;
      v = cast<SimQuantizeOp>(def).getInput();
    }
    return v;
  };
  FailureOr<UnaryChain> fn = UnaryChain::build(
      root.getResult(), out.getInput(), evaluable, lookThrough);
  if (failed(fn))
    return false;

  // table[c, q + 2^(N-1)] = quantize_out(f_c(dequantize_in(q))); one row
  // unless a constant of the chain differs per channel.
  unsigned inBits = in.getBits(), outBits = outParams.getBits();
  int64_t channels = fn->getNumChannels();
  int64_t rowSize = int64_t(1) << inBits;
  if (channels * rowSize > kMaxTableEntries)
    return false;
  float sIn = in.getScale(0), sOut = outParams.getScale(0);
  int64_t zpIn = in.getZeroPoint(0), zpOut = outParams.getZeroPoint(0);
  nm::RoundingMode mode = toNumerics(out.getRounding());
  SmallVector<APInt> entries;
  entries.reserve(channels * rowSize);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t q = nm::minValue(inBits, true),
                 hi = nm::maxValue(inBits, true);
         q <= hi; ++q) {
      float y = fn->evaluate(nm::dequantize(q, sIn, zpIn), c);
      int64_t t = nm::quantize(y, sOut, zpOut, outBits,
                               outParams.getIsSigned(), mode);
      entries.push_back(
          APInt(outBits, t, /*isSigned=*/true, /*implicitTrunc=*/true));
    }

  MLIRContext *ctx = &getContext();
  OpBuilder b(out);
  Location loc = last->getLoc();
  auto floatType = cast<RankedTensorType>(root.getType());
  auto inType = floatType.clone(IntegerType::get(ctx, inBits));
  auto outType = floatType.clone(IntegerType::get(ctx, outBits));
  SmallVector<int64_t, 2> tableShape;
  if (channels > 1)
    tableShape.push_back(channels);
  tableShape.push_back(rowSize);
  auto tableType =
      RankedTensorType::get(tableShape, IntegerType::get(ctx, outBits));
  Value qIn = QuantizeOp::create(b, loc, inType, root.getResult(), in,
                                 RoundingModeAttr::get(ctx, RoundingMode::HalfToEven),
                                 StringAttr());
  Value lut = LutOp::create(b, loc, outType, qIn,
                            DenseIntElementsAttr::get(tableType, entries));
  Value deq = DequantizeOp::create(b, loc, floatType, lut, outParams);
  out.getInputMutable().assign(deq);

  // The chain's ops that only the chain read are dead now.
  for (Operation *op : llvm::reverse(chain->ops))
    if (op->use_empty()) {
      erased.insert(op);
      op->erase();
      ++numOpsRemoved;
    }
  ++numFused;
  return true;
}

void FuseLutPass::fuseFunction(func::FuncOp func) {
  SmallVector<SimQuantizeOp> outs;
  func.walk([&](SimQuantizeOp q) { outs.push_back(q); });
  // Last points first: a chain then extends as far back as it can (SiLU's
  // sigmoid is fused with its mul, not tabulated alone first).
  DenseSet<Operation *> erased;
  for (SimQuantizeOp out : llvm::reverse(outs))
    if (!erased.contains(out))
      tryFuse(out, erased);
}
