//===- QSimAttrs.h - qsim attributes and enums ------------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_IR_QSIMATTRS_H
#define QSIM_DIALECT_QSIM_IR_QSIMATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectImplementation.h"
#include "qsim/Numerics/Numerics.h"

#include "qsim/Dialect/QSim/IR/QSimEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "qsim/Dialect/QSim/IR/QSimAttrs.h.inc"

namespace mlir {
namespace qsim {

/// The numerics library's rounding mode for a dialect rounding mode (they
/// share numeric values by construction).
inline numerics::RoundingMode toNumerics(RoundingMode mode) {
  return static_cast<numerics::RoundingMode>(static_cast<uint32_t>(mode));
}

} // namespace qsim
} // namespace mlir

#endif // QSIM_DIALECT_QSIM_IR_QSIMATTRS_H
