//===- DataInputs.h - the --data files of qsim-collect -----------*- C++
//-*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Which --data file feeds which argument of the entry (in argument order or
// as NAME=FILE), the checks of each file's header against its argument, and
// the state of the file while its samples are streamed in batches.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TOOLS_QSIM_COLLECT_DATAINPUTS_H
#define QSIM_TOOLS_QSIM_COLLECT_DATAINPUTS_H

#include "qsim/Runtime/Npy.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <fstream>
#include <string>
#include <vector>

namespace mlir {
namespace qsim {
namespace collect {

/// The entry's arguments as --data names them.
struct Arguments {
  /// The entry's name, for messages.
  std::string entry;
  /// Each argument's location name ("" when it has none).
  std::vector<std::string> names;

  /// "#i" or "#i 'name'", for messages.
  std::string describe(unsigned i) const;
};

/// The user-given name of an argument's location (NameLoc, possibly fused);
/// "" when it has none.
std::string getArgumentName(BlockArgument arg);

/// The samples of one argument: its file, streamed, and the batch waiting
/// to be passed.
struct DataInput {
  std::string file;
  unsigned arg = 0;
  std::string label; // "" with one argument, else " (argument #i 'name')"
  runtime::NpyHeader header;
  SmallVector<int64_t> argShape;
  int64_t sampleElems = 1;
  size_t sampleBytes = 0;
  bool isFloat = false;
  std::ifstream in;
  std::vector<uint8_t> chunk;
  std::vector<uint8_t> pending; // samples waiting to fill a model batch
  std::vector<int64_t> desc;
};

/// Assigns the --data texts to the arguments: one per argument, all in
/// argument order or all as NAME=FILE (NAME: an argument's name or argN;
/// any other text with '=' is a file name). The result is in argument order.
llvm::Expected<std::vector<DataInput>>
bindDataFiles(llvm::ArrayRef<std::string> dataFiles, const Arguments &args);

/// Reads the header of every file and checks it against the argument of
/// `type` it feeds (dtype, (N, ...) shape, N > 0, the same N everywhere);
/// sets `numSamples` to N. The samples themselves are not read.
llvm::Error readDataHeaders(std::vector<DataInput> &inputs, FunctionType type,
                            const Arguments &args, int64_t &numSamples);

/// Whether the `n` elements of `dtype` at `p` are all finite (always true
/// for integer dtypes).
bool allFinite(const uint8_t *p, int64_t n, runtime::NpyDType dtype);

} // namespace collect
} // namespace qsim
} // namespace mlir

#endif // QSIM_TOOLS_QSIM_COLLECT_DATAINPUTS_H
