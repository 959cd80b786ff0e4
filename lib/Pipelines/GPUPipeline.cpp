//===- GPUPipeline.cpp - tensors to NVVM kernels and a CUDA host ----------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// `--qsim-gpu-pipeline`: lowers the same input as `--qsim-cpu-pipeline` (TOSA,
// linalg, tensor, arith and math on ranked static tensors; leftover qsim ops)
// to GPU kernels serialized by `gpu-module-to-binary` (PTX through LLVM's
// NVPTX backend, cubin/fatbin through the CUDA toolkit) and a host side in the
// LLVM dialect that calls the `mgpu*` runtime functions that `gpu-to-llvm`
// emits.
//
// Strategy: every linalg op becomes a parallel loop nest; an element-wise
// nest that consumes another's output element by element is fused into it
// (bias initialization, reduction and requantize epilogue of a convolution
// are one kernel) and accumulators are carried in registers. The parallel
// dimensions are tiled so that the innermost (contiguous, NHWC channel)
// dimensions map to threadIdx.x/y/z and the tiles to blockIdx.x/y/z;
// reduction dimensions stay sequential loops in each thread, the int8 ones
// on dp4a (4 bytes of each operand per instruction).
//
//===----------------------------------------------------------------------===//

#include "qsim/Pipelines/Pipelines.h"

#include "PipelineUtils.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Tiling parallel loops to blocks and threads
//===----------------------------------------------------------------------===//

/// Tiles every outermost scf.parallel so that a tile holds at most
/// `maxThreads` iterations of its innermost (up to three) dimensions, and maps
/// the tile loop to blocks and the intra-tile loop to threads, innermost
/// dimension first: in NHWC layouts the channel dimension is the contiguous
/// one, so neighbouring threads touch neighbouring bytes (coalesced).
/// Upstream's `gpu-map-parallel-loops` maps the outermost dimension to x and
/// leaves one thread per block for untiled loops, hence this pass.
struct GPUTileAndMapParallelLoopsPass
    : public PassWrapper<GPUTileAndMapParallelLoopsPass,
                         OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUTileAndMapParallelLoopsPass)

  explicit GPUTileAndMapParallelLoopsPass(unsigned maxThreads)
      : maxThreads(maxThreads) {}

  StringRef getArgument() const override {
    return "qsim-gpu-tile-and-map-parallel-loops";
  }
  StringRef getDescription() const override {
    return "Tile scf.parallel loops and map them to GPU blocks and threads";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, arith::ArithDialect, scf::SCFDialect>();
  }

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
    int64_t budget = std::max<int64_t>(maxThreads, 1);
    for (int64_t i = rank - 1; i >= 0 && i >= int64_t(rank) - 3; --i) {
      std::optional<int64_t> lb = getConstantIntValue(op.getLowerBound()[i]);
      std::optional<int64_t> ub = getConstantIntValue(op.getUpperBound()[i]);
      std::optional<int64_t> st = getConstantIntValue(op.getStep()[i]);
      int64_t tile = budget;
      if (lb && ub && st && *st > 0)
        tile = std::min<int64_t>(
            llvm::PowerOf2Ceil(std::max<int64_t>(llvm::divideCeil(*ub - *lb, *st), 1)),
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
        gpu::Processor p =
            fromInner < 3 ? gpu::Processor(int64_t(first) + fromInner)
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

  unsigned maxThreads;
};

//===----------------------------------------------------------------------===//
// Device-accessible memory
//===----------------------------------------------------------------------===//

/// Follows views and `extract_strided_metadata` back to the allocation.
static Value getRootBuffer(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      v = view.getViewSource();
      continue;
    }
    if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(def)) {
      v = meta.getSource();
      continue;
    }
    break;
  }
  return v;
}

/// A synchronous device deallocation. `gpu-to-llvm` lowers only the async
/// form of gpu.dealloc, so it is wrapped in a stream that is waited for.
static void createDeviceDealloc(OpBuilder &b, Location loc, Value buffer) {
  Type token = gpu::AsyncTokenType::get(b.getContext());
  Value start = gpu::WaitOp::create(b, loc, token, ValueRange()).getResult(0);
  Value done = gpu::DeallocOp::create(b, loc, token, ValueRange{start}, buffer)
                   .getAsyncToken();
  gpu::WaitOp::create(b, loc, Type(), ValueRange{done});
}

/// Puts every buffer that a kernel may touch in CUDA managed memory
/// (`gpu.alloc host_shared`), which the host code between the launches (views,
/// copies, scalar code) can use as well:
///  - memref.alloc becomes gpu.alloc host_shared, memref.dealloc a device
///    deallocation;
///  - arguments and constant globals (host memory) are copied into managed
///    buffers on entry, freed before returning;
///  - results are copied into fresh memref.alloc (malloc) buffers before
///    returning, so the caller owns and frees them exactly as it does for the
///    CPU pipeline.
/// Launches are synchronous (gpu-to-llvm synchronizes the stream of a
/// launch without async token), so the host never races with a kernel.
struct GPUDeviceMemoryPass
    : public PassWrapper<GPUDeviceMemoryPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUDeviceMemoryPass)

  StringRef getArgument() const override { return "qsim-gpu-device-memory"; }
  StringRef getDescription() const override {
    return "Place the buffers that GPU kernels use in managed memory";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, memref::MemRefDialect>();
  }

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      // Functions without kernels stay on the host: they only ever see host
      // buffers, since a function with kernels stages its arguments itself and
      // returns malloc'ed results.
      if (func.isExternal() || func.getOps<gpu::LaunchOp>().empty())
        continue;
      if (failed(runOnFunction(func)))
        return signalPassFailure();
    }
  }

  static bool onHost(Operation *op) {
    return !op->getParentOfType<gpu::LaunchOp>();
  }

  LogicalResult runOnFunction(func::FuncOp func) {
    if (!func.getBody().hasOneBlock())
      return func.emitOpError(
          "qsim-gpu-pipeline expects a single-block function after "
          "bufferization");
    Block &entry = func.getBody().front();
    OpBuilder b(func.getContext());
    llvm::SetVector<Value> toFree;

    // Allocations.
    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp op) {
      if (onHost(op))
        allocs.push_back(op);
    });
    for (memref::AllocOp alloc : allocs) {
      b.setInsertionPoint(alloc);
      auto dev = gpu::AllocOp::create(
          b, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          ValueRange(), alloc.getDynamicSizes(), alloc.getSymbolOperands(),
          /*hostShared=*/true);
      alloc.getResult().replaceAllUsesWith(dev.getMemref());
      alloc.erase();
    }
    SmallVector<memref::DeallocOp> deallocs;
    func.walk([&](memref::DeallocOp op) {
      if (onHost(op))
        deallocs.push_back(op);
    });
    for (memref::DeallocOp dealloc : deallocs) {
      b.setInsertionPoint(dealloc);
      createDeviceDealloc(b, dealloc.getLoc(), dealloc.getMemref());
      dealloc.erase();
    }

    // Host memory read by kernels: arguments and constant globals.
    auto stage = [&](Value hostValue, Location loc) -> LogicalResult {
      auto type = dyn_cast<MemRefType>(hostValue.getType());
      if (!type || hostValue.use_empty())
        return success();
      if (!type.getLayout().isIdentity() || !type.hasStaticShape())
        return emitError(loc, "qsim-gpu-pipeline: only static identity-layout "
                              "buffers can be staged to the device, got ")
               << type;
      auto dev = gpu::AllocOp::create(b, loc, type, Type(), ValueRange(),
                                      ValueRange(), ValueRange(),
                                      /*hostShared=*/true);
      Value devBuffer = dev.getMemref();
      hostValue.replaceAllUsesWith(devBuffer);
      memref::CopyOp::create(b, loc, hostValue, devBuffer);
      toFree.insert(devBuffer);
      return success();
    };
    b.setInsertionPointToStart(&entry);
    for (BlockArgument arg : func.getArguments())
      if (failed(stage(arg, func.getLoc())))
        return failure();
    SmallVector<memref::GetGlobalOp> globals;
    func.walk([&](memref::GetGlobalOp op) {
      if (onHost(op))
        globals.push_back(op);
    });
    for (memref::GetGlobalOp global : globals) {
      b.setInsertionPointAfter(global);
      if (failed(stage(global.getResult(), global.getLoc())))
        return failure();
    }

    // Results back in host memory, then free every managed buffer still
    // live.
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    b.setInsertionPoint(ret);
    for (OpOperand &operand : ret->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      if (!type)
        continue;
      if (!type.getLayout().isIdentity() || !type.hasStaticShape())
        return ret.emitOpError("qsim-gpu-pipeline: results must be static "
                               "identity-layout buffers, got ")
               << type;
      Value root = getRootBuffer(operand.get());
      auto host = memref::AllocOp::create(b, ret.getLoc(), type);
      memref::CopyOp::create(b, ret.getLoc(), operand.get(), host);
      operand.set(host);
      if (root.getDefiningOp<gpu::AllocOp>())
        toFree.insert(root);
    }
    for (Value buffer : toFree)
      createDeviceDealloc(b, ret.getLoc(), buffer);

    // Every buffer a kernel reads or writes must now be managed memory.
    WalkResult result = func.walk([&](gpu::LaunchOp launch) {
      WalkResult inner = launch.getBody().walk([&](Operation *op) {
        for (Value v : op->getOperands()) {
          if (!isa<MemRefType>(v.getType()) ||
              launch.getBody().isAncestor(v.getParentRegion()))
            continue;
          if (!getRootBuffer(v).getDefiningOp<gpu::AllocOp>()) {
            op->emitOpError("qsim-gpu-pipeline: a kernel uses a buffer that "
                            "is not in device-accessible memory");
            return WalkResult::interrupt();
          }
        }
        return WalkResult::advance();
      });
      return inner;
    });
    return failure(result.wasInterrupted());
  }
};


//===----------------------------------------------------------------------===//
// Memory accesses and aliasing of the loop nests
//===----------------------------------------------------------------------===//

/// One load or store of a buffer element (or vector) in a loop nest.
struct Access {
  Operation *op;
  Value memref;
  SmallVector<Value> indices;
  bool isWrite;
};

/// Collects the accesses in `region`. Fails on an op whose memory effects are
/// not plain loads and stores (calls, copies, allocations ...), so that the
/// callers never reorder anything they do not understand.
static LogicalResult collectAccesses(Region &region,
                                     SmallVectorImpl<Access> &accesses) {
  WalkResult result = region.walk([&](Operation *op) {
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      accesses.push_back({op, load.getMemRef(),
                          SmallVector<Value>(load.getIndices()), false});
      return WalkResult::advance();
    }
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      accesses.push_back({op, store.getMemRef(),
                          SmallVector<Value>(store.getIndices()), true});
      return WalkResult::advance();
    }
    if (auto load = dyn_cast<vector::LoadOp>(op)) {
      accesses.push_back({op, load.getBase(),
                          SmallVector<Value>(load.getIndices()), false});
      return WalkResult::advance();
    }
    if (auto store = dyn_cast<vector::StoreOp>(op)) {
      accesses.push_back({op, store.getBase(),
                          SmallVector<Value>(store.getIndices()), true});
      return WalkResult::advance();
    }
    // Loops and branches: their nested ops are visited by the walk.
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
        isMemoryEffectFree(op))
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

/// Where a buffer comes from, for a conservative alias test: allocations in
/// the function, constant globals (by name) and function arguments (which may
/// alias each other, never an allocation of the function); anything else may
/// alias everything.
struct BufferRoot {
  enum Kind { Allocation, Global, Argument, Unknown } kind = Unknown;
  Value allocation;
  Attribute global;
};

static BufferRoot classifyBuffer(Value memref) {
  Value root = getRootBuffer(memref);
  if (Operation *def = root.getDefiningOp()) {
    if (isa<memref::AllocOp, memref::AllocaOp, gpu::AllocOp>(def))
      return {BufferRoot::Allocation, root, {}};
    if (auto global = dyn_cast<memref::GetGlobalOp>(def))
      return {BufferRoot::Global, {}, global.getNameAttr()};
    return {};
  }
  auto arg = cast<BlockArgument>(root);
  Block *owner = arg.getOwner();
  if (owner->isEntryBlock() && isa<FunctionOpInterface>(owner->getParentOp()))
    return {BufferRoot::Argument, {}, {}};
  return {};
}

static bool mayAlias(Value a, Value b) {
  if (a == b)
    return true;
  BufferRoot ra = classifyBuffer(a), rb = classifyBuffer(b);
  if (ra.kind == BufferRoot::Unknown || rb.kind == BufferRoot::Unknown)
    return true;
  if (ra.kind != rb.kind)
    return false;
  switch (ra.kind) {
  case BufferRoot::Allocation:
    return ra.allocation == rb.allocation;
  case BufferRoot::Global:
    return ra.global == rb.global;
  default:
    return true;
  }
}

static bool sameIndices(ValueRange a, ValueRange b) {
  return a.size() == b.size() && llvm::equal(a, b);
}

//===----------------------------------------------------------------------===//
// Fusion of parallel loops (epilogues into their producers)
//===----------------------------------------------------------------------===//

/// Fuses adjacent scf.parallel loops with the same iteration space when the
/// second uses what the first writes and every buffer that one of them
/// writes and both touch is accessed at the same element in both, one
/// element per iteration (the index list is the loop's
/// induction variables, in any order, plus loop-invariant values). Then
/// iteration i of the second loop reads only what iteration i of the first
/// wrote, so running both bodies in one iteration is the same computation.
/// This is what puts the requantize epilogue (and the bias initialization)
/// of a convolution or matmul into the kernel of its reduction, so that the
/// i32 accumulator can stay in a register (GPUPromoteAccumulatorsPass).
///
/// Upstream's `scf-parallel-loop-fusion` allows no allocation between the
/// loops (bufferization puts the epilogue's output allocation there) and one
/// store per buffer only, hence this pass. Between the loops it accepts
/// side-effect-free ops and allocations (moved before the first loop) and
/// deallocations (which stay after it).
struct GPUFuseParallelLoopsPass
    : public PassWrapper<GPUFuseParallelLoopsPass,
                         OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUFuseParallelLoopsPass)

  StringRef getArgument() const override {
    return "qsim-gpu-fuse-parallel-loops";
  }
  StringRef getDescription() const override {
    return "Fuse adjacent scf.parallel loops that access shared buffers "
           "element-wise (GPU epilogue fusion)";
  }

  void runOnOperation() override {
    SmallVector<Block *> blocks;
    getOperation().walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks)
      fuseInBlock(*block);
  }

  static bool isMovableBetween(Operation &op) {
    if (op.getNumRegions() != 0)
      return false;
    return isa<memref::AllocOp, memref::AllocaOp>(op) || isMemoryEffectFree(&op);
  }

  void fuseInBlock(Block &block) {
    scf::ParallelOp first;
    SmallVector<Operation *> between;
    for (Operation *op = &block.front(); op;) {
      Operation *next = op->getNextNode();
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        if (first && isFusionLegal(first, loop)) {
          fuse(first, loop, between);
          // Deallocations stay between the fused loop and what follows.
          llvm::erase_if(between, [](Operation *o) {
            return !isa<memref::DeallocOp>(o);
          });
        } else {
          first = loop;
          between.clear();
        }
      } else if (first) {
        if (isa<memref::DeallocOp>(op) || isMovableBetween(*op)) {
          between.push_back(op);
        } else {
          first = {};
          between.clear();
        }
      }
      op = next;
    }
  }

  static bool sameBound(Value a, Value b) {
    if (a == b)
      return true;
    std::optional<int64_t> ca = getConstantIntValue(a), cb = getConstantIntValue(b);
    return ca && cb && *ca == *cb;
  }

  static bool hasNestedParallel(scf::ParallelOp loop) {
    return loop.getBody()
        ->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
        .wasInterrupted();
  }

  /// Whether `indices` (in terms of `loop`'s induction variables) name one
  /// element per iteration: every induction variable appears, every other
  /// index is defined outside the loop.
  static bool isOneElementPerIteration(ValueRange indices,
                                       scf::ParallelOp loop) {
    for (Value iv : loop.getInductionVars())
      if (!llvm::is_contained(indices, iv))
        return false;
    return llvm::all_of(indices, [&](Value v) {
      return llvm::is_contained(loop.getInductionVars(), v) ||
             loop.isDefinedOutsideOfLoop(v);
    });
  }

  static bool isFusionLegal(scf::ParallelOp first, scf::ParallelOp second) {
    if (first.getNumResults() || second.getNumResults() ||
        first.getNumLoops() != second.getNumLoops() ||
        hasNestedParallel(first) || hasNestedParallel(second))
      return false;
    for (unsigned i = 0, e = first.getNumLoops(); i < e; ++i)
      if (!sameBound(first.getLowerBound()[i], second.getLowerBound()[i]) ||
          !sameBound(first.getUpperBound()[i], second.getUpperBound()[i]) ||
          !sameBound(first.getStep()[i], second.getStep()[i]))
        return false;
    SmallVector<Access> firstAccesses, secondAccesses;
    if (failed(collectAccesses(first.getRegion(), firstAccesses)) ||
        failed(collectAccesses(second.getRegion(), secondAccesses)))
      return false;
    IRMapping secondToFirst;
    secondToFirst.map(second.getInductionVars(), first.getInductionVars());
    bool dependent = false;
    for (const Access &a : firstAccesses) {
      for (const Access &b : secondAccesses) {
        if ((!a.isWrite && !b.isWrite) || !mayAlias(a.memref, b.memref))
          continue;
        dependent = true;
        if (a.memref != b.memref || a.indices.size() != b.indices.size())
          return false;
        for (auto [x, y] : llvm::zip_equal(a.indices, b.indices))
          if (x != secondToFirst.lookupOrDefault(y))
            return false;
        if (!isOneElementPerIteration(a.indices, first))
          return false;
      }
    }
    // Independent loops stay apart: fusing them gains nothing on the GPU
    // and could take a loop away from the consumer it should fuse with.
    return dependent;
  }

  /// Appends the body of `second` to that of `first` and erases `second`.
  static void fuse(scf::ParallelOp first, scf::ParallelOp second,
                   ArrayRef<Operation *> between) {
    for (Operation *op : between)
      if (!isa<memref::DeallocOp>(op))
        op->moveBefore(first);
    IRRewriter rewriter(first.getContext());
    rewriter.eraseOp(second.getBody()->getTerminator());
    rewriter.inlineBlockBefore(second.getBody(),
                               first.getBody()->getTerminator(),
                               first.getInductionVars());
    rewriter.eraseOp(second);
  }
};

//===----------------------------------------------------------------------===//
// Accumulators in registers
//===----------------------------------------------------------------------===//

/// Scalar replacement in the loop nests of every scf.parallel (the future
/// kernels):
///  - an scf.for whose body loads and later stores the same loop-invariant
///    element, and touches nothing that may alias it otherwise, carries the
///    element in an iter_args register instead (loaded before, stored after
///    the loop); innermost loops first, so a conv's accumulator leaves all
///    three reduction loops;
///  - a load of an element that the same block stored before, with no
///    possibly aliasing write in between, takes the stored value;
///  - an allocation that is only ever stored to (and deallocated) is removed
///    with its stores.
/// After GPUFuseParallelLoopsPass this removes the i32 accumulator buffer of
/// a convolution or matmul whose only consumer is its fused requantize
/// epilogue; on its own it takes the accumulator store out of the reduction
/// loop.
struct GPUPromoteAccumulatorsPass
    : public PassWrapper<GPUPromoteAccumulatorsPass,
                         OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUPromoteAccumulatorsPass)

  StringRef getArgument() const override {
    return "qsim-gpu-promote-accumulators";
  }
  StringRef getDescription() const override {
    return "Keep reduction accumulators of parallel loop nests in registers "
           "and drop buffers that are only written";
  }

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> roots;
    getOperation().walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>())
        roots.push_back(op);
    });
    for (scf::ParallelOp root : roots) {
      bool changed = true;
      while (changed) {
        changed = false;
        SmallVector<scf::ForOp> loops;
        root.walk<WalkOrder::PostOrder>(
            [&](scf::ForOp loop) { loops.push_back(loop); });
        for (scf::ForOp loop : loops)
          while (std::optional<scf::ForOp> hoisted = hoistAccumulator(loop)) {
            loop = *hoisted;
            changed = true;
          }
        changed |= forwardStores(root);
        changed |= removeOverwrittenStores(root);
      }
    }
    removeWriteOnlyBuffers(getOperation());
  }

  static std::optional<scf::ForOp> hoistAccumulator(scf::ForOp loop) {
    SmallVector<Access> accesses;
    if (failed(collectAccesses(loop.getRegion(), accesses)))
      return std::nullopt;
    for (auto load : loop.getBody()->getOps<memref::LoadOp>()) {
      Value memref = load.getMemRef();
      if (!loop.isDefinedOutsideOfLoop(memref) ||
          !llvm::all_of(load.getIndices(), [&](Value v) {
            return loop.isDefinedOutsideOfLoop(v);
          }))
        continue;
      memref::StoreOp store;
      bool conflict = false;
      for (const Access &a : accesses) {
        if (a.op == load.getOperation() || !mayAlias(a.memref, memref))
          continue;
        auto candidate = dyn_cast<memref::StoreOp>(a.op);
        if (!store && candidate && candidate->getBlock() == loop.getBody() &&
            candidate.getMemRef() == memref &&
            sameIndices(candidate.getIndices(), load.getIndices()) &&
            load->isBeforeInBlock(candidate)) {
          store = candidate;
          continue;
        }
        conflict = true;
        break;
      }
      if (conflict || !store)
        continue;

      IRRewriter rewriter(loop.getContext());
      rewriter.setInsertionPoint(loop);
      SmallVector<Value> indices(load.getIndices());
      Value init =
          memref::LoadOp::create(rewriter, load.getLoc(), memref, indices);
      Value stored = store.getValueToStore();
      FailureOr<LoopLikeOpInterface> replaced =
          loop.replaceWithAdditionalYields(
              rewriter, init, /*replaceInitOperandUsesInLoop=*/false,
              [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
                return SmallVector<Value>{stored};
              });
      if (failed(replaced))
        return std::nullopt;
      auto newLoop = cast<scf::ForOp>(replaced->getOperation());
      rewriter.replaceAllUsesWith(load.getResult(),
                                  newLoop.getRegionIterArgs().back());
      Location storeLoc = store.getLoc();
      rewriter.eraseOp(load);
      rewriter.eraseOp(store);
      rewriter.setInsertionPointAfter(newLoop);
      memref::StoreOp::create(rewriter, storeLoc, newLoop.getResults().back(),
                              memref, indices);
      return newLoop;
    }
    return std::nullopt;
  }

  /// Whether `op` writes nothing that a load could see (reads only).
  static bool onlyReads(Operation *op) {
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!iface)
      return false;
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    return llvm::all_of(effects, [](const MemoryEffects::EffectInstance &e) {
      return isa<MemoryEffects::Read>(e.getEffect());
    });
  }

  static bool forwardStores(scf::ParallelOp root) {
    bool changed = false;
    SmallVector<Block *> blocks;
    root.walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks) {
      SmallVector<memref::StoreOp> available;
      auto invalidate = [&](Value memref) {
        llvm::erase_if(available, [&](memref::StoreOp s) {
          return mayAlias(s.getMemRef(), memref);
        });
      };
      for (Operation &op : llvm::make_early_inc_range(*block)) {
        if (auto load = dyn_cast<memref::LoadOp>(op)) {
          for (memref::StoreOp s : llvm::reverse(available)) {
            if (s.getMemRef() == load.getMemRef() &&
                sameIndices(s.getIndices(), load.getIndices())) {
              load.getResult().replaceAllUsesWith(s.getValueToStore());
              load.erase();
              changed = true;
              break;
            }
          }
          continue;
        }
        if (auto store = dyn_cast<memref::StoreOp>(op)) {
          invalidate(store.getMemRef());
          available.push_back(store);
          continue;
        }
        if (isMemoryEffectFree(&op) || (op.getNumRegions() == 0 && onlyReads(&op)))
          continue;
        SmallVector<Access> nested;
        if (op.getNumRegions() == 0 ||
            !op.hasTrait<OpTrait::HasRecursiveMemoryEffects>()) {
          available.clear();
          continue;
        }
        bool ok = true;
        for (Region &region : op.getRegions())
          ok &= succeeded(collectAccesses(region, nested));
        if (!ok) {
          available.clear();
          continue;
        }
        for (const Access &a : nested)
          if (a.isWrite)
            invalidate(a.memref);
      }
    }
    return changed;
  }

  /// Removes a store that a later store of the same block overwrites (same
  /// buffer and indices) with nothing in between that may read it.
  static bool removeOverwrittenStores(scf::ParallelOp root) {
    SmallVector<memref::StoreOp> stores;
    root.walk([&](memref::StoreOp store) { stores.push_back(store); });
    bool changed = false;
    for (memref::StoreOp store : stores) {
      Value memref = store.getMemRef();
      for (Operation *op = store->getNextNode(); op; op = op->getNextNode()) {
        if (auto later = dyn_cast<memref::StoreOp>(op)) {
          if (later.getMemRef() == memref &&
              sameIndices(later.getIndices(), store.getIndices())) {
            store.erase();
            changed = true;
            break;
          }
          continue;
        }
        if (isMemoryEffectFree(op))
          continue;
        SmallVector<Access> nested;
        bool ok = op->getNumRegions() &&
                  op->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
        for (Region &region : op->getRegions())
          ok = ok && succeeded(collectAccesses(region, nested));
        if (auto load = dyn_cast<memref::LoadOp>(op)) {
          ok = true;
          nested.push_back({op, load.getMemRef(), {}, false});
        } else if (auto load = dyn_cast<vector::LoadOp>(op)) {
          ok = true;
          nested.push_back({op, load.getBase(), {}, false});
        }
        if (!ok || llvm::any_of(nested, [&](const Access &a) {
              return !a.isWrite && mayAlias(a.memref, memref);
            }))
          break;
      }
    }
    return changed;
  }

  static void removeWriteOnlyBuffers(func::FuncOp func) {
    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    for (memref::AllocOp alloc : allocs) {
      Value buffer = alloc.getResult();
      bool writeOnly = llvm::all_of(buffer.getUsers(), [&](Operation *user) {
        if (auto store = dyn_cast<memref::StoreOp>(user))
          return store.getMemRef() == buffer &&
                 store.getValueToStore() != buffer;
        return isa<memref::DeallocOp>(user);
      });
      if (!writeOnly)
        continue;
      for (Operation *user : llvm::make_early_inc_range(buffer.getUsers()))
        user->erase();
      alloc.erase();
    }
  }
};

//===----------------------------------------------------------------------===//
// int8 dot products: dp4a
//===----------------------------------------------------------------------===//

/// Rewrites the int8 reductions of the loop nests (conv and matmul `k` loops
/// after GPUPromoteAccumulatorsPass):
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
struct GPUInt8Dot4Pass
    : public PassWrapper<GPUInt8Dot4Pass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUInt8Dot4Pass)

  GPUInt8Dot4Pass() = default;
  GPUInt8Dot4Pass(const GPUInt8Dot4Pass &other) : PassWrapper(other) {}
  explicit GPUInt8Dot4Pass(bool emulateDot) { emulate = emulateDot; }

  StringRef getArgument() const override { return "qsim-gpu-int8-dot4"; }
  StringRef getDescription() const override {
    return "Rewrite i8 x i8 -> i32 reduction loops in parallel loop nests to "
           "4-way dot products (NVVM dp4a)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<NVVM::NVVMDialect, vector::VectorDialect,
                    arith::ArithDialect, scf::SCFDialect>();
  }

  Option<bool> emulate{
      *this, "emulate",
      llvm::cl::desc("Emit vector arithmetic instead of nvvm.dot.accumulate."
                     "4way (runs on any target; for tests)"),
      llvm::cl::init(false)};

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
  /// an argument (all placed in managed memory by GPUDeviceMemoryPass, which
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
      return NVVM::DotAccumulate4WayOp::create(b, loc, b.getI32Type(), a,
                                               kind(aSigned), bv,
                                               kind(bSigned), acc);
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
          b, loc, DenseElementsAttr::get(VectorType::get({4}, b.getI8Type()),
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
            next.push_back(dot4(nb, nloc, ones, true, vy, y->isSigned, args[i++]));
          if (needSumX)
            next.push_back(dot4(nb, nloc, vx, x->isSigned, ones, true, args[i++]));
          scf::YieldOp::create(nb, nloc, next);
        });
    Value result = main.getResult(0);
    unsigned i = 1;
    if (needSumY) {
      Value c = arith::MulIOp::create(b, loc, x->zeroPoint, main.getResult(i++));
      result = arith::SubIOp::create(b, loc, result, c);
    }
    if (needSumX) {
      Value c = arith::MulIOp::create(b, loc, y->zeroPoint, main.getResult(i++));
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

/// Whether `chip` (sm_XY, sm_XYa ...) has dp4a (sm_61 and newer).
static bool chipHasDot4(StringRef chip) {
  unsigned version = 0;
  if (!chip.consume_front("sm_"))
    return false;
  chip = chip.take_while([](char c) { return llvm::isDigit(c); });
  return !chip.getAsInteger(10, version) && version >= 61;
}

/// Linalg on buffers to the parallel loop nests that become kernels: one
/// nest per linalg op, element-wise consumers fused into their producers,
/// accumulators in registers, int8 reductions on dp4a.
static void addParallelLoopPasses(OpPassManager &loops,
                                  const qsim::QSimGPUPipelineOptions &options,
                                  bool emulateDot4) {
  loops.addPass(createConvertLinalgToParallelLoopsPass());
  loops.addPass(createCanonicalizerPass());
  if (options.fuseEpilogues)
    loops.addPass(std::make_unique<GPUFuseParallelLoopsPass>());
  loops.addPass(std::make_unique<GPUPromoteAccumulatorsPass>());
  if (options.dp4a && (emulateDot4 || chipHasDot4(options.chip)))
    loops.addPass(std::make_unique<GPUInt8Dot4Pass>(emulateDot4));
  loops.addPass(createCanonicalizerPass());
}

} // namespace

void mlir::qsim::buildQSimGPUPipeline(OpPassManager &pm,
                                      const QSimGPUPipelineOptions &options) {
  // The head of the CPU pipeline, so that a runner calls a GPU-lowered
  // module exactly like a CPU-lowered one and results are fresh buffers.
  pm.addPass(createMarkEntryPointsPass("qsim-gpu-mark-entry-points",
                                      options.emitCInterface,
                                      /*registerGPUTranslations=*/true));
  addTensorToBufferPasses(pm);

  // Parallel loop nests (one per linalg op, then fused), the int8
  // reductions on dp4a, tiled to blocks and threads.
  OpPassManager &loops = pm.nest<func::FuncOp>();
  addParallelLoopPasses(loops, options, /*emulateDot4=*/false);
  loops.addPass(std::make_unique<GPUTileAndMapParallelLoopsPass>(
      options.maxThreadsPerBlock));
  loops.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(std::make_unique<GPUDeviceMemoryPass>());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());

  // Device code to NVVM. math.roundeven (the quantize rounding) becomes
  // integer arithmetic: convert-gpu-to-nvvm would otherwise call libdevice's
  // __nv_rintf, which format=isa cannot resolve without the CUDA toolkit.
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  math::MathExpandOpsPassOptions expand;
  expand.opMnemonics = {"roundeven"};
  device.addPass(math::createMathExpandOpsPass(expand));
  device.addPass(memref::createExpandStridedMetadataPass());
  device.addPass(createLowerAffinePass());
  device.addPass(createSCFToControlFlowPass());
  device.addPass(createConvertVectorToLLVMPass());
  device.addPass(createConvertGpuOpsToNVVMOps());
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());

  // Host code to the LLVM dialect, as on the CPU, plus the mgpu* calls.
  pm.addPass(createSCFToControlFlowPass());
  addHostToLLVMPasses(pm, /*gpuRuntimeCalls=*/true);

  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = options.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

/// The loop transformations of the GPU pipeline on the CPU: the same
/// parallel loop nests (fusion, accumulators in registers, the dp4a rewrite
/// with the dot product as vector arithmetic), run sequentially on the host.
/// Not a way to run models: it tests the rewrites for bit-exactness against
/// --qsim-cpu-pipeline where no GPU is available.
static void
buildQSimGPUEmulationPipeline(OpPassManager &pm,
                              const qsim::QSimGPUPipelineOptions &options) {
  pm.addPass(qsim::createMarkEntryPointsPass(
      "qsim-gpu-emulation-mark-entry-points", options.emitCInterface,
      /*registerGPUTranslations=*/false));
  qsim::addTensorToBufferPasses(pm);
  addParallelLoopPasses(pm.nest<func::FuncOp>(), options,
                        /*emulateDot4=*/true);
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  qsim::addHostToLLVMPasses(pm, /*gpuRuntimeCalls=*/false);
}

void mlir::qsim::registerQSimGPUPipeline() {
  // The loop passes of the pipeline, for tests of each on its own.
  PassRegistration<GPUFuseParallelLoopsPass>();
  PassRegistration<GPUPromoteAccumulatorsPass>();
  PassRegistration<GPUInt8Dot4Pass>();
  PassPipelineRegistration<QSimGPUPipelineOptions>(
      "qsim-gpu-emulation-pipeline",
      "Test pipeline: the parallel loop nests of --qsim-gpu-pipeline (fusion, "
      "accumulator promotion, dp4a as vector arithmetic) lowered for the "
      "host CPU, to check them bit for bit against --qsim-cpu-pipeline "
      "without a GPU",
      buildQSimGPUEmulationPipeline);
  PassPipelineRegistration<QSimGPUPipelineOptions>(
      "qsim-gpu-pipeline",
      "Lower TOSA/linalg/arith/math/tensor on static tensors to NVVM kernels "
      "(gpu.binary: PTX, cubin or fatbin) and an LLVM dialect host calling "
      "the mgpu* CUDA runtime wrappers",
      buildQSimGPUPipeline);
}
