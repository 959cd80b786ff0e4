//===- FilesTest.cpp - Tests for the checks on input and output paths ----===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Runtime/Files.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace mlir::qsim::runtime;

namespace {

std::string tempDir() {
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() == '/')
    dir.pop_back();
  return dir;
}

#define EXPECT_ERROR_CONTAINS(expr, needle)                                    \
  do {                                                                         \
    std::string err_ = (expr);                                                 \
    EXPECT_NE(err_.find(needle), std::string::npos)                            \
        << "error '" << err_ << "' does not contain '" << (needle) << "'";     \
  } while (false)

TEST(FilesTest, ReadableIsARegularFileWithItsSize) {
  std::string path = tempDir() + "/qsim_files_regular.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "12345";
  }
  uint64_t size = 0;
  EXPECT_EQ(checkReadableFile(path, size), "");
  EXPECT_EQ(size, 5u);
  std::remove(path.c_str());
  EXPECT_ERROR_CONTAINS(checkReadableFile(path, size),
                        "cannot open '" + path + "': No such file");
}

TEST(FilesTest, ReadableRefusesDirectoriesAndDevices) {
  uint64_t size = 0;
  std::string dir = tempDir();
  EXPECT_EQ(checkReadableFile(dir, size),
            "cannot open '" + dir + "': it is a directory");
  EXPECT_EQ(checkReadableFile("/dev/zero", size),
            "cannot open '/dev/zero': not a regular file (a character device)");
  std::string fifo = dir + "/qsim_files_fifo";
  std::remove(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(checkReadableFile(fifo, size),
            "cannot open '" + fifo + "': not a regular file (a FIFO)");
  std::remove(fifo.c_str());
}

TEST(FilesTest, Writable) {
  std::string dir = tempDir();
  EXPECT_EQ(checkWritableFile(dir + "/qsim_files_new.bin"), "");
  // A bare name lies in the working directory, which exists.
  EXPECT_EQ(checkWritableFile("qsim_files_relative.bin").find("does not exist"),
            std::string::npos);
  EXPECT_EQ(checkWritableFile(dir),
            "cannot open '" + dir + "' for writing: it is a directory");
  EXPECT_EQ(checkWritableFile(dir, /*allowDevices=*/true),
            "cannot open '" + dir + "' for writing: it is a directory");
  EXPECT_ERROR_CONTAINS(checkWritableFile("/dev/null"),
                        "not a regular file (a character device)");
  EXPECT_EQ(checkWritableFile("/dev/null", /*allowDevices=*/true), "");
  std::string missing = dir + "/qsim_files_missing/x.bin";
  EXPECT_EQ(checkWritableFile(missing),
            "cannot open '" + missing +
                "' for writing: No such file or directory (the directory '" +
                dir + "/qsim_files_missing' does not exist)");
  EXPECT_ERROR_CONTAINS(checkWritableFile(""), "empty path");
}

// Root may write anywhere, so the permission checks only show for others.
TEST(FilesTest, WritableNeedsPermission) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root bypasses file permissions";
  std::string dir = tempDir() + "/qsim_files_readonly";
  ::mkdir(dir.c_str(), 0700);
  std::string file = dir + "/x.bin";
  { std::ofstream out(file); }
  ASSERT_EQ(::chmod(file.c_str(), 0400), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0500), 0);
  EXPECT_ERROR_CONTAINS(checkWritableFile(file), "Permission denied");
  EXPECT_ERROR_CONTAINS(checkWritableFile(dir + "/y.bin"),
                        "Permission denied (in the directory '" + dir + "')");
  ::chmod(dir.c_str(), 0700);
  std::remove(file.c_str());
  ::rmdir(dir.c_str());
}

} // namespace
