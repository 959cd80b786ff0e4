//===- Files.h - checks on the files a tool reads and writes ----*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The tools read .npy files and write .npy files and tables at paths a user
// gives. Opening a directory, a FIFO or a device like /dev/zero as if it
// were a file either throws from deep inside the C++ streams or reads
// forever, and writing into a missing directory fails only after the whole
// run; these checks turn each case into a message naming the path, before
// any work is done.
//
// Plain C++17 with no MLIR or LLVM dependency; every entry point returns an
// error message, empty on success.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_RUNTIME_FILES_H
#define QSIM_RUNTIME_FILES_H

#include <cstdint>
#include <string>

namespace mlir {
namespace qsim {
namespace runtime {

/// Checks that `path` is a regular file (following symbolic links) and sets
/// `size` to its size in bytes. Errors: "cannot open '<path>': <reason>",
/// where the reason is the system's ("No such file or directory"), "it is a
/// directory" or "not a regular file (a FIFO)" and the like for devices and
/// sockets.
[[nodiscard]] std::string checkReadableFile(const std::string &path,
                                            uint64_t &size);

/// Checks that a file may be created or replaced at `path`: the directory
/// that would hold it exists, and what exists at `path` is a regular file
/// (with `allowDevices`, also a FIFO or a device such as /dev/null, which
/// are written into; never a directory), and the file or, for a new file,
/// its directory is writable. Errors: "cannot open '<path>' for writing:
/// <reason>", e.g. "it is a directory", "No such file or directory (the
/// directory '<dir>' does not exist)", "Permission denied (in the directory
/// '<dir>')".
[[nodiscard]] std::string checkWritableFile(const std::string &path,
                                            bool allowDevices = false);

} // namespace runtime
} // namespace qsim
} // namespace mlir

#endif // QSIM_RUNTIME_FILES_H
