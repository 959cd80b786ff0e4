//===- DeviceMemory.cpp - buffers of GPU kernels in managed memory --------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/GPU/Passes.h"

#include "BufferAccesses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMGPUDEVICEMEMORY
#include "qsim/Transforms/GPU/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

/// A synchronous device deallocation. `gpu-to-llvm` lowers only the async
/// form of gpu.dealloc, so it is wrapped in a stream that is waited for.
static void createDeviceDealloc(OpBuilder &b, Location loc, Value buffer) {
  Type token = gpu::AsyncTokenType::get(b.getContext());
  Value start = gpu::WaitOp::create(b, loc, token, ValueRange()).getResult(0);
  Value done = gpu::DeallocOp::create(b, loc, token, ValueRange{start}, buffer)
                   .getAsyncToken();
  gpu::WaitOp::create(b, loc, Type(), ValueRange{done});
}

namespace {
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
struct DeviceMemoryPass
    : public qsim::impl::QSimGPUDeviceMemoryBase<DeviceMemoryPass> {
  using Base::Base;

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
