//===- Npy.h - NumPy .npy file reading and writing --------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Reads and writes NumPy's .npy format (versions 1.0, 2.0 and 3.0, see
// numpy.lib.format): a magic string, a version, a header length and a Python
// dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`,
// then the raw elements. Only little-endian (or byte-sized) numeric dtypes
// in C order are supported, which is what the runners exchange with Python.
//
// Plain C++17 with no MLIR or LLVM dependency. Nothing here throws on bad
// input: every entry point returns an error message (empty on success), so a
// tool can report a broken file and exit cleanly.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_RUNTIME_NPY_H
#define QSIM_RUNTIME_NPY_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlir {
namespace qsim {
namespace runtime {

/// The element types a .npy file may hold here.
enum class NpyDType {
  F32,  ///< '<f4'
  F64,  ///< '<f8'
  I8,   ///< '|i1'
  U8,   ///< '|u1'
  I16,  ///< '<i2'
  I32,  ///< '<i4'
  I64,  ///< '<i8'
  Bool, ///< '|b1' (one byte, 0 or 1)
};

/// The descr string numpy writes for `dtype` ("<f4", "|i1", ...).
const char *getNpyDescr(NpyDType dtype);

/// Parses a descr string. Byte-sized types are accepted with any of the
/// byte-order characters '|', '<', '>' and '=' (order is meaningless for
/// them), wider ones only as little-endian '<'. Returns std::nullopt for
/// anything else (big-endian, float16, structured, strings, ...).
std::optional<NpyDType> parseNpyDescr(std::string_view descr);

/// Size of one element of `dtype` in bytes.
size_t getNpyElementSize(NpyDType dtype);

/// numpy's name of `dtype` ("float32", "int8", "bool", ...), for messages.
const char *getNpyTypeName(NpyDType dtype);

/// Whether a file of dtype `actual` may feed a tensor whose elements are of
/// dtype `expected`: the same dtype, or the other signedness of a byte (the
/// bytes are passed as they are, so uint8 200 reaches an i8 tensor as -56).
bool isNpyDTypeCompatible(NpyDType expected, NpyDType actual);

/// An n-dimensional array in C (row-major) order with little-endian elements.
struct NpyArray {
  NpyDType dtype = NpyDType::F32;
  /// Dimension sizes; empty for a 0-d array (one element).
  std::vector<int64_t> shape;
  /// numElements() * getNpyElementSize(dtype) bytes.
  std::vector<uint8_t> data;

  /// Product of the shape (1 for a 0-d array). Assumes a validated shape.
  int64_t getNumElements() const;

  /// Makes a zero-filled array; std::nullopt if a dimension is negative or
  /// the byte size overflows.
  static std::optional<NpyArray> zeros(NpyDType dtype,
                                       std::vector<int64_t> shape);
};

/// Computes the number of elements and bytes of `shape` for elements of
/// `elementSize` bytes. Returns an error for negative dimensions and for
/// counts that overflow int64_t or size_t.
std::string computeNpyByteSize(const std::vector<int64_t> &shape,
                               size_t elementSize, int64_t &numElements,
                               size_t &numBytes);

/// Parses the bytes of a whole .npy file into `array`. Returns an empty
/// string on success, else what is wrong: bad magic, unsupported version,
/// truncated or malformed header, fortran_order True, unsupported dtype,
/// size overflow, truncated data. Bytes after the data are ignored, as numpy
/// does.
[[nodiscard]] std::string parseNpy(const uint8_t *bytes, size_t size,
                                   NpyArray &array);

/// What the header of a .npy file says, and where its data starts.
struct NpyHeader {
  NpyDType dtype = NpyDType::F32;
  std::vector<int64_t> shape;
  /// Offset of the first element from the start of the file.
  size_t dataOffset = 0;
  /// Bytes of data the header announces.
  size_t dataBytes = 0;
};

/// Parses the header of a .npy file from its first `size` bytes (at least
/// the whole header). Errors as parseNpy, except that the data is not
/// checked.
[[nodiscard]] std::string parseNpyHeader(const uint8_t *bytes, size_t size,
                                         NpyHeader &header);

/// Reads the header of the file at `path` and checks that the file holds all
/// the data it announces (so streaming it cannot hit a truncated end); the
/// error names the file. For reading large files in pieces.
[[nodiscard]] std::string readNpyHeader(const std::string &path,
                                        NpyHeader &header);

/// Reads and parses the file at `path`; the error names the file.
[[nodiscard]] std::string readNpyFile(const std::string &path, NpyArray &array);

/// Serializes `array` as numpy.save does: version 1.0 (2.0 when the header
/// does not fit in 64 KiB), the header padded with spaces to a multiple of
/// 64 bytes and ended by '\n'. Fails if data does not match dtype and shape.
[[nodiscard]] std::string serializeNpy(const NpyArray &array,
                                       std::vector<uint8_t> &bytes);

/// Serializes `array` into the file at `path`; the error names the file.
[[nodiscard]] std::string writeNpyFile(const std::string &path,
                                       const NpyArray &array);

} // namespace runtime
} // namespace qsim
} // namespace mlir

#endif // QSIM_RUNTIME_NPY_H
