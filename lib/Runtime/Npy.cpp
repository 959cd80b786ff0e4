//===- Npy.cpp - NumPy .npy file reading and writing ----------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The header is parsed by a small recursive-descent reader of the subset of
// Python literals numpy writes (and older numpy versions wrote: "3L" longs,
// double quotes), never by evaluating anything. Writing reproduces numpy's
// own layout byte for byte (numpy.lib.format._write_array_header), so files
// compare equal with ones written by numpy.save.
//
//===----------------------------------------------------------------------===//

#include "qsim/Runtime/Npy.h"
#include "qsim/Runtime/Files.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

using namespace mlir::qsim::runtime;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
/// numpy aligns the start of the data to this many bytes.
constexpr size_t kArrayAlign = 64;
/// numpy leaves room for the growth axis to reach this many digits, so that
/// appending to a file can rewrite the header in place.
constexpr size_t kGrowthAxisMaxDigits = 21;

uint32_t readLE(const uint8_t *p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

/// Reader of the header dict. Each parse method returns an error message or
/// an empty string.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text(text) {}

  std::string parse(std::string &descr, bool &fortranOrder,
                    std::vector<int64_t> &shape) {
    bool haveDescr = false, haveFortran = false, haveShape = false;
    skipSpace();
    if (!consume('{'))
      return error("expected '{'");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (std::string err = parseString(key); !err.empty())
        return err;
      skipSpace();
      if (!consume(':'))
        return error("expected ':' after key '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (haveDescr)
          return error("duplicate key 'descr'");
        haveDescr = true;
        if (peek() == '[')
          return "structured dtypes (a list descr) are not supported";
        if (std::string err = parseString(descr); !err.empty())
          return err;
      } else if (key == "fortran_order") {
        if (haveFortran)
          return error("duplicate key 'fortran_order'");
        haveFortran = true;
        if (consumeWord("True"))
          fortranOrder = true;
        else if (consumeWord("False"))
          fortranOrder = false;
        else
          return error("'fortran_order' must be True or False");
      } else if (key == "shape") {
        if (haveShape)
          return error("duplicate key 'shape'");
        haveShape = true;
        if (std::string err = parseShape(shape); !err.empty())
          return err;
      } else {
        return error("unexpected key '" + key + "'");
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return error("expected ',' or '}'");
    }
    skipSpace();
    if (pos != text.size())
      return error("unexpected characters after the dict");
    if (!haveDescr)
      return error("missing key 'descr'");
    if (!haveFortran)
      return error("missing key 'fortran_order'");
    if (!haveShape)
      return error("missing key 'shape'");
    return {};
  }

private:
  std::string error(const std::string &what) const {
    return "malformed header: " + what + " at offset " + std::to_string(pos);
  }

  char peek() const { return pos < text.size() ? text[pos] : '\0'; }

  bool consume(char c) {
    if (peek() != c)
      return false;
    ++pos;
    return true;
  }

  bool consumeWord(std::string_view word) {
    if (text.substr(pos, word.size()) != word)
      return false;
    size_t end = pos + word.size();
    if (end < text.size() &&
        (std::isalnum(static_cast<unsigned char>(text[end])) ||
         text[end] == '_'))
      return false;
    pos = end;
    return true;
  }

  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' ||
                                 text[pos] == '\t' || text[pos] == '\r'))
      ++pos;
  }

  std::string parseString(std::string &out) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return error("expected a quoted string");
    ++pos;
    size_t start = pos;
    while (pos < text.size() && text[pos] != quote) {
      // numpy never writes escapes in these strings.
      if (text[pos] == '\\' || text[pos] == '\n')
        return error("unsupported character in string");
      ++pos;
    }
    if (pos == text.size())
      return error("unterminated string");
    out = std::string(text.substr(start, pos - start));
    ++pos;
    return {};
  }

  std::string parseShape(std::vector<int64_t> &shape) {
    shape.clear();
    if (!consume('('))
      return error("'shape' must be a tuple");
    while (true) {
      skipSpace();
      if (consume(')'))
        return {};
      if (peek() == '-')
        return "negative dimension in 'shape'";
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        return error("expected a dimension size");
      int64_t dim = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        int digit = peek() - '0';
        if (dim > (std::numeric_limits<int64_t>::max() - digit) / 10)
          return "size overflow: a dimension in 'shape' does not fit in 64 "
                 "bits";
        dim = dim * 10 + digit;
        ++pos;
      }
      // Python 2 long literals, as numpy < 1.9 wrote them.
      if (peek() == 'L' || peek() == 'l')
        ++pos;
      shape.push_back(dim);
      skipSpace();
      if (consume(','))
        continue;
      if (consume(')'))
        return {};
      return error("expected ',' or ')' in 'shape'");
    }
  }

  std::string_view text;
  size_t pos = 0;
};

std::string formatShape(const std::vector<int64_t> &shape) {
  // Python's repr of a tuple: "()", "(3,)", "(2, 3)".
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

} // namespace

const char *mlir::qsim::runtime::getNpyDescr(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32:
    return "<f4";
  case NpyDType::F64:
    return "<f8";
  case NpyDType::I8:
    return "|i1";
  case NpyDType::U8:
    return "|u1";
  case NpyDType::I16:
    return "<i2";
  case NpyDType::I32:
    return "<i4";
  case NpyDType::I64:
    return "<i8";
  case NpyDType::Bool:
    return "|b1";
  }
  return "?";
}

std::optional<NpyDType>
mlir::qsim::runtime::parseNpyDescr(std::string_view descr) {
  if (descr.size() != 3)
    return std::nullopt;
  char order = descr[0];
  std::string_view kind = descr.substr(1);
  if (order == '|' || order == '<' || order == '>' || order == '=') {
    if (kind == "i1")
      return NpyDType::I8;
    if (kind == "u1")
      return NpyDType::U8;
    if (kind == "b1")
      return NpyDType::Bool;
  }
  if (order != '<')
    return std::nullopt;
  if (kind == "f4")
    return NpyDType::F32;
  if (kind == "f8")
    return NpyDType::F64;
  if (kind == "i2")
    return NpyDType::I16;
  if (kind == "i4")
    return NpyDType::I32;
  if (kind == "i8")
    return NpyDType::I64;
  return std::nullopt;
}

size_t mlir::qsim::runtime::getNpyElementSize(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::I8:
  case NpyDType::U8:
  case NpyDType::Bool:
    return 1;
  case NpyDType::I16:
    return 2;
  case NpyDType::F32:
  case NpyDType::I32:
    return 4;
  case NpyDType::F64:
  case NpyDType::I64:
    return 8;
  }
  return 1;
}

const char *mlir::qsim::runtime::getNpyTypeName(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32:
    return "float32";
  case NpyDType::F64:
    return "float64";
  case NpyDType::I8:
    return "int8";
  case NpyDType::U8:
    return "uint8";
  case NpyDType::I16:
    return "int16";
  case NpyDType::I32:
    return "int32";
  case NpyDType::I64:
    return "int64";
  case NpyDType::Bool:
    return "bool";
  }
  return "?";
}

bool mlir::qsim::runtime::isNpyDTypeCompatible(NpyDType expected,
                                               NpyDType actual) {
  if (expected == actual)
    return true;
  return (expected == NpyDType::I8 && actual == NpyDType::U8) ||
         (expected == NpyDType::U8 && actual == NpyDType::I8);
}

int64_t NpyArray::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::optional<NpyArray> NpyArray::zeros(NpyDType dtype,
                                        std::vector<int64_t> shape) {
  int64_t numElements;
  size_t numBytes;
  if (!computeNpyByteSize(shape, getNpyElementSize(dtype), numElements,
                          numBytes)
           .empty())
    return std::nullopt;
  NpyArray array;
  array.dtype = dtype;
  array.shape = std::move(shape);
  array.data.assign(numBytes, 0);
  return array;
}

std::string mlir::qsim::runtime::computeNpyByteSize(
    const std::vector<int64_t> &shape, size_t elementSize, int64_t &numElements,
    size_t &numBytes) {
  // A zero dimension makes the product 0 whatever follows, but every
  // dimension must still be representable.
  uint64_t n = 1;
  bool zero = false;
  for (int64_t d : shape) {
    if (d < 0)
      return "negative dimension " + std::to_string(d) + " in shape " +
             formatShape(shape);
    if (d == 0) {
      zero = true;
      continue;
    }
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) /
                static_cast<uint64_t>(d))
      return "size overflow: shape " + formatShape(shape) +
             " has more elements than fit in 64 bits";
    n *= static_cast<uint64_t>(d);
  }
  if (n > std::numeric_limits<size_t>::max() / elementSize)
    return "size overflow: shape " + formatShape(shape) +
           " has more bytes than fit in memory";
  // Also keep the byte count below PTRDIFF_MAX, the limit of a std::vector.
  if (n * elementSize >
      static_cast<uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()))
    return "size overflow: shape " + formatShape(shape) +
           " has more bytes than fit in memory";
  numElements = zero ? 0 : static_cast<int64_t>(n);
  numBytes = zero ? 0 : static_cast<size_t>(n) * elementSize;
  return {};
}

std::string mlir::qsim::runtime::parseNpyHeader(const uint8_t *bytes,
                                                size_t size,
                                                NpyHeader &result) {
  if (size < kMagicLen + 2 || std::memcmp(bytes, kMagic, kMagicLen) != 0)
    return "not a .npy file (bad magic string)";
  unsigned major = bytes[kMagicLen], minor = bytes[kMagicLen + 1];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    return "unsupported .npy format version " + std::to_string(major) + "." +
           std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)";
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t prefix = kMagicLen + 2 + lenBytes;
  if (size < prefix)
    return "truncated header: the file ends inside the header length";
  size_t headerLen = readLE(bytes + kMagicLen + 2, lenBytes);
  if (size - prefix < headerLen)
    return "truncated header: it declares " + std::to_string(headerLen) +
           " bytes, the file has " + std::to_string(size - prefix);
  // Version 3.0 only allows UTF-8 in the header; the keys and values we
  // accept are ASCII either way.
  std::string_view header(reinterpret_cast<const char *>(bytes + prefix),
                          headerLen);

  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  if (std::string err = HeaderParser(header).parse(descr, fortranOrder, shape);
      !err.empty())
    return err;
  if (fortranOrder)
    return "fortran_order True is not supported (write the array in C "
           "order, e.g. numpy.ascontiguousarray)";
  std::optional<NpyDType> dtype = parseNpyDescr(descr);
  if (!dtype) {
    if (!descr.empty() && descr[0] == '>')
      return "big-endian dtype '" + descr + "' is not supported";
    return "unsupported dtype '" + descr +
           "' (supported: <f4 <f8 |i1 |u1 <i2 <i4 <i8 |b1)";
  }

  int64_t numElements;
  size_t numBytes;
  if (std::string err = computeNpyByteSize(shape, getNpyElementSize(*dtype),
                                           numElements, numBytes);
      !err.empty())
    return err;
  result.dtype = *dtype;
  result.shape = std::move(shape);
  result.dataOffset = prefix + headerLen;
  result.dataBytes = numBytes;
  return {};
}

/// The error for a file whose data is shorter than its header announces.
static std::string truncatedData(const NpyHeader &h, size_t available) {
  return "truncated data: shape " + formatShape(h.shape) + " of '" +
         getNpyDescr(h.dtype) + "' needs " + std::to_string(h.dataBytes) +
         " bytes, the file has " + std::to_string(available);
}

std::string mlir::qsim::runtime::parseNpy(const uint8_t *bytes, size_t size,
                                          NpyArray &array) {
  NpyHeader header;
  if (std::string err = parseNpyHeader(bytes, size, header); !err.empty())
    return err;
  size_t available = size - header.dataOffset;
  if (available < header.dataBytes)
    return truncatedData(header, available);
  array.dtype = header.dtype;
  array.shape = std::move(header.shape);
  const uint8_t *data = bytes + header.dataOffset;
  array.data.assign(data, data + header.dataBytes);
  return {};
}

std::string mlir::qsim::runtime::readNpyHeader(const std::string &path,
                                               NpyHeader &header) {
  uint64_t fileSize = 0;
  if (std::string err = checkReadableFile(path, fileSize); !err.empty())
    return err;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "cannot open '" + path + "': " + std::strerror(errno);
  // Headers are at most 4 GiB in theory; in practice numpy writes them
  // padded to 64 bytes, and 64 KiB is plenty.
  std::vector<uint8_t> bytes(std::min<uint64_t>(fileSize, 1 << 16));
  in.read(reinterpret_cast<char *>(bytes.data()), bytes.size());
  if (in.bad())
    return "cannot read '" + path + "': " + std::strerror(errno);
  if (std::string err = parseNpyHeader(bytes.data(), bytes.size(), header);
      !err.empty())
    return "'" + path + "': " + err;
  size_t available = fileSize - header.dataOffset;
  if (available < header.dataBytes)
    return "'" + path + "': " + truncatedData(header, available);
  return {};
}

std::string mlir::qsim::runtime::readNpyFile(const std::string &path,
                                             NpyArray &array) {
  // The size comes from the file system, never from reading to the end: a
  // device like /dev/zero has no end.
  uint64_t fileSize = 0;
  if (std::string err = checkReadableFile(path, fileSize); !err.empty())
    return err;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "cannot open '" + path + "': " + std::strerror(errno);
  if (fileSize >
      static_cast<uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()))
    return "'" + path + "' is too large to read";
  std::vector<uint8_t> bytes(static_cast<size_t>(fileSize));
  in.read(reinterpret_cast<char *>(bytes.data()),
          static_cast<std::streamsize>(bytes.size()));
  if (in.bad() || static_cast<uint64_t>(in.gcount()) != fileSize)
    return "cannot read '" + path + "': " +
           (in.bad() ? std::strerror(errno) : "the file shrank while read");
  if (std::string err = parseNpy(bytes.data(), bytes.size(), array);
      !err.empty())
    return "'" + path + "': " + err;
  return {};
}

std::string mlir::qsim::runtime::serializeNpy(const NpyArray &array,
                                              std::vector<uint8_t> &bytes) {
  int64_t numElements;
  size_t numBytes;
  if (std::string err = computeNpyByteSize(
          array.shape, getNpyElementSize(array.dtype), numElements, numBytes);
      !err.empty())
    return err;
  if (array.data.size() != numBytes)
    return "data has " + std::to_string(array.data.size()) + " bytes, shape " +
           formatShape(array.shape) + " of '" + getNpyDescr(array.dtype) +
           "' needs " + std::to_string(numBytes);

  std::string header =
      std::string("{'descr': '") + getNpyDescr(array.dtype) +
      "', 'fortran_order': False, 'shape': " + formatShape(array.shape) + ", }";
  if (!array.shape.empty()) {
    size_t digits = std::to_string(array.shape.front()).size();
    if (digits < kGrowthAxisMaxDigits)
      header.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  // numpy pads with at least one space (a full 64 when already aligned),
  // then ends with '\n'.
  size_t hlen = header.size() + 1;
  unsigned major = 1;
  size_t lenBytes = 2;
  size_t padLen = kArrayAlign - (kMagicLen + 2 + lenBytes + hlen) % kArrayAlign;
  if (hlen + padLen > 0xffff) {
    major = 2;
    lenBytes = 4;
    padLen = kArrayAlign - (kMagicLen + 2 + lenBytes + hlen) % kArrayAlign;
  }
  header.append(padLen, ' ');
  header += '\n';

  bytes.clear();
  bytes.reserve(kMagicLen + 2 + lenBytes + header.size() + numBytes);
  bytes.insert(bytes.end(), kMagic, kMagic + kMagicLen);
  bytes.push_back(static_cast<uint8_t>(major));
  bytes.push_back(0);
  for (size_t i = 0; i < lenBytes; ++i)
    bytes.push_back(static_cast<uint8_t>((header.size() >> (8 * i)) & 0xff));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());
  return {};
}

std::string mlir::qsim::runtime::writeNpyFile(const std::string &path,
                                              const NpyArray &array) {
  std::vector<uint8_t> bytes;
  if (std::string err = serializeNpy(array, bytes); !err.empty())
    return "cannot write '" + path + "': " + err;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return "cannot open '" + path + "' for writing: " + std::strerror(errno);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out)
    return "cannot write '" + path + "': " + std::strerror(errno);
  return {};
}
