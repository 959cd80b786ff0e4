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

/// --qsim-gpu-int8-dot4 with the dot product as vector arithmetic of the
/// same i32 semantics and no alignment claims: runs on the CPU. For the test
/// driver (test/lib), which checks the rewrite bit for bit without a GPU.
std::unique_ptr<Pass> createQSimGPUInt8Dot4EmulatingDots();

#define GEN_PASS_REGISTRATION
#include "qsim/Transforms/GPU/Passes.h.inc"

} // namespace qsim
} // namespace mlir

#endif // QSIM_TRANSFORMS_GPU_PASSES_H
