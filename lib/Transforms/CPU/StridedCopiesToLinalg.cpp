//===- StridedCopiesToLinalg.cpp - strided copies to memcpy loops ---------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMCPUSTRIDEDCOPIESTOLINALG
#include "qsim/Transforms/CPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

namespace {
/// `memref.copy` between buffers that are not both contiguous lowers to the
/// runtime's element-by-element `memrefCopy`; see the pass description.
struct StridedCopiesToLinalgPass
    : public qsim::impl::QSimCPUStridedCopiesToLinalgBase<
          StridedCopiesToLinalgPass> {
  using Base::Base;

  /// The first dimension from which on both buffers are contiguous (rank
  /// when the innermost stride of one is not 1), for static layouts.
  static std::optional<int64_t> contiguousFrom(MemRefType a, MemRefType b) {
    if (!a.hasStaticShape() || a.getShape() != b.getShape())
      return std::nullopt;
    int64_t rank = a.getRank(), from = rank;
    SmallVector<int64_t> sa, sb;
    int64_t oa, ob;
    if (failed(a.getStridesAndOffset(sa, oa)) ||
        failed(b.getStridesAndOffset(sb, ob)) ||
        llvm::any_of(llvm::concat<int64_t>(sa, sb), ShapedType::isDynamic))
      return std::nullopt;
    ArrayRef<int64_t> shape = a.getShape();
    int64_t expected = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (shape[d] != 1 && (sa[d] != expected || sb[d] != expected))
        break;
      expected *= shape[d];
      from = d;
    }
    return from;
  }

  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) {
      auto src = dyn_cast<MemRefType>(op.getSource().getType());
      auto dst = dyn_cast<MemRefType>(op.getTarget().getType());
      if (src && dst && src.getRank() > 0 &&
          !(memref::isStaticShapeAndContiguousRowMajor(src) &&
            memref::isStaticShapeAndContiguousRowMajor(dst)))
        copies.push_back(op);
    });
    for (memref::CopyOp op : copies) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      auto src = cast<MemRefType>(op.getSource().getType());
      auto dst = cast<MemRefType>(op.getTarget().getType());
      std::optional<int64_t> from = contiguousFrom(src, dst);
      // Runs of at least 64 bytes are worth a memcpy call each.
      int64_t run = 1;
      if (from)
        for (int64_t d = *from; d < src.getRank(); ++d)
          run *= src.getDimSize(d);
      if (!from || *from == src.getRank() ||
          run * src.getElementTypeBitWidth() < 64 * 8) {
        linalg::CopyOp::create(b, loc, ValueRange{op.getSource()},
                               ValueRange{op.getTarget()});
        op.erase();
        continue;
      }
      // Loops over the dimensions before `from`, one contiguous run each.
      int64_t rank = src.getRank();
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
          strides(rank, b.getIndexAttr(1));
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(b.getIndexAttr(d < *from ? 1 : src.getDimSize(d)));
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      for (int64_t d = 0; d < *from; ++d) {
        if (src.getDimSize(d) == 1)
          continue;
        Value ub = arith::ConstantIndexOp::create(b, loc, src.getDimSize(d));
        auto loop = scf::ForOp::create(b, loc, zero, ub, one);
        b.setInsertionPoint(loop.getBody()->getTerminator());
        offsets[d] = loop.getInductionVar();
      }
      SmallVector<ReassociationIndices> all(1);
      for (int64_t d = 0; d < rank; ++d)
        all[0].push_back(d);
      auto flat = [&](Value buffer) -> Value {
        Value row =
            memref::SubViewOp::create(b, loc, buffer, offsets, sizes, strides);
        return memref::CollapseShapeOp::create(b, loc, row, all);
      };
      // Named values: the order of the two rows' ops must not depend on the
      // order in which the compiler evaluates call arguments (GCC and clang
      // differ).
      Value target = flat(op.getTarget());
      Value source = flat(op.getSource());
      memref::CopyOp::create(b, loc, source, target);
      op.erase();
    }
  }
};
} // namespace
