//===- HistogramTest.cpp - streaming histogram tests ----------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Calibration/Histogram.h"
#include "Distributions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace mlir::qsim::calibration;
using namespace qsim_test;

namespace {

TEST(HistogramTest, RangeIsSmallestPowerOfTwoAboveMax) {
  Histogram h(16);
  h.add(3.0f);
  EXPECT_EQ(h.getRange(), 4.0);
  h.add(4.0f); // exactly the range: grows, 4 must not fall off the end
  EXPECT_EQ(h.getRange(), 8.0);
  h.add(-0.25f);
  EXPECT_EQ(h.getTotal(), 3u);
  EXPECT_EQ(h.getAbsMax(), 4.0);
  // bins of width 0.5: 0.25 -> 0, 3 -> 6, 4 -> 8.
  EXPECT_EQ(h.getCounts()[0], 1u);
  EXPECT_EQ(h.getCounts()[6], 1u);
  EXPECT_EQ(h.getCounts()[8], 1u);
}

TEST(HistogramTest, GrowthKeepsCounts) {
  Histogram h;
  std::vector<float> v = gaussian(10000, 0.01, 1);
  h.add(v.data(), v.size());
  double before = h.getRange();
  h.add(1000.0f); // many doublings at once
  EXPECT_EQ(h.getTotal(), 10001u);
  uint64_t sum = 0;
  for (uint64_t c : h.getCounts())
    sum += c;
  EXPECT_EQ(sum, 10001u);
  EXPECT_EQ(h.getRange(), 1024.0);
  EXPECT_GT(h.getRange(), before);
}

TEST(HistogramTest, OrderAndBatchingDoNotMatter) {
  std::vector<float> v = gaussian(20000, 2.0, 7);
  v.push_back(300.0f);
  Histogram all;
  all.add(v.data(), v.size());

  // Ascending |x| forces one growth step after another.
  std::vector<float> sorted = v;
  std::sort(sorted.begin(), sorted.end(),
            [](float a, float b) { return std::fabs(a) < std::fabs(b); });
  Histogram growing;
  for (size_t i = 0; i < sorted.size(); i += 37)
    growing.add(sorted.data() + i, std::min<size_t>(37, sorted.size() - i));

  std::vector<float> shuffled = v;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(3));
  Histogram one;
  for (float x : shuffled)
    one.add(x);

  EXPECT_TRUE(all == growing);
  EXPECT_TRUE(all == one);
  EXPECT_EQ(all.getTotal(), v.size());
}

TEST(HistogramTest, MergeEqualsAddingEverything) {
  std::vector<float> a = gaussian(5000, 0.1, 11), b = gaussian(5000, 50, 12);
  Histogram ha, hb, both;
  ha.add(a.data(), a.size());
  hb.add(b.data(), b.size());
  both.add(a.data(), a.size());
  both.add(b.data(), b.size());
  Histogram m1 = ha, m2 = hb;
  m1.merge(hb);
  m2.merge(ha);
  EXPECT_TRUE(m1 == both);
  EXPECT_TRUE(m2 == both);
}

TEST(HistogramTest, ZerosAndNonFinite) {
  Histogram h(8);
  std::vector<float> z(100, 0.0f);
  h.add(z.data(), z.size());
  EXPECT_EQ(h.getRange(), 0.0);
  EXPECT_EQ(h.getTotal(), 100u);
  h.add(NAN);
  h.add(INFINITY);
  EXPECT_EQ(h.getNumNonFinite(), 2u);
  h.add(1.5f);
  EXPECT_EQ(h.getRange(), 2.0);
  EXPECT_EQ(h.getCounts()[0], 100u);
  EXPECT_EQ(h.getCounts()[6], 1u);
}

TEST(HistogramTest, FromPartsRoundTrip) {
  std::vector<float> v = gaussian(1000, 1.0, 5);
  Histogram h;
  h.add(v.data(), v.size());
  Histogram back;
  ASSERT_TRUE(Histogram::fromParts(h.getNumBins(), h.getRange(),
                                   h.getCounts(), back));
  EXPECT_EQ(back.getCounts(), h.getCounts());
  EXPECT_EQ(back.getTotal(), h.getTotal());
  EXPECT_GE(back.getAbsMax(), h.getAbsMax());
  EXPECT_LE(back.getAbsMax(), h.getAbsMax() + h.getBinWidth());
  Histogram bad;
  EXPECT_FALSE(Histogram::fromParts(100, 1.0, {}, bad));
  EXPECT_FALSE(Histogram::fromParts(8, 3.0, {1}, bad));
  EXPECT_FALSE(Histogram::fromParts(8, 1.0, std::vector<uint64_t>(9, 1), bad));
}

TEST(TensorObserverTest, PerChannelMinMaxLastAxis) {
  // shape (2, 3, 4): channels along axis 2.
  std::vector<float> v(24);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(i % 4) * (i < 12 ? 1.0f : -2.0f) + 0.5f;
  TensorObserver obs;
  ASSERT_TRUE(obs.observe(v, {2, 3, 4}, 2));
  ASSERT_EQ(obs.getChannelMin().size(), 4u);
  for (int c = 0; c < 4; ++c) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = c; i < v.size(); i += 4) {
      lo = std::min(lo, double(v[i]));
      hi = std::max(hi, double(v[i]));
    }
    EXPECT_EQ(obs.getChannelMin()[c], lo);
    EXPECT_EQ(obs.getChannelMax()[c], hi);
  }
  EXPECT_EQ(obs.getMin(), *std::min_element(v.begin(), v.end()));
  EXPECT_EQ(obs.getMax(), *std::max_element(v.begin(), v.end()));
  // A different channel count is refused.
  EXPECT_FALSE(obs.observe(std::vector<float>(6), {2, 3}, 1));
}

TEST(TensorObserverTest, StridedViewMatchesContiguous) {
  // A (3, 4) view with column-major strides over a 12-element buffer.
  std::vector<float> buf(12);
  for (size_t i = 0; i < buf.size(); ++i)
    buf[i] = static_cast<float>(i) - 5.0f;
  int64_t sizes[] = {3, 4}, strides[] = {1, 3};
  TensorObserver strided;
  ASSERT_TRUE(strided.observe(buf.data(), 0, sizes, strides, 2, 0));
  std::vector<float> contiguous;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c)
      contiguous.push_back(buf[r + 3 * c]);
  TensorObserver dense;
  ASSERT_TRUE(dense.observe(contiguous, {3, 4}, 0));
  EXPECT_EQ(strided.getChannelMin(), dense.getChannelMin());
  EXPECT_EQ(strided.getChannelMax(), dense.getChannelMax());
  EXPECT_TRUE(strided.getHistogram() == dense.getHistogram());
}

} // namespace
