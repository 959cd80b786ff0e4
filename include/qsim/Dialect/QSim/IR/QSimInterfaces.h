//===- QSimInterfaces.h - quantizable op interface --------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_IR_QSIMINTERFACES_H
#define QSIM_DIALECT_QSIM_IR_QSIMINTERFACES_H

#include "mlir/IR/OpDefinition.h"
#include "qsim/Dialect/QSim/IR/QSimAttrs.h"
#include "qsim/Dialect/QSim/IR/QSimOps.h"

namespace mlir {
namespace qsim {
/// The state of one `--qsim-realize` run that a `realize` rule builds with;
/// declared in qsim/Dialect/QSim/Transforms/RealizeContext.h, so that the IR
/// library does not depend on the transforms.
class RealizeContext;

namespace detail {
/// The default `realize`: clones a scale-preserving op on integers, fails for
/// any other op. Defined in the QSimTransforms library, which every user of
/// `realize` (the pass, the external models) links.
::llvm::LogicalResult realizeScalePreserving(RealizeContext &ctx, Operation *op,
                                             SimQuantizeOp out);
} // namespace detail
} // namespace qsim
} // namespace mlir

#include "qsim/Dialect/QSim/IR/QSimInterfaces.h.inc"

#endif // QSIM_DIALECT_QSIM_IR_QSIMINTERFACES_H
