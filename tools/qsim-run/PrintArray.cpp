//===- PrintArray.cpp - qsim-run --print ----------------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "PrintArray.h"
#include "Entry.h"

#include "qsim/Runtime/JitModule.h"

#include <cstdio>
#include <cstring>
#include <string>

using namespace mlir;
using mlir::qsim::runtime::NpyArray;
using mlir::qsim::runtime::NpyDType;

static std::string formatElement(const NpyArray &array, int64_t i) {
  const uint8_t *p =
      array.data.data() + i * qsim::runtime::getNpyElementSize(array.dtype);
  char buffer[64];
  switch (array.dtype) {
  case NpyDType::F32: {
    float v;
    std::memcpy(&v, p, sizeof(v));
    std::snprintf(buffer, sizeof(buffer), "%.7g", static_cast<double>(v));
    return buffer;
  }
  case NpyDType::F64: {
    double v;
    std::memcpy(&v, p, sizeof(v));
    std::snprintf(buffer, sizeof(buffer), "%.16g", v);
    return buffer;
  }
  case NpyDType::I8:
    return std::to_string(static_cast<int8_t>(*p));
  case NpyDType::U8:
    return std::to_string(*p);
  case NpyDType::Bool:
    return *p ? "True" : "False";
  case NpyDType::I16: {
    int16_t v;
    std::memcpy(&v, p, sizeof(v));
    return std::to_string(v);
  }
  case NpyDType::I32: {
    int32_t v;
    std::memcpy(&v, p, sizeof(v));
    return std::to_string(v);
  }
  case NpyDType::I64: {
    int64_t v;
    std::memcpy(&v, p, sizeof(v));
    return std::to_string(v);
  }
  }
  return "?";
}

/// Prints `array` as nested brackets like numpy; large arrays (more than
/// 1000 elements) show the first and last 3 entries of every dimension.
static void printNested(llvm::raw_ostream &os, const NpyArray &array,
                        size_t dim, int64_t base, bool summarize,
                        size_t indent) {
  if (dim == array.shape.size()) {
    os << formatElement(array, base);
    return;
  }
  int64_t size = array.shape[dim];
  int64_t stride = 1;
  for (size_t d = dim + 1; d < array.shape.size(); ++d)
    stride *= array.shape[d];
  constexpr int64_t kEdge = 3;
  bool elide = summarize && size > 2 * kEdge;
  os << "[";
  bool first = true;
  for (int64_t i = 0; i < size; ++i) {
    if (elide && i == kEdge) {
      os << ",";
      if (dim + 1 == array.shape.size())
        os << " ...";
      else
        os << "\n" << std::string(indent + 1, ' ') << "...";
      i = size - kEdge - 1;
      continue;
    }
    if (!first) {
      os << ",";
      if (dim + 1 == array.shape.size())
        os << " ";
      else
        os << std::string(array.shape.size() - dim - 1, '\n')
           << std::string(indent + 1, ' ');
    }
    first = false;
    printNested(os, array, dim + 1, base + i * stride, summarize, indent + 1);
  }
  os << "]";
}

void mlir::qsim::run::printArray(llvm::raw_ostream &os, const NpyArray &array,
                                 unsigned index, Type type) {
  os << "result #" << index << ": " << qsim::run::typeToString(type)
     << " shape " << qsim::runtime::formatShape(array.shape) << " dtype "
     << qsim::runtime::getNpyDescr(array.dtype) << "\n";
  if (array.getNumElements() == 0) {
    os << "[]\n";
    return;
  }
  printNested(os, array, 0, 0, array.getNumElements() > 1000, 0);
  os << "\n";
}
