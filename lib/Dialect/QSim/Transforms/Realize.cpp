//===- Realize.cpp - simulated quantization to integer arithmetic ---------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Rewrites quantizable ops whose operands and result are simulated-quantized
// (`qsim.sim_quantize`) into integer code. The integer value of every
// simulated-quantized float value is tracked in a map; a value gets one
// `qsim.quantize` however many consumers it has, and float consumers that
// remain (the return, ops left in float) read one `qsim.dequantize`.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMREALIZE
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;
namespace nm = mlir::qsim::numerics;

namespace {
/// An integer value and the parameters that give it meaning.
struct QVal {
  Value value;
  QuantParamsAttr params;
};

RankedTensorType withElementType(Type t, Type elem) {
  return cast<RankedTensorType>(t).clone(elem);
}

/// Derives the integer form of a positive real factor: an exact power of
/// two becomes a shift, anything else the Q31 fixed-point form.
std::optional<nm::FixedPointMultiplier> multiplierFor(double real) {
  if (auto p = nm::derivePowerOfTwoMultiplier(real))
    return p;
  return nm::deriveFixedPointMultiplier(real);
}

/// A zero-filled int32 tensor: the init of an integer linalg reduction.
Value zeroAccumulator(OpBuilder &b, Location loc, RankedTensorType type) {
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

class Realizer {
public:
  Realizer(func::FuncOp func) : func(func), ctx(func.getContext()) {}

  /// Returns the number of ops realized and left float.
  std::pair<unsigned, unsigned> run();

private:
  func::FuncOp func;
  MLIRContext *ctx;
  DenseMap<Value, QVal> intOf;
  llvm::SetVector<Operation *> realized;

  std::optional<QVal> getInt(Value f);
  SimQuantizeOp outputOf(Operation *op);
  IntegerType intType(unsigned bits) { return IntegerType::get(ctx, bits); }

  /// acc (integer, real scale inScales[c], zero point inZp) -> parameters
  /// `out`, along `axis` when inScales has several entries.
  Value requantize(OpBuilder &b, Location loc, Value acc,
                   ArrayRef<double> inScales, int64_t inZp,
                   std::optional<int64_t> axis, QuantParamsAttr out,
                   Type outElem, RoundingMode mode,
                   std::optional<int64_t> lo = std::nullopt,
                   std::optional<int64_t> hi = std::nullopt);
  /// x - zp widened to i32 (exact).
  Value widen(OpBuilder &b, Location loc, QVal x);
  Value tosaConst(OpBuilder &b, Location loc, DenseElementsAttr attr);
  Value zeroPointTensor(OpBuilder &b, Location loc, int64_t zp, Type elem);

  LogicalResult realizeConv(Operation *op, SimQuantizeOp out);
  LogicalResult realizeMatmul(tosa::MatMulOp op, SimQuantizeOp out);
  LogicalResult realizeAdd(tosa::AddOp op, SimQuantizeOp out);
  LogicalResult realizeMul(tosa::MulOp op, SimQuantizeOp out);
  LogicalResult realizeClamp(tosa::ClampOp op, SimQuantizeOp out);
  LogicalResult realizeScalePreserving(Operation *op, SimQuantizeOp out);
  LogicalResult realizeAvgPool(tosa::AvgPool2dOp op, SimQuantizeOp out);
  LogicalResult realizeConcat(tosa::ConcatOp op, SimQuantizeOp out);
  LogicalResult realizeLinalgContraction(linalg::LinalgOp op,
                                         SimQuantizeOp out);

  /// Records the integer result of `op` as the value of `out`, requantizing
  /// when its parameters differ from `out`'s.
  void finish(Operation *op, SimQuantizeOp out, QVal result);
};
} // namespace

std::optional<QVal> Realizer::getInt(Value f) {
  auto it = intOf.find(f);
  if (it != intOf.end())
    return it->second;
  auto sq = f.getDefiningOp<SimQuantizeOp>();
  if (!sq)
    return std::nullopt;
  OpBuilder b(ctx);
  b.setInsertionPointAfter(sq);
  QuantParamsAttr p = sq.getParams();
  auto q = QuantizeOp::create(
      b, sq.getLoc(), withElementType(f.getType(), intType(p.getBits())),
      sq.getInput(), p, sq.getRoundingAttr(), sq.getPointAttr());
  QVal v{q.getResult(), p};
  intOf[f] = v;
  return v;
}

SimQuantizeOp Realizer::outputOf(Operation *op) {
  if (op->getNumResults() != 1 || !op->getResult(0).hasOneUse())
    return {};
  auto sq = dyn_cast<SimQuantizeOp>(*op->getResult(0).getUsers().begin());
  if (!sq || sq.getParams().isPerChannel())
    return {};
  return sq;
}

Value Realizer::tosaConst(OpBuilder &b, Location loc, DenseElementsAttr attr) {
  return tosa::ConstOp::create(b, loc, attr.getType(), attr);
}

Value Realizer::zeroPointTensor(OpBuilder &b, Location loc, int64_t zp,
                                Type elem) {
  auto type = RankedTensorType::get({1}, elem);
  return tosaConst(
      b, loc,
      DenseElementsAttr::get(
          type, APInt(elem.getIntOrFloatBitWidth(), zp, /*isSigned=*/true)));
}

Value Realizer::requantize(OpBuilder &b, Location loc, Value acc,
                           ArrayRef<double> inScales, int64_t inZp,
                           std::optional<int64_t> axis, QuantParamsAttr out,
                           Type outElem, RoundingMode mode,
                           std::optional<int64_t> lo,
                           std::optional<int64_t> hi) {
  SmallVector<int32_t> mults, shifts;
  for (double s : inScales) {
    std::optional<nm::FixedPointMultiplier> m =
        multiplierFor(s / static_cast<double>(out ? out.getScale() : 1.0f));
    if (!m)
      return {};
    mults.push_back(m->multiplier);
    shifts.push_back(m->shift);
  }
  // One entry when every channel agrees.
  if (llvm::all_equal(mults) && llvm::all_equal(shifts)) {
    mults.resize(1);
    shifts.resize(1);
    axis = std::nullopt;
  }
  auto i64 = IntegerType::get(ctx, 64);
  auto intAttr = [&](int64_t v) { return IntegerAttr::get(i64, v); };
  int64_t outZp = out ? out.getZeroPoint() : 0;
  return RequantizeOp::create(
      b, loc, withElementType(acc.getType(), outElem), acc,
      DenseI32ArrayAttr::get(ctx, mults), DenseI32ArrayAttr::get(ctx, shifts),
      axis ? intAttr(*axis) : IntegerAttr(), intAttr(inZp), intAttr(outZp),
      lo ? intAttr(*lo) : IntegerAttr(), hi ? intAttr(*hi) : IntegerAttr(),
      UnitAttr(), UnitAttr(), RoundingModeAttr::get(ctx, mode));
}

Value Realizer::widen(OpBuilder &b, Location loc, QVal x) {
  Type i32 = withElementType(x.value.getType(), intType(32));
  if (x.params.getZeroPoint() == 0)
    return CastOp::create(b, loc, i32, x.value, UnitAttr());
  // (x - zp) by an identity requantize that subtracts the zero point.
  return requantize(b, loc, x.value, {1.0}, x.params.getZeroPoint(),
                    std::nullopt, QuantParamsAttr(), intType(32),
                    RoundingMode::HalfToEven);
}

void Realizer::finish(Operation *op, SimQuantizeOp out, QVal result) {
  Value v = result.value;
  if (result.params != out.getParams()) {
    OpBuilder b(op);
    b.setInsertionPointAfterValue(v);
    QuantParamsAttr p = out.getParams();
    v = requantize(b, op->getLoc(), v, {result.params.getScale()},
                   result.params.getZeroPoint(), std::nullopt, p,
                   intType(p.getBits()), out.getRounding());
  }
  intOf[out.getResult()] = QVal{v, out.getParams()};
  realized.insert(op);
}

//===----------------------------------------------------------------------===//
// Convolutions and matmul
//===----------------------------------------------------------------------===//

/// Quantizes a float bias to int32 at s_in * s_w[c].
static DenseElementsAttr quantizeBias(DenseElementsAttr bias, int64_t numOut,
                                      function_ref<double(int64_t)> accScale) {
  SmallVector<APInt> q;
  SmallVector<float> values;
  for (APFloat v : bias.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(v.convertToFloat());
  }
  for (int64_t c = 0; c < numOut; ++c) {
    double b = values[values.size() == 1 ? 0 : c];
    double r = nm::roundToIntegral(b / accScale(c),
                                   nm::RoundingMode::HalfToEven);
    r = std::clamp(r, -2147483648.0, 2147483647.0);
    q.push_back(APInt(32, static_cast<int64_t>(r), /*isSigned=*/true));
  }
  auto type = RankedTensorType::get({numOut}, IntegerType::get(
                                                  bias.getContext(), 32));
  return DenseElementsAttr::get(type, q);
}

LogicalResult Realizer::realizeConv(Operation *op, SimQuantizeOp out) {
  std::optional<QVal> in = getInt(op->getOperand(0));
  std::optional<QVal> w = getInt(op->getOperand(1));
  DenseElementsAttr bias;
  if (!in || !w || in->params.isPerChannel() || w->params.hasZeroPoints() ||
      in->params.getBits() != 8 || w->params.getBits() != 8 ||
      !matchPattern(op->getOperand(2), m_Constant(&bias)))
    return failure();
  auto resTy = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t numOut = resTy.getShape().back();
  int64_t numW = w->params.getNumScales();
  // Depthwise: output channel c*M+m uses the scale of input channel c.
  int64_t perW = numW == 1 ? numOut : numOut / numW;
  double sIn = in->params.getScale();
  auto accScale = [&](int64_t c) {
    return sIn * static_cast<double>(
                     w->params.getScale(numW == 1 ? 0 : c / perW));
  };
  OpBuilder b(op);
  Location loc = op->getLoc();
  Value biasQ = tosaConst(b, loc, quantizeBias(bias, numOut, accScale));
  Value inZp = zeroPointTensor(b, loc, in->params.getZeroPoint(), intType(8));
  Value wZp = zeroPointTensor(b, loc, 0, intType(8));
  Operation *conv = b.clone(*op);
  conv->setOperands({in->value, w->value, biasQ, inZp, wZp});
  conv->getResult(0).setType(withElementType(resTy, intType(32)));
  conv->setAttr("acc_type", TypeAttr::get(intType(32)));
  SmallVector<double> scales;
  for (int64_t c = 0; c < numOut; ++c)
    scales.push_back(accScale(c));
  QuantParamsAttr p = out.getParams();
  Value r = requantize(b, loc, conv->getResult(0), scales, 0,
                       resTy.getRank() - 1, p, intType(p.getBits()),
                       out.getRounding());
  if (!r) {
    conv->erase();
    return failure();
  }
  finish(op, out, QVal{r, p});
  return success();
}

LogicalResult Realizer::realizeMatmul(tosa::MatMulOp op, SimQuantizeOp out) {
  std::optional<QVal> a = getInt(op.getA());
  std::optional<QVal> w = getInt(op.getB());
  if (!a || !w || a->params.isPerChannel() || a->params.getBits() != 8 ||
      w->params.getBits() != 8 ||
      (w->params.isPerChannel() && w->params.hasZeroPoints()))
    return failure();
  auto resTy = cast<RankedTensorType>(op.getType());
  int64_t numOut = resTy.getShape().back();
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value aZp = zeroPointTensor(b, loc, a->params.getZeroPoint(), intType(8));
  Value bZp = zeroPointTensor(b, loc, w->params.getZeroPoint(), intType(8));
  auto mm = tosa::MatMulOp::create(b, loc, withElementType(resTy, intType(32)),
                                   a->value, w->value, aZp, bZp);
  SmallVector<double> scales;
  for (int64_t c = 0; c < numOut; ++c)
    scales.push_back(static_cast<double>(a->params.getScale()) *
                     w->params.getScale(w->params.isPerChannel() ? c : 0));
  QuantParamsAttr p = out.getParams();
  Value r = requantize(b, loc, mm, scales, 0, resTy.getRank() - 1, p,
                       intType(p.getBits()), out.getRounding());
  if (!r)
    return failure();
  finish(op, out, QVal{r, p});
  return success();
}

LogicalResult Realizer::realizeLinalgContraction(linalg::LinalgOp op,
                                                 SimQuantizeOp out) {
  std::optional<QVal> x = getInt(op.getDpsInputOperand(0)->get());
  std::optional<QVal> w = getInt(op.getDpsInputOperand(1)->get());
  if (!x || !w || x->params.isPerChannel() || x->params.hasZeroPoints() ||
      w->params.hasZeroPoints() || op->getNumResults() != 1)
    return failure();
  auto resTy = cast<RankedTensorType>(op->getResult(0).getType());
  // Output channels: dim 1 for NCHW convolutions, the last dim otherwise.
  int64_t chanDim = isa<linalg::Conv2DNchwFchwOp>(op.getOperation())
                        ? 1
                        : resTy.getRank() - 1;
  int64_t numOut = resTy.getDimSize(chanDim);
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto accTy = withElementType(resTy, intType(32));
  Value init = zeroAccumulator(b, loc, accTy);
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute a : op->getAttrs())
    if (a.getName() != "operandSegmentSizes")
      attrs.push_back(a);
  Operation *acc =
      llvm::TypeSwitch<Operation *, Operation *>(op.getOperation())
          .Case<linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNhwcHwcfOp,
                linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNhwcHwcOp,
                linalg::DepthwiseConv2DNhwcHwcmOp, linalg::MatmulOp,
                linalg::BatchMatmulOp>([&](auto concrete) {
            using OpTy = decltype(concrete);
            return OpTy::create(b, loc, TypeRange{accTy},
                                ValueRange{x->value, w->value},
                                ValueRange{init}, attrs)
                .getOperation();
          })
          .Default([](Operation *) { return nullptr; });
  if (!acc)
    return failure();
  int64_t numW = w->params.getNumScales();
  int64_t perW = numW == 1 ? numOut : numOut / numW;
  SmallVector<double> scales;
  for (int64_t c = 0; c < numOut; ++c)
    scales.push_back(static_cast<double>(x->params.getScale()) *
                     w->params.getScale(numW == 1 ? 0 : c / perW));
  QuantParamsAttr p = out.getParams();
  Value r = requantize(b, loc, acc->getResult(0), scales, 0, chanDim, p,
                       intType(p.getBits()), out.getRounding());
  if (!r)
    return failure();
  finish(op, out, QVal{r, p});
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// The float constant behind a simulated-quantized constant operand.
static DenseElementsAttr floatConstant(Value v) {
  if (auto sq = v.getDefiningOp<SimQuantizeOp>())
    v = sq.getInput();
  DenseElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr)) && attr.getType().hasStaticShape() &&
      isa<FloatType>(attr.getElementType()))
    return attr;
  return {};
}

static SmallVector<double> floatValues(DenseElementsAttr attr) {
  SmallVector<double> out;
  for (APFloat v : attr.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    out.push_back(v.convertToDouble());
  }
  return out;
}

/// Quantizes constant values at `scale` into an i32 constant of `type`'s
/// shape; fails when a value does not fit.
static DenseElementsAttr quantizeConstant(ArrayRef<double> values,
                                          RankedTensorType type,
                                          function_ref<double(size_t)> scale) {
  SmallVector<APInt> q;
  for (auto [i, v] : llvm::enumerate(values)) {
    double r = nm::roundToIntegral(v / scale(i), nm::RoundingMode::HalfToEven);
    if (std::fabs(r) > 2147483647.0)
      return {};
    q.push_back(APInt(32, static_cast<int64_t>(r), /*isSigned=*/true));
  }
  return DenseElementsAttr::get(
      withElementType(type, IntegerType::get(type.getContext(), 32)), q);
}

LogicalResult Realizer::realizeAdd(tosa::AddOp op, SimQuantizeOp out) {
  Value lhsF = op.getInput1(), rhsF = op.getInput2();
  auto resTy = cast<RankedTensorType>(op.getType());
  // qsim.add broadcasts only its rhs.
  if (cast<RankedTensorType>(lhsF.getType()).getShape() != resTy.getShape())
    std::swap(lhsF, rhsF);
  if (cast<RankedTensorType>(lhsF.getType()).getShape() != resTy.getShape())
    return failure();
  std::optional<QVal> lhs = getInt(lhsF);
  if (!lhs || floatConstant(lhsF))
    return failure();
  DenseElementsAttr rhsCst = floatConstant(rhsF);
  std::optional<QVal> rhs;
  if (!rhsCst) {
    rhs = getInt(rhsF);
    if (!rhs)
      return failure();
  }
  unsigned bits = lhs->params.getBits();
  if (rhs)
    bits = std::max(bits, rhs->params.getBits());
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32 = intType(32);
  double s1 = lhs->params.getScale();
  Value a32, b32;
  double sa, sb, sc;
  int e;
  bool exact = false;
  if (rhs && !lhs->params.hasZeroPoints() && !rhs->params.hasZeroPoints()) {
    // Scales a power of two apart: the finer side stays, the coarser one is
    // shifted left exactly; |x| <= 2^(bits-1) * 2^k, twice, fits int32.
    double s2 = rhs->params.getScale();
    double hiS = std::max(s1, s2), loS = std::min(s1, s2);
    if (nm::isPowerOfTwo(hiS / loS, &e) && std::ldexp(loS, e) == hiS &&
        static_cast<int>(bits) + e + 1 <= 31) {
      exact = true;
      a32 = CastOp::create(b, loc, withElementType(lhs->value.getType(), i32),
                           lhs->value, UnitAttr());
      b32 = CastOp::create(b, loc, withElementType(rhs->value.getType(), i32),
                           rhs->value, UnitAttr());
      sa = s1;
      sb = s2;
      sc = loS;
    }
  }
  if (!exact) {
    // A common 32-bit scale fine enough that rescaling loses nothing that
    // matters, coarse enough that |terms| <= 2^29 and the sum fits int32.
    double qmax = nm::maxValue(bits, true);
    double range2 = 0;
    SmallVector<double> cvals;
    if (rhs) {
      range2 = rhs->params.getScale();
    } else {
      cvals = floatValues(rhsCst);
      double amax = 0;
      for (double v : cvals)
        amax = std::max(amax, std::fabs(v));
      range2 = amax / qmax;
    }
    sc = std::ldexp(std::max(s1, range2), -(29 - static_cast<int>(bits)));
    // x (scale s, zero point zp) -> x - zp at the common scale sc.
    auto rescale = [&](QVal v, double s) {
      return requantize(b, loc, v.value, {s / sc}, v.params.getZeroPoint(),
                        std::nullopt, QuantParamsAttr(), i32,
                        out.getRounding());
    };
    a32 = rescale(*lhs, s1);
    if (rhs) {
      b32 = rescale(*rhs, rhs->params.getScale());
    } else {
      DenseElementsAttr q = quantizeConstant(
          cvals, cast<RankedTensorType>(rhsCst.getType()),
          [&](size_t) { return sc; });
      if (!q)
        return failure();
      b32 = tosaConst(b, loc, q);
    }
    if (!a32 || !b32)
      return failure();
    sa = sb = sc;
  }
  auto add = AddOp::create(b, loc, withElementType(resTy, i32), a32, b32,
                           DenseF64ArrayAttr::get(ctx, {sa}),
                           DenseF64ArrayAttr::get(ctx, {sb}),
                           DenseF64ArrayAttr::get(ctx, {sc}), IntegerAttr());
  QuantParamsAttr p = out.getParams();
  Value r = requantize(b, loc, add, {sc}, 0, std::nullopt, p,
                       intType(p.getBits()), out.getRounding());
  if (!r)
    return failure();
  finish(op, out, QVal{r, p});
  return success();
}

LogicalResult Realizer::realizeMul(tosa::MulOp op, SimQuantizeOp out) {
  Value lhsF = op.getInput1(), rhsF = op.getInput2();
  auto resTy = cast<RankedTensorType>(op.getType());
  if (cast<RankedTensorType>(lhsF.getType()).getShape() != resTy.getShape())
    std::swap(lhsF, rhsF);
  if (cast<RankedTensorType>(lhsF.getType()).getShape() != resTy.getShape() ||
      floatConstant(lhsF))
    return failure();
  std::optional<QVal> x = getInt(lhsF);
  if (!x)
    return failure();
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32 = intType(32);
  Value x32 = widen(b, loc, *x);
  SmallVector<double> gScales;
  std::optional<int64_t> axis;
  Value g32;
  if (DenseElementsAttr g = floatConstant(rhsF)) {
    // A per-channel affine factor (batch norm): 16-bit-class precision per
    // channel along the last dim when the constant varies only there.
    auto gTy = cast<RankedTensorType>(g.getType());
    int64_t n = gTy.getNumElements();
    bool lastDimOnly = gTy.getRank() == resTy.getRank() &&
                       gTy.getShape().back() == n &&
                       resTy.getShape().back() == n;
    SmallVector<double> vals = floatValues(g);
    unsigned gBits =
        std::min<unsigned>(16, 30 - static_cast<int>(x->params.getBits()));
    double gmax = nm::maxValue(gBits, true);
    size_t channels = lastDimOnly ? n : 1;
    for (size_t c = 0; c < channels; ++c) {
      double amax = 0;
      for (size_t i = 0; i < vals.size(); ++i)
        if (channels == 1 || i == c)
          amax = std::max(amax, std::fabs(vals[i]));
      gScales.push_back(amax > 0 ? amax / gmax : 1.0);
    }
    if (channels > 1)
      axis = resTy.getRank() - 1;
    DenseElementsAttr q = quantizeConstant(
        vals, gTy, [&](size_t i) { return gScales[channels > 1 ? i : 0]; });
    if (!q)
      return failure();
    g32 = tosaConst(b, loc, q);
  } else {
    std::optional<QVal> y = getInt(rhsF);
    if (!y)
      return failure();
    g32 = widen(b, loc, *y);
    gScales.push_back(y->params.getScale());
  }
  SmallVector<double> accScales;
  for (double s : gScales)
    accScales.push_back(static_cast<double>(x->params.getScale()) * s);
  auto mul = MulOp::create(
      b, loc, withElementType(resTy, i32), x32, g32,
      DenseF64ArrayAttr::get(ctx, {static_cast<double>(x->params.getScale())}),
      DenseF64ArrayAttr::get(ctx, gScales),
      DenseF64ArrayAttr::get(ctx, accScales),
      axis ? b.getI64IntegerAttr(*axis) : IntegerAttr());
  QuantParamsAttr p = out.getParams();
  Value r = requantize(b, loc, mul, accScales, 0, axis, p, intType(p.getBits()),
                       out.getRounding());
  if (!r)
    return failure();
  finish(op, out, QVal{r, p});
  return success();
}

LogicalResult Realizer::realizeClamp(tosa::ClampOp op, SimQuantizeOp out) {
  std::optional<QVal> x = getInt(op.getInput());
  auto minAttr = dyn_cast<FloatAttr>(op.getMinValAttr());
  auto maxAttr = dyn_cast<FloatAttr>(op.getMaxValAttr());
  if (!x || !minAttr || !maxAttr)
    return failure();
  QuantParamsAttr p = out.getParams();
  auto bound = [&](double v) {
    return nm::quantize(static_cast<float>(v), p.getScale(), p.getZeroPoint(),
                        p.getBits(), p.getIsSigned(),
                        toNumerics(out.getRounding()));
  };
  int64_t lo = bound(minAttr.getValueAsDouble());
  int64_t hi = bound(maxAttr.getValueAsDouble());
  OpBuilder b(op);
  Value r = requantize(b, op.getLoc(), x->value, {x->params.getScale()},
                       x->params.getZeroPoint(), std::nullopt, p,
                       intType(p.getBits()), out.getRounding(), lo, hi);
  if (!r)
    return failure();
  finish(op, out, QVal{r, p});
  return success();
}

/// max pool, reshape, transpose: the same op on integers.
LogicalResult Realizer::realizeScalePreserving(Operation *op,
                                               SimQuantizeOp out) {
  std::optional<QVal> x = getInt(op->getOperand(0));
  if (!x || x->params.isPerChannel())
    return failure();
  OpBuilder b(op);
  Operation *clone = b.clone(*op);
  clone->setOperand(0, x->value);
  clone->getResult(0).setType(withElementType(
      op->getResult(0).getType(), intType(x->params.getBits())));
  finish(op, out, QVal{clone->getResult(0), x->params});
  return success();
}

LogicalResult Realizer::realizeAvgPool(tosa::AvgPool2dOp op,
                                       SimQuantizeOp out) {
  std::optional<QVal> x = getInt(op.getInput());
  if (!x || x->params.isPerChannel() ||
      llvm::any_of(op.getPad(), [](int64_t p) { return p != 0; }))
    return failure();
  ArrayRef<int64_t> kernel = op.getKernel();
  ArrayRef<int64_t> stride = op.getStride();
  auto resTy = cast<RankedTensorType>(op.getType());
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i32 = intType(32);
  Value x32 = widen(b, loc, *x);
  auto accTy = withElementType(resTy, i32);
  Value init = zeroAccumulator(b, loc, accTy);
  Value window = tensor::EmptyOp::create(b, loc, kernel, i32);
  auto sum = linalg::PoolingNhwcSumOp::create(
      b, loc, TypeRange{accTy}, ValueRange{x32, window}, ValueRange{init},
      ArrayRef<NamedAttribute>{
          b.getNamedAttr("strides", b.getI64TensorAttr(stride)),
          b.getNamedAttr("dilations", b.getI64TensorAttr({1, 1}))});
  double count = static_cast<double>(kernel[0] * kernel[1]);
  QuantParamsAttr p = out.getParams();
  Value r = requantize(b, loc, sum.getResult(0),
                       {static_cast<double>(x->params.getScale()) / count}, 0,
                       std::nullopt, p, intType(p.getBits()),
                       out.getRounding());
  if (!r)
    return failure();
  finish(op, out, QVal{r, p});
  return success();
}

LogicalResult Realizer::realizeConcat(tosa::ConcatOp op, SimQuantizeOp out) {
  QuantParamsAttr p = out.getParams();
  OpBuilder b(op);
  SmallVector<Value> ins;
  for (Value in : op.getInput1()) {
    std::optional<QVal> x = getInt(in);
    if (!x || x->params.isPerChannel() || x->params.getBits() != p.getBits())
      return failure();
    Value v = x->value;
    if (x->params != p)
      v = requantize(b, op.getLoc(), v, {x->params.getScale()},
                     x->params.getZeroPoint(), std::nullopt, p,
                     intType(p.getBits()), out.getRounding());
    if (!v)
      return failure();
    ins.push_back(v);
  }
  Operation *clone = b.clone(*op);
  clone->setOperands(ins);
  clone->getResult(0).setType(
      withElementType(op.getType(), intType(p.getBits())));
  finish(op, out, QVal{clone->getResult(0), p});
  return success();
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

std::pair<unsigned, unsigned> Realizer::run() {
  unsigned left = 0;
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (isa<QuantizableOpInterface>(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    SimQuantizeOp out = outputOf(op);
    if (!out) {
      ++left;
      continue;
    }
    LogicalResult done =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case<tosa::Conv2DOp, tosa::DepthwiseConv2DOp>(
                [&](Operation *o) { return realizeConv(o, out); })
            .Case([&](tosa::MatMulOp o) { return realizeMatmul(o, out); })
            .Case([&](tosa::AddOp o) { return realizeAdd(o, out); })
            .Case([&](tosa::MulOp o) { return realizeMul(o, out); })
            .Case([&](tosa::ClampOp o) { return realizeClamp(o, out); })
            .Case<tosa::MaxPool2dOp, tosa::ReshapeOp, tosa::TransposeOp,
                  tosa::SliceOp>(
                [&](Operation *o) { return realizeScalePreserving(o, out); })
            .Case([&](tosa::AvgPool2dOp o) { return realizeAvgPool(o, out); })
            .Case([&](tosa::ConcatOp o) { return realizeConcat(o, out); })
            .Case([&](linalg::LinalgOp o) {
              return realizeLinalgContraction(o, out);
            })
            .Default([](Operation *) { return failure(); });
    if (failed(done))
      ++left;
  }

  // Float consumers that remain read one dequantize per value.
  for (auto &[f, q] : intOf) {
    SmallVector<OpOperand *> floatUses;
    for (OpOperand &use : f.getUses())
      if (!realized.contains(use.getOwner()))
        floatUses.push_back(&use);
    if (floatUses.empty())
      continue;
    OpBuilder b(ctx);
    b.setInsertionPointAfterValue(q.value);
    auto deq = DequantizeOp::create(b, f.getLoc(), f.getType(), q.value,
                                    q.params);
    for (OpOperand *use : floatUses)
      use->set(deq);
  }
  // Erase the float ops that were realized and what only they used.
  bool changed = true;
  while (changed) {
    changed = false;
    SmallVector<Operation *> dead;
    func.walk([&](Operation *op) {
      if (op->use_empty() && op != func.getOperation() &&
          (realized.contains(op) || isa<SimQuantizeOp, QuantizeOp>(op) ||
           (isPure(op) && op->getNumResults() > 0)))
        dead.push_back(op);
    });
    for (Operation *op : llvm::reverse(dead)) {
      realized.remove(op);
      op->erase();
      changed = true;
    }
  }
  return {ops.size() - left, left};
}

/// Makes arguments that are only quantized and results that are only
/// dequantized integer, recording their parameters as `qsim.params`.
static void exposeIntegerInterface(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  auto paramsName = StringAttr::get(ctx, "qsim.params");
  Block &entry = func.getBody().front();
  SmallVector<Type> argTypes(func.getArgumentTypes());
  for (BlockArgument arg : entry.getArguments()) {
    if (!arg.hasOneUse())
      continue;
    auto q = dyn_cast<QuantizeOp>(*arg.getUsers().begin());
    if (!q)
      continue;
    arg.setType(q.getType());
    argTypes[arg.getArgNumber()] = q.getType();
    q.getResult().replaceAllUsesWith(arg);
    func.setArgAttr(arg.getArgNumber(), paramsName, q.getParams());
    q.erase();
  }
  SmallVector<Type> resultTypes(func.getResultTypes());
  func.walk([&](func::ReturnOp ret) {
    for (OpOperand &operand : ret->getOpOperands()) {
      auto deq = operand.get().getDefiningOp<DequantizeOp>();
      if (!deq)
        continue;
      unsigned i = operand.getOperandNumber();
      operand.set(deq.getInput());
      resultTypes[i] = deq.getInput().getType();
      func.setResultAttr(i, paramsName, deq.getParams());
      if (deq->use_empty())
        deq.erase();
    }
  });
  func.setFunctionType(FunctionType::get(ctx, argTypes, resultTypes));
}

namespace {
struct RealizePass : public qsim::impl::QSimRealizeBase<RealizePass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      auto [done, left] = Realizer(func).run();
      numRealized += done;
      numLeftFloat += left;
      if (intIO)
        exposeIntegerInterface(func);
    }
  }
};
} // namespace
