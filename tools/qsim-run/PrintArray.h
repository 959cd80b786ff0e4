//===- PrintArray.h - qsim-run --print ---------------------------*- C++
//-*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TOOLS_QSIM_RUN_PRINTARRAY_H
#define QSIM_TOOLS_QSIM_RUN_PRINTARRAY_H

#include "qsim/Runtime/Npy.h"

#include "mlir/IR/Types.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir {
namespace qsim {
namespace run {

/// Prints result #`index` of type `type`: a line with its type, shape and
/// dtype, then its values as nested brackets like numpy; large arrays (more
/// than 1000 elements) show the first and last 3 entries of every dimension.
void printArray(llvm::raw_ostream &os, const runtime::NpyArray &array,
                unsigned index, Type type);

} // namespace run
} // namespace qsim
} // namespace mlir

#endif // QSIM_TOOLS_QSIM_RUN_PRINTARRAY_H
