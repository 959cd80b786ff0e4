//===- npy-fuzzer.cpp - libFuzzer target for the .npy reader --------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Feeds arbitrary bytes to parseNpy and parseNpyHeader. Both must return an
// error message rather than crash; a file that parses must serialize and
// parse back to the same array, and the two parsers must agree on it.
//
//===----------------------------------------------------------------------===//

#include "qsim/Runtime/Npy.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir::qsim::runtime;

static void check(bool ok, const char *what) {
  if (ok)
    return;
  std::fprintf(stderr, "npy-fuzzer: %s\n", what);
  std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  NpyHeader header;
  std::string headerError = parseNpyHeader(data, size, header);
  NpyArray array;
  std::string error = parseNpy(data, size, array);
  if (!error.empty())
    return 0;

  check(headerError.empty(), "parseNpy accepts a header parseNpyHeader rejects");
  check(header.dtype == array.dtype && header.shape == array.shape,
        "parseNpyHeader and parseNpy disagree on dtype or shape");
  check(header.dataBytes == array.data.size(),
        "parseNpyHeader's data size differs from parseNpy's");
  check(header.dataOffset + header.dataBytes <= size,
        "data announced beyond the end of the input");

  std::vector<uint8_t> bytes;
  check(serializeNpy(array, bytes).empty(), "a parsed array does not serialize");
  NpyArray again;
  check(parseNpy(bytes.data(), bytes.size(), again).empty(),
        "a serialized array does not parse");
  check(again.dtype == array.dtype && again.shape == array.shape &&
            again.data == array.data,
        "serialize + parse changes the array");
  return 0;
}
