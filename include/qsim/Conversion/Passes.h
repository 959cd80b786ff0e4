//===- Passes.h - qsim conversion passes ------------------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CONVERSION_PASSES_H
#define QSIM_CONVERSION_PASSES_H

#include "qsim/Conversion/LinalgToCPUKernels/LinalgToCPUKernels.h"
#include "qsim/Conversion/QSimToLinalg/QSimToLinalg.h"
#include "qsim/Conversion/QSimToQuant/QSimToQuant.h"
#include "qsim/Conversion/QuantToQSim/QuantToQSim.h"

namespace mlir {
namespace qsim {

#define GEN_PASS_REGISTRATION
#include "qsim/Conversion/Passes.h.inc"

} // namespace qsim
} // namespace mlir

#endif // QSIM_CONVERSION_PASSES_H
