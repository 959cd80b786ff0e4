//===- Realize.cpp - simulated quantization to integer arithmetic ---------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Rewrites quantizable ops whose result is simulated-quantized
// (`qsim.sim_quantize`) into integer code, each through its own
// `QuantizableOpInterface::realize` rule. The RealizeContext tracks the
// integer value of every simulated-quantized float value: a value gets one
// `qsim.quantize` however many consumers it has, and float consumers that
// remain (the return, ops left in float) read one `qsim.dequantize`.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
// The dialects the rules create ops of (the pass's dependentDialects).
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "qsim/Dialect/QSim/IR/QSimInterfaces.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "qsim/Dialect/QSim/Transforms/RealizeContext.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMREALIZE
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

/// The marker that a rule realizes `op` into: the `qsim.sim_quantize` that is
/// the only user of its only result, with per-tensor parameters.
static SimQuantizeOp outputOf(Operation *op) {
  if (op->getNumResults() != 1 || !op->getResult(0).hasOneUse())
    return {};
  auto sq = dyn_cast<SimQuantizeOp>(*op->getResult(0).getUsers().begin());
  if (!sq || sq.getParams().isPerChannel())
    return {};
  return sq;
}

/// A reshape that keeps the last dimension, between a contraction without an
/// output point and its bias add (annotate placed no point on it): the same
/// reshape of the int32 accumulator, recorded for the add.
static LogicalResult forwardAccumulator(Operation *op, RealizeContext &ctx) {
  auto reshape = dyn_cast<tosa::ReshapeOp>(op);
  if (!reshape)
    return failure();
  const RealizeContext::Accumulator *acc =
      ctx.getAccumulator(reshape.getInput1());
  auto outTy = cast<RankedTensorType>(reshape.getType());
  if (!acc || outTy.getRank() == 0 ||
      cast<RankedTensorType>(acc->value.getType()).getShape().back() !=
          outTy.getShape().back())
    return failure();
  SmallVector<double> scales = acc->scales;
  OpBuilder b(op);
  auto r = tosa::ReshapeOp::create(
      b, op->getLoc(), RealizeContext::withElementType(outTy, ctx.intType(32)),
      acc->value, reshape.getShape());
  ctx.recordAccumulator(reshape.getResult(), r, scales);
  return success();
}

/// Realizes the quantizable ops of `func`; returns how many were realized and
/// how many were left float.
static std::pair<unsigned, unsigned> realizeFunction(func::FuncOp func) {
  RealizeContext ctx(func.getContext());
  unsigned left = 0;
  SmallVector<QuantizableOpInterface> ops;
  func.walk([&](QuantizableOpInterface op) { ops.push_back(op); });
  for (QuantizableOpInterface op : ops) {
    SimQuantizeOp out = outputOf(op);
    if (!out && succeeded(forwardAccumulator(op, ctx)))
      continue;
    // No output point (annotate placed none: only float ops read the
    // result): a contraction computes its float result from the integer
    // accumulator.
    bool floatResult = !out && op.canRealizeWithFloatResult() &&
                       op->getNumResults() == 1 &&
                       llvm::none_of(op->getResult(0).getUsers(), [](Operation *u) {
                         return isa<SimQuantizeOp>(u);
                       });
    if ((!out && !floatResult) || failed(op.realize(ctx, out)))
      ++left;
  }

  // Float consumers that remain read one dequantize per value.
  llvm::SetVector<Operation *> &realized = ctx.getRealizedOps();
  for (auto &[f, q] : ctx.getIntegerValues()) {
    SmallVector<OpOperand *> floatUses;
    for (OpOperand &use : f.getUses())
      if (!realized.contains(use.getOwner()))
        floatUses.push_back(&use);
    if (floatUses.empty())
      continue;
    OpBuilder b(func.getContext());
    b.setInsertionPointAfterValue(q.value);
    auto deq =
        DequantizeOp::create(b, f.getLoc(), f.getType(), q.value, q.params);
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
      auto [done, left] = realizeFunction(func);
      numRealized += done;
      numLeftFloat += left;
      if (intIO)
        exposeIntegerInterface(func);
    }
  }
};
} // namespace
