//===- ScaleSelection.h - clip thresholds and scales ------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// How a clip threshold T (the real value that maps to the largest integer) is
// chosen from statistics, and how T becomes a scale. Methods (docs/
// Calibration.md):
//
//   max         T = max |x|
//   pow2        the scale max|x| / qmax rounded up to a power of two
//   percentile  T = the p-th percentile of |x| (e.g. 99.99)
//   mse         T minimising the expected squared quantization error
//               (clipping + rounding), from a histogram or exactly from values
//   kl          TensorRT's entropy calibration: T minimising KL(P || Q) between
//               the clipped histogram P and its quantization Q to 2^(bits-1)
//               levels (128 for int8; 256 for unsigned int8)
//
// Signed points quantize [-T, T] symmetrically (qmax = 2^(bits-1) - 1);
// unsigned points (proven non-negative, e.g. after ReLU) use [0, T] on all
// 2^bits levels (qmax = 2^bits - 1). Plain C++ on the numerics library.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CALIBRATION_SCALESELECTION_H
#define QSIM_CALIBRATION_SCALESELECTION_H

#include "qsim/Calibration/Histogram.h"
#include "qsim/Numerics/Numerics.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir {
namespace qsim {
namespace calibration {

/// A threshold-selection method.
enum class Method { Max, Pow2, Percentile, MSE, KL };

/// Parses "max", "pow2", "percentile", "mse", "kl".
std::optional<Method> parseMethod(const std::string &name);
const char *getMethodName(Method method);
/// Every method, in a fixed order (tables list thresholds in this order).
const std::vector<Method> &getAllMethods();

/// The integer grid a point quantizes to.
struct QuantSpec {
  unsigned bits = 8;
  /// [0, T] on 2^bits levels instead of [-T, T].
  bool isUnsigned = false;
  /// Scales rounded up to powers of two.
  bool pow2 = false;
  numerics::RoundingMode rounding = numerics::RoundingMode::HalfToEven;

  /// Number of steps between 0 and T: 2^(bits-1) - 1 signed, 2^bits - 1
  /// unsigned.
  double getLevels() const;
};

/// The scale for threshold T: T / levels, at least 1e-30 (1.0 for T <= 0,
/// as for all-zero data) and, with `pow2`, rounded up to a power of two.
/// A NaN or infinite T gives a NaN or infinite scale, and a T so large that
/// T / levels exceeds the f32 range an infinite one: callers check the
/// result with numerics::isUsableScale and refuse what fails it.
float scaleForThreshold(double threshold, const QuantSpec &spec);

/// Options of the selection.
struct SelectOptions {
  QuantSpec spec;
  /// Percentile of |x| for Method::Percentile, in (0, 100].
  double percentile = 99.99;
};

/// max |x| from the histogram's exact maximum.
double maxThreshold(const Histogram &h);
/// The threshold of the power-of-two scale at or above max|x| / levels.
double pow2Threshold(double absMax, const QuantSpec &spec);
/// Smallest t with at least p% of the values in [0, t]: linear inside the
/// bin where the cumulative count crosses p%, capped at max |x|.
double percentileThreshold(const Histogram &h, double percentile);
/// Expected squared error of quantizing the histogram's values with clip
/// threshold t (values spread uniformly inside their bins): clipping
/// (x - t)^2 above t, rounding min(step^2 / 12, x^2) below.
double histogramMSE(const Histogram &h, double t, const QuantSpec &spec);
/// The bin edge minimising histogramMSE (ties: the smaller threshold).
double mseThreshold(const Histogram &h, const QuantSpec &spec);
/// TensorRT's entropy calibration on the histogram; falls back to max when
/// the histogram has fewer non-empty bins than quantized levels.
double klThreshold(const Histogram &h, const QuantSpec &spec);

/// The threshold of `method`.
double selectThreshold(const Histogram &h, Method method,
                       const SelectOptions &options);

/// Exact sum of squared errors of simulated quantization of `values` at
/// `scale` (numerics::fakeQuantize; zero point 0 signed, qmin unsigned).
double quantizationError(const float *values, size_t n, float scale,
                         const QuantSpec &spec);

/// Weight MSE: among the thresholds max|x| * k / 100 for k = 100 and
/// k = 30..99 (in that order), the scale with the least exact error; the
/// first minimum wins. Returns the scale (scaleForThreshold of the choice).
float mseScaleFromValues(const float *values, size_t n, const QuantSpec &spec);

} // namespace calibration
} // namespace qsim
} // namespace mlir

#endif // QSIM_CALIBRATION_SCALESELECTION_H
