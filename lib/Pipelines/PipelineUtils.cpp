//===- PipelineUtils.cpp - steps shared by the CPU and GPU pipelines ------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "PipelineUtils.h"

#include "qsim/Conversion/Passes.h"
#include "qsim/Pipelines/Pipelines.h"

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
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Tosa/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {

/// Upstream's `llvm-request-c-wrappers` marks every function, declarations
/// included, which would redirect calls to external C functions (libm, runtime
/// helpers) to `_mlir_ciface_` wrappers that do not exist; hence this
/// pipeline-internal step. It is not registered as a flag: it is meaningful
/// only at the head of the pipelines.
struct MarkEntryPointsPass
    : public PassWrapper<MarkEntryPointsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MarkEntryPointsPass)

  MarkEntryPointsPass(StringRef argument, bool emitCInterface,
                      bool registerGPUTranslations)
      : argument(argument), emitCInterface(emitCInterface),
        registerGPUTranslations(registerGPUTranslations) {}

  StringRef getArgument() const override { return argument; }
  StringRef getDescription() const override {
    return "Record the entry signature and request C wrappers of public "
           "functions";
  }
  /// gpu-module-to-binary translates each gpu.module to LLVM IR, which needs
  /// the translation interfaces of the builtin, LLVM, GPU and NVVM dialects.
  /// Registering them here makes the GPU pipeline self-contained for any
  /// driver (qsim-opt, qsim-run, an embedder), not only mlir-opt-like tools.
  void getDependentDialects(DialectRegistry &registry) const override {
    if (registerGPUTranslations)
      registerAllGPUToLLVMIRTranslations(registry);
  }

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      // A module that is fed through twice keeps its original signature.
      if (!func->hasAttr(qsim::kEntryTypeAttrName))
        func->setAttr(qsim::kEntryTypeAttrName,
                      TypeAttr::get(func.getFunctionType()));
      // A caller's input buffers must survive the call, e.g. to call again.
      for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
        if (isa<TensorType>(type))
          func.setArgAttr(
              i, bufferization::BufferizationDialect::kWritableAttrName,
              BoolAttr::get(func.getContext(), false));
      if (emitCInterface)
        func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                      UnitAttr::get(func.getContext()));
    }
  }

  StringRef argument;
  bool emitCInterface;
  bool registerGPUTranslations;
};

} // namespace

std::unique_ptr<Pass>
mlir::qsim::createMarkEntryPointsPass(StringRef argument, bool emitCInterface,
                                      bool registerGPUTranslations) {
  return std::make_unique<MarkEntryPointsPass>(argument, emitCInterface,
                                               registerGPUTranslations);
}

namespace {
/// Upstream's linalg-fuse-elementwise-ops (the same pattern sets), with a
/// control that also refuses any fusion or reshape propagation that would
/// touch a named linalg op (it would become a generic).
struct FuseElementwiseKeepNamedPass
    : public PassWrapper<FuseElementwiseKeepNamedPass,
                         OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FuseElementwiseKeepNamedPass)

  StringRef getArgument() const override {
    return "qsim-fuse-elementwise-keep-named";
  }
  StringRef getDescription() const override {
    return "Fuse elementwise linalg ops, leaving named ops named";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<affine::AffineDialect, linalg::LinalgDialect,
                    tensor::TensorDialect>();
  }
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    auto isNamed = [](Operation *op) {
      return op && isa<linalg::LinalgOp>(op) && !isa<linalg::GenericOp>(op);
    };
    linalg::ControlFusionFn control = [&](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() && !isNamed(producer) &&
             !isNamed(fused->getOwner());
    };
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, control);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      signalPassFailure();
  }
};
} // namespace

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
    funcPm.addPass(std::make_unique<FuseElementwiseKeepNamedPass>());
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
