//===- ScaleSelectionTest.cpp - threshold selection tests -----------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Every expected answer is computed here independently of the library: exact
// order statistics from sorted values, and brute-force quantization error
// with a fake quantizer written out in this file.
//
//===----------------------------------------------------------------------===//

#include "qsim/Calibration/ScaleSelection.h"
#include "Distributions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace mlir::qsim::calibration;
namespace numerics = mlir::qsim::numerics;
using namespace qsim_test;

namespace {

Histogram histogramOf(const std::vector<float> &v) {
  Histogram h;
  h.add(v.data(), v.size());
  return h;
}

double absMaxOf(const std::vector<float> &v) {
  double m = 0;
  for (float x : v)
    m = std::max(m, std::fabs(double(x)));
  return m;
}

/// The exact p-th percentile of |x| (nearest rank).
double exactPercentile(const std::vector<float> &v, double p) {
  std::vector<double> a;
  for (float x : v)
    a.push_back(std::fabs(double(x)));
  std::sort(a.begin(), a.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * a.size()));
  return a[std::max<size_t>(rank, 1) - 1];
}

/// Mean squared error of symmetric (or [0, t] unsigned) quantization at
/// threshold t, written out independently: round half to even, saturate.
double bruteMSE(const std::vector<float> &v, double t, bool isUnsigned) {
  double levels = isUnsigned ? 255 : 127;
  double s = t / levels;
  double err = 0;
  for (float x : v) {
    double q = std::nearbyint(double(x) / s);
    q = std::clamp(q, isUnsigned ? 0.0 : -levels, levels);
    double d = q * s - x;
    err += d * d;
  }
  return err / v.size();
}

/// The smallest brute-force MSE over a fine grid of thresholds up to max.
double bestBruteMSE(const std::vector<float> &v, bool isUnsigned) {
  double amax = absMaxOf(v), best = INFINITY;
  for (int k = 1; k <= 2000; ++k)
    best = std::min(best, bruteMSE(v, amax * k / 2000, isUnsigned));
  return best;
}

QuantSpec int8() { return QuantSpec(); }
QuantSpec uint8() {
  QuantSpec s;
  s.isUnsigned = true;
  return s;
}

TEST(ScaleSelectionTest, MethodNames) {
  for (Method m : getAllMethods())
    EXPECT_EQ(parseMethod(getMethodName(m)), m);
  EXPECT_FALSE(parseMethod("entropy"));
}

TEST(ScaleSelectionTest, ScaleForThreshold) {
  EXPECT_EQ(scaleForThreshold(127.0, int8()), 1.0f);
  EXPECT_EQ(scaleForThreshold(255.0, uint8()), 1.0f);
  EXPECT_EQ(scaleForThreshold(0.0, int8()), 1.0f); // all-zero data
  QuantSpec p2;
  p2.pow2 = true;
  EXPECT_EQ(scaleForThreshold(1.0, p2), 1.0f / 64); // 1/127 -> 2^-6
}

// Thresholds without a usable scale reach the caller as unusable scales.
TEST(ScaleSelectionTest, ScaleForUnusableThreshold) {
  EXPECT_TRUE(std::isnan(scaleForThreshold(std::nan(""), int8())));
  EXPECT_TRUE(std::isinf(scaleForThreshold(INFINITY, int8())));
  EXPECT_FALSE(numerics::isUsableScale(scaleForThreshold(1e300, int8())));
  EXPECT_FALSE(numerics::isUsableScale(scaleForThreshold(1e37, int8())));
  EXPECT_TRUE(numerics::isUsableScale(scaleForThreshold(1e30, int8())));
  EXPECT_TRUE(numerics::isUsableScale(scaleForThreshold(1e-40, int8())));
}

// Uniform on [-1, 1]: |x| is uniform on [0, 1], so the p-th percentile is
// p / 100; max is the sample max; KL keeps (nearly) everything.
TEST(ScaleSelectionTest, Uniform) {
  std::vector<float> v = uniform(200000, -1, 1, 1);
  Histogram h = histogramOf(v);
  double w = h.getBinWidth();
  EXPECT_EQ(maxThreshold(h), absMaxOf(v));
  EXPECT_NEAR(percentileThreshold(h, 99.0), exactPercentile(v, 99.0), w);
  EXPECT_NEAR(percentileThreshold(h, 99.0), 0.99, 0.005);
  EXPECT_NEAR(percentileThreshold(h, 50.0), 0.5, 0.01);
  // Rounding noise of int8 is tiny against clipping a uniform's tail.
  EXPECT_NEAR(mseThreshold(h, int8()), absMaxOf(v), 0.02);
  EXPECT_GT(klThreshold(h, int8()), 0.95);
  EXPECT_LE(klThreshold(h, int8()), absMaxOf(v));
  double amax = absMaxOf(v);
  EXPECT_EQ(pow2Threshold(amax, int8()),
            std::exp2(std::ceil(std::log2(amax / 127))) * 127);
}

TEST(ScaleSelectionTest, Gaussian) {
  std::vector<float> v = gaussian(200000, 1.0, 2);
  Histogram h = histogramOf(v);
  double w = h.getBinWidth();
  EXPECT_NEAR(percentileThreshold(h, 99.99), exactPercentile(v, 99.99), w);
  // The 99.99th percentile of |N(0,1)| is 3.8906.
  EXPECT_NEAR(percentileThreshold(h, 99.99), 3.8906, 0.15);
  double mse = mseThreshold(h, int8());
  EXPECT_LT(mse, absMaxOf(v));
  EXPECT_LE(bruteMSE(v, mse, false), 1.02 * bestBruteMSE(v, false));
  double kl = klThreshold(h, int8());
  EXPECT_GT(kl, 2.5);
  EXPECT_LE(kl, absMaxOf(v));
}

// Laplace(0, 1) with a few outliers at +-100: max follows the outliers, the
// robust methods do not.
TEST(ScaleSelectionTest, LaplaceWithOutliers) {
  std::vector<float> v = laplace(100000, 1.0, 10, 100.0, 3);
  Histogram h = histogramOf(v);
  double w = h.getBinWidth();
  EXPECT_EQ(maxThreshold(h), 100.0);
  // P(|x| > t) = exp(-t): the 99.9th percentile of the Laplace part is
  // ln(1000) = 6.91; 10 outliers in 1e5 barely move it.
  EXPECT_NEAR(percentileThreshold(h, 99.9), exactPercentile(v, 99.9), w);
  EXPECT_NEAR(percentileThreshold(h, 99.9), std::log(1000.0), 0.3);
  // MSE keeps these outliers: clipping 10 in 1e5 at t costs
  // 1e-4 * (100 - t)^2, more than the rounding noise (100/127)^2 / 12 = 0.05
  // of keeping them, for any t below ~77.
  double mse = mseThreshold(h, int8());
  EXPECT_GT(mse, 77.0);
  EXPECT_LE(bruteMSE(v, mse, false), 1.02 * bestBruteMSE(v, false));
  double kl = klThreshold(h, int8());
  EXPECT_LT(kl, 50.0);
  EXPECT_GT(kl, exactPercentile(v, 99.0));
}

// One-hot spikes: mostly exact zeros and a few values at 5. Clipping the
// spikes would cost far more than rounding, so every method keeps 5.
TEST(ScaleSelectionTest, OneHotSpikes) {
  std::vector<float> v(10000, 0.0f);
  for (size_t i = 0; i < v.size(); i += 100)
    v[i] = 5.0f;
  Histogram h = histogramOf(v);
  double w = h.getBinWidth();
  EXPECT_EQ(maxThreshold(h), 5.0);
  EXPECT_NEAR(percentileThreshold(h, 99.99), 5.0, w);
  EXPECT_NEAR(mseThreshold(h, int8()), 5.0, w);
  EXPECT_EQ(klThreshold(h, int8()), 5.0);
  EXPECT_NEAR(bruteMSE(v, mseThreshold(h, int8()), false), 0.0, 1e-6);
}

TEST(ScaleSelectionTest, AllZero) {
  std::vector<float> v(1000, 0.0f);
  Histogram h = histogramOf(v);
  SelectOptions o;
  for (Method m : getAllMethods()) {
    EXPECT_EQ(selectThreshold(h, m, o), 0.0) << getMethodName(m);
    EXPECT_EQ(scaleForThreshold(selectThreshold(h, m, o), o.spec), 1.0f);
  }
  Histogram empty;
  for (Method m : getAllMethods())
    EXPECT_EQ(selectThreshold(empty, m, o), 0.0) << getMethodName(m);
}

TEST(ScaleSelectionTest, Constant) {
  std::vector<float> v(1000, -3.0f);
  Histogram h = histogramOf(v);
  double w = h.getBinWidth();
  EXPECT_EQ(maxThreshold(h), 3.0);
  EXPECT_NEAR(percentileThreshold(h, 99.99), 3.0, w);
  EXPECT_NEAR(mseThreshold(h, int8()), 3.0, 0.01 * 3.0);
  EXPECT_EQ(klThreshold(h, int8()), 3.0);
}

// Unsigned (after ReLU): [0, t] on 255 steps; MSE against brute force with
// the unsigned grid.
TEST(ScaleSelectionTest, UnsignedRelu) {
  std::vector<float> v = gaussian(50000, 1.0, 4);
  for (float &x : v)
    x = std::max(x, 0.0f);
  Histogram h = histogramOf(v);
  double t = mseThreshold(h, uint8());
  EXPECT_LE(bruteMSE(v, t, true), 1.02 * bestBruteMSE(v, true));
  // Twice the levels: less rounding noise, so clipping is no more aggressive
  // than for the signed grid.
  EXPECT_GE(t, mseThreshold(h, int8()) - h.getBinWidth());
  EXPECT_EQ(scaleForThreshold(2.55, uint8()), 0.01f);
  // Half the values are zeros; KL still keeps the bulk of the positive half
  // (the 95th percentile of v is the 90th of |N(0,1)|, 1.645).
  EXPECT_GT(klThreshold(h, uint8()), exactPercentile(v, 95.0));
}

// Small cases: the histogram MSE choice against brute force over many
// thresholds, for several shapes and sizes. The histogram models rounding
// as uniform noise (step^2 / 12); with a few hundred values the real
// rounding error of a given step deviates from that by a few percent (the
// brute force finds lucky alignments), hence 10% here and 2% for the large
// samples above.
TEST(ScaleSelectionTest, MSEMatchesBruteForceOnSmallCases) {
  double worst = 0;
  for (uint64_t seed = 10; seed < 16; ++seed) {
    for (size_t n : {200u, 1000u}) {
      std::vector<std::vector<float>> cases = {
          gaussian(n, 0.3, seed), laplace(n, 0.5, 2, 20.0, seed),
          uniform(n, -2, 2, seed)};
      for (const std::vector<float> &v : cases) {
        Histogram h = histogramOf(v);
        double t = mseThreshold(h, int8());
        double ratio = bruteMSE(v, t, false) / bestBruteMSE(v, false);
        worst = std::max(worst, ratio);
        EXPECT_LE(ratio, 1.10) << "seed " << seed << " n " << n;
      }
    }
  }
}

// Weights: the exact value-based MSE picks the best of its candidates,
// checked against a brute force over the same candidates.
TEST(ScaleSelectionTest, WeightMSEFromValues) {
  std::vector<float> v = laplace(512, 0.05, 2, 1.0, 21);
  float s = mseScaleFromValues(v.data(), v.size(), int8());
  double amax = absMaxOf(v);
  double best = bruteMSE(v, amax, false);
  for (int k = 30; k < 100; ++k)
    best = std::min(best, bruteMSE(v, amax * k / 100.0, false));
  // bruteMSE takes a threshold: convert the chosen scale back.
  double chosen = bruteMSE(v, double(s) * 127, false);
  EXPECT_LE(chosen, best * 1.0001);
  EXPECT_LT(s * 127.0, amax); // the outliers are clipped
  // Per channel: each channel's choice is its own.
  std::vector<float> small = gaussian(64, 0.01, 22), big = gaussian(64, 10, 23);
  float s1 = mseScaleFromValues(small.data(), small.size(), int8());
  float s2 = mseScaleFromValues(big.data(), big.size(), int8());
  EXPECT_LT(s1 * 100, s2);
  std::vector<float> zeros(16, 0.0f);
  EXPECT_EQ(mseScaleFromValues(zeros.data(), zeros.size(), int8()), 1.0f);
}

} // namespace
