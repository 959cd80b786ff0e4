//===- KernelProblem.cpp - ops in the form of a kernel --------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Matching: the named convolution, matmul and pooling ops with static
// shapes and constant weights, their accumulator start (a fill or the
// broadcast of a constant bias), the elementwise consumer that runs on the
// accumulators (epilogue) and the constant pad the result may be written
// into.
//
//===----------------------------------------------------------------------===//

#include "KernelProblem.h"

#include "qsim/Conversion/LinalgToCPUKernels/LinalgToCPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

static std::optional<int64_t> getConstantInt(Value v) {
  APInt value;
  if (matchPattern(v, m_ConstantInt(&value)))
    return value.getSExtValue();
  return std::nullopt;
}

/// Reads a constant tensor into `ints` or `floats` in row-major order.
static bool readConstant(Value v, SmallVectorImpl<int64_t> &ints,
                         SmallVectorImpl<float> &floats, bool isFloat) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  if (isFloat) {
    if (!attr.getElementType().isF32())
      return false;
    for (float x : attr.getValues<float>())
      floats.push_back(x);
    return true;
  }
  if (!isa<IntegerType>(attr.getElementType()))
    return false;
  for (const APInt &x : attr.getValues<APInt>())
    ints.push_back(x.getSExtValue());
  return true;
}

static bool isIntType(Type t, unsigned width) {
  auto it = dyn_cast<IntegerType>(t);
  return it && it.getWidth() == width && !it.isUnsigned();
}

/// Element types: i8 x i8 -> i32, or f32 (with `fp32`).
static bool matchElementTypes(Type x, Type w, Type out, bool fp32,
                              bool &isFloat) {
  if (isIntType(x, 8) && isIntType(w, 8) && isIntType(out, 32)) {
    isFloat = false;
    return true;
  }
  if (fp32 && x.isF32() && w.isF32() && out.isF32()) {
    isFloat = true;
    return true;
  }
  return false;
}

static SmallVector<int64_t> attrValues(DenseIntElementsAttr attr) {
  SmallVector<int64_t> values;
  if (attr)
    for (const APInt &v : attr.getValues<APInt>())
      values.push_back(v.getSExtValue());
  return values;
}

/// The accumulator start of `init` (the op's output operand): a linalg.fill
/// of a constant, the broadcast of a constant 1-D tensor along the last
/// dimension, or anything else (read as a tensor).
static void matchInit(Value init, Problem &p) {
  // A constant scalar fills every channel's start value.
  auto setSplat = [&](Value scalar) {
    if (p.isFloat) {
      FloatAttr f;
      if (!matchPattern(scalar, m_Constant(&f)))
        return false;
      p.initFloat = SmallVector<float>(p.F, f.getValue().convertToFloat());
      return true;
    }
    std::optional<int64_t> c = getConstantInt(scalar);
    if (!c)
      return false;
    p.initInt = SmallVector<int64_t>(p.F, *c);
    return true;
  };
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    if (setSplat(fill.getInputs()[0]))
      return;
  if (auto g = init.getDefiningOp<linalg::GenericOp>()) {
    unsigned rank = cast<ShapedType>(init.getType()).getRank();
    // A fill written as a generic (what canonicalize makes of the broadcast
    // of a splat bias): no inputs, a constant yielded.
    auto yieldOp = cast<linalg::YieldOp>(g.getBody()->getTerminator());
    if (g.getNumDpsInputs() == 0 && g.getNumDpsInits() == 1 &&
        yieldOp.getNumOperands() == 1 && setSplat(yieldOp.getOperand(0)))
      return;
    if (g.getNumDpsInputs() == 1 && g.getNumDpsInits() == 1 &&
        g.getNumParallelLoops() == g.getNumLoops()) {
      AffineMap inMap = g.getIndexingMapsArray()[0];
      AffineMap outMap = g.getIndexingMapsArray()[1];
      auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
      if (outMap.isIdentity() && inMap.getNumResults() == 1 &&
          inMap.getResult(0) == getAffineDimExpr(rank - 1, g.getContext()) &&
          yield.getNumOperands() == 1 &&
          yield.getOperand(0) == g.getBody()->getArgument(0)) {
        SmallVector<int64_t> ints;
        SmallVector<float> floats;
        if (readConstant(g.getDpsInputs()[0], ints, floats, p.isFloat)) {
          if (p.isFloat && (int64_t)floats.size() == p.F) {
            p.initFloat = std::move(floats);
            return;
          }
          if (!p.isFloat && (int64_t)ints.size() == p.F) {
            p.initInt = std::move(ints);
            return;
          }
        }
      }
    }
  }
  p.initTensor = init;
}

/// Whether `map` reads a per-channel operand of the iteration-space shape
/// `shape`: (d_last); (d3, d4) for the [N][OH][OW][C][1] results of a
/// depthwise convolution in hwcm form; or one result per dimension, the
/// last d_last and the others 0 or a unit dimension (a bias [1, 1, C] added
/// to a [1, M, C] matmul, broadcast the TOSA way).
static bool isChannelMap(AffineMap map, ArrayRef<int64_t> shape) {
  MLIRContext *ctx = map.getContext();
  unsigned rank = shape.size();
  if (map.getNumResults() == 1)
    return map.getResult(0) == getAffineDimExpr(rank - 1, ctx);
  if (rank == 5 && map.getNumResults() == 2)
    return map.getResult(0) == getAffineDimExpr(3, ctx) &&
           map.getResult(1) == getAffineDimExpr(4, ctx);
  if (map.getNumResults() != rank ||
      map.getResults().back() != getAffineDimExpr(rank - 1, ctx))
    return false;
  for (auto [i, e] : llvm::enumerate(map.getResults().drop_back())) {
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == i &&
                                             shape[i] == 1)
      continue;
    auto c = dyn_cast<AffineConstantExpr>(e);
    if (!c || c.getValue() != 0)
      return false;
  }
  return true;
}

/// The reassociation that views a result (or a same-shaped operand) as
/// [pixels][channels]: everything but the channel dimension (and a trailing
/// unit dimension after it, for depthwise hwcm) is a pixel.

/// Whether `map` reads an operand of the iteration-space shape `shape`
/// element for element: the identity, where a unit dimension may also be
/// read at constant 0 (numpy broadcasting of a batch of 1).
static bool isFullMap(AffineMap map, ArrayRef<int64_t> shape) {
  if (map.getNumResults() != shape.size() || map.getNumDims() != shape.size())
    return false;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == i)
      continue;
    auto c = dyn_cast<AffineConstantExpr>(e);
    if (!c || c.getValue() != 0 || shape[i] != 1)
      return false;
  }
  return true;
}

/// `arith.trunci` to i8 of `minsi(maxsi(x, lo), hi)` or `maxsi(minsi(x,
/// hi), lo)`, x an i32 and lo <= hi constants within [-128, 127], yielded by
/// the epilogue's body; the clamp ops used only by that chain. Then
/// trunci(clamp(x, lo, hi)) = clamp(ssat8(x), lo, hi): the saturation to
/// [-128, 127] is what x86's packs (vpackssdw, vpacksswb) do for several
/// vectors at once, and the remaining clamp runs on bytes.
static std::optional<Problem::NarrowingClamp>
matchNarrowingClamp(linalg::GenericOp g, Value yielded) {
  auto trunc = yielded.getDefiningOp<arith::TruncIOp>();
  if (!trunc || !trunc.getType().isInteger(8) ||
      !trunc.getIn().getType().isInteger(32) ||
      trunc->getBlock() != g.getBody())
    return std::nullopt;
  Operation *outer = trunc.getIn().getDefiningOp();
  if (!outer || !isa<arith::MaxSIOp, arith::MinSIOp>(outer) ||
      !outer->hasOneUse() || outer->getBlock() != g.getBody())
    return std::nullopt;
  // One constant operand and one value operand.
  auto split = [](Operation *op, Value &v, int64_t &c) {
    APInt a;
    for (int i = 0; i < 2; ++i)
      if (matchPattern(op->getOperand(i), m_ConstantInt(&a))) {
        v = op->getOperand(1 - i);
        c = a.getSExtValue();
        return true;
      }
    return false;
  };
  Value mid, x;
  int64_t c1, c2;
  if (!split(outer, mid, c1))
    return std::nullopt;
  Operation *inner = mid.getDefiningOp();
  bool outerIsMin = isa<arith::MinSIOp>(outer);
  if (!inner || !inner->hasOneUse() || inner->getBlock() != g.getBody() ||
      (outerIsMin ? !isa<arith::MaxSIOp>(inner)
                  : !isa<arith::MinSIOp>(inner)) ||
      !split(inner, x, c2))
    return std::nullopt;
  int64_t lo = outerIsMin ? c2 : c1, hi = outerIsMin ? c1 : c2;
  if (lo > hi || lo < -128 || hi > 127)
    return std::nullopt;
  return Problem::NarrowingClamp{x, {inner, outer, trunc}, lo, hi};
}

/// `tensor.extract %table[index_cast(extsi(t : i8 to i32) + 128)]`, the
/// value `yielded` by the epilogue, with %table a constant tensor<256xi8>
/// from outside the body and each op of the chain used only by the next:
/// qsim.lut on int8, lowered. Sets `byte` to t.
static std::optional<Problem::Lookup> matchLookup(linalg::GenericOp g,
                                                  Value yielded, Value &byte) {
  Block *body = g.getBody();
  auto extract = yielded.getDefiningOp<tensor::ExtractOp>();
  if (!extract || extract->getBlock() != body || extract.getIndices().size() != 1)
    return std::nullopt;
  DenseIntElementsAttr table;
  auto tableType = dyn_cast<RankedTensorType>(extract.getTensor().getType());
  if (!tableType || tableType.getShape() != ArrayRef<int64_t>{256} ||
      !tableType.getElementType().isInteger(8) ||
      !matchPattern(extract.getTensor(), m_Constant(&table)))
    return std::nullopt;
  auto cast = extract.getIndices()[0].getDefiningOp<arith::IndexCastOp>();
  if (!cast || cast->getBlock() != body || !cast->hasOneUse())
    return std::nullopt;
  auto add = cast.getIn().getDefiningOp<arith::AddIOp>();
  if (!add || add->getBlock() != body || !add->hasOneUse() ||
      !add.getType().isInteger(32))
    return std::nullopt;
  APInt offset;
  Value x;
  for (int i = 0; i < 2; ++i)
    if (matchPattern(add->getOperand(i), m_ConstantInt(&offset)))
      x = add->getOperand(1 - i);
  if (!x || offset != 128)
    return std::nullopt;
  auto ext = x.getDefiningOp<arith::ExtSIOp>();
  if (!ext || ext->getBlock() != body || !ext->hasOneUse() ||
      !ext.getIn().getType().isInteger(8))
    return std::nullopt;
  byte = ext.getIn();
  return Problem::Lookup{table, {ext, add, cast, extract}};
}

/// The elementwise consumer that can run on the accumulators: the only user
/// of the result, all-parallel, identity output map, every other input read
/// at the same element, per channel or as a scalar, and a body of arith/math
/// ops on scalars.
static void matchEpilogue(Value result, Problem &p) {
  if (!result.hasOneUse())
    return;
  auto g = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  if (!g || g.getNumDpsInits() != 1 || g->getNumResults() != 1 ||
      g.getNumParallelLoops() != g.getNumLoops() || g.hasIndexSemantics())
    return;
  auto resultType = cast<RankedTensorType>(result.getType());
  unsigned rank = resultType.getRank();
  auto outType = dyn_cast<RankedTensorType>(g->getResult(0).getType());
  if (!outType || outType.getShape() != resultType.getShape())
    return;
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  if (!maps.back().isIdentity() || g.getNumLoops() != rank)
    return;
  // The output's block argument must be unused: the init is not read.
  Block *body = g.getBody();
  if (!body->getArgument(g.getNumDpsInputs()).use_empty())
    return;
  SmallVector<OperandKind> kinds;
  std::optional<unsigned> accArg;
  for (OpOperand *in : g.getDpsInputOperands()) {
    AffineMap map = maps[in->getOperandNumber()];
    Type elt = getElementTypeOrSelf(in->get().getType());
    if (!elt.isIntOrFloat())
      return;
    if (in->get() == result && map.isIdentity() && !accArg) {
      accArg = in->getOperandNumber();
      kinds.push_back(OperandKind::Accumulator);
      continue;
    }
    if (in->get() == result)
      return;
    if (isFullMap(map, resultType.getShape())) {
      kinds.push_back(OperandKind::Full);
    } else if (isChannelMap(map, resultType.getShape())) {
      kinds.push_back(OperandKind::Channel);
    } else if (llvm::all_of(map.getResults(), [](AffineExpr e) {
                 auto c = dyn_cast<AffineConstantExpr>(e);
                 return c && c.getValue() == 0;
               })) {
      kinds.push_back(OperandKind::Scalar);
    } else {
      return;
    }
  }
  if (!accArg)
    return;
  auto isScalar = [](Type t) { return t.isIntOrFloat(); };
  // A trailing lookup is taken when a narrowing clamp precedes it; the rest
  // of the body must be scalar arith/math.
  Value yielded = body->getTerminator()->getOperand(0);
  Value byte;
  std::optional<Problem::Lookup> lookup = matchLookup(g, yielded, byte);
  std::optional<Problem::NarrowingClamp> narrowing =
      matchNarrowingClamp(g, lookup ? byte : yielded);
  if (lookup && !narrowing)
    return;
  for (Operation &op : body->without_terminator()) {
    if (lookup && llvm::is_contained(lookup->ops, &op))
      continue;
    Dialect *dialect = op.getDialect();
    if (!dialect || (!isa<arith::ArithDialect>(dialect) &&
                     !isa<math::MathDialect>(dialect)))
      return;
    if (op.getNumRegions() != 0 || op.getNumResults() == 0 ||
        !llvm::all_of(op.getOperandTypes(), isScalar) ||
        !llvm::all_of(op.getResultTypes(), isScalar))
      return;
  }
  p.epilogue = g;
  p.accArg = *accArg;
  p.argKinds = std::move(kinds);
  p.narrowing = narrowing;
  p.lookup = lookup;
}

/// Strides, dilations and the NHWC output geometry of a 2-D convolution of
/// one of the types `Ops` (all have the same strides/dilations accessors).
template <typename... Ops>
static LogicalResult readConvGeometry(linalg::LinalgOp op,
                                      ArrayRef<int64_t> outShape, Problem &p) {
  SmallVector<int64_t> strides, dilations;
  auto read = [&](auto conv) {
    if (!conv)
      return false;
    strides = attrValues(conv.getStrides());
    dilations = attrValues(conv.getDilations());
    return true;
  };
  (read(dyn_cast<Ops>(op.getOperation())) || ...);
  if (strides.size() != 2 || dilations.size() != 2 || outShape.size() < 4)
    return failure();
  p.SH = strides[0];
  p.SW = strides[1];
  p.DH = dilations[0];
  p.DW = dilations[1];
  p.N = outShape[0];
  p.OH = outShape[1];
  p.OW = outShape[2];
  p.F = outShape[3];
  return success();
}

/// The input, the second input (weights or pooling window) and the result
/// of a matched op as static-shaped ranked tensors, or failure.
namespace {
struct OperandTypes {
  RankedTensorType x, w, out;
};
} // namespace
static FailureOr<OperandTypes> getStaticOperandTypes(linalg::LinalgOp op) {
  auto x = dyn_cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto w = dyn_cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto out = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!x || !w || !out || !x.hasStaticShape() || !w.hasStaticShape() ||
      !out.hasStaticShape())
    return failure();
  return OperandTypes{x, w, out};
}

/// linalg.pooling_nhwc_max (i8 -> i8, f32) and linalg.pooling_nhwc_sum
/// (i8 -> i32, f32): the depthwise kernel without weights, max or sum per
/// tap, accumulating in the result type (an int8 max on i8 lanes).
static FailureOr<Problem> matchPooling(linalg::LinalgOp op, bool fp32) {
  Problem p;
  p.op = op;
  Value x = op.getDpsInputs()[0];
  Value init = op.getDpsInits()[0];
  FailureOr<OperandTypes> types = getStaticOperandTypes(op);
  if (failed(types) || types->w.getRank() != 2)
    return failure();
  auto [xType, wType, outType] = *types;
  bool isMax = isa<linalg::PoolingNhwcMaxOp>(op);
  Type xe = xType.getElementType(), oe = outType.getElementType();
  if (isIntType(xe, 8) && isIntType(oe, isMax ? 8 : 32))
    p.isFloat = false;
  else if (fp32 && xe.isF32() && oe.isF32())
    p.isFloat = true;
  else
    return failure();
  if (failed(
          readConvGeometry<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(
              op, outType.getShape(), p)))
    return failure();
  if (xType.getShape()[3] != p.F)
    return failure();
  p.input = x;
  p.depthwise = true;
  p.pool = isMax ? Problem::Pool::Max : Problem::Pool::Sum;
  p.C = 1;
  p.KH = wType.getShape()[0];
  p.KW = wType.getShape()[1];
  matchInit(init, p);
  matchEpilogue(op->getResult(0), p);
  return p;
}

/// Brings a supported op to the common form, or fails.
FailureOr<Problem> cpu::matchProblem(linalg::LinalgOp op, bool fp32) {
  if (op->getNumResults() != 1 || !op.hasPureTensorSemantics())
    return failure();
  if (isa<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(op))
    return matchPooling(op, fp32);
  Problem p;
  p.op = op;
  Value x = op.getDpsInputs()[0];
  Value w = op.getDpsInputs()[1];
  Value init = op.getDpsInits()[0];
  FailureOr<OperandTypes> types = getStaticOperandTypes(op);
  if (failed(types))
    return failure();
  auto [xType, wType, outType] = *types;
  if (!matchElementTypes(xType.getElementType(), wType.getElementType(),
                         outType.getElementType(), fp32, p.isFloat))
    return failure();
  p.input = x;

  // Zero points of the quantized forms: the weight one must be 0.
  if (isa<linalg::Conv2DNhwcFhwcQOp, linalg::Conv2DNhwcHwcfQOp,
          linalg::QuantizedMatmulOp, linalg::QuantizedBatchMatmulOp,
          linalg::DepthwiseConv2DNhwcHwcmQOp,
          linalg::DepthwiseConv2DNhwcHwcQOp>(op)) {
    std::optional<int64_t> izp = getConstantInt(op.getDpsInputs()[2]);
    std::optional<int64_t> wzp = getConstantInt(op.getDpsInputs()[3]);
    if (!izp || !wzp || *wzp != 0)
      return failure();
    p.inputZeroPoint = *izp;
  }

  SmallVector<int64_t> wInts;
  SmallVector<float> wFloats;
  if (!readConstant(w, wInts, wFloats, p.isFloat))
    return failure();
  auto weightAt = [&](int64_t logical) -> std::pair<int64_t, float> {
    return p.isFloat ? std::make_pair(int64_t(0), wFloats[logical])
                     : std::make_pair(wInts[logical], 0.0f);
  };

  // Layout of the weights: source index of w(f, kh, kw, c).
  std::function<int64_t(int64_t, int64_t, int64_t, int64_t)> source;
  ArrayRef<int64_t> ws = wType.getShape();
  ArrayRef<int64_t> os = outType.getShape();
  if (isa<linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNhwcFhwcQOp,
          linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNhwcHwcfQOp>(op)) {
    if (failed(readConvGeometry<
               linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNhwcFhwcQOp,
               linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNhwcHwcfQOp>(op, os, p)))
      return failure();
    p.C = xType.getShape()[3];
    bool fhwc = isa<linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNhwcFhwcQOp>(op);
    p.KH = fhwc ? ws[1] : ws[0];
    p.KW = fhwc ? ws[2] : ws[1];
    int64_t C = p.C, F = p.F, KH = p.KH, KW = p.KW;
    if (fhwc)
      source = [=](int64_t f, int64_t kh, int64_t kw, int64_t c) {
        return ((f * KH + kh) * KW + kw) * C + c;
      };
    else
      source = [=](int64_t f, int64_t kh, int64_t kw, int64_t c) {
        return ((kh * KW + kw) * C + c) * F + f;
      };
  } else if (isa<linalg::Conv2DNhwgcGfhwcOp>(op)) {
    if (failed(readConvGeometry<linalg::Conv2DNhwgcGfhwcOp>(op, os, p)))
      return failure();
    // w[g][f][kh][kw][c] is w(g * MG + f, kh, kw, c) of a convolution with
    // C input channels (those of output channel g * MG + f's group).
    p.groups = ws[0];
    int64_t MG = ws[1];
    p.KH = ws[2];
    p.KW = ws[3];
    p.C = ws[4];
    p.F = p.groups * MG;
    // A vector of output channels reads the input of whole groups (MG
    // divides the lanes) or of one (the lanes divide MG), and integer dots
    // read a group's channels in fours without padding them.
    if (os.size() != 5 || xType.getShape()[3] != p.groups ||
        xType.getShape()[4] != p.C || (MG % 16 != 0 && 16 % MG != 0) ||
        (!p.isFloat && p.C % 4 != 0))
      return failure();
    int64_t C = p.C, KH = p.KH, KW = p.KW;
    source = [=](int64_t f, int64_t kh, int64_t kw, int64_t c) {
      return ((f * KH + kh) * KW + kw) * C + c;
    };
  } else if (isa<linalg::DepthwiseConv2DNhwcHwcmOp,
                 linalg::DepthwiseConv2DNhwcHwcmQOp,
                 linalg::DepthwiseConv2DNhwcHwcOp,
                 linalg::DepthwiseConv2DNhwcHwcQOp>(op)) {
    if (failed(readConvGeometry<linalg::DepthwiseConv2DNhwcHwcmOp,
                                linalg::DepthwiseConv2DNhwcHwcmQOp,
                                linalg::DepthwiseConv2DNhwcHwcOp,
                                linalg::DepthwiseConv2DNhwcHwcQOp>(op, os, p)))
      return failure();
    // hwcm with a multiplier other than 1 is not handled.
    if (ws.size() == 4 && ws[3] != 1)
      return failure();
    p.depthwise = true;
    p.C = 1;
    p.KH = ws[0];
    p.KW = ws[1];
    int64_t F = p.F, KW = p.KW;
    // hwc or hwcm with m = 1: w[kh][kw][f]
    source = [=](int64_t f, int64_t kh, int64_t kw, int64_t) {
      return (kh * KW + kw) * F + f;
    };
  } else if (isa<linalg::MatmulOp, linalg::QuantizedMatmulOp>(op) ||
             isa<linalg::BatchMatmulOp, linalg::QuantizedBatchMatmulOp>(op)) {
    if (auto mm = dyn_cast<linalg::MatmulOp>(op.getOperation()))
      if (!linalg::MatmulOp::isDefaultIndexingMaps(mm.getIndexingMaps()))
        return failure();
    if (auto bmm = dyn_cast<linalg::BatchMatmulOp>(op.getOperation()))
      if (!linalg::BatchMatmulOp::isDefaultIndexingMaps(bmm.getIndexingMaps()))
        return failure();
    bool batch = xType.getRank() == 3;
    if (batch && (xType.getShape()[0] != 1 || ws[0] != 1))
      return failure();
    p.OW = xType.getShape()[batch ? 1 : 0];
    p.C = xType.getShape()[batch ? 2 : 1];
    p.F = ws[batch ? 2 : 1];
    int64_t F = p.F;
    source = [=](int64_t f, int64_t, int64_t, int64_t c) { return c * F + f; };
  } else {
    return failure();
  }
  if (p.M() * p.F != outType.getNumElements())
    return failure();

  int64_t total = p.F * p.KH * p.KW * p.C;
  if (p.isFloat)
    p.wFloat.resize(total);
  else
    p.wInt.resize(total);
  for (int64_t f = 0; f < p.F; ++f)
    for (int64_t kh = 0; kh < p.KH; ++kh)
      for (int64_t kw = 0; kw < p.KW; ++kw)
        for (int64_t c = 0; c < p.C; ++c) {
          auto [i, fl] = weightAt(source(f, kh, kw, c));
          int64_t dst = p.weightIndex(f, kh, kw, c);
          if (p.isFloat)
            p.wFloat[dst] = fl;
          else
            p.wInt[dst] = i;
        }

  matchInit(init, p);
  // A grouped result reaches its epilogue through the collapse of (g, f).
  Value result = op->getResult(0);
  if (p.groups > 1 && result.hasOneUse())
    if (auto collapse =
            dyn_cast<tensor::CollapseShapeOp>(*result.getUsers().begin())) {
      SmallVector<ReassociationIndices> r = collapse.getReassociationIndices();
      if (r.size() == 4 && r[3] == ReassociationIndices{3, 4}) {
        matchEpilogue(collapse.getResult(), p);
        if (p.epilogue)
          p.groupCollapse = collapse;
      }
    }
  if (!p.groupCollapse)
    matchEpilogue(result, p);
  return p;
}

bool cpu::isKernelCandidate(Operation *op) {
  return isa<linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNhwcFhwcQOp,
             linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNhwcHwcfQOp,
             linalg::Conv2DNhwgcGfhwcOp,
             linalg::MatmulOp, linalg::QuantizedMatmulOp, linalg::BatchMatmulOp,
             linalg::QuantizedBatchMatmulOp, linalg::DepthwiseConv2DNhwcHwcmOp,
             linalg::DepthwiseConv2DNhwcHwcmQOp,
             linalg::DepthwiseConv2DNhwcHwcOp,
             linalg::DepthwiseConv2DNhwcHwcQOp, linalg::PoolingNhwcMaxOp,
             linalg::PoolingNhwcSumOp>(op);
}

std::optional<Problem::PadTarget> cpu::matchPadConsumer(Value result,
                                                        const Problem &p) {
  auto type = cast<RankedTensorType>(result.getType());
  if (!result.hasOneUse() || type.getRank() != 4 ||
      p.M() != type.getShape()[0] * type.getShape()[1] * type.getShape()[2])
    return std::nullopt;
  auto pad = dyn_cast<tensor::PadOp>(*result.getUsers().begin());
  TypedAttr value;
  if (!pad || !pad.getResultType().hasStaticShape() ||
      !matchPattern(pad.getConstantPaddingValue(), m_Constant(&value)) ||
      value.getType() != type.getElementType())
    return std::nullopt;
  auto padding = getConstantPadding(pad);
  if (!padding)
    return std::nullopt;
  auto &[low, high] = *padding;
  if (low[0] != 0 || high[0] != 0 || low[3] != 0 || high[3] != 0)
    return std::nullopt;
  return Problem::PadTarget{pad, low, value};
}
