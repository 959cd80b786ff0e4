//===- Histogram.h - streaming statistics of a tensor -----------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Streaming statistics of the values seen at one quantization point: signed
// min/max, per-channel min/max and a histogram of |x| whose range grows by
// doubling. Plain C++ (no MLIR, no LLVM), so a runtime observer and tests
// use it directly.
//
// The histogram covers [0, range) with a fixed number of bins (a power of
// two); range is always a power of two, the smallest one above the largest
// |x| seen. When a value does not fit, the range doubles and pairs of bins
// merge (2i, 2i+1 -> i), which loses no counts. Because bin widths are powers
// of two, a value lands in the same final bin whether it was added before or
// after a growth step: the histogram depends only on the multiset of values,
// not on their order or batching.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CALIBRATION_HISTOGRAM_H
#define QSIM_CALIBRATION_HISTOGRAM_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mlir {
namespace qsim {
namespace calibration {

/// Default number of bins (TensorRT's entropy calibration uses 2048).
inline constexpr unsigned kDefaultHistogramBins = 2048;

/// A histogram of absolute values over [0, range) with power-of-two range
/// growth.
class Histogram {
public:
  /// `numBins` must be a power of two >= 2.
  explicit Histogram(unsigned numBins = kDefaultHistogramBins);

  /// Builds a histogram from stored parts (a table); returns false when they
  /// are inconsistent (bins not a power of two, range not 0 or a power of
  /// two, more counts than bins).
  static bool fromParts(unsigned numBins, double range,
                        const std::vector<uint64_t> &counts, Histogram &out);

  /// Adds finite values; non-finite ones are counted and skipped.
  void add(const float *values, size_t n);
  void add(float value);

  /// Adds the counts of `other` (grows to the larger range first). Both must
  /// have the same number of bins.
  void merge(const Histogram &other);

  unsigned getNumBins() const { return counts.size(); }
  /// Upper end of the covered range; 0 while only zeros were seen.
  double getRange() const { return range; }
  double getBinWidth() const { return range / counts.size(); }
  const std::vector<uint64_t> &getCounts() const { return counts; }
  /// Number of finite values added.
  uint64_t getTotal() const { return total; }
  uint64_t getNumNonFinite() const { return nonFinite; }
  /// Largest |x| seen (exact, not a bin edge).
  double getAbsMax() const { return absMax; }

  bool operator==(const Histogram &o) const {
    return range == o.range && counts == o.counts && total == o.total &&
           absMax == o.absMax;
  }

private:
  /// Doubles the range until it exceeds `a` (a > 0).
  void growTo(double a);

  std::vector<uint64_t> counts;
  double range = 0.0;
  double absMax = 0.0;
  uint64_t total = 0;
  uint64_t nonFinite = 0;
};

/// Running min/max of a tensor and per channel along one axis, plus a
/// histogram of |x|: everything a table point records.
class TensorObserver {
public:
  explicit TensorObserver(unsigned numBins = kDefaultHistogramBins)
      : histogram(numBins) {}

  /// Observes a strided tensor view of floats: element (i0, .., ir-1) is at
  /// data[offset + sum(i_d * strides[d])]. Per-channel statistics are kept
  /// along `channelAxis` (-1: none); the axis and the channel count must stay
  /// the same across calls (returns false otherwise, observing nothing).
  bool observe(const float *data, int64_t offset, const int64_t *sizes,
               const int64_t *strides, int64_t rank, int64_t channelAxis);

  /// Contiguous convenience form.
  bool observe(const std::vector<float> &values,
               const std::vector<int64_t> &shape, int64_t channelAxis);

  /// True once a finite value was seen.
  bool hasValues() const { return histogram.getTotal() > 0; }
  double getMin() const { return min; }
  double getMax() const { return max; }
  int64_t getChannelAxis() const { return channelAxis; }
  const std::vector<double> &getChannelMin() const { return channelMin; }
  const std::vector<double> &getChannelMax() const { return channelMax; }
  const Histogram &getHistogram() const { return histogram; }

private:
  Histogram histogram;
  double min = 0.0, max = 0.0;
  int64_t channelAxis = -1;
  std::vector<double> channelMin, channelMax;
};

} // namespace calibration
} // namespace qsim
} // namespace mlir

#endif // QSIM_CALIBRATION_HISTOGRAM_H
