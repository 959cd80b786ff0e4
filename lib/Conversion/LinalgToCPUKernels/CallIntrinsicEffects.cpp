//===- CallIntrinsicEffects.cpp - memory effects of the dot intrinsics ----===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// `llvm.call_intrinsic` has no memory-effect interface, and ownership-based
// buffer deallocation rejects ops with unknown effects. The x86 arithmetic
// intrinsics the dot emitters call are pure; every other intrinsic is
// reported as reading and writing any memory, which is what "unknown" meant.
//
//===----------------------------------------------------------------------===//

#include "DotEmitter.h"

#include "qsim/Conversion/LinalgToCPUKernels/LinalgToCPUKernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::qsim;

namespace {

struct CallIntrinsicEffects
    : public MemoryEffectOpInterface::ExternalModel<CallIntrinsicEffects,
                                                    LLVM::CallIntrinsicOp> {
  void
  getEffects(Operation *op,
             SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
                 &effects) const {
    if (cpu::isDotIntrinsic(cast<LLVM::CallIntrinsicOp>(op).getIntrin()))
      return;
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
  }
};

struct CallIntrinsicEffectsExtension
    : public DialectExtension<CallIntrinsicEffectsExtension,
                              LLVM::LLVMDialect> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CallIntrinsicEffectsExtension)

  void apply(MLIRContext *ctx, LLVM::LLVMDialect *) const final {
    std::optional<RegisteredOperationName> info =
        RegisteredOperationName::lookup(
            LLVM::CallIntrinsicOp::getOperationName(), ctx);
    if (info && info->hasInterface<MemoryEffectOpInterface>())
      return;
    LLVM::CallIntrinsicOp::attachInterface<CallIntrinsicEffects>(*ctx);
  }
};

} // namespace

void mlir::qsim::registerCPUKernelInterfaces(DialectRegistry &registry) {
  registry.addExtensions<CallIntrinsicEffectsExtension>();
}
