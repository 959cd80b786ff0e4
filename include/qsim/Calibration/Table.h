//===- Table.h - calibration statistics table -------------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The statistics table that calibration writes and --qsim-calibrate reads:
// JSON, schema "qsim-calibration-table/1" (docs/Calibration.md). Plain
// C++ on LLVM Support; no MLIR.
//
// Fields beyond name/kind/min/max (location, count, histogram, thresholds,
// per-channel ranges; top-level percentile and skipped counts) are optional:
// tables written before they existed load unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CALIBRATION_TABLE_H
#define QSIM_CALIBRATION_TABLE_H

#include "qsim/Calibration/Histogram.h"
#include "qsim/Calibration/ScaleSelection.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <optional>
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
  /// Where the point is in the source (a printed location), if recorded.
  std::string location;
  /// Finite values observed (0 when not recorded).
  int64_t count = 0;
  /// Non-finite values observed and left out of the statistics.
  int64_t nonFinite = 0;
  /// Histogram of |x|, when collected.
  std::optional<Histogram> histogram;
  /// Threshold chosen by each method when the table was written, in
  /// getAllMethods() order ("max", "pow2", ...).
  std::vector<std::pair<std::string, double>> thresholds;

  double absMax() const;
  /// The recorded threshold of `method`, if any.
  std::optional<double> getThreshold(llvm::StringRef method) const;
};

/// Statistics of an observer as a table point, with the threshold of every
/// method (unsigned grid when min >= 0).
PointStats makePointStats(const std::string &name, const std::string &kind,
                          const std::string &location,
                          const TensorObserver &observer,
                          const SelectOptions &options);

/// A parsed and validated table.
struct Table {
  unsigned bits = 8;
  std::string method = "max";
  int64_t samples = 0;
  std::string dataHash;
  /// Percentile used for the "percentile" thresholds.
  double percentile = 99.99;
  /// Samples left out because they held NaN or infinity.
  int64_t skippedSamples = 0;
  std::vector<PointStats> points;
  llvm::StringMap<size_t> index;

  const PointStats *lookup(llvm::StringRef name) const;
};

/// Parses and validates a table from JSON text. Errors name the offending
/// point and field ("point 'conv1.out': 'min' (3) is greater than 'max' (1)").
/// Text nested deeper than 64 arrays or objects is refused before parsing.
llvm::Expected<Table> parseTable(llvm::StringRef json);

/// Reads a table file: a regular file (not a directory, FIFO or device).
llvm::Expected<Table> readTable(llvm::StringRef path);

/// Serializes a table (stable key order, so equal tables give equal bytes).
std::string writeTable(const Table &table);

} // namespace calibration
} // namespace qsim
} // namespace mlir

#endif // QSIM_CALIBRATION_TABLE_H
