//===- PointNames.h - the names of quantization points ----------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// A calibration table names its points after the ops whose values they
// observe. --qsim-annotate gives the names; a pass that reads a table
// before annotation (--qsim-smooth-activations) must derive the same ones,
// so both use these functions.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_TRANSFORMS_POINTNAMES_H
#define QSIM_DIALECT_QSIM_TRANSFORMS_POINTNAMES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>

namespace mlir {
namespace qsim {

/// The user-given name of a location (NameLoc, possibly fused), if any.
std::optional<std::string> nameOfLocation(Location loc);

/// Stable names of the ops of `func`, in program order: the location's name
/// (the ONNX node), else `<func>.<mnemonic>_<k>` counting that mnemonic's
/// unnamed ops. Markers of --qsim-annotate are not named (nor counted).
DenseMap<Operation *, std::string> nameOpsOf(func::FuncOp func);

/// The point name of `v`: `<op name>.out` (`.outN` for the N-th of several
/// results), `<func>.argN` for an argument.
std::string pointNameOf(Value v, const DenseMap<Operation *, std::string> &opNames,
                        StringRef funcName);

} // namespace qsim
} // namespace mlir

#endif // QSIM_DIALECT_QSIM_TRANSFORMS_POINTNAMES_H
