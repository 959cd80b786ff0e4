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

#include "qsim/Transforms/GPU/Passes.h"
#include "qsim/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

/// Whether `chip` (sm_XY, sm_XYa ...) has dp4a (sm_61 and newer).
static bool chipHasDot4(StringRef chip) {
  unsigned version = 0;
  if (!chip.consume_front("sm_"))
    return false;
  chip = chip.take_while([](char c) { return llvm::isDigit(c); });
  return !chip.getAsInteger(10, version) && version >= 61;
}

void mlir::qsim::addGPUParallelLoopPasses(OpPassManager &funcPm,
                                          const QSimGPUPipelineOptions &options,
                                          bool emulateDot4) {
  funcPm.addPass(createConvertLinalgToParallelLoopsPass());
  funcPm.addPass(createCanonicalizerPass());
  if (options.fuseEpilogues)
    funcPm.addPass(createQSimGPUFuseParallelLoops());
  funcPm.addPass(createQSimGPUPromoteAccumulators());
  if (options.dp4a && (emulateDot4 || chipHasDot4(options.chip))) {
    funcPm.addPass(emulateDot4 ? createQSimGPUInt8Dot4EmulatingDots()
                               : createQSimGPUInt8Dot4());
  }
  funcPm.addPass(createCanonicalizerPass());
}

void mlir::qsim::buildQSimGPUPipeline(OpPassManager &pm,
                                      const QSimGPUPipelineOptions &options) {
  // The head of the CPU pipeline, so that a runner calls a GPU-lowered
  // module exactly like a CPU-lowered one and results are fresh buffers.
  QSimMarkEntryPointsOptions entry;
  entry.emitCInterface = options.emitCInterface;
  entry.gpuTranslations = true;
  pm.addPass(createQSimMarkEntryPoints(entry));
  addTensorToBufferPasses(pm);

  // Parallel loop nests (one per linalg op, then fused), the int8
  // reductions on dp4a, tiled to blocks and threads.
  OpPassManager &loops = pm.nest<func::FuncOp>();
  addGPUParallelLoopPasses(loops, options, /*emulateDot4=*/false);
  QSimGPUTileAndMapParallelLoopsOptions tile;
  tile.maxThreadsPerBlock = options.maxThreadsPerBlock;
  loops.addPass(createQSimGPUTileAndMapParallelLoops(tile));
  loops.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createQSimGPUDeviceMemory());
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
