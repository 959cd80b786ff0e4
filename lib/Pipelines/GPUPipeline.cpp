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
// Strategy: every linalg op becomes one kernel. Its parallel dimensions are
// tiled so that the innermost (contiguous, NHWC channel) dimensions map to
// threadIdx.x/y/z and the tiles to blockIdx.x/y/z; reduction dimensions stay
// sequential loops in each thread (i8 loads widened to i32 multiply-adds; the
// dp4a rewrite of these loops is not done yet, see docs/GPU.md).
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
#include "mlir/IR/PatternMatch.h"
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

} // namespace

void mlir::qsim::buildQSimGPUPipeline(OpPassManager &pm,
                                      const QSimGPUPipelineOptions &options) {
  // The head of the CPU pipeline, so that a runner calls a GPU-lowered
  // module exactly like a CPU-lowered one and results are fresh buffers.
  pm.addPass(createMarkEntryPointsPass("qsim-gpu-mark-entry-points",
                                      options.emitCInterface,
                                      /*registerGPUTranslations=*/true));
  addTensorToBufferPasses(pm);

  // One kernel per linalg op: parallel loops tiled to blocks and threads.
  OpPassManager &loops = pm.nest<func::FuncOp>();
  loops.addPass(createConvertLinalgToParallelLoopsPass());
  loops.addPass(createCanonicalizerPass());
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

void mlir::qsim::registerQSimGPUPipeline() {
  PassPipelineRegistration<QSimGPUPipelineOptions>(
      "qsim-gpu-pipeline",
      "Lower TOSA/linalg/arith/math/tensor on static tensors to NVVM kernels "
      "(gpu.binary: PTX, cubin or fatbin) and an LLVM dialect host calling "
      "the mgpu* CUDA runtime wrappers",
      buildQSimGPUPipeline);
}
