//===- Histogram.cpp - streaming statistics of a tensor -------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Calibration/Histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace mlir::qsim::calibration;

static bool isPowerOfTwoInt(uint64_t n) { return n && !(n & (n - 1)); }

static bool isPowerOfTwo(double x) {
  int e;
  return x > 0 && std::isfinite(x) && std::frexp(x, &e) == 0.5;
}

Histogram::Histogram(unsigned numBins) : counts(numBins, 0) {
  assert(numBins >= 2 && isPowerOfTwoInt(numBins) &&
         "histogram bins must be a power of two");
}

bool Histogram::fromParts(unsigned numBins, double range,
                          const std::vector<uint64_t> &stored, Histogram &out) {
  if (numBins < 2 || !isPowerOfTwoInt(numBins) || stored.size() > numBins)
    return false;
  if (range != 0 && !isPowerOfTwo(range))
    return false;
  out = Histogram(numBins);
  out.range = range;
  std::copy(stored.begin(), stored.end(), out.counts.begin());
  out.total = 0;
  size_t last = 0;
  for (size_t i = 0; i < stored.size(); ++i) {
    out.total += stored[i];
    if (stored[i])
      last = i;
  }
  if (range == 0 && last != 0)
    return false;
  // The exact maximum is not stored; the upper edge of the last non-empty bin
  // bounds it.
  out.absMax = out.total ? (last + 1) * out.getBinWidth() : 0.0;
  return true;
}

void Histogram::growTo(double a) {
  if (range == 0) {
    // Only zeros so far, all in bin 0 whatever the range: no merge needed.
    int e;
    std::frexp(a, &e);
    range = std::ldexp(1.0, e);
    return;
  }
  size_t n = counts.size();
  while (range <= a) {
    for (size_t i = 0; i < n / 2; ++i)
      counts[i] = counts[2 * i] + counts[2 * i + 1];
    std::fill(counts.begin() + n / 2, counts.end(), 0);
    range *= 2;
  }
}

void Histogram::add(const float *values, size_t n) {
  double batchMax = 0;
  for (size_t i = 0; i < n; ++i) {
    double a = std::fabs(static_cast<double>(values[i]));
    if (std::isfinite(a))
      batchMax = std::max(batchMax, a);
  }
  if (batchMax > 0 && batchMax >= range)
    growTo(batchMax);
  absMax = std::max(absMax, batchMax);
  // range and the bin count are powers of two, so this factor is exact and so
  // is every bin index.
  double perUnit = range > 0 ? counts.size() / range : 0.0;
  size_t last = counts.size() - 1;
  for (size_t i = 0; i < n; ++i) {
    double a = std::fabs(static_cast<double>(values[i]));
    if (!std::isfinite(a)) {
      ++nonFinite;
      continue;
    }
    size_t bin = std::min(static_cast<size_t>(a * perUnit), last);
    ++counts[bin];
    ++total;
  }
}

void Histogram::add(float value) { add(&value, 1); }

void Histogram::merge(const Histogram &other) {
  assert(other.counts.size() == counts.size() && "bin counts differ");
  if (other.range > 0 && other.range > range)
    growTo(other.range / 2 * 1.5); // any value in [other.range/2, other.range)
  // other's bins nest into ours: its range is a power-of-two fraction of ours.
  size_t factor = other.range > 0 ? static_cast<size_t>(range / other.range) : 1;
  for (size_t i = 0; i < other.counts.size(); ++i)
    counts[i / factor] += other.counts[i];
  total += other.total;
  nonFinite += other.nonFinite;
  absMax = std::max(absMax, other.absMax);
}

bool TensorObserver::observe(const float *data, int64_t offset,
                             const int64_t *sizes, const int64_t *strides,
                             int64_t rank, int64_t axis) {
  int64_t numChannels = axis >= 0 && axis < rank ? sizes[axis] : 0;
  if (axis >= rank)
    return false;
  if (!histogram.getTotal() && !histogram.getNumNonFinite() && channelMin.empty()) {
    channelAxis = axis;
    channelMin.assign(numChannels, INFINITY);
    channelMax.assign(numChannels, -INFINITY);
  } else if (axis != channelAxis ||
             static_cast<size_t>(numChannels) != channelMin.size()) {
    return false;
  }
  int64_t numElements = 1;
  for (int64_t d = 0; d < rank; ++d)
    numElements *= sizes[d];
  if (numElements == 0)
    return true;

  // Walk the view in row-major order; the innermost dimension is a tight
  // loop.
  std::vector<int64_t> index(rank, 0);
  int64_t inner = rank ? sizes[rank - 1] : 1;
  int64_t innerStride = rank ? strides[rank - 1] : 1;
  bool seen = histogram.getTotal() > 0;
  double lo = seen ? min : INFINITY, hi = seen ? max : -INFINITY;
  std::vector<float> row(inner);
  for (int64_t base = 0; base < numElements; base += inner) {
    int64_t pos = offset;
    for (int64_t d = 0; d + 1 < rank; ++d)
      pos += index[d] * strides[d];
    int64_t outerChannel = axis >= 0 && axis + 1 < rank ? index[axis] : -1;
    for (int64_t i = 0; i < inner; ++i) {
      float v = data[pos + i * innerStride];
      row[i] = v;
      if (!std::isfinite(v))
        continue;
      double x = v;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      if (axis >= 0) {
        int64_t c = outerChannel >= 0 ? outerChannel : i;
        channelMin[c] = std::min(channelMin[c], x);
        channelMax[c] = std::max(channelMax[c], x);
      }
    }
    histogram.add(row.data(), row.size());
    for (int64_t d = rank - 1; d-- > 0;) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
  if (histogram.getTotal() > 0) {
    min = lo;
    max = hi;
  }
  return true;
}

bool TensorObserver::observe(const std::vector<float> &values,
                             const std::vector<int64_t> &shape,
                             int64_t axis) {
  int64_t rank = shape.size();
  std::vector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 1; d > 0; --d)
    strides[d - 1] = strides[d] * shape[d];
  return observe(values.data(), 0, shape.data(), strides.data(), rank, axis);
}
