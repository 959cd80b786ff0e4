//===- MarkEntryPoints.cpp - entry signature and C wrappers ---------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMMARKENTRYPOINTS
#include "qsim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;

namespace {
struct MarkEntryPointsPass
    : public qsim::impl::QSimMarkEntryPointsBase<MarkEntryPointsPass> {
  using Base::Base;

  /// gpu-module-to-binary translates each gpu.module to LLVM IR, which needs
  /// the translation interfaces of the builtin, LLVM, GPU and NVVM dialects.
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    if (gpuTranslations)
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
};
} // namespace
