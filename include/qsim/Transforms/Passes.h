//===- Passes.h - passes shared by the codegen pipelines --------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TRANSFORMS_PASSES_H
#define QSIM_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
namespace qsim {

/// Name of the attribute that --qsim-mark-entry-points puts on every public
/// function definition: a TypeAttr holding the function type the function
/// had on entry to the pipeline (tensor or memref types). It survives the
/// lowering to llvm.func, so a runner can check its inputs against the
/// tensor signature of an already lowered module.
inline constexpr llvm::StringLiteral kEntryTypeAttrName = "qsim.entry_type";

#define GEN_PASS_DECL
#include "qsim/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qsim/Transforms/Passes.h.inc"

} // namespace qsim
} // namespace mlir

#endif // QSIM_TRANSFORMS_PASSES_H
