//===- QSimInterfaces.h - quantizable op interface --------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_IR_QSIMINTERFACES_H
#define QSIM_DIALECT_QSIM_IR_QSIMINTERFACES_H

#include "mlir/IR/OpDefinition.h"
#include "qsim/Dialect/QSim/IR/QSimAttrs.h"

#include "qsim/Dialect/QSim/IR/QSimInterfaces.h.inc"

#endif // QSIM_DIALECT_QSIM_IR_QSIMINTERFACES_H
