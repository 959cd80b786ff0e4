//===- Distributions.h - random test data for calibration tests -*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Seeded samples of the distributions the calibration tests use.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_UNITTESTS_CALIBRATION_DISTRIBUTIONS_H
#define QSIM_UNITTESTS_CALIBRATION_DISTRIBUTIONS_H

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace qsim_test {

inline std::vector<float> uniform(size_t n, double lo, double hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = static_cast<float>(d(rng));
  return v;
}

inline std::vector<float> gaussian(size_t n, double sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(0.0, sigma);
  std::vector<float> v(n);
  for (float &x : v)
    x = static_cast<float>(d(rng));
  return v;
}

/// Laplace(0, b) by inverse CDF, plus `outliers` values at +-outlier.
inline std::vector<float> laplace(size_t n, double b, size_t outliers, double outlier,
                           uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-0.5, 0.5);
  std::vector<float> v(n);
  for (float &x : v) {
    double r = u(rng);
    x = static_cast<float>(-b * (r < 0 ? -1 : 1) *
                           std::log(1 - 2 * std::fabs(r)));
  }
  for (size_t i = 0; i < outliers; ++i)
    v[i * (n / outliers)] = static_cast<float>(i % 2 ? outlier : -outlier);
  return v;
}

} // namespace qsim_test

#endif // QSIM_UNITTESTS_CALIBRATION_DISTRIBUTIONS_H
