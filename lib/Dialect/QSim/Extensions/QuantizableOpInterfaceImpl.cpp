//===- QuantizableOpInterfaceImpl.cpp - TOSA/linalg external models -------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Quantization rules of upstream ops, attached as external models of
// QuantizableOpInterface. Each rule is a row of compile-time facts (category,
// how many leading operands are inputs, where the weight and bias are, the
// weight's output-channel axis, whether the result keeps the input scale)
// and the function that realizes the op in integers (RealizeRules.h; none:
// the interface's default, which clones a scale-preserving op on integers).
//
//===----------------------------------------------------------------------===//

#include "qsim/Dialect/QSim/Extensions/QuantizableOpInterfaceImpl.h"
#include "RealizeRules.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "qsim/Dialect/QSim/IR/QSimInterfaces.h"

using namespace mlir;
using namespace mlir::qsim;

namespace {
/// Operand layout of a quantizable op. `numInputs` leading operands are
/// inputs (-1: all operands); `weight`/`bias` are operand indices (-1: none).
struct Rule {
  QuantOpCategory category;
  int numInputs;
  int weight = -1;
  int weightAxis = -1;
  int bias = -1;
  bool preservesScale = false;
  RealizeFn realize = nullptr;
  /// Whether `realize` also computes a float result (a null `out`).
  bool floatResult = false;
};

template <typename OpTy>
struct RuleModel
    : public QuantizableOpInterface::ExternalModel<RuleModel<OpTy>, OpTy> {
  static Rule rule;

  QuantOpCategory getQuantCategory(Operation *) const {
    return rule.category;
  }
  std::optional<QuantKind> getOperandQuantKind(Operation *op,
                                               unsigned index) const {
    if (static_cast<int>(index) == rule.weight)
      return QuantKind::Weight;
    if (static_cast<int>(index) == rule.bias)
      return QuantKind::Bias;
    int numInputs = rule.numInputs;
    if (numInputs < 0) {
      // Destination-style ops: every input, never the init operands.
      if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
        numInputs = dps.getNumDpsInputs();
      else
        numInputs = op->getNumOperands();
    }
    if (static_cast<int>(index) < numInputs)
      return QuantKind::Input;
    return std::nullopt;
  }
  std::optional<int64_t> getWeightChannelAxis(Operation *,
                                              unsigned index) const {
    if (static_cast<int>(index) == rule.weight && rule.weightAxis >= 0)
      return rule.weightAxis;
    return std::nullopt;
  }
  bool preservesScale(Operation *) const { return rule.preservesScale; }
  bool canRealizeWithFloatResult(Operation *) const { return rule.floatResult; }
  LogicalResult realize(Operation *op, RealizeContext &ctx,
                        SimQuantizeOp out) const {
    if (rule.realize)
      return rule.realize(op, ctx, out);
    return qsim::detail::realizeScalePreserving(ctx, op, out);
  }
};

template <typename OpTy>
Rule RuleModel<OpTy>::rule;

/// Attaches the model with `r` as its rule.
template <typename OpTy>
void attach(MLIRContext *ctx, Rule r) {
  RuleModel<OpTy>::rule = r;
  OpTy::template attachInterface<RuleModel<OpTy>>(*ctx);
}

using C = QuantOpCategory;
} // namespace

void mlir::qsim::registerTosaQuantizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, tosa::TosaDialect *) {
    // conv2d: input, weight [OC, KH, KW, IC], bias [OC], then zero points.
    attach<tosa::Conv2DOp>(ctx,
                           {C::Conv, 1, 1, 0, 2, false, realizeTosaConv, true});
    // depthwise weight [KH, KW, C, M]: output channel c*M+m; per-channel
    // scales run along C (exact when M == 1).
    attach<tosa::DepthwiseConv2DOp>(
        ctx, {C::DepthwiseConv, 1, 1, 2, 2, false, realizeTosaConv, true});
    // matmul a [N, H, C] x b [N, C, W]: b's output channels are dim 2.
    attach<tosa::MatMulOp>(ctx,
                           {C::Dense, 1, 1, 2, -1, false, realizeTosaMatmul,
                            true});
    attach<tosa::AddOp>(ctx, {C::Add, 2, -1, -1, -1, false, realizeTosaAdd});
    // The third operand of tosa.mul is its shift.
    attach<tosa::MulOp>(ctx, {C::Mul, 2, -1, -1, -1, false, realizeTosaMul});
    // A clamp keeps its input's scale but narrows its range: its own rule.
    attach<tosa::ClampOp>(ctx,
                          {C::Clamp, 1, -1, -1, -1, true, realizeTosaClamp});
    attach<tosa::MaxPool2dOp>(ctx, {C::MaxPool, 1, -1, -1, -1, true});
    // avg_pool2d's two other operands are zero points.
    attach<tosa::AvgPool2dOp>(
        ctx, {C::AvgPool, 1, -1, -1, -1, false, realizeTosaAvgPool});
    attach<tosa::ConcatOp>(
        ctx, {C::Concat, -1, -1, -1, -1, false, realizeTosaConcat});
    attach<tosa::ReshapeOp>(ctx, {C::Reshape, 1, -1, -1, -1, true});
    attach<tosa::TransposeOp>(ctx, {C::Reshape, 1, -1, -1, -1, true});
    // A pad keeps the scale; its rule pads with the padding value's integer
    // (the zero point for a convolution's zero padding).
    attach<tosa::PadOp>(ctx, {C::Reshape, 1, -1, -1, -1, true, realizeTosaPad});
    // The importer slices off what a strided convolution does not read.
    attach<tosa::SliceOp>(ctx, {C::Reshape, 1, -1, -1, -1, true});
    // Nonlinear activations get their own output point: --qsim-fuse-lut
    // turns them (with the elementwise ops around them) into a table.
    attach<tosa::SigmoidOp>(ctx, {C::Elementwise, 1});
    attach<tosa::TanhOp>(ctx, {C::Elementwise, 1});
    attach<tosa::ErfOp>(ctx, {C::Elementwise, 1});
  });
}

void mlir::qsim::registerLinalgQuantizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, linalg::LinalgDialect *) {
    RealizeFn named = realizeLinalgContraction;
    // Weight layouts: fhwc/fchw have F first; hwcf has F last.
    attach<linalg::Conv2DNhwcFhwcOp>(ctx, {C::Conv, 1, 1, 0, -1, false, named});
    attach<linalg::Conv2DNhwcHwcfOp>(ctx, {C::Conv, 1, 1, 3, -1, false, named});
    attach<linalg::Conv2DNchwFchwOp>(ctx, {C::Conv, 1, 1, 0, -1, false, named});
    // Grouped: the output channel is (g, f), over two dimensions of the
    // weight, and a channel axis is one: the scales are per group (axis 0,
    // G), which the realize rule spreads over each group's channels.
    attach<linalg::Conv2DNhwgcGfhwcOp>(ctx, {C::Conv, 1, 1, 0, -1, false, named});
    attach<linalg::Conv2DNgchwGfchwOp>(ctx, {C::Conv, 1, 1, 0, -1, false, named});
    attach<linalg::DepthwiseConv2DNhwcHwcOp>(
        ctx, {C::DepthwiseConv, 1, 1, 2, -1, false, named});
    attach<linalg::DepthwiseConv2DNhwcHwcmOp>(
        ctx, {C::DepthwiseConv, 1, 1, 2, -1, false, named});
    attach<linalg::MatmulOp>(ctx, {C::Dense, 1, 1, 1, -1, false, named});
    attach<linalg::BatchMatmulOp>(ctx, {C::Dense, 1, 1, 2, -1, false, named});
    // Pooling: operand 1 is the (shape-only) window tensor. The named-op
    // rule declines them, and the default would keep a float init, so they
    // stay float.
    attach<linalg::PoolingNhwcMaxOp>(ctx,
                                     {C::MaxPool, 1, -1, -1, -1, true, named});
    attach<linalg::PoolingNchwMaxOp>(ctx,
                                     {C::MaxPool, 1, -1, -1, -1, true, named});
    attach<linalg::PoolingNhwcSumOp>(ctx,
                                     {C::AvgPool, 1, -1, -1, -1, false, named});
    attach<linalg::PoolingNchwSumOp>(ctx,
                                     {C::AvgPool, 1, -1, -1, -1, false, named});
  });
}

void mlir::qsim::registerQuantizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registerTosaQuantizableOpInterfaceExternalModels(registry);
  registerLinalgQuantizableOpInterfaceExternalModels(registry);
}
