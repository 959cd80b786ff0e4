//===- Passes.h - passes of the GPU pipeline --------------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TRANSFORMS_GPU_PASSES_H
#define QSIM_TRANSFORMS_GPU_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace qsim {

#define GEN_PASS_DECL
#include "qsim/Transforms/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qsim/Transforms/GPU/Passes.h.inc"

} // namespace qsim
} // namespace mlir

#endif // QSIM_TRANSFORMS_GPU_PASSES_H
