//===- QSimToQuant.h - qsim to upstream quant conversion --------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CONVERSION_QSIMTOQUANT_QSIMTOQUANT_H
#define QSIM_CONVERSION_QSIMTOQUANT_QSIMTOQUANT_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace qsim {

#define GEN_PASS_DECL_CONVERTQSIMTOQUANT
#include "qsim/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite qsim.sim_quantize, qsim.quantize and
/// qsim.dequantize into quant.qcast / quant.dcast / quant.scast on
/// !quant.uniform types, keeping what the types cannot express as qsim.*
/// discardable attributes on the quant.qcast.
void populateQSimToQuantPatterns(RewritePatternSet &patterns);

} // namespace qsim
} // namespace mlir

#endif // QSIM_CONVERSION_QSIMTOQUANT_QSIMTOQUANT_H
