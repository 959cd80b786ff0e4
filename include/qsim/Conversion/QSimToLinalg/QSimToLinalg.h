//===- QSimToLinalg.h - qsim to linalg conversion ---------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CONVERSION_QSIMTOLINALG_QSIMTOLINALG_H
#define QSIM_CONVERSION_QSIMTOLINALG_QSIMTOLINALG_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace qsim {

#define GEN_PASS_DECL_CONVERTQSIMTOLINALG
#include "qsim/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite every qsim op into linalg.generic ops on
/// tensors (arith/math bodies) computing the integer contract of
/// docs/Numerics.md bit for bit.
void populateQSimToLinalgConversionPatterns(RewritePatternSet &patterns);

} // namespace qsim
} // namespace mlir

#endif // QSIM_CONVERSION_QSIMTOLINALG_QSIMTOLINALG_H
