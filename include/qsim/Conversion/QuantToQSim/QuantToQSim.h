//===- QuantToQSim.h - upstream quant to qsim conversion --------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CONVERSION_QUANTTOQSIM_QUANTTOQSIM_H
#define QSIM_CONVERSION_QUANTTOQSIM_QUANTTOQSIM_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace qsim {

#define GEN_PASS_DECL_CONVERTQUANTTOQSIM
#include "qsim/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite quant.qcast / quant.dcast / quant.scast
/// chains into qsim.sim_quantize, qsim.quantize and qsim.dequantize. Chains
/// whose quantized type has no qsim equivalent are left alone; the pass
/// reports them.
void populateQuantToQSimPatterns(RewritePatternSet &patterns);

} // namespace qsim
} // namespace mlir

#endif // QSIM_CONVERSION_QUANTTOQSIM_QUANTTOQSIM_H
