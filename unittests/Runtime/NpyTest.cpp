//===- NpyTest.cpp - Tests for the .npy reader and writer -----------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The reference files are the bytes numpy 1.26 writes with numpy.save (and
// numpy.lib.format.write_array for versions 2.0 and 3.0), transcribed once:
// the 10- or 12-byte prefix, the header dict exactly as numpy prints it, the
// header length numpy chose (space padding to a 64-byte boundary, then
// '\n'), and the data bytes in hex. Reading must decode them and writing
// must reproduce them byte for byte. Every error path has a case.
//
//===----------------------------------------------------------------------===//

#include "qsim/Runtime/Npy.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace mlir::qsim::runtime;

namespace {

std::vector<uint8_t> fromHex(const std::string &hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(
        static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

/// A .npy file as numpy writes it: `prefix` (magic, version, header length),
/// `dict` padded with spaces to `headerLen - 1` bytes, '\n', then `dataHex`.
std::vector<uint8_t> npyFile(const std::string &prefix, const std::string &dict,
                             size_t headerLen, const std::string &dataHex) {
  std::string header = dict;
  header.resize(headerLen - 1, ' ');
  header += '\n';
  std::vector<uint8_t> out(prefix.begin(), prefix.end());
  out.insert(out.end(), header.begin(), header.end());
  std::vector<uint8_t> data = fromHex(dataHex);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// numpy's version 1.0 prefix for a 118-byte header (0x76): every header of
// rank <= 3 and small dimensions, because numpy leaves room for 21 digits.
const std::string kV1Prefix("\x93NUMPY\x01\x00\x76\x00", 10);

struct NumpyCase {
  const char *name;
  std::string prefix;
  const char *dict;
  size_t headerLen;
  const char *dataHex;
  NpyDType dtype;
  std::vector<int64_t> shape;
};

std::vector<NumpyCase> numpyCases() {
  return {
      // np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1
      {"f32_2x3",
       kV1Prefix,
       "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
       118,
       "000080bf000000bf000000000000003f0000803f0000c03f",
       NpyDType::F32,
       {2, 3}},
      // np.array([-128, -1, 0, 127], dtype=np.int8)
      {"i8_4",
       kV1Prefix,
       "{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }",
       118,
       "80ff007f",
       NpyDType::I8,
       {4}},
      // np.array(200, dtype=np.uint8): 0-d
      {"u8_0d",
       kV1Prefix,
       "{'descr': '|u1', 'fortran_order': False, 'shape': (), }",
       118,
       "c8",
       NpyDType::U8,
       {}},
      // np.zeros((2, 0), dtype=np.int32): no data
      {"i32_2x0",
       kV1Prefix,
       "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 0), }",
       118,
       "",
       NpyDType::I32,
       {2, 0}},
      // np.array([[[1.5, -2.25]]])
      {"f64_1x1x2",
       kV1Prefix,
       "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 2), }",
       118,
       "000000000000f83f00000000000002c0",
       NpyDType::F64,
       {1, 1, 2}},
      // np.array([1, -1, 1 << 40], dtype=np.int64)
      {"i64_3",
       kV1Prefix,
       "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
       118,
       "0100000000000000ffffffffffffffff0000000000010000",
       NpyDType::I64,
       {3}},
      // np.array([-300, 300], dtype=np.int16)
      {"i16_2",
       kV1Prefix,
       "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }",
       118,
       "d4fe2c01",
       NpyDType::I16,
       {2}},
      // np.array([True, False, True])
      {"b1_3",
       kV1Prefix,
       "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
       118,
       "010001",
       NpyDType::Bool,
       {3}},
  };
}

TEST(NpyTest, ReadsNumpyFiles) {
  for (const NumpyCase &c : numpyCases()) {
    SCOPED_TRACE(c.name);
    std::vector<uint8_t> bytes =
        npyFile(c.prefix, c.dict, c.headerLen, c.dataHex);
    NpyArray array;
    ASSERT_EQ(parseNpy(bytes.data(), bytes.size(), array), "");
    EXPECT_EQ(array.dtype, c.dtype);
    EXPECT_EQ(array.shape, c.shape);
    EXPECT_EQ(array.data, fromHex(c.dataHex));
  }
}

TEST(NpyTest, WritesWhatNumpyWrites) {
  for (const NumpyCase &c : numpyCases()) {
    SCOPED_TRACE(c.name);
    NpyArray array;
    array.dtype = c.dtype;
    array.shape = c.shape;
    array.data = fromHex(c.dataHex);
    std::vector<uint8_t> bytes;
    ASSERT_EQ(serializeNpy(array, bytes), "");
    EXPECT_EQ(bytes, npyFile(c.prefix, c.dict, c.headerLen, c.dataHex));
  }
}

TEST(NpyTest, DecodesValues) {
  std::vector<uint8_t> bytes = npyFile(
      kV1Prefix, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      118, "000080bf000000bf000000000000003f0000803f0000c03f");
  NpyArray array;
  ASSERT_EQ(parseNpy(bytes.data(), bytes.size(), array), "");
  ASSERT_EQ(array.getNumElements(), 6);
  float values[6];
  std::memcpy(values, array.data.data(), sizeof(values));
  const float expected[6] = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(values[i], expected[i]) << i;
}

TEST(NpyTest, ReadsVersions2And3) {
  // numpy.lib.format.write_array(f, np.array([1, 2], np.int32),
  //                              version=(2, 0)) and (3, 0).
  for (char major : {'\x02', '\x03'}) {
    std::string prefix("\x93NUMPY", 6);
    prefix += major;
    prefix += std::string("\x00\x74\x00\x00\x00", 5);
    std::vector<uint8_t> bytes = npyFile(
        prefix, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
        0x74, "0100000002000000");
    ASSERT_EQ(bytes.size() % 64, 8u); // the data starts 64-byte aligned
    NpyArray array;
    ASSERT_EQ(parseNpy(bytes.data(), bytes.size(), array), "");
    EXPECT_EQ(array.dtype, NpyDType::I32);
    EXPECT_EQ(array.shape, std::vector<int64_t>{2});
    EXPECT_EQ(array.data, fromHex("0100000002000000"));
  }
}

TEST(NpyTest, ReadsOtherWriters) {
  // Older numpy (16-byte alignment, Python 2 longs, no growth padding),
  // double quotes, no trailing comma, keys in another order, a 1-byte type
  // written with '<'.
  const char *dicts[] = {
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 1L), }",
      "{\"descr\": \"<i2\", \"fortran_order\": False, \"shape\": (2, 1)}",
      "{'shape': (2, 1), 'fortran_order': False, 'descr': '<i2'}",
  };
  for (const char *dict : dicts) {
    SCOPED_TRACE(dict);
    std::string header = dict;
    header += '\n';
    std::string prefix("\x93NUMPY\x01\x00", 8);
    prefix += static_cast<char>(header.size());
    prefix += '\0';
    std::vector<uint8_t> bytes(prefix.begin(), prefix.end());
    bytes.insert(bytes.end(), header.begin(), header.end());
    for (uint8_t b : fromHex("0700f9ff"))
      bytes.push_back(b);
    NpyArray array;
    ASSERT_EQ(parseNpy(bytes.data(), bytes.size(), array), "");
    EXPECT_EQ(array.dtype, NpyDType::I16);
    EXPECT_EQ(array.shape, (std::vector<int64_t>{2, 1}));
    EXPECT_EQ(array.data, fromHex("0700f9ff"));
  }
  EXPECT_EQ(parseNpyDescr("<i1"), NpyDType::I8);
  EXPECT_EQ(parseNpyDescr("<u1"), NpyDType::U8);
}

TEST(NpyTest, IgnoresTrailingBytes) {
  std::vector<uint8_t> bytes = npyFile(
      kV1Prefix, "{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }",
      118, "80ff007f0102");
  NpyArray array;
  ASSERT_EQ(parseNpy(bytes.data(), bytes.size(), array), "");
  EXPECT_EQ(array.data, fromHex("80ff007f"));
}

TEST(NpyTest, DescrRoundTrip) {
  for (NpyDType t :
       {NpyDType::F32, NpyDType::F64, NpyDType::I8, NpyDType::U8, NpyDType::I16,
        NpyDType::I32, NpyDType::I64, NpyDType::Bool}) {
    std::optional<NpyDType> parsed = parseNpyDescr(getNpyDescr(t));
    ASSERT_TRUE(parsed.has_value()) << getNpyDescr(t);
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(getNpyElementSize(NpyDType::F64), 8u);
  EXPECT_EQ(getNpyElementSize(NpyDType::I16), 2u);
  EXPECT_EQ(getNpyElementSize(NpyDType::Bool), 1u);
  EXPECT_FALSE(parseNpyDescr(">f4").has_value());
  EXPECT_FALSE(parseNpyDescr("<f2").has_value());
  EXPECT_FALSE(parseNpyDescr("<u4").has_value());
  EXPECT_FALSE(parseNpyDescr("f4").has_value());
}

TEST(NpyTest, FileRoundTrip) {
  std::string path = ::testing::TempDir() + "qsim_npy_roundtrip.npy";
  std::optional<NpyArray> array = NpyArray::zeros(NpyDType::I32, {3, 1, 2});
  ASSERT_TRUE(array.has_value());
  for (size_t i = 0; i < array->data.size(); ++i)
    array->data[i] = static_cast<uint8_t>(i * 7 + 1);
  ASSERT_EQ(writeNpyFile(path, *array), "");
  NpyArray back;
  ASSERT_EQ(readNpyFile(path, back), "");
  EXPECT_EQ(back.dtype, array->dtype);
  EXPECT_EQ(back.shape, array->shape);
  EXPECT_EQ(back.data, array->data);
  std::remove(path.c_str());
}

TEST(NpyTest, AlignsEveryHeaderTo64Bytes) {
  // Shapes whose header lengths cross the padding boundaries, including a
  // header that needs version 2.0 (more than 65535 bytes).
  std::vector<std::vector<int64_t>> shapes = {{}, {1}, {123456789012}, {0, 0}};
  std::vector<int64_t> many(30000, 1);
  shapes.push_back(many);
  for (const std::vector<int64_t> &shape : shapes) {
    NpyArray array;
    array.dtype = NpyDType::U8;
    array.shape = shape;
    int64_t n;
    size_t bytesNeeded;
    ASSERT_EQ(computeNpyByteSize(shape, 1, n, bytesNeeded), "");
    if (bytesNeeded > 1000)
      continue; // {123456789012} is only a header test below
    array.data.assign(bytesNeeded, 5);
    std::vector<uint8_t> bytes;
    ASSERT_EQ(serializeNpy(array, bytes), "");
    size_t headerEnd = bytes.size() - bytesNeeded;
    EXPECT_EQ(headerEnd % 64, 0u);
    EXPECT_EQ(bytes[headerEnd - 1], '\n');
    EXPECT_EQ(bytes[6], shape.size() == 30000 ? 2 : 1);
    NpyArray back;
    ASSERT_EQ(parseNpy(bytes.data(), bytes.size(), back), "");
    EXPECT_EQ(back.shape, shape);
  }
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// Parses `bytes` and returns the error (which must not be empty).
std::string parseError(const std::vector<uint8_t> &bytes) {
  NpyArray array;
  return parseNpy(bytes.data(), bytes.size(), array);
}

std::vector<uint8_t> withDict(const std::string &dict,
                              const std::string &dataHex = "0000") {
  return npyFile(kV1Prefix, dict, 118, dataHex);
}

#define EXPECT_ERROR_CONTAINS(expr, text)                                      \
  do {                                                                         \
    std::string err_ = (expr);                                                 \
    EXPECT_NE(err_.find(text), std::string::npos)                              \
        << "error: '" << err_ << "', expected it to contain '" << text << "'"; \
  } while (0)

TEST(NpyErrorTest, BadMagic) {
  std::vector<uint8_t> bytes =
      withDict("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }");
  bytes[1] = 'M';
  EXPECT_ERROR_CONTAINS(parseError(bytes), "bad magic");
  EXPECT_ERROR_CONTAINS(parseError({}), "bad magic");
  EXPECT_ERROR_CONTAINS(parseError({0x93, 'N', 'U'}), "bad magic");
}

TEST(NpyErrorTest, UnsupportedVersion) {
  std::vector<uint8_t> bytes =
      withDict("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }");
  bytes[6] = 4;
  EXPECT_ERROR_CONTAINS(parseError(bytes),
                        "unsupported .npy format version 4.0");
  bytes[6] = 1;
  bytes[7] = 1;
  EXPECT_ERROR_CONTAINS(parseError(bytes),
                        "unsupported .npy format version 1.1");
}

TEST(NpyErrorTest, TruncatedHeader) {
  std::vector<uint8_t> bytes =
      withDict("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }");
  std::vector<uint8_t> shortLen(bytes.begin(), bytes.begin() + 9);
  EXPECT_ERROR_CONTAINS(parseError(shortLen), "truncated header");
  std::vector<uint8_t> shortHeader(bytes.begin(), bytes.begin() + 60);
  EXPECT_ERROR_CONTAINS(parseError(shortHeader), "truncated header");
}

TEST(NpyErrorTest, MalformedHeader) {
  const char *dicts[] = {
      "",
      "['descr', '<f4']",
      "{'descr' '<f4', 'fortran_order': False, 'shape': (2,), }",
      "{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }",
      "{'descr': <f4, 'fortran_order': False, 'shape': (2,), }",
      "{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': false, 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': [2], }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2; 3), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,) }}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
      "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<f4', 'fortran_order': False, 'fortran_order': False, "
      "'shape': (2,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}",
      "{'fortran_order': False, 'shape': (2,), }",
      "{'descr': '<f4', 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': False, }",
      "{'descr': '<f\\4', 'fortran_order': False, 'shape': (2,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ",
  };
  for (const char *dict : dicts) {
    SCOPED_TRACE(dict);
    EXPECT_ERROR_CONTAINS(parseError(withDict(dict)), "malformed header");
  }
}

TEST(NpyErrorTest, FortranOrder) {
  // np.save(f, np.asfortranarray(np.ones((2, 2), np.float32)))
  EXPECT_ERROR_CONTAINS(
      parseError(
          withDict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                   "0000803f0000803f0000803f0000803f")),
      "fortran_order True is not supported");
}

TEST(NpyErrorTest, UnsupportedDType) {
  EXPECT_ERROR_CONTAINS(
      parseError(
          withDict("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                   "3f800000")),
      "big-endian dtype '>f4' is not supported");
  EXPECT_ERROR_CONTAINS(
      parseError(withDict(
          "{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }")),
      "unsupported dtype '<f2'");
  EXPECT_ERROR_CONTAINS(
      parseError(withDict(
          "{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }")),
      "unsupported dtype '<U3'");
  EXPECT_ERROR_CONTAINS(
      parseError(withDict("{'descr': [('a', '<i4')], 'fortran_order': False, "
                          "'shape': (1,), }")),
      "structured dtypes");
}

TEST(NpyErrorTest, TruncatedData) {
  EXPECT_ERROR_CONTAINS(
      parseError(withDict(
          "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
          "0000803f")),
      "truncated data: shape (2, 3) of '<f4' needs 24 bytes, the file has 4");
}

TEST(NpyErrorTest, SizeOverflow) {
  EXPECT_ERROR_CONTAINS(
      parseError(withDict("{'descr': '<f4', 'fortran_order': False, "
                          "'shape': (99999999999999999999,), }")),
      "size overflow");
  EXPECT_ERROR_CONTAINS(
      parseError(withDict("{'descr': '<f4', 'fortran_order': False, "
                          "'shape': (4294967296, 4294967296), }")),
      "size overflow");
  EXPECT_ERROR_CONTAINS(
      parseError(withDict("{'descr': '<i8', 'fortran_order': False, "
                          "'shape': (4611686018427387904,), }")),
      "size overflow");
  // A zero dimension does not hide an unrepresentable one.
  EXPECT_ERROR_CONTAINS(
      parseError(withDict("{'descr': '<f4', 'fortran_order': False, "
                          "'shape': (0, 99999999999999999999), }")),
      "size overflow");
}

TEST(NpyErrorTest, NegativeDimension) {
  EXPECT_ERROR_CONTAINS(
      parseError(withDict(
          "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")),
      "negative dimension");
  EXPECT_FALSE(NpyArray::zeros(NpyDType::F32, {2, -3}).has_value());
}

TEST(NpyErrorTest, FileErrors) {
  NpyArray array;
  std::string missing = ::testing::TempDir() + "qsim_npy_does_not_exist.npy";
  EXPECT_ERROR_CONTAINS(readNpyFile(missing, array), "cannot open '" + missing);

  std::string path = ::testing::TempDir() + "qsim_npy_garbage.npy";
  {
    std::ofstream out(path, std::ios::binary);
    out << "hello";
  }
  EXPECT_ERROR_CONTAINS(readNpyFile(path, array), "'" + path + "': ");
  EXPECT_ERROR_CONTAINS(readNpyFile(path, array), "bad magic");
  std::remove(path.c_str());

  std::optional<NpyArray> ok = NpyArray::zeros(NpyDType::F32, {1});
  ASSERT_TRUE(ok.has_value());
  EXPECT_ERROR_CONTAINS(
      writeNpyFile(::testing::TempDir() + "no/such/dir/x.npy", *ok),
      "cannot open");
}

// Only regular files are read: a directory made the C++ stream throw, and
// /dev/zero has no end to read to.
TEST(NpyErrorTest, NonRegularFiles) {
  NpyArray array;
  NpyHeader header;
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() == '/')
    dir.pop_back();
  EXPECT_ERROR_CONTAINS(readNpyFile(dir, array),
                        "cannot open '" + dir + "': it is a directory");
  EXPECT_ERROR_CONTAINS(readNpyHeader(dir, header), "it is a directory");
  EXPECT_ERROR_CONTAINS(readNpyFile("/dev/zero", array),
                        "cannot open '/dev/zero': not a regular file (a "
                        "character device)");
  EXPECT_ERROR_CONTAINS(readNpyHeader("/dev/zero", header),
                        "not a regular file");
}

// A file that is shorter than its header says, down to nothing at all.
TEST(NpyErrorTest, EmptyAndHugeDeclaredFiles) {
  NpyArray array;
  NpyHeader header;
  std::string path = ::testing::TempDir() + "qsim_npy_empty.npy";
  { std::ofstream out(path, std::ios::binary); }
  EXPECT_ERROR_CONTAINS(readNpyFile(path, array), "'" + path + "': ");
  EXPECT_ERROR_CONTAINS(readNpyHeader(path, header), "'" + path + "': ");
  // A header announcing 2^40 elements over a few bytes of data: refused by
  // the file size, never allocated.
  {
    std::ofstream out(path, std::ios::binary);
    std::string dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }";
    dict.append(64 - (10 + dict.size() + 1) % 64, ' ');
    dict += '\n';
    out << "\x93NUMPY" << '\x01' << '\x00'
        << static_cast<char>(dict.size() & 0xff)
        << static_cast<char>(dict.size() >> 8) << dict << "abcd";
  }
  EXPECT_ERROR_CONTAINS(readNpyFile(path, array), "truncated data");
  EXPECT_ERROR_CONTAINS(readNpyHeader(path, header), "truncated data");
  std::remove(path.c_str());
}

TEST(NpyErrorTest, SerializeMismatch) {
  NpyArray array;
  array.dtype = NpyDType::I32;
  array.shape = {2, 2};
  array.data.assign(15, 0);
  std::vector<uint8_t> bytes;
  EXPECT_ERROR_CONTAINS(serializeNpy(array, bytes),
                        "data has 15 bytes, shape (2, 2) of '<i4' needs 16");
  array.shape = {-2};
  EXPECT_ERROR_CONTAINS(serializeNpy(array, bytes), "negative dimension");
}

} // namespace
