//===- TableTest.cpp - calibration table tests ----------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Calibration/Table.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir::qsim::calibration;

namespace {

std::string errorOf(llvm::StringRef json) {
  llvm::Expected<Table> t = parseTable(json);
  if (t)
    return "";
  return llvm::toString(t.takeError());
}

// A table as the first version wrote it (no histogram, thresholds,
// location, count, percentile) still loads.
TEST(TableTest, OldTableLoads) {
  llvm::Expected<Table> t = parseTable(R"({
    "schema": "qsim-calibration-table/1", "bits": 8, "method": "max",
    "samples": 16, "data_hash": "x",
    "points": [{"name": "a", "kind": "input", "min": -1, "max": 2}]})");
  ASSERT_TRUE(!!t) << llvm::toString(t.takeError());
  ASSERT_EQ(t->points.size(), 1u);
  EXPECT_FALSE(t->points[0].histogram);
  EXPECT_TRUE(t->points[0].thresholds.empty());
  EXPECT_EQ(t->percentile, 99.99);
  EXPECT_EQ(t->lookup("a")->absMax(), 2.0);
}

TEST(TableTest, WrongSchemaIsRefused) {
  EXPECT_NE(errorOf(R"({"schema": "qsim-calibration-table/2", "points": []})")
                .find("unsupported calibration table schema"),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"points": []})").find("has no 'schema'"),
            std::string::npos);
}

// llvm::json recurses once per nesting level; deep text is refused before
// it is parsed, brackets inside strings do not count.
TEST(TableTest, DeepNestingIsRefused) {
  EXPECT_NE(errorOf(std::string(100000, '[')).find("deeper than 64 levels"),
            std::string::npos);
  std::string deep = "{\"schema\": \"qsim-calibration-table/1\", \"x\": " +
                     std::string(64, '[') + std::string(64, ']') + "}";
  EXPECT_NE(errorOf(deep).find("deeper than 64 levels"), std::string::npos);
  llvm::Expected<Table> t = parseTable(
      R"({"schema": "qsim-calibration-table/1", "method": "[[[[[[[[[[[[[[[[[[[[)"
      R"([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",)"
      R"( "points": []})");
  EXPECT_TRUE(!!t) << llvm::toString(t.takeError());
}

TEST(TableTest, BadHistogramIsRefused) {
  std::string e = errorOf(R"({"schema": "qsim-calibration-table/1",
    "points": [{"name": "a", "min": 0, "max": 1,
                "histogram": {"bins": 100, "range": 1, "counts": [1]}}]})");
  EXPECT_NE(e.find("point 'a': inconsistent 'histogram'"), std::string::npos)
      << e;
  e = errorOf(R"({"schema": "qsim-calibration-table/1",
    "points": [{"name": "a", "min": 0, "max": 1,
                "histogram": {"bins": 4, "range": 1, "counts": [-1]}}]})");
  EXPECT_NE(e.find("non-negative"), std::string::npos) << e;
}

TEST(TableTest, RoundTripIsByteIdentical) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> d(0.0, 1.0);
  std::vector<float> v(4096);
  for (float &x : v)
    x = static_cast<float>(d(rng));
  TensorObserver obs;
  ASSERT_TRUE(obs.observe(v, {64, 64}, 1));
  Table table;
  table.samples = 64;
  table.dataHash = "fnv1a64:0123";
  table.points.push_back(
      makePointStats("f.x", "input", "loc(\"x\")", obs, SelectOptions()));
  std::string text = writeTable(table);
  llvm::Expected<Table> back = parseTable(text);
  ASSERT_TRUE(!!back) << llvm::toString(back.takeError());
  const PointStats &p = back->points[0];
  EXPECT_EQ(p.location, "loc(\"x\")");
  EXPECT_EQ(p.count, 4096);
  ASSERT_TRUE(p.histogram);
  EXPECT_EQ(p.histogram->getCounts(), obs.getHistogram().getCounts());
  EXPECT_EQ(p.channelMin.size(), 64u);
  ASSERT_EQ(p.thresholds.size(), getAllMethods().size());
  EXPECT_EQ(*p.getThreshold("max"), obs.getHistogram().getAbsMax());
  EXPECT_LT(*p.getThreshold("percentile"), *p.getThreshold("max"));
  EXPECT_EQ(writeTable(*back), text);
}

} // namespace
