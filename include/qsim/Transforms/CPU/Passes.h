//===- Passes.h - passes of the CPU pipeline --------------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TRANSFORMS_CPU_PASSES_H
#define QSIM_TRANSFORMS_CPU_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace qsim {

#define GEN_PASS_DECL
#include "qsim/Transforms/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qsim/Transforms/CPU/Passes.h.inc"

} // namespace qsim
} // namespace mlir

#endif // QSIM_TRANSFORMS_CPU_PASSES_H
