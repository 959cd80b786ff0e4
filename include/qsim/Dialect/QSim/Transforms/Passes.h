//===- Passes.h - qsim transformation passes --------------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_TRANSFORMS_PASSES_H
#define QSIM_DIALECT_QSIM_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "qsim/Dialect/QSim/IR/QSimOps.h"

namespace mlir {
namespace qsim {

/// The discardable attribute that keeps an op in float whatever
/// --qsim-annotate's options; its value names what the op belongs to (the
/// ONNX importer marks softmax and normalization decompositions,
/// --qsim-smooth-activations its scalings).
constexpr llvm::StringLiteral kKeepFloatAttrName = "qsim.keep_float";
/// The unit attribute on the multiply by 1/s that
/// --qsim-smooth-activations inserts, so drivers can count the sites.
constexpr llvm::StringLiteral kSmoothQuantAttrName = "qsim.smoothquant";

#define GEN_PASS_DECL
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"

} // namespace qsim
} // namespace mlir

#endif // QSIM_DIALECT_QSIM_TRANSFORMS_PASSES_H
