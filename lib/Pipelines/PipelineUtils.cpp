//===- PipelineUtils.cpp - steps shared by the CPU and GPU pipelines ------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Pipelines/Pipelines.h"

#include "qsim/Conversion/Passes.h"
#include "qsim/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/TosaToArith/TosaToArith.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Conversion/TosaToTensor/TosaToTensor.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Tosa/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::qsim::addTensorToBufferPasses(
    OpPassManager &pm,
    llvm::function_ref<void(OpPassManager &funcPm)> beforeBufferize,
    bool keepNamedContractions) {
  // qsim ops left in the module (a module stopped after --qsim-realize) are
  // lowered first, so any stage of the flow runs.
  pm.addPass(createConvertQSimToLinalg());

  // TOSA to linalg, arith and tensor. This is upstream's
  // `tosa-to-linalg-pipeline` without `tosa-validate`, which would reject
  // models outside the TOSA profiles (the qsim passes produce i8 x i8 -> i32
  // forms that are fine for linalg). `tosa-to-arith` must come after the
  // linalg conversions: those read zero points from `tosa.const`, and they
  // create the `tosa.apply_scale` ops of `tosa.rescale` that it lowers.
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  funcPm.addPass(tosa::createTosaOptionalDecompositionsPass());
  funcPm.addPass(createCanonicalizerPass());
  funcPm.addPass(tosa::createTosaInferShapesPass());
  funcPm.addPass(tosa::createTosaMakeBroadcastablePass());
  funcPm.addPass(tosa::createTosaToLinalgNamed());
  funcPm.addPass(createCanonicalizerPass());
  funcPm.addPass(tosa::createTosaToLinalg());
  TosaToArithPassOptions toArith;
  toArith.includeApplyRescale = true;
  funcPm.addPass(createTosaToArithPass(toArith));
  funcPm.addPass(createTosaToTensorPass());
  // arith and math ops on whole tensors have no bufferization; as
  // linalg.generic they do, and they fuse with their neighbours.
  funcPm.addPass(createConvertElementwiseToLinalgPass());
  // Fusing elementwise producers into consumers saves whole intermediate
  // buffers (bias add + clamp after a convolution, rescale chains).
  if (keepNamedContractions)
    funcPm.addPass(createQSimFuseElementwiseKeepNamed());
  else
    funcPm.addPass(createLinalgElementwiseOpFusionPass());
  funcPm.addPass(createCanonicalizerPass());
  funcPm.addPass(createCSEPass());
  if (beforeBufferize)
    beforeBufferize(funcPm);

  // Bufferization. Identity layouts at function boundaries give the contiguous
  // descriptors that a C host passes; ownership-based deallocation (the
  // upstream recommendation since the old buffer-deallocation pass was
  // removed) frees temporaries and makes every returned buffer a fresh
  // allocation owned by the caller, even one that aliases an argument or a
  // constant global.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void mlir::qsim::addHostToLLVMPasses(OpPassManager &pm, bool gpuRuntimeCalls) {
  // Strided metadata expansion introduces affine.apply, hence the second
  // affine lowering. Math ops LLVM has intrinsics for become intrinsics, the
  // rest libm calls that the JIT resolves in the process.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(arith::createArithExpandOpsPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  if (gpuRuntimeCalls)
    pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
