//===- Entry.h - the function qsim-run calls and its signature --*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Which function of a module qsim-run runs (--entry or the only public one;
// in an already lowered module, an llvm.func carrying the signature that
// --qsim-cpu-pipeline recorded) and the static tensor shapes and .npy dtypes
// of its arguments and results.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TOOLS_QSIM_RUN_ENTRY_H
#define QSIM_TOOLS_QSIM_RUN_ENTRY_H

#include "qsim/Runtime/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir {
namespace qsim {
namespace run {

/// One argument or result of the entry: a static shape and an element type.
struct TensorSpec {
  Type type;
  SmallVector<int64_t> shape;
  runtime::NpyDType dtype;
};

/// The function to run and its signature from before the lowering.
struct Entry {
  std::string name;
  FunctionType type;
  SmallVector<TensorSpec> args, results;
};

/// Finds the entry of `module` (read from `filename`): `requested` or the
/// only public function; in a `lowered` module, the llvm.func definitions
/// carrying the recorded signature, which must have a C interface function.
/// Then checks that every argument and
/// result is a ranked static tensor or identity-layout memref of a supported
/// element type. Errors say why no entry fits or which type is refused.
llvm::Expected<Entry> findEntry(ModuleOp module, StringRef requested,
                                StringRef filename, bool lowered);

/// `type` as MLIR prints it.
std::string typeToString(Type type);

} // namespace run
} // namespace qsim
} // namespace mlir

#endif // QSIM_TOOLS_QSIM_RUN_ENTRY_H
