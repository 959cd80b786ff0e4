//===- QSimDialect.h - qsim dialect -----------------------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_IR_QSIMDIALECT_H
#define QSIM_DIALECT_QSIM_IR_QSIMDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "qsim/Dialect/QSim/IR/QSimOpsDialect.h.inc"

#endif // QSIM_DIALECT_QSIM_IR_QSIMDIALECT_H
