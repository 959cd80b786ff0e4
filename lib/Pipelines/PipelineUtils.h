//===- PipelineUtils.h - steps shared by the CPU and GPU pipelines -*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Internal to the QSimPipelines library: the head that --qsim-cpu-pipeline
// and --qsim-gpu-pipeline share, from tensors (TOSA, linalg, leftover qsim
// ops) to bufferized memrefs, so that both targets see the same buffers and
// a runner calls a module lowered by either in the same way, and the final
// lowering of the host code to the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_PIPELINES_PIPELINEUTILS_H
#define QSIM_LIB_PIPELINES_PIPELINEUTILS_H

#include "llvm/ADT/StringRef.h"

#include <memory>

namespace mlir {
class OpPassManager;
class Pass;

namespace qsim {

/// Creates the pass that marks the public function definitions of a module as
/// entry points: it records their incoming function type under
/// `qsim.entry_type`, marks their tensor arguments non-writable and, with
/// `emitCInterface`, requests the C interface. `argument` names the pass in
/// pass-manager output (it is not registered as a flag). With
/// `registerGPUTranslations` the pass declares the LLVM IR translations of
/// the GPU dialects as dependent, which gpu-module-to-binary needs later.
std::unique_ptr<Pass> createMarkEntryPointsPass(llvm::StringRef argument,
                                                bool emitCInterface,
                                                bool registerGPUTranslations);

/// Adds the tensor-level lowering to `pm` (on builtin.module): leftover qsim
/// ops to linalg, TOSA to linalg/arith/tensor, elementwise ops to fused
/// linalg.generic, then One-Shot Bufferize with identity layouts at function
/// boundaries and ownership-based deallocation. Every returned buffer is a
/// fresh allocation owned by the caller. `beforeBufferize`, when given, adds
/// target-specific tensor-level passes (on func.func) between the fusion and
/// bufferization.
/// With `keepNamedContractions`, the elementwise fusion leaves named linalg
/// ops (convolutions, matmuls, pooling) named: upstream's fusion pass
/// propagates reshapes through them by rewriting them as generics, which
/// the CPU micro-kernels do not match (the FC after a global pool).
void addTensorToBufferPasses(
    OpPassManager &pm,
    llvm::function_ref<void(OpPassManager &funcPm)> beforeBufferize = {},
    bool keepNamedContractions = false);

/// Adds the lowering of the host code (memref, arith, math, index, cf, ub,
/// func on control flow) to the LLVM dialect. With `gpuRuntimeCalls`,
/// gpu-to-llvm also turns launches and GPU memory ops into the mgpu* calls
/// of the CUDA runtime wrappers.
void addHostToLLVMPasses(OpPassManager &pm, bool gpuRuntimeCalls);

} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_PIPELINES_PIPELINEUTILS_H
