//===- Collector.h - what qsim-collect observes ------------------*- C++
//-*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The statistics of every observed quantization point, filled by the
// observer callback that the instrumented code calls, and the hash of the
// calibration data recorded in the table.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TOOLS_QSIM_COLLECT_COLLECTOR_H
#define QSIM_TOOLS_QSIM_COLLECT_COLLECTOR_H

#include "qsim/Calibration/Histogram.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
namespace qsim {
namespace collect {

/// One observed point: what the table records.
struct Point {
  std::string name, kind, loc;
  calibration::TensorObserver observer;
  bool badShape = false;
  explicit Point(unsigned bins) : observer(bins) {}

  /// NaN and infinite values seen so far (left out of the statistics).
  uint64_t getNumNonFinite() const {
    return observer.getHistogram().getNumNonFinite();
  }
};

/// The points, indexed by the ids --qsim-instrument gave them.
class Collector {
public:
  std::vector<Point> points;

  /// Makes the observer runtime (qsim_observe) report to this collector.
  void install();

  /// Records one observed tensor of point `id`.
  void observe(int64_t id, const float *data, int64_t offset, int64_t rank,
               const int64_t *sizes, const int64_t *strides);
};

/// FNV-1a, 64 bits: a stable hash of the data actually used.
struct Fnv1a {
  uint64_t h = 1469598103934665603ull;
  void update(const void *p, size_t n);
  /// "fnv1a64:<16 hex digits>".
  std::string hex() const;
};

} // namespace collect
} // namespace qsim
} // namespace mlir

#endif // QSIM_TOOLS_QSIM_COLLECT_COLLECTOR_H
