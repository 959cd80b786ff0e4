//===- table-fuzzer.cpp - libFuzzer target for the statistics table -------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Feeds arbitrary text to parseTable (the reader of qsim-collect's JSON
// statistics table). Bad input must give an llvm::Error, never a crash; a
// table that parses must survive writeTable + parseTable with equal values.
//
//===----------------------------------------------------------------------===//

#include "qsim/Calibration/Table.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir::qsim::calibration;

/// Equal values (== on doubles: -0 and 0 are the same range bound; JSON
/// writes -0.0 as "-0", which reads back as the integer 0).
static bool samePoint(const PointStats &a, const PointStats &b) {
  return a.name == b.name && a.kind == b.kind && a.min == b.min &&
         a.max == b.max && a.channelMin == b.channelMin &&
         a.channelMax == b.channelMax && a.channelAxis == b.channelAxis &&
         a.location == b.location && a.count == b.count &&
         a.nonFinite == b.nonFinite &&
         a.histogram == b.histogram &&
         a.thresholds == b.thresholds;
}

static bool sameTable(const Table &a, const Table &b) {
  if (a.bits != b.bits || a.method != b.method || a.samples != b.samples ||
      a.dataHash != b.dataHash || a.percentile != b.percentile ||
      a.skippedSamples != b.skippedSamples ||
      a.points.size() != b.points.size())
    return false;
  for (size_t i = 0; i < a.points.size(); ++i)
    if (!samePoint(a.points[i], b.points[i]))
      return false;
  return true;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef json(reinterpret_cast<const char *>(data), size);
  llvm::Expected<Table> table = parseTable(json);
  if (!table) {
    // Rendering the message runs the code that names the bad point/field.
    std::string message = llvm::toString(table.takeError());
    (void)message;
    return 0;
  }

  std::string text = writeTable(*table);
  llvm::Expected<Table> again = parseTable(text);
  if (!again) {
    llvm::errs() << "table-fuzzer: writeTable's output does not parse: "
                 << llvm::toString(again.takeError()) << "\n"
                 << text << "\n";
    std::abort();
  }
  if (!sameTable(*table, *again)) {
    llvm::errs() << "table-fuzzer: writeTable + parseTable changes the table\n"
                 << text << "\n";
    std::abort();
  }
  return 0;
}
