//===- Table.h - calibration statistics table -------------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The statistics table that calibration writes and --qsim-calibrate reads:
// JSON, schema "qsim-calibration-table/1" (docs/CalibrationTable.md). Plain
// C++ on LLVM Support; no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CALIBRATION_TABLE_H
#define QSIM_CALIBRATION_TABLE_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir {
namespace qsim {
namespace calibration {

/// The schema identifier this version reads and writes.
inline constexpr const char *kTableSchema = "qsim-calibration-table/1";

/// Statistics of one quantization point.
struct PointStats {
  std::string name;
  std::string kind;
  double min = 0.0;
  double max = 0.0;
  /// Per-channel ranges (empty when not collected).
  std::vector<double> channelMin, channelMax;
  int64_t channelAxis = -1;

  double absMax() const;
};

/// A parsed and validated table.
struct Table {
  unsigned bits = 8;
  std::string method = "max";
  int64_t samples = 0;
  std::string dataHash;
  std::vector<PointStats> points;
  llvm::StringMap<size_t> index;

  const PointStats *lookup(llvm::StringRef name) const;
};

/// Parses and validates a table from JSON text. Errors name the offending
/// point and field ("point 'conv1.out': 'min' (3) is greater than 'max' (1)").
llvm::Expected<Table> parseTable(llvm::StringRef json);

/// Reads a table file.
llvm::Expected<Table> readTable(llvm::StringRef path);

/// Serializes a table (stable key order, so equal tables give equal bytes).
std::string writeTable(const Table &table);

} // namespace calibration
} // namespace qsim
} // namespace mlir

#endif // QSIM_CALIBRATION_TABLE_H
