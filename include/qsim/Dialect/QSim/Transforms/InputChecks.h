//===- InputChecks.h - refuse inputs upstream code cannot take --*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Checks that the entry of quantization (--qsim-annotate, the first pass of
// --qsim-quantize) runs on a model before any pass touches it: shapes that
// upstream canonicalization, shape inference or TOSA-to-linalg crash on or
// lower to wrong code are refused with an error naming the op.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_TRANSFORMS_INPUTCHECKS_H
#define QSIM_DIALECT_QSIM_TRANSFORMS_INPUTCHECKS_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
namespace qsim {

/// Emits an error (prefixed by `who`) on every op nested in `root` that
///  - has an unranked tensor operand or result (upstream TOSA folders and
///    shape inference dereference the missing shape);
///  - carries a dense i64 array attribute holding INT64_MIN, the in-memory
///    spelling of a dynamic size, which is never a valid pad, stride,
///    kernel or size;
///  - carries an index-typed dense elements attribute (a `tosa.const_shape`)
///    with a value below -1 (-1 alone means "inferred" or "dynamic" to the
///    ops that read shapes).
/// Fails if there was at least one.
LogicalResult checkQuantizationInput(Operation *root, llvm::StringRef who);

} // namespace qsim
} // namespace mlir

#endif // QSIM_DIALECT_QSIM_TRANSFORMS_INPUTCHECKS_H
