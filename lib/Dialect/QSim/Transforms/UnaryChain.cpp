//===- UnaryChain.cpp - evaluate elementwise float ops on one input -------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// f32 semantics: every step's result is an f32. Add, sub, mul, reciprocal,
// abs, negate, floor, ceil, clamp, maximum and minimum are exact IEEE f32
// operations (what the lowered float model computes); the transcendental
// functions are evaluated in double and rounded once, which is within an
// ulp of any f32 implementation. NaN propagates through clamp, maximum and
// minimum (TOSA's default nan_mode).
//
//===----------------------------------------------------------------------===//

#include "qsim/Dialect/QSim/Transforms/UnaryChain.h"

#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qsim;

namespace {
bool isF32Tensor(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return tensor && tensor.getElementType().isF32();
}

/// The value of a splat f32 constant (any shape), if `v` is one.
std::optional<float> getSplatF32(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat() ||
      !attr.getElementType().isF32())
    return std::nullopt;
  return attr.getSplatValue<float>();
}

/// NaN-propagating max/min (TOSA's PROPAGATE mode; std::fmax drops NaN).
float propagatingMax(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<float>::quiet_NaN();
  return a < b ? b : a;
}
float propagatingMin(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<float>::quiet_NaN();
  return b < a ? b : a;
}
} // namespace

DenseElementsAttr UnaryChain::matchPerChannelConstant(Value v,
                                                      ShapedType type) {
  int64_t rank = type.getRank();
  if (rank == 0 || ShapedType::isDynamic(type.getDimSize(rank - 1)) ||
      type.getDimSize(rank - 1) <= 1)
    return {};
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || attr.isSplat() ||
      !attr.getElementType().isF32())
    return {};
  auto shape = attr.getType().getShape();
  if (static_cast<int64_t>(shape.size()) != rank ||
      shape.back() != type.getDimSize(rank - 1) ||
      !llvm::all_of(shape.drop_back(), [](int64_t d) { return d == 1; }))
    return {};
  return attr;
}

bool UnaryChain::isEvaluable(Operation *op) {
  if (op->getNumResults() != 1 || !isF32Tensor(op->getResult(0).getType()))
    return false;
  return isa<tosa::SigmoidOp, tosa::TanhOp, tosa::ErfOp, tosa::ExpOp,
             tosa::LogOp, tosa::ReciprocalOp, tosa::RsqrtOp, tosa::AbsOp,
             tosa::NegateOp, tosa::FloorOp, tosa::CeilOp, tosa::ClampOp,
             tosa::AddOp, tosa::SubOp, tosa::MulOp, tosa::MaximumOp,
             tosa::MinimumOp, tosa::PowOp>(op);
}

FailureOr<UnaryChain>
UnaryChain::build(Value input, Value output, ArrayRef<Operation *> ops,
                  function_ref<Value(Value)> lookThrough) {
  if (!isF32Tensor(input.getType()))
    return failure();
  auto inputType = cast<RankedTensorType>(input.getType());
  auto shape = inputType.getShape();
  DenseMap<Value, int> slots;
  slots[input] = 0;
  UnaryChain chain;
  auto operand = [&](Value v) -> std::optional<Operand> {
    if (lookThrough)
      v = lookThrough(v);
    auto it = slots.find(v);
    if (it != slots.end())
      return Operand{it->second, 0.0f};
    if (auto c = getSplatF32(v))
      return Operand{-1, *c};
    if (DenseElementsAttr attr = matchPerChannelConstant(v, inputType)) {
      chain.channelValues.emplace_back(attr.getValues<float>().begin(),
                                       attr.getValues<float>().end());
      chain.numChannels = shape.back();
      return Operand{-1, 0.0f,
                     static_cast<int>(chain.channelValues.size()) - 1};
    }
    return std::nullopt;
  };
  for (Operation *op : ops) {
    if (!isEvaluable(op) ||
        cast<RankedTensorType>(op->getResult(0).getType()).getShape() != shape)
      return failure();
    Step step;
    // The data operands; the rest (mul's shift, negate's zero points) must
    // be constants, which they are in every valid f32 op.
    unsigned numData = 1;
    auto kind =
        llvm::TypeSwitch<Operation *, std::optional<Kind>>(op)
            .Case([](tosa::SigmoidOp) { return Kind::Sigmoid; })
            .Case([](tosa::TanhOp) { return Kind::Tanh; })
            .Case([](tosa::ErfOp) { return Kind::Erf; })
            .Case([](tosa::ExpOp) { return Kind::Exp; })
            .Case([](tosa::LogOp) { return Kind::Log; })
            .Case([](tosa::ReciprocalOp) { return Kind::Reciprocal; })
            .Case([](tosa::RsqrtOp) { return Kind::Rsqrt; })
            .Case([](tosa::AbsOp) { return Kind::Abs; })
            .Case([](tosa::NegateOp) { return Kind::Negate; })
            .Case([](tosa::FloorOp) { return Kind::Floor; })
            .Case([](tosa::CeilOp) { return Kind::Ceil; })
            .Case([&](tosa::ClampOp c) -> std::optional<Kind> {
              auto lo = dyn_cast<FloatAttr>(c.getMinValAttr());
              auto hi = dyn_cast<FloatAttr>(c.getMaxValAttr());
              if (!lo || !hi)
                return std::nullopt;
              step.lo = static_cast<float>(lo.getValueAsDouble());
              step.hi = static_cast<float>(hi.getValueAsDouble());
              return Kind::Clamp;
            })
            .Case([&](tosa::AddOp) { numData = 2; return Kind::Add; })
            .Case([&](tosa::SubOp) { numData = 2; return Kind::Sub; })
            .Case([&](tosa::MulOp) { numData = 2; return Kind::Mul; })
            .Case([&](tosa::MaximumOp) { numData = 2; return Kind::Maximum; })
            .Case([&](tosa::MinimumOp) { numData = 2; return Kind::Minimum; })
            .Case([&](tosa::PowOp) { numData = 2; return Kind::Pow; })
            .Default([](Operation *) { return std::nullopt; });
    if (!kind)
      return failure();
    step.kind = *kind;
    for (unsigned i = numData, e = op->getNumOperands(); i < e; ++i)
      if (!matchPattern(op->getOperand(i), m_Constant()))
        return failure();
    std::optional<Operand> lhs = operand(op->getOperand(0));
    if (!lhs)
      return failure();
    step.lhs = *lhs;
    if (numData == 2) {
      std::optional<Operand> rhs = operand(op->getOperand(1));
      if (!rhs)
        return failure();
      step.rhs = *rhs;
    }
    chain.steps.push_back(step);
    slots[op->getResult(0)] = chain.steps.size();
  }
  auto it = slots.find(output);
  if (it == slots.end() || it->second != static_cast<int>(chain.steps.size()))
    return failure();
  return chain;
}

float UnaryChain::evaluate(float x, int64_t channel) const {
  assert(channel >= 0 && channel < numChannels && "channel out of range");
  SmallVector<float> values;
  values.reserve(steps.size() + 1);
  values.push_back(x);
  auto read = [&](const Operand &o) {
    if (o.perChannel >= 0)
      return channelValues[o.perChannel][channel];
    return o.slot < 0 ? o.value : values[o.slot];
  };
  for (const Step &s : steps) {
    float a = read(s.lhs);
    double d = a;
    float r = 0.0f;
    switch (s.kind) {
    case Kind::Sigmoid:
      r = static_cast<float>(1.0 / (1.0 + std::exp(-d)));
      break;
    case Kind::Tanh:
      r = static_cast<float>(std::tanh(d));
      break;
    case Kind::Erf:
      r = static_cast<float>(std::erf(d));
      break;
    case Kind::Exp:
      r = static_cast<float>(std::exp(d));
      break;
    case Kind::Log:
      r = static_cast<float>(std::log(d));
      break;
    case Kind::Reciprocal:
      r = 1.0f / a;
      break;
    case Kind::Rsqrt:
      r = static_cast<float>(1.0 / std::sqrt(d));
      break;
    case Kind::Abs:
      r = std::fabs(a);
      break;
    case Kind::Negate:
      r = -a;
      break;
    case Kind::Floor:
      r = std::floor(a);
      break;
    case Kind::Ceil:
      r = std::ceil(a);
      break;
    case Kind::Clamp:
      r = propagatingMin(propagatingMax(a, s.lo), s.hi);
      break;
    case Kind::Add:
      r = a + read(s.rhs);
      break;
    case Kind::Sub:
      r = a - read(s.rhs);
      break;
    case Kind::Mul:
      r = a * read(s.rhs);
      break;
    case Kind::Maximum:
      r = propagatingMax(a, read(s.rhs));
      break;
    case Kind::Minimum:
      r = propagatingMin(a, read(s.rhs));
      break;
    case Kind::Pow:
      r = static_cast<float>(std::pow(d, static_cast<double>(read(s.rhs))));
      break;
    }
    values.push_back(r);
  }
  return values.back();
}
