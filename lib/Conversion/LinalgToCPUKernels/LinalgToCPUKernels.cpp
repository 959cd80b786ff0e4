//===- LinalgToCPUKernels.cpp - linalg to x86 micro-kernels ---------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Register-tiled micro-kernels for convolutions and matmuls with constant
// weights, generated on tensors so that One-Shot Bufferize and the upstream
// vector lowering do the rest.
//
// Upstream alone falls short here (measured, see docs/Performance.md): tiling
// and vectorizing an i8 x i8 -> i32 linalg.matmul widens every element and
// multiplies in i32 (vpmulld), about 1% of the VNNI peak; the x86vector
// dialect's only int8 dot op lowers to vpdpbssd (AVX-VNNI-INT8), which common
// AVX-512 CPUs lack. So the dot instructions are emitted here through
// `llvm.call_intrinsic`, on weights packed at compile time.
//
// The problem every matched op is brought to: an input X addressed as
// (n, h, w, c) (a matmul is a 1x1 convolution over "pixels" m), constant
// weights w(f, kh, kw, c), M = N * OH * OW output pixels and F output
// channels, an output written as a 2-D [M][F] tensor and reshaped to the
// op's (or its epilogue's) result type.
//
//===----------------------------------------------------------------------===//

#include "qsim/Conversion/LinalgToCPUKernels/LinalgToCPUKernels.h"
#include "qsim/Analysis/ElementRanges.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/TargetParser/Host.h"

#include <array>

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_CONVERTLINALGTOCPUKERNELS
#include "qsim/Conversion/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

//===----------------------------------------------------------------------===//
// Targets
//===----------------------------------------------------------------------===//

std::optional<CPUKernelISA> mlir::qsim::resolveCPUKernelISA(StringRef name,
                                                            bool *known) {
  if (known)
    *known = true;
  if (name == "auto") {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    auto has = [&](StringRef f) { return features.lookup(f); };
    if (has("avx512f") && has("avx512bw") && has("avx512vnni"))
      return CPUKernelISA::AVX512VNNI;
    if (has("avx512f") && has("avx512bw"))
      return CPUKernelISA::AVX512;
    if (has("avx2") && has("fma"))
      return CPUKernelISA::AVX2;
    return std::nullopt;
  }
  std::optional<CPUKernelISA> isa =
      llvm::StringSwitch<std::optional<CPUKernelISA>>(name)
          .Case("avx512-vnni", CPUKernelISA::AVX512VNNI)
          .Case("avx512", CPUKernelISA::AVX512)
          .Case("avx2", CPUKernelISA::AVX2)
          .Default(std::nullopt);
  if (!isa && known)
    *known = false;
  return isa;
}

StringRef mlir::qsim::getCPUKernelFeatures(CPUKernelISA isa) {
  switch (isa) {
  case CPUKernelISA::AVX2:
    return "+avx2,+fma";
  case CPUKernelISA::AVX512:
    return "+avx512f,+avx512bw,+fma";
  case CPUKernelISA::AVX512VNNI:
    return "+avx512f,+avx512bw,+avx512vnni,+fma";
  }
  llvm_unreachable("unknown ISA");
}

namespace {

constexpr StringLiteral kVNNIIntrinsic = "llvm.x86.avx512.vpdpbusd.512";
constexpr StringLiteral kMAdd512Intrinsic = "llvm.x86.avx512.pmaddw.d.512";
constexpr StringLiteral kMAdd256Intrinsic = "llvm.x86.avx2.pmadd.wd";
constexpr StringLiteral kMAddUBS512Intrinsic = "llvm.x86.avx512.pmaddubs.w.512";
constexpr StringLiteral kMAddUBS256Intrinsic = "llvm.x86.avx2.pmadd.ub.sw";

/// The least multiply-accumulates in one pass over the pixel tiles for that
/// loop to be run on several threads.
constexpr int64_t kMinParallelMACs = int64_t(4) << 20;

/// Depthwise kernels with at most this many taps (7x7) are unrolled.
constexpr int64_t kMaxUnrolledTaps = 49;

/// How one kind of micro-kernel computes: L 32-bit lanes per accumulator,
/// G products summed per lane by one dot step, the packed weight element
/// type, and the register budget of the tile.
struct KernelKind {
  /// VNNI: vpdpbusd (u8 x s8 quadruples into i32). MAdd: vpmaddwd (i16
  /// pairs) + vpaddd. MAddUBS: vpmaddubsw (u8 x s8 pairs into saturating
  /// i16) + vpmaddwd by ones + vpaddd, used only where no pair can
  /// saturate (see LinalgToCPUKernel::selectDot). FMA: f32.
  enum Dot { VNNI, MAdd, MAddUBS, FMA } dot;
  unsigned lanes;
  unsigned group;
  unsigned accRegs;
  unsigned maxVectors;
  StringRef intrinsic; // empty for FMA
  StringRef madd = {}; // MAddUBS: the vpmaddwd that sums the i16 pairs

  /// Whether the input operand is unsigned bytes (vpdpbusd, vpmaddubsw).
  bool unsignedInput() const { return dot == VNNI || dot == MAddUBS; }

  /// The vpmaddubsw kind of a vpmaddwd target. Two accumulators fewer
  /// than vpmaddwd's tile: the step needs a register for the i16 pair sums
  /// and one for the ones (with 12 accumulators in ymm, LLVM spilled one
  /// and rematerialized the ones every iteration).
  static KernelKind getUBS(CPUKernelISA isa) {
    if (isa == CPUKernelISA::AVX2)
      return {MAddUBS, 8, 4, 10, 2, kMAddUBS256Intrinsic, kMAdd256Intrinsic};
    return {MAddUBS, 16, 4, 20, 4, kMAddUBS512Intrinsic, kMAdd512Intrinsic};
  }

  static KernelKind get(CPUKernelISA isa, bool isFloat) {
    bool zmm = isa != CPUKernelISA::AVX2;
    if (isFloat)
      return zmm ? KernelKind{FMA, 16, 1, 24, 4, ""}
                 : KernelKind{FMA, 8, 1, 12, 3, ""};
    switch (isa) {
    case CPUKernelISA::AVX512VNNI:
      return {VNNI, 16, 4, 24, 4, kVNNIIntrinsic};
    case CPUKernelISA::AVX512:
      return {MAdd, 16, 2, 24, 4, kMAdd512Intrinsic};
    case CPUKernelISA::AVX2:
      return {MAdd, 8, 2, 12, 2, kMAdd256Intrinsic};
    }
    llvm_unreachable("unknown ISA");
  }
};

/// Where an epilogue operand comes from, per output element (m, f).
enum class OperandKind { Accumulator, Full, Channel, Scalar };

/// One matched convolution or matmul, brought to the common form.
struct Problem {
  Operation *op = nullptr;
  Value input;        // rank 2 (m, c), 3 (1, m, c) or 4 (n, h, w, c)
  int64_t N = 1, OH = 1, OW = 1, KH = 1, KW = 1;
  int64_t SH = 1, SW = 1, DH = 1, DW = 1;
  int64_t C = 0, F = 0;
  bool isFloat = false;
  // Depthwise (channel multiplier 1): C is 1, F the channels, and the output
  // may carry a trailing unit dimension ([N][OH][OW][F][1], hwcm form).
  bool depthwise = false;
  // Pooling (depthwise form without weights): max or sum over the window.
  enum class Pool { None, Max, Sum } pool = Pool::None;
  // Weights in logical order w(f, kh, kw, c), as int64 or float.
  SmallVector<int64_t> wInt;
  SmallVector<float> wFloat;
  int64_t inputZeroPoint = 0;
  // Accumulator start: a constant per channel, or the op's init tensor.
  std::optional<SmallVector<int64_t>> initInt;
  std::optional<SmallVector<float>> initFloat;
  Value initTensor; // when not constant
  // The fused elementwise consumer, if any.
  linalg::GenericOp epilogue;
  // The only user of the (NHWC) result, a constant-value pad of H and W:
  // the kernel writes into the interior of the padded tensor instead.
  struct PadTarget {
    tensor::PadOp op;
    SmallVector<int64_t> low; // [0, top, left, 0]
    TypedAttr value;
  };
  std::optional<PadTarget> padInto;
  unsigned accArg = 0;
  SmallVector<OperandKind> argKinds;
  // The epilogue's last steps when they are `trunci` to i8 of a clamp of an
  // i32 to [lo, hi] within [-128, 127] (the requantize's output range): the
  // tile narrows all vectors of a pixel at once with saturating packs.
  struct NarrowingClamp {
    Value input;                    // the clamp's i32 operand (in the body)
    SmallVector<Operation *, 3> ops; // maxsi, minsi, trunci
    int64_t lo, hi;
  };
  std::optional<NarrowingClamp> narrowing;

  int64_t M() const { return N * OH * OW; }
  int64_t weightIndex(int64_t f, int64_t kh, int64_t kw, int64_t c) const {
    return ((f * KH + kh) * KW + kw) * C + c;
  }
};

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

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

/// Whether `map` reads a per-channel operand: (d_last), or (d3, d4) for the
/// [N][OH][OW][C][1] results of a depthwise convolution in hwcm form.
static bool isChannelMap(AffineMap map, unsigned rank) {
  MLIRContext *ctx = map.getContext();
  if (map.getNumResults() == 1)
    return map.getResult(0) == getAffineDimExpr(rank - 1, ctx);
  return rank == 5 && map.getNumResults() == 2 &&
         map.getResult(0) == getAffineDimExpr(3, ctx) &&
         map.getResult(1) == getAffineDimExpr(4, ctx);
}

/// The reassociation that views a result (or a same-shaped operand) as
/// [pixels][channels]: everything but the channel dimension (and a trailing
/// unit dimension after it, for depthwise hwcm) is a pixel.
static SmallVector<ReassociationIndices> pixelChannelReassociation(
    int64_t rank, bool depthwise) {
  int64_t channelDim = depthwise && rank == 5 ? 3 : rank - 1;
  ReassociationIndices rows, cols;
  for (int64_t d = 0; d < channelDim; ++d)
    rows.push_back(d);
  for (int64_t d = channelDim; d < rank; ++d)
    cols.push_back(d);
  return {rows, cols};
}

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
matchNarrowingClamp(linalg::GenericOp g) {
  Value yielded = g.getBody()->getTerminator()->getOperand(0);
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
      (outerIsMin ? !isa<arith::MaxSIOp>(inner) : !isa<arith::MinSIOp>(inner)) ||
      !split(inner, x, c2))
    return std::nullopt;
  int64_t lo = outerIsMin ? c2 : c1, hi = outerIsMin ? c1 : c2;
  if (lo > hi || lo < -128 || hi > 127)
    return std::nullopt;
  return Problem::NarrowingClamp{x, {inner, outer, trunc}, lo, hi};
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
    } else if (isChannelMap(map, rank)) {
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
  for (Operation &op : body->without_terminator()) {
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
  p.narrowing = matchNarrowingClamp(g);
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
struct OperandTypes {
  RankedTensorType x, w, out;
};
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
  if (failed(readConvGeometry<linalg::PoolingNhwcMaxOp,
                              linalg::PoolingNhwcSumOp>(
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
static FailureOr<Problem> matchProblem(linalg::LinalgOp op, bool fp32) {
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
    if (failed(readConvGeometry<linalg::Conv2DNhwcFhwcOp,
                                linalg::Conv2DNhwcFhwcQOp,
                                linalg::Conv2DNhwcHwcfOp,
                                linalg::Conv2DNhwcHwcfQOp>(op, os, p)))
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
      if (!linalg::BatchMatmulOp::isDefaultIndexingMaps(
              bmm.getIndexingMaps()))
        return failure();
    bool batch = xType.getRank() == 3;
    if (batch && (xType.getShape()[0] != 1 || ws[0] != 1))
      return failure();
    p.OW = xType.getShape()[batch ? 1 : 0];
    p.C = xType.getShape()[batch ? 2 : 1];
    p.F = ws[batch ? 2 : 1];
    int64_t F = p.F;
    source = [=](int64_t f, int64_t, int64_t, int64_t c) {
      return c * F + f;
    };
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
  matchEpilogue(op->getResult(0), p);
  return p;
}

//===----------------------------------------------------------------------===//
// Code generation
//===----------------------------------------------------------------------===//

class KernelBuilder {
public:
  KernelBuilder(RewriterBase &rewriter, Location loc, Problem &p,
                KernelKind kind, int64_t xBias, bool emulate,
                int64_t cacheBytes)
      : b(rewriter), loc(loc), p(p), kind(kind), xBias(xBias),
        emulate(emulate), cacheBytes(cacheBytes) {}

  /// Emits the kernel and returns the value replacing the op (or its
  /// epilogue).
  Value build();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  VectorType vecType(Type elt, int64_t n) { return VectorType::get({n}, elt); }
  Type accElt() {
    if (p.isFloat)
      return b.getF32Type();
    // An int8 max pool is exact on i8 lanes (four times as many per vector).
    if (p.pool == Problem::Pool::Max)
      return b.getI8Type();
    return b.getI32Type();
  }
  VectorType accType() { return vecType(accElt(), kind.lanes); }
  /// Integer depthwise products by vpmaddwd (AVX2 / AVX-512BW).
  bool useMAddDepthwise() const {
    return p.depthwise && p.pool == Problem::Pool::None && !p.isFloat &&
           kind.dot == KernelKind::MAdd;
  }
  /// Integer depthwise on vpmaddubsw (an input proven to be in [0, 127]):
  /// two taps per byte pair, two pairs per i32 lane (pairedDepthwise).
  /// (The full blocks only: the kernel switches to vpmaddwd on single taps
  /// for the channels after the last full block.)
  /// With vpdpbusd (AVX-512 VNNI) four taps per byte quadruple.
  bool usePairedTaps() const {
    return p.depthwise && p.pool == Problem::Pool::None && !p.isFloat &&
           (kind.dot == KernelKind::MAddUBS || kind.dot == KernelKind::VNNI);
  }
  /// Taps per packed weight group: 2 (vpmaddubsw pairs), 4 (vpdpbusd).
  int64_t tapsPerGroup() const {
    return kind.dot == KernelKind::VNNI ? 4 : 2;
  }
  /// Bytes per packed weight and per prepared input element.
  int64_t weightBytes() const {
    if (p.isFloat)
      return 4;
    return kind.unsignedInput() ? 1 : 2;
  }

  void packWeights();
  void packDepthwiseWeights();
  void prepareInput();
  SmallVector<Value> depthwiseStep(ArrayRef<SmallVector<Value>> pixels,
                                   ArrayRef<Value> fs, int64_t nv,
                                   int64_t fValid, Value kh, Value kw,
                                   ValueRange accs);
  SmallVector<Value> pairedDepthwise(ArrayRef<SmallVector<Value>> pixels,
                                     Value f0);
  Value interleave(Value a, Value c, bool high);
  Value maddubs(Value a, Value w);
  Value sumPairs(Value v);
  Value sumAdjacent(Value v);
  Value readWeights(Value fVector, Value kh, Value kw, Value cg);
  Value broadcastInput(ArrayRef<Value> pixel, Value kh, Value kw, Value cg);
  Value dot(Value acc, Value a, Value w);
  Value emulatedDot(Value acc, Value a, Value w);
  std::array<Value, 3> splitPixel(Value m);
  SmallVector<Value> pixelCoordinates(ArrayRef<Value> nhw);
  SmallVector<Value> outputPixel(Value m, ArrayRef<Value> nhw);
  Value tile(Value out, Value m0, int64_t mr, Value f0, int64_t nv,
             int64_t fValid);
  Value epilogue(Value acc, Value m, Value f, int64_t valid,
                 bool beforeNarrowing = false);
  Value narrow(ArrayRef<Value> vectors);
  std::pair<Value, Value> mulExtendedEvenOdd(Value a, Value c);

  RewriterBase &b;
  Location loc;
  Problem &p;
  KernelKind kind;
  // Unsigned-input kinds: the dot reads x + xBias, 128 (x ^ 0x80, for any
  // i8 input) or 0 (the input itself, proven to be in [0, 127]).
  int64_t xBias;
  bool emulate;
  int64_t cacheBytes; // weights of a channel-block group must fit (0: off)

  int64_t Cp = 0, CG = 0, FB = 0; // padded channels, channel groups, blocks
  Value x;                        // the input, channels padded to Cp
  Value xRows;                    // x as [N][Hp][Wp * Cp] in rows mode
  Value xFlat;                    // x as one flat vector (depthwise)
  Value packed;                   // packed weights, 1-D
  Value packedPairs;              // depthwise paired taps' weights, 1-D
  Value start;                    // constant accumulator start, 1-D [FB*L]
  Value init2d;                   // the op's init as [M][F] (non-constant)
  SmallVector<Value> epilogueInputs; // per generic input: 2-D/1-D/scalar
  Type outElt;
};

void KernelBuilder::packDepthwiseWeights() {
  const int64_t L = kind.lanes;
  // Paired taps compute blocks of 4L channels (one vector of bytes).
  FB = usePairedTaps() ? 4 * llvm::divideCeil(p.F, 4 * L)
                       : llvm::divideCeil(p.F, L);
  int64_t FL = FB * L, size = p.KH * p.KW * FL;
  if (usePairedTaps()) {
    // [group][block][v][4L] bytes, G = 2 or 4 taps a group, G vectors: the
    // order in which the interleaves of the G taps' input bytes leave them.
    // Pairs (vpunpcklbw / vpunpckhbw, vectors lo and hi): in 128-bit lane
    // k of vector h, bytes 2i and 2i + 1 are the weights of taps 2g and
    // 2g + 1 for channel 16k + 8h + i of the block. Quadruples (then
    // vpunpck*wd, vectors a = 0..3): dword 4k + i of vector a holds taps
    // 4g .. 4g + 3 of channel 16k + 4a + i. Both: byte r of lane k is tap
    // G * g + r % G of channel 16k + (16 / G) * v + r / G; 0 past the last
    // tap or channel.
    const int64_t G = tapsPerGroup(), taps = p.KH * p.KW;
    const int64_t groups = llvm::divideCeil(taps, G), blocks = FB / 4;
    const int64_t B = 4 * L;
    SmallVector<int8_t> data(groups * blocks * G * B, 0);
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t blk = 0; blk < blocks; ++blk)
        for (int64_t v = 0; v < G; ++v)
          for (int64_t pos = 0; pos < B; ++pos) {
            int64_t r = pos % 16, tap = G * g + r % G;
            int64_t f = blk * B + 16 * (pos / 16) + (16 / G) * v + r / G;
            if (tap < taps && f < p.F)
              data[((g * blocks + blk) * G + v) * B + pos] =
                  static_cast<int8_t>(
                      p.wInt[p.weightIndex(f, tap / p.KW, tap % p.KW, 0)]);
          }
    packedPairs = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({int64_t(data.size())}, b.getI8Type()),
            ArrayRef<int8_t>(data)));
  }
  // Pooling has no weights: the start is the init value, in the
  // accumulator type (i8 for an int8 max pool).
  if (p.pool != Problem::Pool::None) {
    Type acc = accElt();
    SmallVector<Attribute> st;
    for (int64_t f = 0; f < FL; ++f) {
      if (p.isFloat)
        st.push_back(b.getFloatAttr(
            acc, f < p.F && p.initFloat ? (*p.initFloat)[f] : 0.0f));
      else
        st.push_back(b.getIntegerAttr(
            acc, f < p.F && p.initInt ? (*p.initInt)[f] : 0));
    }
    start = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({FL}, acc), st));
    return;
  }
  Type elt = p.isFloat ? Type(b.getF32Type()) : Type(b.getI32Type());
  auto type = RankedTensorType::get({size}, elt);
  auto sType = RankedTensorType::get({FL}, elt);
  if (p.isFloat) {
    SmallVector<float> data(size, 0.0f), st(FL, 0.0f);
    for (int64_t kh = 0; kh < p.KH; ++kh)
      for (int64_t kw = 0; kw < p.KW; ++kw)
        for (int64_t f = 0; f < p.F; ++f)
          data[(kh * p.KW + kw) * FL + f] = p.wFloat[p.weightIndex(f, kh, kw, 0)];
    if (p.initFloat)
      for (int64_t f = 0; f < p.F; ++f)
        st[f] = (*p.initFloat)[f];
    packed = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<float>(data)));
    start = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(sType, ArrayRef<float>(st)));
    return;
  }
  SmallVector<int32_t> data(size, 0), st(FL, 0);
  SmallVector<int64_t> sum(p.F, 0);
  for (int64_t kh = 0; kh < p.KH; ++kh)
    for (int64_t kw = 0; kw < p.KW; ++kw)
      for (int64_t f = 0; f < p.F; ++f) {
        int64_t v = p.wInt[p.weightIndex(f, kh, kw, 0)];
        // vpmaddwd form: w in the low i16 of the lane, 0 in the high one
        // (also the single-tap form of the channels after the paired
        // taps' last full block).
        data[(kh * p.KW + kw) * FL + f] =
            useMAddDepthwise() || usePairedTaps()
                ? static_cast<int32_t>(v & 0xFFFF)
                : static_cast<int32_t>(v);
        sum[f] += v;
      }
  // sum((x - zp) * w) = sum(x * w) - zp * sum(w)
  for (int64_t f = 0; f < p.F; ++f) {
    uint64_t v = p.initInt ? static_cast<uint64_t>((*p.initInt)[f]) : 0;
    v -= static_cast<uint64_t>(p.inputZeroPoint) *
         static_cast<uint64_t>(sum[f]);
    st[f] = static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  if (!usePairedTaps() || p.F % (4 * L) != 0)
    packed = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(data)));
  start = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(sType, ArrayRef<int32_t>(st)));
}

void KernelBuilder::packWeights() {
  const int64_t L = kind.lanes, G = kind.group;
  Cp = llvm::alignTo(p.C, G);
  CG = Cp / G;
  FB = llvm::divideCeil(p.F, L);
  int64_t size = FB * p.KH * p.KW * CG * L * G;
  auto at = [&](int64_t fb, int64_t kh, int64_t kw, int64_t cg, int64_t l,
                int64_t g) {
    return ((((fb * p.KH + kh) * p.KW + kw) * CG + cg) * L + l) * G + g;
  };
  auto forEach = [&](auto fn) {
    for (int64_t f = 0; f < p.F; ++f)
      for (int64_t kh = 0; kh < p.KH; ++kh)
        for (int64_t kw = 0; kw < p.KW; ++kw)
          for (int64_t c = 0; c < p.C; ++c)
            fn(f, kh, kw, c,
               at(f / L, kh, kw, c / G, f % L, c % G));
  };

  // Accumulator start per channel; corrections for the integer forms:
  // sum((x - zp) * w) = sum(x' * w) - (xBias + zp) * sum(w), where x' = x
  // + xBias (128 for a flipped unsigned operand, computed as x ^ 0x80).
  if (p.isFloat) {
    SmallVector<float> data(size, 0.0f);
    forEach([&](int64_t f, int64_t kh, int64_t kw, int64_t c, int64_t i) {
      data[i] = p.wFloat[p.weightIndex(f, kh, kw, c)];
    });
    auto type = RankedTensorType::get({size}, b.getF32Type());
    packed = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<float>(data)));
    SmallVector<float> s(FB * L, 0.0f);
    if (p.initFloat)
      for (int64_t f = 0; f < p.F; ++f)
        s[f] = (*p.initFloat)[f];
    auto sType = RankedTensorType::get({FB * L}, b.getF32Type());
    start = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(sType, ArrayRef<float>(s)));
    return;
  }
  SmallVector<int64_t> colsum(p.F, 0);
  Type wElt = kind.unsignedInput() ? b.getI8Type() : b.getI16Type();
  auto type = RankedTensorType::get({size}, wElt);
  // i8 for vpdpbusd / vpmaddubsw, i16 (pre-widened) for vpmaddwd.
  auto pack = [&](auto zero) {
    using T = decltype(zero);
    SmallVector<T> data(size, 0);
    forEach([&](int64_t f, int64_t kh, int64_t kw, int64_t c, int64_t i) {
      int64_t v = p.wInt[p.weightIndex(f, kh, kw, c)];
      data[i] = static_cast<T>(v);
      colsum[f] += v;
    });
    packed = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<T>(data)));
  };
  if (kind.unsignedInput())
    pack(int8_t(0));
  else
    pack(int16_t(0));
  SmallVector<int32_t> s(FB * L, 0);
  for (int64_t f = 0; f < p.F; ++f) {
    uint64_t v = p.initInt ? static_cast<uint64_t>((*p.initInt)[f]) : 0;
    v -= static_cast<uint64_t>(xBias + p.inputZeroPoint) *
         static_cast<uint64_t>(colsum[f]);
    s[f] = static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  auto sType = RankedTensorType::get({FB * L}, b.getI32Type());
  start = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(sType, ArrayRef<int32_t>(s)));
}

Value KernelBuilder::readWeights(Value fVector, Value kh, Value kw, Value cg) {
  const int64_t L = kind.lanes, G = kind.group;
  // ((((fv * KH + kh) * KW + kw) * CG + cg) * L * G
  Value i = arith::MulIOp::create(b, loc, fVector, index(p.KH));
  i = arith::AddIOp::create(b, loc, i, kh);
  i = arith::MulIOp::create(b, loc, i, index(p.KW));
  i = arith::AddIOp::create(b, loc, i, kw);
  i = arith::MulIOp::create(b, loc, i, index(CG));
  i = arith::AddIOp::create(b, loc, i, cg);
  i = arith::MulIOp::create(b, loc, i, index(L * G));
  Type elt = cast<RankedTensorType>(packed.getType()).getElementType();
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  return vector::TransferReadOp::create(b, loc, vecType(elt, L * G), packed,
                                        ValueRange{i}, pad,
                                        ArrayRef<bool>{true});
}

/// Output pixel m as (n, oh, ow).
std::array<Value, 3> KernelBuilder::splitPixel(Value m) {
  Value ow = arith::RemUIOp::create(b, loc, m, index(p.OW));
  Value t = arith::DivUIOp::create(b, loc, m, index(p.OW));
  Value oh = arith::RemUIOp::create(b, loc, t, index(p.OH));
  Value n = arith::DivUIOp::create(b, loc, t, index(p.OH));
  return {n, oh, ow};
}

/// Where output pixel m = (n, oh, ow) is written, less the channel: (m) in
/// the [M][F] result, or (n, oh + top, ow + left) in the interior of the
/// padded tensor the kernel writes into.
SmallVector<Value> KernelBuilder::outputPixel(Value m, ArrayRef<Value> nhw) {
  if (!p.padInto)
    return {m};
  ArrayRef<int64_t> low = p.padInto->low;
  return {nhw[0], arith::AddIOp::create(b, loc, nhw[1], index(low[1])),
          arith::AddIOp::create(b, loc, nhw[2], index(low[2]))};
}

/// The input pixel of output pixel (n, oh, ow): (n, oh * SH, ow * SW).
SmallVector<Value> KernelBuilder::pixelCoordinates(ArrayRef<Value> nhw) {
  Value n = nhw[0], oh = nhw[1], ow = nhw[2];
  Value h = arith::MulIOp::create(b, loc, oh, index(p.SH));
  Value w = arith::MulIOp::create(b, loc, ow, index(p.SW));
  if (!xFlat)
    return {n, h, w};
  // Depthwise: also the flat offset ((n * Hp + h) * Wp + w) * C.
  auto xType = cast<RankedTensorType>(x.getType());
  Value flat = arith::MulIOp::create(b, loc, n, index(xType.getShape()[1]));
  flat = arith::AddIOp::create(b, loc, flat, h);
  flat = arith::MulIOp::create(b, loc, flat, index(xType.getShape()[2]));
  flat = arith::AddIOp::create(b, loc, flat, w);
  flat = arith::MulIOp::create(b, loc, flat, index(xType.getShape()[3]));
  return {n, h, w, flat};
}

Value KernelBuilder::broadcastInput(ArrayRef<Value> pixel, Value kh, Value kw,
                                    Value cg) {
  const int64_t L = kind.lanes, G = kind.group;
  Value h = arith::AddIOp::create(
      b, loc, pixel[1], arith::MulIOp::create(b, loc, kh, index(p.DH)));
  Value w = arith::AddIOp::create(
      b, loc, pixel[2], arith::MulIOp::create(b, loc, kw, index(p.DW)));
  Value c = arith::MulIOp::create(b, loc, cg, index(G));
  SmallVector<Value> idx;
  Value x = this->x;
  if (xRows) {
    // Rows mode: (n, h, w * Cp + (kw * CG + cg) * G).
    x = xRows;
    idx = {pixel[0], h,
           arith::AddIOp::create(
               b, loc, arith::MulIOp::create(b, loc, pixel[2], index(Cp)), c)};
  } else switch (cast<RankedTensorType>(x.getType()).getRank()) {
  case 2:
    idx = {w, c};
    break;
  case 3:
    idx = {pixel[0], w, c};
    break;
  default:
    idx = {pixel[0], h, w, c};
  }
  Type xElt = cast<RankedTensorType>(x.getType()).getElementType();
  if (kind.dot == KernelKind::FMA) {
    Value s = tensor::ExtractOp::create(b, loc, x, idx);
    return vector::BroadcastOp::create(b, loc, accType(), s);
  }
  // G prepared input values (u8 for vpdpbusd / vpmaddubsw, i16 for
  // vpmaddwd: see prepareInput) form one 32-bit word, broadcast to every
  // lane: a single vpbroadcastd from memory.
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(xElt));
  Value raw = vector::TransferReadOp::create(b, loc, vecType(xElt, G), x, idx,
                                             pad, ArrayRef<bool>{true});
  Value word =
      vector::BitCastOp::create(b, loc, vecType(b.getI32Type(), 1), raw);
  Value s = vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
  Value splat = vector::BroadcastOp::create(b, loc, accType(), s);
  return vector::BitCastOp::create(b, loc, vecType(xElt, G * L), splat);
}

/// The input in the form the dot instruction takes, computed once per
/// element rather than once per use: flipped to unsigned (x ^ 0x80) for
/// vpdpbusd / vpmaddubsw, sign-extended to i16 for vpmaddwd. An input
/// proven to be in [0, 127] is already its unsigned form (xBias 0): no copy.
void KernelBuilder::prepareInput() {
  if (kind.dot == KernelKind::FMA || (kind.unsignedInput() && xBias == 0))
    return;
  auto xType = cast<RankedTensorType>(x.getType());
  Type elt = kind.unsignedInput() ? b.getI8Type() : b.getI16Type();
  auto type = RankedTensorType::get(xType.getShape(), elt);
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), elt);
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  bool flip = kind.unsignedInput();
  x = linalg::GenericOp::create(
          b, loc, TypeRange{type}, ValueRange{x}, ValueRange{empty},
          ArrayRef<AffineMap>{id, id}, iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value v;
            if (flip)
              v = arith::XOrIOp::create(
                  nb, nloc, args[0],
                  arith::ConstantOp::create(
                      nb, nloc, nb.getI8IntegerAttr(int8_t(-128))));
            else
              v = arith::ExtSIOp::create(nb, nloc, nb.getI16Type(), args[0]);
            linalg::YieldOp::create(nb, nloc, v);
          })
          .getResult(0);
}

/// The dot instructions' semantics in generic vector ops, for running the
/// kernels of a target on a host without it (option `emulate`): lane l of
/// the result is acc[l] + sum_g a[l*G+g] * w[l*G+g], a unsigned (vpdpbusd)
/// or signed (vpmaddwd), all in i32 (exact: no product overflows; the
/// accumulation wraps like the instruction). vpmaddubsw's two steps emulate
/// themselves (maddubs, sumPairs).
Value KernelBuilder::emulatedDot(Value acc, Value a, Value w) {
  const int64_t L = kind.lanes, G = kind.group;
  VectorType wide = vecType(b.getI32Type(), L * G);
  Value aw = kind.unsignedInput()
                 ? Value(arith::ExtUIOp::create(b, loc, wide, a))
                 : Value(arith::ExtSIOp::create(b, loc, wide, a));
  Value ww = arith::ExtSIOp::create(b, loc, wide, w);
  Value prod = arith::MulIOp::create(b, loc, aw, ww);
  auto part = [&](int64_t g) -> Value {
    SmallVector<int64_t> mask;
    for (int64_t l = 0; l < L; ++l)
      mask.push_back(l * G + g);
    return vector::ShuffleOp::create(b, loc, prod, prod, mask);
  };
  Value sum = acc;
  // Lane l sums elements l*G .. l*G+G-1: one shuffle per g.
  for (int64_t g = 0; g < G; ++g)
    sum = arith::AddIOp::create(b, loc, sum, part(g));
  return sum;
}

Value KernelBuilder::dot(Value acc, Value a, Value w) {
  // (vpmaddubsw's steps emulate themselves: maddubs, sumPairs.)
  if (emulate && (kind.dot == KernelKind::VNNI || kind.dot == KernelKind::MAdd))
    return emulatedDot(acc, a, w);
  switch (kind.dot) {
  case KernelKind::FMA:
    return vector::FMAOp::create(b, loc, a, w, acc);
  case KernelKind::VNNI:
    return LLVM::CallIntrinsicOp::create(b, loc, accType(),
                                         b.getStringAttr(kind.intrinsic),
                                         ValueRange{acc, a, w})
        .getResult(0);
  case KernelKind::MAdd: {
    Value prod = LLVM::CallIntrinsicOp::create(b, loc, accType(),
                                               b.getStringAttr(kind.intrinsic),
                                               ValueRange{a, w})
                     .getResult(0);
    return arith::AddIOp::create(b, loc, acc, prod);
  }
  case KernelKind::MAddUBS:
    // vpmaddubsw: u8 x s8 pairs summed into i16 (exact here: the kernel is
    // chosen only where no pair sum leaves i16); vpmaddwd by ones sums the
    // i16 pairs into the i32 lanes.
    return arith::AddIOp::create(b, loc, acc, sumPairs(maddubs(a, w)));
  }
  llvm_unreachable("unknown dot");
}

/// arith.mulsi_extended of two vector<L x i32> as 32 x 32 -> 64-bit
/// multiplies of the even and of the odd lanes (the operands viewed as
/// vector<L/2 x i64>, each lane sign-extended in place), whose halves are
/// interleaved back: x86's vpmuldq form. LLVM's generic lowering of the
/// widened multiply permutes lanes across the 128-bit halves instead (two
/// vpermpd per vector on AVX2, in every requantize epilogue).
std::pair<Value, Value> KernelBuilder::mulExtendedEvenOdd(Value a, Value c) {
  const int64_t L = kind.lanes;
  VectorType v64 = vecType(b.getI64Type(), L / 2);
  VectorType v32 = vecType(b.getI32Type(), L);
  Value c32 = arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(v64, b.getI64IntegerAttr(32)));
  auto wide = [&](Value v) {
    return vector::BitCastOp::create(b, loc, v64, v).getResult();
  };
  auto even = [&](Value v) -> Value {
    return arith::ShRSIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, wide(v), c32), c32);
  };
  // The odd lanes moved to the even positions, then as above. (Written as
  // an arithmetic shift of the 64-bit lanes, LLVM turned it into a shuffle
  // that lost the sign-extension and multiplied in full 64 bits: three
  // vpmuludq and five shifts and adds per vector.)
  SmallVector<int64_t> oddMask;
  for (int64_t i = 0; i < L / 2; ++i)
    oddMask.append({2 * i + 1, 2 * i + 1});
  auto odd = [&](Value v) -> Value {
    return even(vector::ShuffleOp::create(b, loc, v, v, oddMask));
  };
  Value pe = vector::BitCastOp::create(
      b, loc, v32, arith::MulIOp::create(b, loc, even(a), even(c)));
  Value po = vector::BitCastOp::create(
      b, loc, v32, arith::MulIOp::create(b, loc, odd(a), odd(c)));
  SmallVector<int64_t> lowMask, highMask;
  for (int64_t i = 0; i < L / 2; ++i) {
    lowMask.append({2 * i, L + 2 * i});
    highMask.append({2 * i + 1, L + 2 * i + 1});
  }
  Value low = vector::ShuffleOp::create(b, loc, pe, po, lowMask);
  Value high = vector::ShuffleOp::create(b, loc, pe, po, highMask);
  return {low, high};
}

/// The epilogue on one accumulator vector of output pixel m, channels
/// [f, f + L), of which `valid` exist; with `beforeNarrowing`, up to the
/// i32 operand of the narrowing clamp (p.narrowing), which `narrow` applies.
Value KernelBuilder::epilogue(Value acc, Value m, Value f, int64_t valid,
                              bool beforeNarrowing) {
  const int64_t L = kind.lanes;
  if (!p.epilogue)
    return acc;
  bool inBounds = valid == L;
  IRMapping map;
  Block *body = p.epilogue.getBody();
  for (auto [i, kind_] : llvm::enumerate(p.argKinds)) {
    BlockArgument arg = body->getArgument(i);
    Type elt = arg.getType();
    Value v;
    switch (kind_) {
    case OperandKind::Accumulator:
      v = acc;
      break;
    case OperandKind::Full:
    case OperandKind::Channel: {
      Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
      SmallVector<Value> idx;
      if (kind_ == OperandKind::Full)
        idx = {m, f};
      else
        idx = {f};
      v = vector::TransferReadOp::create(b, loc, vecType(elt, L),
                                         epilogueInputs[i], idx, pad,
                                         ArrayRef<bool>{inBounds});
      break;
    }
    case OperandKind::Scalar: {
      auto t = cast<RankedTensorType>(epilogueInputs[i].getType());
      SmallVector<Value> zeros(t.getRank(), index(0));
      Value s = tensor::ExtractOp::create(b, loc, epilogueInputs[i], zeros);
      v = vector::BroadcastOp::create(b, loc, vecType(elt, L), s);
      break;
    }
    }
    map.map(arg, v);
  }
  for (Operation &op : body->without_terminator()) {
    if (beforeNarrowing && llvm::is_contained(p.narrowing->ops, &op))
      continue;
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto t = vecType(c.getType(), L);
      map.map(c.getResult(),
              arith::ConstantOp::create(
                  b, loc, SplatElementsAttr::get(t, c.getValue())));
      continue;
    }
    // Scalars from outside the body are splat.
    for (Value operand : op.getOperands())
      if (!map.contains(operand))
        map.map(operand, vector::BroadcastOp::create(
                             b, loc, vecType(operand.getType(), L), operand));
    if (auto mul = dyn_cast<arith::MulSIExtendedOp>(op);
        mul && mul.getLhs().getType().isInteger(32) && L % 2 == 0) {
      auto [low, high] = mulExtendedEvenOdd(map.lookup(mul.getLhs()),
                                            map.lookup(mul.getRhs()));
      map.map(mul.getLow(), low);
      map.map(mul.getHigh(), high);
      continue;
    }
    Operation *clone = b.clone(op, map);
    for (OpResult r : clone->getResults())
      r.setType(vecType(r.getType(), L));
  }
  Value yielded = beforeNarrowing ? p.narrowing->input
                                  : body->getTerminator()->getOperand(0);
  if (!map.contains(yielded)) // a value from outside or a block argument
    return vector::BroadcastOp::create(b, loc, vecType(yielded.getType(), L),
                                       yielded);
  return map.lookup(yielded);
}

/// The narrowing clamp (p.narrowing) of one pixel's i32 vectors, as one
/// vector of their concatenated lanes: saturated to [-128, 127] and
/// truncated (LLVM's x86 backend makes it vpackssdw / vpacksswb across the
/// registers), then clamped to [lo, hi] on bytes. Per 8 lanes that is
/// about 2.5 instructions less than clamping and packing each vector.
Value KernelBuilder::narrow(ArrayRef<Value> vectors) {
  Value all = vectors.front();
  for (Value v : vectors.drop_front()) {
    int64_t n = cast<VectorType>(all.getType()).getNumElements();
    int64_t k = cast<VectorType>(v.getType()).getNumElements();
    all = vector::ShuffleOp::create(
        b, loc, all, v, llvm::to_vector(llvm::seq<int64_t>(0, n + k)));
  }
  int64_t n = cast<VectorType>(all.getType()).getNumElements();
  auto splat = [&](Type elt, int64_t c) -> Value {
    return arith::ConstantOp::create(
        b, loc, SplatElementsAttr::get(vecType(elt, n),
                                       b.getIntegerAttr(elt, c)));
  };
  Type i32 = b.getI32Type(), i8 = b.getI8Type();
  all = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, all, splat(i32, -128)),
      splat(i32, 127));
  Value bytes = arith::TruncIOp::create(b, loc, vecType(i8, n), all);
  if (p.narrowing->lo > -128)
    bytes = arith::MaxSIOp::create(b, loc, bytes, splat(i8, p.narrowing->lo));
  if (p.narrowing->hi < 127)
    bytes = arith::MinSIOp::create(b, loc, bytes, splat(i8, p.narrowing->hi));
  return bytes;
}

/// x86's vpunpcklbw / vpunpcklwd (high: vpunpckh*) as a vector.shuffle:
/// in each 128-bit lane, the low (high) halves of a and c interleaved.
Value KernelBuilder::interleave(Value a, Value c, bool high) {
  auto type = cast<VectorType>(a.getType());
  int64_t n = type.getNumElements();
  int64_t perLane = 128 / type.getElementTypeBitWidth();
  SmallVector<int64_t> mask;
  for (int64_t lane = 0; lane < n / perLane; ++lane)
    for (int64_t i = 0; i < perLane / 2; ++i) {
      int64_t e = lane * perLane + (high ? perLane / 2 : 0) + i;
      mask.append({e, n + e});
    }
  return vector::ShuffleOp::create(b, loc, a, c, mask);
}

/// Lanes 2i and 2i + 1 of an i32 vector summed into lane i (the generic
/// form of the x86 pair sums, for option `emulate`).
Value KernelBuilder::sumAdjacent(Value v) {
  int64_t n = cast<VectorType>(v.getType()).getNumElements();
  SmallVector<int64_t> even, odd;
  for (int64_t i = 0; i < n / 2; ++i) {
    even.push_back(2 * i);
    odd.push_back(2 * i + 1);
  }
  return arith::AddIOp::create(
      b, loc, vector::ShuffleOp::create(b, loc, v, v, even),
      vector::ShuffleOp::create(b, loc, v, v, odd));
}

/// vpmaddubsw: u8 a times s8 w, adjacent products summed into i16 (with
/// saturation; the kernels use it only where no sum can saturate).
Value KernelBuilder::maddubs(Value a, Value w) {
  int64_t n = cast<VectorType>(a.getType()).getNumElements();
  VectorType i16s = vecType(b.getI16Type(), n / 2);
  if (!emulate)
    return LLVM::CallIntrinsicOp::create(b, loc, i16s,
                                         b.getStringAttr(kind.intrinsic),
                                         ValueRange{a, w})
        .getResult(0);
  VectorType wide = vecType(b.getI32Type(), n);
  Value sum = sumAdjacent(arith::MulIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, wide, a),
      arith::ExtSIOp::create(b, loc, wide, w)));
  VectorType half = vecType(b.getI32Type(), n / 2);
  auto splat = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, SplatElementsAttr::get(half, b.getI32IntegerAttr(v)));
  };
  sum = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, sum, splat(-32768)),
      splat(32767));
  return arith::TruncIOp::create(b, loc, i16s, sum);
}

/// vpmaddwd by ones: adjacent i16 lanes summed into i32.
Value KernelBuilder::sumPairs(Value v) {
  int64_t n = cast<VectorType>(v.getType()).getNumElements();
  VectorType i32s = vecType(b.getI32Type(), n / 2);
  if (!emulate) {
    Value ones = arith::ConstantOp::create(
        b, loc,
        SplatElementsAttr::get(cast<VectorType>(v.getType()),
                               b.getI16IntegerAttr(1)));
    return LLVM::CallIntrinsicOp::create(b, loc, i32s,
                                         b.getStringAttr(kind.madd),
                                         ValueRange{v, ones})
        .getResult(0);
  }
  return sumAdjacent(
      arith::ExtSIOp::create(b, loc, vecType(b.getI32Type(), n), v));
}

/// The taps of a depthwise tile on vpmaddubsw, for channels [f0, f0 + 4L)
/// of every pixel (an input in [0, 127], read as unsigned bytes; any int8
/// weights: |x0 w0 + x1 w1| <= 2 * 127 * 128 < 2^15). The bytes of taps t
/// and t + 1 are interleaved (vpunpcklbw / vpunpckhbw) and multiplied by
/// the packed weight pairs (vpmaddubsw, one i16 per channel), the i16 sums
/// of two tap pairs interleaved (vpunpcklwd / vpunpckhwd) and summed into
/// i32 (vpmaddwd by ones): per 32 channels and 4 taps, 4 loads, 8
/// interleaves and 12 arithmetic instructions, against 16 sign extensions
/// and 32 arithmetic for vpmaddwd on single taps (measured on Zen 3, a
/// 3x3 layer 1.6x faster). The interleaves work within 128-bit lanes, so
/// accumulator a holds, at lane position 4k + i, channel 16k + 4a + i; the
/// result is put back in channel order (four vectors of L per pixel).
SmallVector<Value>
KernelBuilder::pairedDepthwise(ArrayRef<SmallVector<Value>> pixels, Value f0) {
  const int64_t L = kind.lanes, B = 4 * L;
  const int64_t G = tapsPerGroup(), taps = p.KH * p.KW;
  const int64_t blocks = FB / 4, groups = llvm::divideCeil(taps, G);
  const bool vnni = G == 4;
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t Wp = xType.getShape()[2], C = xType.getShape()[3];
  VectorType bytes = vecType(b.getI8Type(), B);
  VectorType words = vecType(b.getI16Type(), 2 * L);
  Value zeroBytes = arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(bytes, b.getI8IntegerAttr(0)));
  Value zeroWords = arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(words, b.getI16IntegerAttr(0)));
  Value pad = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  Value blk = arith::DivUIOp::create(b, loc, f0, index(B));
  // The packed weight vector h of group g (pair: lo, hi; quad: a).
  auto weights = [&](int64_t g, int64_t h) -> Value {
    Value at = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(
            b, loc, arith::AddIOp::create(b, loc, index(g * blocks), blk),
            index(G * B)),
        index(h * B));
    return vector::TransferReadOp::create(b, loc, bytes, packedPairs,
                                          ValueRange{at}, pad,
                                          ArrayRef<bool>{true});
  };
  SmallVector<SmallVector<Value, 4>> w;
  for (int64_t g = 0; g < groups; ++g) {
    w.emplace_back();
    for (int64_t h = 0; h < G; ++h)
      w.back().push_back(weights(g, h));
  }
  SmallVector<Value> result;
  for (const SmallVector<Value> &pixel : pixels) {
    Value base = arith::AddIOp::create(b, loc, pixel[3], f0);
    auto input = [&](int64_t tap) -> Value {
      if (tap >= taps)
        return zeroBytes;
      int64_t offset = ((tap / p.KW) * p.DH * Wp + (tap % p.KW) * p.DW) * C;
      return vector::TransferReadOp::create(
          b, loc, bytes, xFlat,
          ValueRange{arith::AddIOp::create(b, loc, base, index(offset))}, pad,
          ArrayRef<bool>{true});
    };
    // The i16 sums of tap pair pr: {lo, hi}.
    auto pairSums = [&](int64_t pr) -> std::array<Value, 2> {
      Value a = input(2 * pr), c = input(2 * pr + 1);
      return {maddubs(interleave(a, c, false), w[pr][0]),
              maddubs(interleave(a, c, true), w[pr][1])};
    };
    std::array<Value, 4> acc;
    if (vnni) {
      // Four taps: their bytes interleaved in pairs, the pairs' words
      // interleaved into quadruples (one per channel and i32 lane), one
      // vpdpbusd with the packed weight quadruples per accumulator.
      Value zero = arith::ConstantOp::create(
          b, loc, SplatElementsAttr::get(accType(), b.getI32IntegerAttr(0)));
      acc = {zero, zero, zero, zero};
      auto asWords = [&](Value v) -> Value {
        return vector::BitCastOp::create(b, loc, words, v);
      };
      for (int64_t q = 0; q < groups; ++q) {
        Value x0 = input(4 * q), x1 = input(4 * q + 1);
        Value x2 = input(4 * q + 2), x3 = input(4 * q + 3);
        std::array<Value, 2> p01 = {asWords(interleave(x0, x1, false)),
                                    asWords(interleave(x0, x1, true))};
        std::array<Value, 2> p23 = {asWords(interleave(x2, x3, false)),
                                    asWords(interleave(x2, x3, true))};
        for (int64_t a = 0; a < 4; ++a) {
          Value quad = vector::BitCastOp::create(
              b, loc, bytes, interleave(p01[a / 2], p23[a / 2], a % 2 == 1));
          acc[a] = dot(acc[a], quad, w[q][a]);
        }
      }
    }
    for (int64_t q = 0; !vnni && q < groups; q += 2) {
      std::array<Value, 2> s0 = pairSums(q);
      std::array<Value, 2> s1 =
          q + 1 < groups ? pairSums(q + 1)
                        : std::array<Value, 2>{zeroWords, zeroWords};
      for (int64_t a = 0; a < 4; ++a) {
        Value sum = sumPairs(interleave(s0[a / 2], s1[a / 2], a % 2 == 1));
        acc[a] = q == 0 ? sum : arith::AddIOp::create(b, loc, acc[a], sum);
      }
    }
    // Back to channel order: channel c = 16k + 4a + i of the block is at
    // position 4k + i of acc[a].
    Value all = vector::ShuffleOp::create(
        b, loc,
        vector::ShuffleOp::create(b, loc, acc[0], acc[1],
                                  llvm::to_vector(llvm::seq<int64_t>(0, 2 * L))),
        vector::ShuffleOp::create(b, loc, acc[2], acc[3],
                                  llvm::to_vector(llvm::seq<int64_t>(0, 2 * L))),
        llvm::to_vector(llvm::seq<int64_t>(0, 4 * L)));
    for (int64_t j = 0; j < 4; ++j) {
      SmallVector<int64_t> mask;
      for (int64_t c = j * L; c < (j + 1) * L; ++c)
        mask.push_back((c % 16) / 4 * L + 4 * (c / 16) + c % 4);
      result.push_back(vector::ShuffleOp::create(b, loc, all, all, mask));
    }
  }
  return result;
}

/// One (kh, kw) step of a depthwise tile: every pixel's input channels
/// [f, f + L) times the weights of those channels, widened to i32 (the
/// products of two i8 fit easily) or by FMA.
SmallVector<Value> KernelBuilder::depthwiseStep(
    ArrayRef<SmallVector<Value>> pixels, ArrayRef<Value> fs, int64_t nv,
    int64_t fValid, Value kh, Value kw, ValueRange accs) {
  const int64_t L = kind.lanes;
  int64_t FL = FB * L;
  Value tap = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, kh, index(p.KW)), kw);
  Value base = arith::MulIOp::create(b, loc, tap, index(FL));
  SmallVector<Value> ws; // none for pooling
  for (int64_t j = 0; p.pool == Problem::Pool::None && j < nv; ++j) {
    Type wElt = cast<RankedTensorType>(packed.getType()).getElementType();
    Value wPad = arith::ConstantOp::create(b, loc, b.getZeroAttr(wElt));
    ws.push_back(vector::TransferReadOp::create(
        b, loc, vecType(wElt, L), packed,
        ValueRange{arith::AddIOp::create(b, loc, base, fs[j])}, wPad,
        ArrayRef<bool>{true}));
  }
  Type xElt = cast<RankedTensorType>(x.getType()).getElementType();
  Value xPad = arith::ConstantOp::create(b, loc, b.getZeroAttr(xElt));
  SmallVector<Value> next(accs.begin(), accs.end());
  // The input as one flat vector: a pixel's base offset is computed once
  // per tile, a tap adds (kh * DH * Wp + kw * DW) * C, so each load is one
  // add (4-D indices cost several multiplies per load, which dominated).
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t Wp = xType.getShape()[2], C = xType.getShape()[3];
  Value tapOffset = arith::MulIOp::create(
      b, loc,
      arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, kh, index(p.DH * Wp)),
          arith::MulIOp::create(b, loc, kw, index(p.DW))),
      index(C));
  for (auto [i, pixel] : llvm::enumerate(pixels)) {
    Value at = arith::AddIOp::create(b, loc, pixel[3], tapOffset);
    for (int64_t j = 0; j < nv; ++j) {
      // A partial last vector reads past its pixel's channels (into the
      // next pixel, harmless: those lanes are never written) or, at the
      // very end, past the tensor (masked by the transfer).
      bool inBounds = j + 1 < nv || fValid == L;
      Value in = vector::TransferReadOp::create(
          b, loc, vecType(xElt, L), xFlat,
          ValueRange{arith::AddIOp::create(b, loc, at, fs[j])}, xPad,
          ArrayRef<bool>{inBounds});
      Value &acc = next[i * nv + j];
      if (p.pool != Problem::Pool::None) {
        // The same ops as the named op's body (max_signed: maximumf / maxsi).
        Value v = in.getType() == accType()
                      ? in
                      : Value(arith::ExtSIOp::create(b, loc, accType(), in));
        if (p.pool == Problem::Pool::Sum)
          acc = p.isFloat ? Value(arith::AddFOp::create(b, loc, acc, v))
                          : Value(arith::AddIOp::create(b, loc, acc, v));
        else
          acc = p.isFloat ? Value(arith::MaximumFOp::create(b, loc, acc, v))
                          : Value(arith::MaxSIOp::create(b, loc, acc, v));
      } else if (p.isFloat) {
        acc = vector::FMAOp::create(b, loc, in, ws[j], acc);
      } else if (useMAddDepthwise()) {
        // x * w as vpmaddwd of the (x, sign(x)) and (w, 0) i16 pairs of
        // each lane: exact, and cheaper than vpmulld.
        VectorType pairs = vecType(b.getI16Type(), 2 * L);
        Value wide = arith::ExtSIOp::create(b, loc, accType(), in);
        acc = dot(acc, vector::BitCastOp::create(b, loc, pairs, wide),
                  vector::BitCastOp::create(b, loc, pairs, ws[j]));
      } else {
        Value wide = arith::ExtSIOp::create(b, loc, accType(), in);
        acc = arith::AddIOp::create(
            b, loc, acc, arith::MulIOp::create(b, loc, wide, ws[j]));
      }
    }
  }
  return next;
}

/// One register tile: pixels [m0, m0 + mr) x channel vectors
/// [f0, f0 + nv * L), of which `fValid` channels exist in the last vector.
Value KernelBuilder::tile(Value out, Value m0, int64_t mr, Value f0,
                          int64_t nv, int64_t fValid) {
  const int64_t L = kind.lanes;
  SmallVector<SmallVector<Value>> pixels, outPixels;
  SmallVector<Value> ms;
  for (int64_t i = 0; i < mr; ++i) {
    Value m = arith::AddIOp::create(b, loc, m0, index(i));
    ms.push_back(m);
    std::array<Value, 3> nhw = splitPixel(m);
    pixels.push_back(pixelCoordinates(nhw));
    outPixels.push_back(outputPixel(m, nhw));
  }
  SmallVector<Value> fs, fVectors;
  for (int64_t j = 0; j < nv; ++j) {
    Value f = arith::AddIOp::create(b, loc, f0, index(j * L));
    fs.push_back(f);
    fVectors.push_back(arith::DivUIOp::create(b, loc, f, index(L)));
  }
  // Accumulator start values.
  SmallVector<Value> accs;
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(accElt()));
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nv; ++j) {
      Value s = vector::TransferReadOp::create(b, loc, accType(), start,
                                               ValueRange{fs[j]}, zero,
                                               ArrayRef<bool>{true});
      if (init2d) {
        bool inBounds = j + 1 < nv || fValid == L;
        Value v = vector::TransferReadOp::create(
            b, loc, accType(), init2d, ValueRange{ms[i], fs[j]}, zero,
            ArrayRef<bool>{inBounds});
        s = p.isFloat ? Value(arith::AddFOp::create(b, loc, s, v))
                      : Value(arith::AddIOp::create(b, loc, s, v));
      }
      accs.push_back(s);
    }

  auto loop = [&](int64_t ub, ValueRange init,
                  function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto forOp = scf::ForOp::create(
        b, loc, index(0), index(ub), index(1), init,
        [&](OpBuilder &, Location, Value iv, ValueRange args) {
          scf::YieldOp::create(b, loc, body(iv, args));
        });
    return SmallVector<Value>(forOp.getResults());
  };
  // One reduction step: (kh, kw, cg), or (kh, 0, kw * CG + cg) when the
  // kernel row is contiguous in the input (rows mode).
  auto step = [&](Value kh, Value kw, Value cg, ValueRange a) {
    SmallVector<Value> ws;
    for (int64_t j = 0; j < nv; ++j)
      ws.push_back(readWeights(fVectors[j], kh, kw, cg));
    SmallVector<Value> next(a.begin(), a.end());
    for (int64_t i = 0; i < mr; ++i) {
      Value in = broadcastInput(pixels[i], kh, kw, cg);
      for (int64_t j = 0; j < nv; ++j)
        next[i * nv + j] = dot(next[i * nv + j], in, ws[j]);
    }
    return next;
  };
  if (usePairedTaps()) {
    // nv <= 4 vectors of the block's four are written.
    SmallVector<Value> sums = pairedDepthwise(pixels, f0);
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nv; ++j)
        accs[i * nv + j] =
            arith::AddIOp::create(b, loc, accs[i * nv + j], sums[i * 4 + j]);
  } else if (p.depthwise && p.KH * p.KW <= kMaxUnrolledTaps) {
    // Straight-line taps: constant offsets fold into the loads' addressing,
    // and no loop-carried accumulators for the register allocator to
    // rotate (a 3-tap loop over 12 accumulators spent most of its
    // instructions on register moves and vectorized index arithmetic).
    for (int64_t kh = 0; kh < p.KH; ++kh)
      for (int64_t kw = 0; kw < p.KW; ++kw)
        accs = depthwiseStep(pixels, fs, nv, fValid, index(kh), index(kw),
                             accs);
  } else if (p.depthwise) {
    accs = loop(p.KH, accs, [&](Value kh, ValueRange a1) {
      return loop(p.KW, a1, [&](Value kw, ValueRange a2) {
        return depthwiseStep(pixels, fs, nv, fValid, kh, kw, a2);
      });
    });
  } else if (xRows) {
    accs = loop(p.KH, accs, [&](Value kh, ValueRange a1) {
      return loop(p.KW * CG, a1, [&](Value j, ValueRange a2) {
        return step(kh, index(0), j, a2);
      });
    });
  } else {
    accs = loop(p.KH, accs, [&](Value kh, ValueRange a1) {
      return loop(p.KW, a1, [&](Value kw, ValueRange a2) {
        return loop(CG, a2, [&](Value cg, ValueRange a3) {
          return step(kh, kw, cg, a3);
        });
      });
    });
  }

  if (p.epilogue && p.narrowing && fValid == L) {
    // One narrowing and one write per pixel for its nv vectors (a partial
    // last vector keeps its own masked write below).
    for (int64_t i = 0; i < mr; ++i) {
      SmallVector<Value> vs;
      for (int64_t j = 0; j < nv; ++j)
        vs.push_back(epilogue(accs[i * nv + j], ms[i], fs[j], L,
                              /*beforeNarrowing=*/true));
      SmallVector<Value> at = outPixels[i];
      at.push_back(fs[0]);
      out = vector::TransferWriteOp::create(b, loc, narrow(vs), out, at,
                                            ArrayRef<bool>{true})
                .getResult();
    }
    return out;
  }
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nv; ++j) {
      int64_t valid = j + 1 < nv ? L : fValid;
      Value v = epilogue(accs[i * nv + j], ms[i], fs[j], valid);
      SmallVector<Value> at = outPixels[i];
      at.push_back(fs[j]);
      out = vector::TransferWriteOp::create(b, loc, v, out, at,
                                            ArrayRef<bool>{valid == L})
                .getResult();
    }
  return out;
}

Value KernelBuilder::build() {
  const int64_t L = kind.lanes, M = p.M();
  x = p.input;
  if (p.depthwise)
    packDepthwiseWeights();
  else
    packWeights();

  // Input channels padded to a multiple of G (the weights are 0 there).
  auto xType = cast<RankedTensorType>(x.getType());
  if (!p.depthwise && Cp != p.C) {
    SmallVector<OpFoldResult> low(xType.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> high(xType.getRank(), b.getIndexAttr(0));
    high.back() = b.getIndexAttr(Cp - p.C);
    SmallVector<int64_t> shape(xType.getShape());
    shape.back() = Cp;
    Value zero =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(xType.getElementType()));
    x = tensor::PadOp::create(b, loc,
                              RankedTensorType::get(shape,
                                                    xType.getElementType()),
                              x, low, high, zero);
  }
  if (!p.depthwise)
    prepareInput();
  else
    xFlat = tensor::CollapseShapeOp::create(
        b, loc, x, ArrayRef<ReassociationIndices>{{0, 1, 2, 3}});
  // Rows mode: with unit dilation along W, the KW x Cp input values of one
  // kernel row are contiguous, so the reduction runs over them in one loop
  // (longer trips, one loop level less; it matters for few channels).
  if (!p.depthwise && cast<RankedTensorType>(x.getType()).getRank() == 4 &&
      p.DW == 1 && p.KW > 1)
    xRows = tensor::CollapseShapeOp::create(
        b, loc, x, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});

  auto to2d = [&](Value v) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() == 2)
      return v;
    return tensor::CollapseShapeOp::create(
        b, loc, v, pixelChannelReassociation(t.getRank(), p.depthwise));
  };
  if (p.initTensor)
    init2d = to2d(p.initTensor);
  Value finalValue =
      p.epilogue ? p.epilogue->getResult(0) : p.op->getResult(0);
  auto finalType = cast<RankedTensorType>(finalValue.getType());
  outElt = finalType.getElementType();
  if (p.epilogue)
    for (auto [i, k] : llvm::enumerate(p.argKinds)) {
      Value in = p.epilogue.getDpsInputs()[i];
      if (k == OperandKind::Full)
        in = to2d(in);
      else if (k == OperandKind::Channel &&
               cast<RankedTensorType>(in.getType()).getRank() == 2)
        in = tensor::CollapseShapeOp::create(
            b, loc, in, ArrayRef<ReassociationIndices>{{0, 1}});
      epilogueInputs.push_back(in);
    }

  // The padded tensor's interior is written by the tiles below
  // (outputPixel), its border filled after them: filled first, the
  // identical fills of two same-shaped layers would be merged by CSE, and
  // bufferization would copy the shared buffer for each writer.
  Value out = tensor::EmptyOp::create(
      b, loc,
      p.padInto ? p.padInto->op.getResultType().getShape()
                : ArrayRef<int64_t>{M, p.F},
      outElt);

  // Paired taps: one block of 4L channels (four vectors), two pixels (the
  // interleaved inputs and pair sums need the other registers).
  int64_t nvMax = usePairedTaps() ? 4 : std::min<int64_t>(kind.maxVectors, FB);
  int64_t mr = std::max<int64_t>(
      1, std::min<int64_t>({kind.accRegs / nvMax,
                            usePairedTaps() ? int64_t(2)
                            : p.depthwise   ? int64_t(6)
                                            : 16,
                            M}));
  int64_t fMainBlocks = p.F / (nvMax * L);
  int64_t mMain = M / mr * mr;
  // The pixel-tile loop is marked for threads (option `threads` of the CPU
  // pipeline) only when one pass over it has enough work to pay for a
  // dispatch on the async runtime (tens of microseconds): small layers,
  // such as the 7x7 stage of ResNet-50, stay on the calling thread.
  // (Depthwise and pooling products run about 8x slower than the dot
  // instructions, so they count 8x.)
  int64_t reduction = p.KH * p.KW * std::max<int64_t>(p.C, 1) *
                      (p.depthwise ? 8 : 1);
  auto markParallel = [&](scf::ForOp loop, int64_t channelsPerPass) {
    if (M * channelsPerPass * reduction >= kMinParallelMACs)
      loop->setAttr(kParallelLoopAttrName, b.getUnitAttr());
  };

  // Cache blocking: with one channel block per pass over the pixels, the
  // block's weights stay in L1 but the whole input is read once per block.
  // When the input is larger than the cache budget, `group` blocks whose
  // weights fit the budget share one pass: a tile's input rows are reused
  // from L1 for all of them, and the input is read FB / group times.
  int64_t blockBytes = nvMax * L * p.KH * p.KW * Cp * weightBytes();
  int64_t inputBytes = cast<RankedTensorType>(x.getType()).getNumElements() *
                       weightBytes();
  int64_t group = 1;
  if (p.depthwise && fMainBlocks > 1)
    group = fMainBlocks;
  else if (!p.depthwise && cacheBytes > 0 && inputBytes > cacheBytes &&
      fMainBlocks > 1) {
    int64_t limit = std::max<int64_t>(1, cacheBytes / blockBytes);
    for (int64_t d = std::min(limit, fMainBlocks); d >= 1; --d)
      if (fMainBlocks % d == 0) {
        group = d;
        break;
      }
  }

  // One pass over the pixels (full tiles, then the remainder) for `blocks`
  // channel blocks of nv vectors from f0, with fValid channels in the last
  // vector of a block.
  auto pixelPass = [&](Value o, Value f0, int64_t blocks, int64_t nv,
                       int64_t fValid) {
    int64_t blockF = nv * L;
    auto tiles = [&](Value o, Value m0, int64_t rows) -> Value {
      if (blocks == 1)
        return tile(o, m0, rows, f0, nv, fValid);
      auto inner = scf::ForOp::create(
          b, loc, index(0), index(blocks * blockF), index(blockF),
          ValueRange{o}, [&](OpBuilder &, Location, Value fj, ValueRange a) {
            Value f = arith::AddIOp::create(b, loc, f0, fj);
            scf::YieldOp::create(b, loc, tile(a[0], m0, rows, f, nv, fValid));
          });
      return inner.getResult(0);
    };
    auto forOp = scf::ForOp::create(
        b, loc, index(0), index(mMain), index(mr), ValueRange{o},
        [&](OpBuilder &, Location, Value m0, ValueRange args) {
          scf::YieldOp::create(b, loc, tiles(args[0], m0, mr));
        });
    // Its iterations write disjoint output tiles: the CPU pipeline may run
    // them on several threads (option `threads`).
    markParallel(forOp, blocks * blockF);
    o = forOp.getResult(0);
    if (mMain < M)
      o = tiles(o, index(mMain), M - mMain);
    return o;
  };
  if (fMainBlocks > 0) {
    int64_t groupF = group * nvMax * L;
    auto forOp = scf::ForOp::create(
        b, loc, index(0), index(fMainBlocks * nvMax * L), index(groupF),
        ValueRange{out}, [&](OpBuilder &, Location, Value f0, ValueRange args) {
          scf::YieldOp::create(b, loc,
                               pixelPass(args[0], f0, group, nvMax, L));
        });
    out = forOp.getResult(0);
  }
  int64_t fDone = fMainBlocks * nvMax * L;
  if (fDone < p.F && usePairedTaps()) {
    // The channels after the last full block of paired taps: vpmaddwd on
    // single taps (a partial block's byte vectors would read past the end
    // of the input, and a masked byte load is one load per lane on AVX2).
    kind = KernelKind::get(kind.lanes == 8 ? CPUKernelISA::AVX2
                                           : CPUKernelISA::AVX512,
                           /*isFloat=*/false);
  }
  if (fDone < p.F) {
    int64_t rest = p.F - fDone;
    int64_t nv = llvm::divideCeil(rest, L);
    int64_t fValid = rest - (nv - 1) * L;
    out = pixelPass(out, index(fDone), 1, nv, fValid);
  }

  if (p.padInto)
    return fillPadBorder(b, loc, out, p.padInto->low, finalType.getShape(),
                         arith::ConstantOp::create(b, loc, p.padInto->value));
  if (finalType.getRank() == 2)
    return out;
  return tensor::ExpandShapeOp::create(
      b, loc, finalType, out,
      pixelChannelReassociation(finalType.getRank(), p.depthwise));
}

/// Whether no i16 pair sum of vpmaddubsw can saturate: for every output
/// channel and tap, each pair of input channels (2j, 2j + 1; the padding
/// channels have weight 0) times any unsigned input byte in [uLo, uHi]
/// stays within i16.
static bool pairsFitI16(const Problem &p, int64_t uLo, int64_t uHi) {
  for (int64_t f = 0; f < p.F; ++f)
    for (int64_t kh = 0; kh < p.KH; ++kh)
      for (int64_t kw = 0; kw < p.KW; ++kw)
        for (int64_t c = 0; c < p.C; c += 2) {
          int64_t lo = 0, hi = 0;
          for (int64_t cc = c; cc < std::min(c + 2, p.C); ++cc) {
            int64_t w = p.wInt[p.weightIndex(f, kh, kw, cc)];
            lo += std::min(w * uLo, w * uHi);
            hi += std::max(w * uLo, w * uHi);
          }
          if (lo < INT16_MIN || hi > INT16_MAX)
            return false;
        }
  return true;
}

/// Signed bounds of an op's input elements, by operation.
using InputBounds = llvm::DenseMap<Operation *, std::pair<int64_t, int64_t>>;

static std::pair<int64_t, int64_t> getInputBounds(ElementRanges &ranges,
                                                  Value input) {
  std::optional<ConstantIntRanges> r = ranges.get(input);
  if (!r || r->smin().getBitWidth() > 64)
    return {INT64_MIN, INT64_MAX};
  return {r->smin().getSExtValue(), r->smax().getSExtValue()};
}

//===----------------------------------------------------------------------===//
// Memory effects of the dot intrinsics
//===----------------------------------------------------------------------===//

/// `llvm.call_intrinsic` has no memory-effect interface, and ownership-based
/// buffer deallocation rejects ops with unknown effects. The x86 arithmetic
/// intrinsics the kernels call are pure; every other intrinsic is reported
/// as reading and writing any memory, which is what "unknown" meant.
struct CallIntrinsicEffects
    : public MemoryEffectOpInterface::ExternalModel<CallIntrinsicEffects,
                                                    LLVM::CallIntrinsicOp> {
  void getEffects(Operation *op,
                  SmallVectorImpl<SideEffects::EffectInstance<
                      MemoryEffects::Effect>> &effects) const {
    StringRef name = cast<LLVM::CallIntrinsicOp>(op).getIntrin();
    if (llvm::is_contained(
            ArrayRef<StringRef>{kVNNIIntrinsic, kMAdd512Intrinsic,
                                kMAdd256Intrinsic, kMAddUBS512Intrinsic,
                                kMAddUBS256Intrinsic},
            name))
      return;
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
  }
};

struct CallIntrinsicEffectsExtension
    : public DialectExtension<CallIntrinsicEffectsExtension,
                              LLVM::LLVMDialect> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CallIntrinsicEffectsExtension)

  void apply(MLIRContext *ctx, LLVM::LLVMDialect *) const final {
    std::optional<RegisteredOperationName> info =
        RegisteredOperationName::lookup(
            LLVM::CallIntrinsicOp::getOperationName(), ctx);
    if (info && info->hasInterface<MemoryEffectOpInterface>())
      return;
    LLVM::CallIntrinsicOp::attachInterface<CallIntrinsicEffects>(*ctx);
  }
};

//===----------------------------------------------------------------------===//
// Pattern and pass
//===----------------------------------------------------------------------===//

/// The ops the kernels rewrite.
static bool isKernelCandidate(Operation *op) {
  return isa<linalg::Conv2DNhwcFhwcOp, linalg::Conv2DNhwcFhwcQOp,
             linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNhwcHwcfQOp,
             linalg::MatmulOp, linalg::QuantizedMatmulOp,
             linalg::BatchMatmulOp, linalg::QuantizedBatchMatmulOp,
             linalg::DepthwiseConv2DNhwcHwcmOp,
             linalg::DepthwiseConv2DNhwcHwcmQOp,
             linalg::DepthwiseConv2DNhwcHwcOp,
             linalg::DepthwiseConv2DNhwcHwcQOp, linalg::PoolingNhwcMaxOp,
             linalg::PoolingNhwcSumOp>(op);
}

struct LinalgToCPUKernel : public OpInterfaceRewritePattern<linalg::LinalgOp> {
  LinalgToCPUKernel(MLIRContext *ctx, CPUKernelISA targetISA, bool fp32,
                    bool emulate, int64_t cacheBytes, bool maddubs,
                    const InputBounds *bounds, bool report)
      : OpInterfaceRewritePattern(ctx), targetISA(targetISA), fp32(fp32),
        emulate(emulate), cacheBytes(cacheBytes), maddubs(maddubs),
        bounds(bounds), report(report) {}

  /// The dot step and the input bias of an int8 convolution or matmul. A
  /// byte-input dot reads the input as u8: the bytes themselves when the
  /// input is proven to be in [0, 127] (a ReLU's output: no copy, no
  /// correction), else flipped (x ^ 0x80, with 128 * sum(w) taken off the
  /// start). vpmaddubsw replaces vpmaddwd (about 1.3x its throughput on
  /// Zen 3) only where its i16 pair sums cannot saturate, which holds for
  /// any int8 weights on a [0, 127] input.
  struct DotChoice {
    KernelKind kind;
    int64_t xBias;
    std::string why; // for report-kernels
  };
  DotChoice selectDot(linalg::LinalgOp op, const Problem &p) const {
    KernelKind kind = KernelKind::get(targetISA, p.isFloat);
    // A depthwise product has no channel reduction for vpdpbusd's
    // quadruples: on an AVX-512 VNNI host (which has AVX-512BW) a signed
    // input takes the AVX-512 vpmaddwd form (vpmulld otherwise); an input
    // in [0, 127] puts four taps in each quadruple instead (below).
    bool vnniDepthwise = p.depthwise && p.pool == Problem::Pool::None &&
                         !p.isFloat && kind.dot == KernelKind::VNNI;
    if (vnniDepthwise)
      kind = KernelKind::get(CPUKernelISA::AVX512, false);
    bool byteInput = kind.dot == KernelKind::VNNI ||
                     (kind.dot == KernelKind::MAdd && maddubs);
    if (p.isFloat || p.pool != Problem::Pool::None || !byteInput ||
        (p.depthwise && (kind.dot != KernelKind::MAdd ||
                         p.KH * p.KW > kMaxUnrolledTaps)))
      return {kind, kind.dot == KernelKind::VNNI ? 128 : 0, ""};
    auto [lo, hi] = [&] {
      if (bounds)
        if (auto it = bounds->find(op); it != bounds->end())
          return it->second;
      ElementRanges ranges;
      return getInputBounds(ranges, p.input);
    }();
    std::string in =
        "input in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    bool direct = lo >= 0 && hi <= 127;
    if (p.depthwise) {
      // Paired taps read the input bytes as they are (pairedDepthwise).
      if (direct && vnniDepthwise)
        return {KernelKind::get(targetISA, false), 0,
                in + ": read as unsigned, taps in fours"};
      if (direct)
        return {KernelKind::getUBS(targetISA), 0,
                in + ": read as unsigned, taps paired"};
      return {kind, 0, in + ": vpmaddwd on single taps"};
    }
    if (kind.dot == KernelKind::VNNI)
      return {kind, direct ? 0 : 128,
              in + (direct ? ": read as unsigned" : ": flipped")};
    if (direct && pairsFitI16(p, lo, hi))
      return {KernelKind::getUBS(targetISA), 0, in + ": read as unsigned"};
    if (lo >= -128 && hi <= 127 && pairsFitI16(p, lo + 128, hi + 128))
      return {KernelKind::getUBS(targetISA), 128,
              in + ": flipped, weight pairs within 128"};
    return {kind, 0, in + ": vpmaddubsw could saturate"};
  }

  /// The pad a kernel writes into: the only user of its NHWC result, with
  /// a constant padding value of the result's element type and static
  /// padding of H and W only.
  static std::optional<Problem::PadTarget> padConsumer(Value result,
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

  static StringRef dotName(const KernelKind &kind, const Problem &p) {
    if (p.pool == Problem::Pool::Max)
      return "max";
    if (p.pool == Problem::Pool::Sum)
      return "add";
    switch (kind.dot) {
    case KernelKind::VNNI:
      return "vpdpbusd";
    case KernelKind::MAdd:
      return "vpmaddwd";
    case KernelKind::MAddUBS:
      return "vpmaddubsw";
    case KernelKind::FMA:
      return "fma";
    }
    llvm_unreachable("unknown dot");
  }

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!isKernelCandidate(op))
      return rewriter.notifyMatchFailure(op, "not a supported op");
    FailureOr<Problem> problem = matchProblem(op, fp32);
    if (failed(problem))
      return rewriter.notifyMatchFailure(op, "unsupported form");
    Operation *root = problem->epilogue ? problem->epilogue.getOperation()
                                        : op.getOperation();
    rewriter.setInsertionPoint(root);
    auto [kind, xBias, why] = selectDot(op, *problem);
    if (problem->pool == Problem::Pool::Max && !problem->isFloat)
      kind.lanes *= 4; // i8 lanes
    if (report) {
      InFlightDiagnostic remark = op->emitRemark()
                                  << "micro-kernel: " << dotName(kind, *problem)
                                  << ", " << kind.lanes << " lanes";
      if (!why.empty())
        remark << " (" << why << ")";
      remark << (problem->epilogue ? ", epilogue fused" : "");
    }
    problem->padInto = padConsumer(root->getResult(0), *problem);
    KernelBuilder builder(rewriter, op.getLoc(), *problem, kind, xBias,
                          emulate, cacheBytes);
    Value result = builder.build();
    if (problem->padInto) {
      rewriter.replaceOp(problem->padInto->op, result);
      rewriter.eraseOp(root);
    } else {
      rewriter.replaceOp(root, result);
    }
    if (problem->epilogue)
      rewriter.eraseOp(op);
    return success();
  }

  CPUKernelISA targetISA;
  bool fp32;
  bool emulate;
  int64_t cacheBytes;
  bool maddubs;
  // Input bounds computed before any rewrite (a rewritten producer is no
  // longer analysable); without them, computed when the op is matched.
  const InputBounds *bounds;
  bool report; // a remark per rewritten op (option report-kernels)
};

struct ConvertLinalgToCPUKernelsPass
    : public qsim::impl::ConvertLinalgToCPUKernelsBase<
          ConvertLinalgToCPUKernelsPass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registerCPUKernelInterfaces(registry);
  }

  void runOnOperation() override {
    bool known = true;
    std::optional<CPUKernelISA> kernelISA =
        resolveCPUKernelISA(target, &known);
    if (!known) {
      getOperation().emitError() << "unknown micro-kernel target '" << target
                                 << "' (expected auto, avx512-vnni, avx512 "
                                    "or avx2)";
      return signalPassFailure();
    }
    if (kernelISA) {
      // The producers of every input are analysed before the first rewrite
      // replaces one of them with a kernel.
      InputBounds bounds;
      ElementRanges ranges;
      getOperation()->walk([&](linalg::LinalgOp op) {
        if (isKernelCandidate(op) && op->getNumOperands() > 0)
          bounds[op] = getInputBounds(ranges, op.getDpsInputs()[0]);
      });
      RewritePatternSet patterns(&getContext());
      patterns.add<LinalgToCPUKernel>(&getContext(), *kernelISA, fp32,
                                      emulate, int64_t(cacheKB) * 1024,
                                      maddubs, &bounds, reportKernels);
      // The greedy driver, not the walk driver: a rewrite replaces the
      // elementwise consumer too, which comes after the root in the block.
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    if (reportInt32)
      getOperation().walk([](Operation *op) {
        if (isa<arith::ConstantOp>(op))
          return;
        for (Value r : op->getResults()) {
          auto t = dyn_cast<RankedTensorType>(r.getType());
          if (!t || !t.getElementType().isInteger(32))
            continue;
          if (llvm::any_of(r.getUsers(), [](Operation *u) {
                return isa<linalg::LinalgOp>(u);
              }))
            op->emitRemark() << "i32 tensor " << t
                             << " is stored for another op to read";
        }
      });
  }
};

} // namespace

void mlir::qsim::registerCPUKernelInterfaces(DialectRegistry &registry) {
  registry.addExtensions<CallIntrinsicEffectsExtension>();
}

void mlir::qsim::populateLinalgToCPUKernelsPatterns(RewritePatternSet &patterns,
                                                    CPUKernelISA isa,
                                                    bool fp32, bool emulate,
                                                    int64_t cacheBytes,
                                                    bool maddubs) {
  patterns.add<LinalgToCPUKernel>(patterns.getContext(), isa, fp32, emulate,
                                  cacheBytes, maddubs, nullptr,
                                  /*report=*/false);
}
