//===- Pipelines.h - qsim code generation pipelines -------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Named pipelines that take a module of func.func on tensors (TOSA, linalg,
// arith, math, tensor) down to a target dialect. qsim-opt registers them as
// flags and qsim-run builds them directly.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_PIPELINES_PIPELINES_H
#define QSIM_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
class OpPassManager;

namespace qsim {

/// Options of `--qsim-cpu-pipeline`.
struct QSimCPUPipelineOptions
    : public PassPipelineOptions<QSimCPUPipelineOptions> {
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Add llvm.emit_c_interface to every public function "
                     "definition, so that a host (qsim-run, "
                     "mlir::ExecutionEngine) calls it as "
                     "_mlir_ciface_<name> with memref descriptors"),
      llvm::cl::init(true)};
};

/// Name of the attribute that the CPU pipeline puts on every public function
/// definition: a TypeAttr holding the function type the function had on
/// entry to the pipeline (tensor or memref types). It survives the lowering
/// to llvm.func, so a runner can check its inputs against the tensor
/// signature of an already lowered module.
inline constexpr llvm::StringLiteral kEntryTypeAttrName = "qsim.entry_type";

/// Adds the CPU lowering to `pm` (which must run on builtin.module): TOSA to
/// linalg/arith/tensor, elementwise fusion, One-Shot Bufferize with identity
/// layouts at function boundaries, ownership-based deallocation, linalg to
/// loops and the conversions to the LLVM dialect. The result contains only
/// LLVM dialect ops and runs in mlir::ExecutionEngine.
void buildQSimCPUPipeline(OpPassManager &pm,
                          const QSimCPUPipelineOptions &options);

/// Registers `--qsim-cpu-pipeline` with the global pass pipeline registry.
void registerQSimCPUPipeline();

} // namespace qsim
} // namespace mlir

#endif // QSIM_PIPELINES_PIPELINES_H
