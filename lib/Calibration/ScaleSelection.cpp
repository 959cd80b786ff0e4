//===- ScaleSelection.cpp - clip thresholds and scales --------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Calibration/ScaleSelection.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir::qsim;
using namespace mlir::qsim::calibration;

std::optional<Method> calibration::parseMethod(const std::string &name) {
  for (Method m : getAllMethods())
    if (name == getMethodName(m))
      return m;
  return std::nullopt;
}

const char *calibration::getMethodName(Method method) {
  switch (method) {
  case Method::Max:
    return "max";
  case Method::Pow2:
    return "pow2";
  case Method::Percentile:
    return "percentile";
  case Method::MSE:
    return "mse";
  case Method::KL:
    return "kl";
  }
  return "?";
}

const std::vector<Method> &calibration::getAllMethods() {
  static const std::vector<Method> all = {Method::Max, Method::Pow2,
                                          Method::Percentile, Method::MSE,
                                          Method::KL};
  return all;
}

double QuantSpec::getLevels() const {
  return isUnsigned ? std::ldexp(1.0, bits) - 1 : std::ldexp(1.0, bits - 1) - 1;
}

float calibration::scaleForThreshold(double threshold, const QuantSpec &spec) {
  // NaN and inf pass through (as NaN/inf scales) for the caller to refuse:
  // 1.0 in their place would quantize garbage without a word.
  if (!std::isfinite(threshold))
    return static_cast<float>(threshold);
  double scale = threshold / spec.getLevels();
  if (!(scale > 0))
    scale = 1.0;
  scale = std::max(scale, 1e-30);
  if (spec.pow2)
    scale = std::exp2(std::ceil(std::log2(scale)));
  return static_cast<float>(scale);
}

double calibration::maxThreshold(const Histogram &h) { return h.getAbsMax(); }

double calibration::pow2Threshold(double absMax, const QuantSpec &spec) {
  if (!(absMax > 0))
    return 0.0;
  double levels = spec.getLevels();
  return std::exp2(std::ceil(std::log2(absMax / levels))) * levels;
}

double calibration::percentileThreshold(const Histogram &h, double percentile) {
  uint64_t total = h.getTotal();
  if (!total || h.getRange() == 0)
    return 0.0;
  double target = std::clamp(percentile, 0.0, 100.0) / 100.0 * total;
  const std::vector<uint64_t> &counts = h.getCounts();
  double w = h.getBinWidth(), cum = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (!counts[i])
      continue;
    if (cum + counts[i] >= target) {
      double t = (i + (target - cum) / counts[i]) * w;
      return std::min(t, h.getAbsMax());
    }
    cum += counts[i];
  }
  return h.getAbsMax();
}

/// E[(x - t)^2] for x uniform on [lo, hi], lo >= t.
static double clipError(double lo, double hi, double t) {
  double a = lo - t, b = hi - t;
  return (a * a + a * b + b * b) / 3.0;
}

/// E[x^2] for x uniform on [lo, hi].
static double secondMoment(double lo, double hi) {
  return (lo * lo + lo * hi + hi * hi) / 3.0;
}

double calibration::histogramMSE(const Histogram &h, double t,
                                 const QuantSpec &spec) {
  double w = h.getBinWidth();
  double noise = t > 0 ? std::pow(t / spec.getLevels(), 2) / 12.0 : 0.0;
  double err = 0;
  const std::vector<uint64_t> &counts = h.getCounts();
  for (size_t i = 0; i < counts.size(); ++i) {
    if (!counts[i])
      continue;
    double a = i * w, b = std::min((i + 1) * w, std::max(h.getAbsMax(), a));
    double n = counts[i];
    if (b <= a) { // a degenerate last bin: all values at a
      err += n * (a > t ? (a - t) * (a - t) : std::min(noise, a * a));
      continue;
    }
    if (t >= b) {
      err += n * std::min(noise, secondMoment(a, b));
    } else if (t <= a) {
      err += n * clipError(a, b, t);
    } else {
      double below = (t - a) / (b - a);
      err += n * (below * std::min(noise, secondMoment(a, t)) +
                  (1 - below) * clipError(t, b, t));
    }
  }
  return err / std::max<uint64_t>(h.getTotal(), 1);
}

double calibration::mseThreshold(const Histogram &h, const QuantSpec &spec) {
  double absMax = h.getAbsMax();
  if (!(absMax > 0))
    return 0.0;
  double w = h.getBinWidth();
  double best = absMax, bestErr = histogramMSE(h, absMax, spec);
  for (size_t i = 0; (i + 1) * w < absMax; ++i) {
    double t = (i + 1) * w;
    double e = histogramMSE(h, t, spec);
    if (e < bestErr) {
      bestErr = e;
      best = t;
    }
  }
  return best;
}

/// TVM's _smooth_distribution: moves eps of mass onto empty bins so that
/// KL(P || Q) is finite. Returns false when that is impossible.
static bool smooth(std::vector<double> &p, double eps = 1e-4) {
  size_t zeros = std::count(p.begin(), p.end(), 0.0);
  size_t nonzeros = p.size() - zeros;
  if (!nonzeros)
    return false;
  double eps1 = eps * zeros / nonzeros;
  for (double &v : p) {
    v = v == 0 ? eps : v - eps1;
    if (v <= 0)
      return false;
  }
  return true;
}

double calibration::klThreshold(const Histogram &h, const QuantSpec &spec) {
  const std::vector<uint64_t> &counts = h.getCounts();
  size_t used = 0, nonEmpty = 0;
  for (size_t i = 0; i < counts.size(); ++i)
    if (counts[i]) {
      used = i + 1;
      ++nonEmpty;
    }
  size_t levels = static_cast<size_t>(spec.getLevels()) + 1;
  // Data that fills no more bins than there are levels (spikes, constants)
  // has nothing to trade off: P would be matched by Q exactly at max.
  if (used <= levels || nonEmpty <= levels)
    return maxThreshold(h);
  double w = h.getBinWidth();
  double bestDiv = std::numeric_limits<double>::infinity();
  size_t bestI = used;
  std::vector<double> p, q;
  for (size_t i = levels; i <= used; ++i) {
    // P: the first i bins, the outliers folded into the last one.
    p.assign(counts.begin(), counts.begin() + i);
    double outliers = 0;
    for (size_t j = i; j < used; ++j)
      outliers += counts[j];
    p[i - 1] += outliers;
    // Q: the first i bins merged into `levels` groups, each group's mass
    // spread evenly over its non-empty bins.
    q.assign(i, 0.0);
    size_t merged = i / levels;
    for (size_t g = 0; g < levels; ++g) {
      size_t start = g * merged, stop = g + 1 == levels ? i : start + merged;
      double sum = 0;
      size_t nonEmpty = 0;
      for (size_t j = start; j < stop; ++j) {
        sum += counts[j];
        nonEmpty += counts[j] != 0;
      }
      if (nonEmpty)
        for (size_t j = start; j < stop; ++j)
          if (counts[j])
            q[j] = sum / nonEmpty;
    }
    double pSum = 0, qSum = 0;
    for (size_t j = 0; j < i; ++j) {
      pSum += p[j];
      qSum += q[j];
    }
    if (!(pSum > 0) || !(qSum > 0))
      continue;
    for (size_t j = 0; j < i; ++j) {
      p[j] /= pSum;
      q[j] /= qSum;
    }
    if (!smooth(p) || !smooth(q))
      continue;
    double div = 0;
    for (size_t j = 0; j < i; ++j)
      div += p[j] * std::log(p[j] / q[j]);
    if (div < bestDiv) {
      bestDiv = div;
      bestI = i;
    }
  }
  // TensorRT: threshold = (m + 0.5) * bin width.
  return std::min((bestI + 0.5) * w, h.getAbsMax());
}

double calibration::selectThreshold(const Histogram &h, Method method,
                                    const SelectOptions &options) {
  switch (method) {
  case Method::Max:
    return maxThreshold(h);
  case Method::Pow2:
    return pow2Threshold(maxThreshold(h), options.spec);
  case Method::Percentile:
    return percentileThreshold(h, options.percentile);
  case Method::MSE:
    return mseThreshold(h, options.spec);
  case Method::KL:
    return klThreshold(h, options.spec);
  }
  return maxThreshold(h);
}

double calibration::quantizationError(const float *values, size_t n,
                                      float scale, const QuantSpec &spec) {
  int64_t zeroPoint =
      spec.isUnsigned ? numerics::minValue(spec.bits, /*isSigned=*/true) : 0;
  double err = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = numerics::fakeQuantize(values[i], scale, zeroPoint, spec.bits,
                                      /*isSigned=*/true, spec.rounding) -
               static_cast<double>(values[i]);
    err += d * d;
  }
  return err;
}

float calibration::mseScaleFromValues(const float *values, size_t n,
                                      const QuantSpec &spec) {
  double amax = 0;
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(values[i]))
      amax = std::max(amax, std::fabs(static_cast<double>(values[i])));
  float best = scaleForThreshold(amax, spec);
  if (!(amax > 0))
    return best;
  double bestErr = quantizationError(values, n, best, spec);
  for (int k = 30; k < 100; ++k) {
    float s = scaleForThreshold(amax * k / 100.0, spec);
    double e = quantizationError(values, n, s, spec);
    if (e < bestErr) {
      bestErr = e;
      best = s;
    }
  }
  return best;
}
