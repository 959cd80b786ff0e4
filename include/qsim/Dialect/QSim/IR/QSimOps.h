//===- QSimOps.h - qsim operations ------------------------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_IR_QSIMOPS_H
#define QSIM_DIALECT_QSIM_IR_QSIMOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferIntRangeInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qsim/Dialect/QSim/IR/QSimAttrs.h"
#include "qsim/Dialect/QSim/IR/QSimDialect.h"

#define GET_OP_CLASSES
#include "qsim/Dialect/QSim/IR/QSimOps.h.inc"

#endif // QSIM_DIALECT_QSIM_IR_QSIMOPS_H
