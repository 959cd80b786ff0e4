//===- Int8Dot4.cpp - int8 reductions on dp4a -----------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMGPUINT8DOT4
#include "qsim/Transforms/GPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

namespace {
/// Rewrites the int8 reductions of the loop nests (conv and matmul `k` loops
/// after qsim-gpu-promote-accumulators):
///
///   %r = scf.for %k = %lb to %ub step 1 iter_args(%acc = %init) -> i32 {
///     %a = memref.load %A[.., f(%k), ..] : i8     %b = memref.load %B[..]
///     %x = arith.ext{s,u}i %a : i8 to i32          (optionally - %za)
///     %y = arith.ext{s,u}i %b : i8 to i32          (optionally - %zb)
///     scf.yield (%acc + %x * %y)
///   }
///
/// into a loop over groups of four `k` that packs four bytes of each operand
/// into a vector<4xi8> (one 4-byte vector.load when `k` indexes the
/// contiguous innermost dimension of an identity-layout buffer, else four
/// byte loads) and issues `nvvm.dot.accumulate.4way` (PTX dp4a.s32.s32; .u32
/// for zero-extended bytes). Zero points are corrected exactly:
/// sum((x - za)(y - zb)) = sum(xy) - za sum(y) - zb sum(x) + n za zb, the sums
/// being dp4a with a vector of ones. All of it is i32 arithmetic modulo 2^32,
/// as dp4a's accumulation is, so the result is bit for bit the one of the
/// scalar loop (and of the CPU path). The last (ub - lb) mod 4 iterations stay
/// in the original loop. With `emulate`, the dot product is vector arithmetic
/// instead of the NVVM op, so the rewrite can run on the CPU (tests).
struct Int8Dot4Pass : public qsim::impl::QSimGPUInt8Dot4Base<Int8Dot4Pass> {
  using Base::Base;
  explicit Int8Dot4Pass(bool emulate) : emulate(emulate) {}

  /// The dot product as vector arithmetic (the test driver's variant).
  bool emulate = false;

  /// One operand of the product: (ext(load) - zeroPoint).
  struct Operand {
    memref::LoadOp load;
    bool isSigned = true;
    Value zeroPoint;
  };

  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>())
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops)
      rewrite(loop);
  }

  /// Matches `v` = ext{s,u}i(load) [- zp] with the load in `loop`'s body.
  static std::optional<Operand> matchOperand(Value v, scf::ForOp loop) {
    Operand operand;
    if (auto sub = v.getDefiningOp<arith::SubIOp>()) {
      if (!loop.isDefinedOutsideOfLoop(sub.getRhs()))
        return std::nullopt;
      operand.zeroPoint = sub.getRhs();
      v = sub.getLhs();
    }
    Value in;
    if (auto ext = v.getDefiningOp<arith::ExtSIOp>()) {
      in = ext.getIn();
    } else if (auto ext = v.getDefiningOp<arith::ExtUIOp>()) {
      in = ext.getIn();
      operand.isSigned = false;
    } else {
      return std::nullopt;
    }
    if (!in.getType().isInteger(8))
      return std::nullopt;
    operand.load = in.getDefiningOp<memref::LoadOp>();
    if (!operand.load || operand.load->getBlock() != loop.getBody())
      return std::nullopt;
    return operand;
  }

  /// The ops of `loop`'s body that `value` depends on, in block order;
  /// fails if one of them has side effects.
  static LogicalResult getIndexSlice(scf::ForOp loop, ValueRange values,
                                     llvm::SetVector<Operation *> &slice) {
    SmallVector<Value> worklist(values);
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      if (auto arg = dyn_cast<BlockArgument>(v);
          arg && arg.getOwner() == loop.getBody() &&
          v != loop.getInductionVar())
        return failure();
      Operation *def = v.getDefiningOp();
      if (!def || def->getBlock() != loop.getBody() || slice.contains(def))
        continue;
      if (!isPure(def) || def->getNumRegions())
        return failure();
      slice.insert(def);
      llvm::append_range(worklist, def->getOperands());
    }
    SmallVector<Operation *> sorted(slice.begin(), slice.end());
    llvm::sort(sorted, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    slice.clear();
    slice.insert(sorted.begin(), sorted.end());
    return success();
  }

  static bool dependsOn(Value v, Value iv, scf::ForOp loop) {
    if (v == iv)
      return true;
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != loop.getBody())
      return false;
    return llvm::any_of(def->getOperands(),
                        [&](Value o) { return dependsOn(o, iv, loop); });
  }

  /// Whether a buffer's aligned pointer is that of an allocation, a global or
  /// an argument (all placed in managed memory by qsim-gpu-device-memory, which
  /// aligns to at least 256 bytes), through reshapes only.
  static bool hasAllocationAlignedBase(Value memref) {
    while (Operation *def = memref.getDefiningOp()) {
      if (isa<memref::AllocOp, memref::GetGlobalOp, gpu::AllocOp>(def))
        return true;
      if (auto expand = dyn_cast<memref::ExpandShapeOp>(def)) {
        memref = expand.getSrc();
        continue;
      }
      if (auto collapse = dyn_cast<memref::CollapseShapeOp>(def)) {
        memref = collapse.getSrc();
        continue;
      }
      return false;
    }
    auto arg = cast<BlockArgument>(memref);
    return arg.getOwner()->isEntryBlock() &&
           isa<FunctionOpInterface>(arg.getOwner()->getParentOp());
  }

  /// Four consecutive-`k` bytes of `operand` (k, k+1, k+2, k+3) as a
  /// vector<4xi8>, computed at `b`'s insertion point in the new loop.
  Value pack(OpBuilder &b, Location loc, scf::ForOp loop, Operand operand,
             Value k, int64_t lowerBound) {
    memref::LoadOp load = operand.load;
    Value iv = loop.getInductionVar();
    auto type = VectorType::get({4}, b.getI8Type());
    llvm::SetVector<Operation *> slice;
    (void)getIndexSlice(loop, load.getIndices(), slice); // checked by match
    auto memrefType = cast<MemRefType>(load.getMemRef().getType());
    ValueRange indices = load.getIndices();
    bool contiguous =
        !indices.empty() && indices.back() == iv &&
        memrefType.getLayout().isIdentity() && memrefType.hasStaticShape() &&
        llvm::none_of(indices.drop_back(),
                      [&](Value v) { return dependsOn(v, iv, loop); });
    auto cloneIndices = [&](Value position) {
      IRMapping mapping;
      mapping.map(iv, position);
      for (Operation *op : slice)
        b.clone(*op, mapping);
      return llvm::map_to_vector(
          indices, [&](Value v) { return mapping.lookupOrDefault(v); });
    };
    if (contiguous) {
      SmallVector<Value> at = cloneIndices(k);
      llvm::MaybeAlign align;
      if (!emulate && memrefType.getShape().back() % 4 == 0 &&
          lowerBound % 4 == 0 && hasAllocationAlignedBase(load.getMemRef()))
        align = llvm::Align(4);
      return vector::LoadOp::create(b, loc, type, load.getMemRef(), at,
                                    /*nontemporal=*/false, align);
    }
    SmallVector<Value> bytes;
    for (int64_t j = 0; j < 4; ++j) {
      Value position =
          j == 0 ? k
                 : arith::AddIOp::create(
                       b, loc, k, arith::ConstantIndexOp::create(b, loc, j));
      SmallVector<Value> at = cloneIndices(position);
      bytes.push_back(memref::LoadOp::create(b, loc, load.getMemRef(), at));
    }
    return vector::FromElementsOp::create(b, loc, type, bytes);
  }

  /// acc + sum(ext(a[i]) * ext(b[i])), i = 0..3, modulo 2^32.
  Value dot4(OpBuilder &b, Location loc, Value a, bool aSigned, Value bv,
             bool bSigned, Value acc) {
    if (!emulate) {
      auto kind = [](bool s) {
        return s ? NVVM::DotAccumulateType::SIGNED
                 : NVVM::DotAccumulateType::UNSIGNED;
      };
      return NVVM::DotAccumulate4WayOp::create(
          b, loc, b.getI32Type(), a, kind(aSigned), bv, kind(bSigned), acc);
    }
    auto wide = VectorType::get({4}, b.getI32Type());
    auto extend = [&](Value v, bool s) -> Value {
      if (s)
        return arith::ExtSIOp::create(b, loc, wide, v);
      return arith::ExtUIOp::create(b, loc, wide, v);
    };
    Value product =
        arith::MulIOp::create(b, loc, extend(a, aSigned), extend(bv, bSigned));
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                       product, acc);
  }

  void rewrite(scf::ForOp loop) {
    if (loop.getNumRegionIterArgs() != 1 ||
        !loop.getRegionIterArgs()[0].getType().isInteger(32))
      return;
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
    std::optional<int64_t> step = getConstantIntValue(loop.getStep());
    if (!lb || !ub || !step || *step != 1 || *ub - *lb < 4)
      return;
    // The body must only compute the yielded value: reads and pure ops.
    for (Operation &op : loop.getBody()->without_terminator())
      if (!isa<memref::LoadOp>(op) && (!isPure(&op) || op.getNumRegions()))
        return;
    Value acc = loop.getRegionIterArgs()[0];
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    auto add = yield.getOperand(0).getDefiningOp<arith::AddIOp>();
    if (!add)
      return;
    Value term = add.getLhs() == acc   ? add.getRhs()
                 : add.getRhs() == acc ? add.getLhs()
                                       : Value();
    auto mul = term ? term.getDefiningOp<arith::MulIOp>() : nullptr;
    if (!mul)
      return;
    std::optional<Operand> x = matchOperand(mul.getLhs(), loop);
    std::optional<Operand> y = matchOperand(mul.getRhs(), loop);
    if (!x || !y)
      return;
    for (Operand o : {*x, *y}) {
      llvm::SetVector<Operation *> slice;
      if (failed(getIndexSlice(loop, o.load.getIndices(), slice)))
        return;
    }

    int64_t mainCount = (*ub - *lb) / 4 * 4;
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    SmallVector<Value> inits{loop.getInitArgs()[0]};
    // sum(y) corrects x's zero point, sum(x) y's.
    bool needSumY = bool(x->zeroPoint), needSumX = bool(y->zeroPoint);
    Value ones;
    if (needSumY || needSumX) {
      Value zero = arith::ConstantIntOp::create(b, loc, 0, 32);
      inits.append(int(needSumY) + int(needSumX), zero);
      ones = arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(VectorType::get({4}, b.getI8Type()),
                                 b.getI8IntegerAttr(1)));
    }
    Value mainUb = arith::ConstantIndexOp::create(b, loc, *lb + mainCount);
    Value four = arith::ConstantIndexOp::create(b, loc, 4);
    auto main = scf::ForOp::create(
        b, loc, loop.getLowerBound(), mainUb, four, inits,
        [&](OpBuilder &nb, Location nloc, Value k, ValueRange args) {
          Value vx = pack(nb, nloc, loop, *x, k, *lb);
          Value vy = pack(nb, nloc, loop, *y, k, *lb);
          SmallVector<Value> next{
              dot4(nb, nloc, vx, x->isSigned, vy, y->isSigned, args[0])};
          unsigned i = 1;
          if (needSumY)
            next.push_back(
                dot4(nb, nloc, ones, true, vy, y->isSigned, args[i++]));
          if (needSumX)
            next.push_back(
                dot4(nb, nloc, vx, x->isSigned, ones, true, args[i++]));
          scf::YieldOp::create(nb, nloc, next);
        });
    Value result = main.getResult(0);
    unsigned i = 1;
    if (needSumY) {
      Value c =
          arith::MulIOp::create(b, loc, x->zeroPoint, main.getResult(i++));
      result = arith::SubIOp::create(b, loc, result, c);
    }
    if (needSumX) {
      Value c =
          arith::MulIOp::create(b, loc, y->zeroPoint, main.getResult(i++));
      result = arith::SubIOp::create(b, loc, result, c);
    }
    if (needSumX && needSumY) {
      Value n = arith::ConstantIntOp::create(b, loc, mainCount, 32);
      Value zz = arith::MulIOp::create(b, loc, x->zeroPoint, y->zeroPoint);
      result = arith::AddIOp::create(b, loc, result,
                                     arith::MulIOp::create(b, loc, zz, n));
    }
    if (mainCount == *ub - *lb) {
      loop.getResult(0).replaceAllUsesWith(result);
      loop.erase();
      return;
    }
    // The remaining iterations in the original loop.
    loop.setLowerBound(mainUb);
    loop.getInitArgsMutable()[0].set(result);
  }
};
} // namespace

std::unique_ptr<Pass> mlir::qsim::createQSimGPUInt8Dot4EmulatingDots() {
  return std::make_unique<Int8Dot4Pass>(/*emulate=*/true);
}
