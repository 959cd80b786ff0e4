//===- TileAndMapParallelLoops.cpp - parallel loops to blocks and threads -===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/MathExtras.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMGPUTILEANDMAPPARALLELLOOPS
#include "qsim/Transforms/GPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

namespace {
/// Tiles every outermost scf.parallel so that a tile holds at most
/// `maxThreadsPerBlock` iterations of its innermost (up to three) dimensions,
/// and maps the tile loop to blocks and the intra-tile loop to threads,
/// innermost dimension first: in NHWC layouts the channel dimension is the
/// contiguous one, so neighbouring threads touch neighbouring bytes
/// (coalesced). Upstream's `gpu-map-parallel-loops` maps the outermost
/// dimension to x and leaves one thread per block for untiled loops, hence this
/// pass.
struct TileAndMapParallelLoopsPass
    : public qsim::impl::QSimGPUTileAndMapParallelLoopsBase<
          TileAndMapParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> roots;
    getOperation().walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>())
        roots.push_back(op);
    });
    for (scf::ParallelOp op : roots)
      if (failed(tileAndMap(op)))
        return signalPassFailure();
  }

  LogicalResult tileAndMap(scf::ParallelOp op) {
    unsigned rank = op.getNumLoops();
    SmallVector<int64_t> tileSizes(rank, 1);
    int64_t budget = std::max<int64_t>(maxThreadsPerBlock, 1);
    for (int64_t i = rank - 1; i >= 0 && i >= int64_t(rank) - 3; --i) {
      std::optional<int64_t> lb = getConstantIntValue(op.getLowerBound()[i]);
      std::optional<int64_t> ub = getConstantIntValue(op.getUpperBound()[i]);
      std::optional<int64_t> st = getConstantIntValue(op.getStep()[i]);
      int64_t tile = budget;
      if (lb && ub && st && *st > 0)
        tile = std::min<int64_t>(llvm::PowerOf2Ceil(std::max<int64_t>(
                                     llvm::divideCeil(*ub - *lb, *st), 1)),
                                 budget);
      tileSizes[i] = tile;
      budget /= tile;
      if (budget <= 1)
        break;
    }
    // With fixed intra-tile bounds (an scf.if guards the partial tiles) the
    // block size is a constant, which convert-parallel-loops-to-gpu needs.
    auto [outer, inner] =
        scf::tileParallelLoop(op, tileSizes, /*noMinMaxBounds=*/true);

    MLIRContext *ctx = op.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
    auto mapping = [&](gpu::Processor first) {
      SmallVector<gpu::ParallelLoopDimMappingAttr> dims;
      for (unsigned i = 0; i < rank; ++i) {
        unsigned fromInner = rank - 1 - i;
        gpu::Processor p = fromInner < 3
                               ? gpu::Processor(int64_t(first) + fromInner)
                               : gpu::Processor::Sequential;
        dims.push_back(gpu::ParallelLoopDimMappingAttr::get(ctx, p, id, id));
      }
      return dims;
    };
    if (failed(gpu::setMappingAttr(outer, mapping(gpu::Processor::BlockX))) ||
        failed(gpu::setMappingAttr(inner, mapping(gpu::Processor::ThreadX))))
      return outer.emitOpError("cannot map the tiled loop to the GPU");
    return success();
  }
};
} // namespace
