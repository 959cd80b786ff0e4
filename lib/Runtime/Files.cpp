//===- Files.cpp - checks on the files a tool reads and writes ------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Runtime/Files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <unistd.h>

using namespace mlir::qsim::runtime;
namespace fs = std::filesystem;

/// What a non-regular file is, for messages; empty for a regular file.
static std::string describeKind(const fs::file_status &status) {
  switch (status.type()) {
  case fs::file_type::regular:
    return "";
  case fs::file_type::directory:
    return "a directory";
  case fs::file_type::fifo:
    return "a FIFO";
  case fs::file_type::character:
    return "a character device";
  case fs::file_type::block:
    return "a block device";
  case fs::file_type::socket:
    return "a socket";
  default:
    return "of an unknown kind";
  }
}

/// Why an existing file of `status`, not a regular one, cannot be used.
static std::string notRegular(const fs::file_status &status) {
  if (status.type() == fs::file_type::directory)
    return "it is a directory";
  return "not a regular file (" + describeKind(status) + ")";
}

std::string mlir::qsim::runtime::checkReadableFile(const std::string &path,
                                                   uint64_t &size) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec)
    return "cannot open '" + path + "': " + ec.message();
  if (status.type() != fs::file_type::regular)
    return "cannot open '" + path + "': " + notRegular(status);
  size = fs::file_size(path, ec);
  if (ec)
    return "cannot open '" + path + "': " + ec.message();
  return {};
}

std::string mlir::qsim::runtime::checkWritableFile(const std::string &path,
                                                   bool allowDevices) {
  if (path.empty())
    return "cannot open '' for writing: empty path";
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (!ec && status.type() != fs::file_type::regular) {
    bool device = status.type() == fs::file_type::fifo ||
                  status.type() == fs::file_type::character ||
                  status.type() == fs::file_type::block;
    if (!(allowDevices && device))
      return "cannot open '" + path + "' for writing: " + notRegular(status);
    return {};
  }
  if (!ec && ::access(path.c_str(), W_OK) != 0)
    return "cannot open '" + path + "' for writing: " + std::strerror(errno);
  if (ec && status.type() != fs::file_type::not_found)
    return "cannot open '" + path + "' for writing: " + ec.message();
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty())
    dir = ".";
  fs::file_status dirStatus = fs::status(dir, ec);
  if (dirStatus.type() == fs::file_type::not_found)
    return "cannot open '" + path +
           "' for writing: No such file or directory (the directory '" +
           dir.string() + "' does not exist)";
  if (ec)
    return "cannot open '" + path + "' for writing: " + ec.message();
  if (dirStatus.type() != fs::file_type::directory)
    return "cannot open '" + path + "' for writing: '" + dir.string() +
           "' is not a directory";
  if (status.type() == fs::file_type::not_found &&
      ::access(dir.c_str(), W_OK | X_OK) != 0)
    return "cannot open '" + path + "' for writing: " + std::strerror(errno) +
           " (in the directory '" + dir.string() + "')";
  return {};
}
