//===- Table.cpp - calibration statistics table ---------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Calibration/Table.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir::qsim::calibration;
using llvm::Expected;
using llvm::StringRef;

double PointStats::absMax() const {
  return std::max(std::fabs(min), std::fabs(max));
}

std::optional<double> PointStats::getThreshold(StringRef method) const {
  for (const auto &[name, t] : thresholds)
    if (name == method)
      return t;
  return std::nullopt;
}

PointStats mlir::qsim::calibration::makePointStats(
    const std::string &name, const std::string &kind,
    const std::string &location, const TensorObserver &observer,
    const SelectOptions &options) {
  PointStats p;
  p.name = name;
  p.kind = kind;
  p.location = location;
  const Histogram &h = observer.getHistogram();
  p.count = h.getTotal();
  p.nonFinite = h.getNumNonFinite();
  if (observer.hasValues()) {
    p.min = observer.getMin();
    p.max = observer.getMax();
  }
  p.channelAxis = observer.getChannelAxis();
  // Channels that never saw a finite value record 0.
  for (double v : observer.getChannelMin())
    p.channelMin.push_back(std::isfinite(v) ? v : 0.0);
  for (double v : observer.getChannelMax())
    p.channelMax.push_back(std::isfinite(v) ? v : 0.0);
  p.histogram = h;
  SelectOptions o = options;
  o.spec.isUnsigned = p.min >= 0;
  for (Method m : getAllMethods())
    p.thresholds.push_back({getMethodName(m), selectThreshold(h, m, o)});
  return p;
}

const PointStats *Table::lookup(StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &points[it->second];
}

static llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Reads a finite number field.
static llvm::Error readNumber(const llvm::json::Object &obj, StringRef key,
                              const llvm::Twine &where, double &out,
                              bool required = true) {
  const llvm::json::Value *v = obj.get(key);
  if (!v) {
    if (required)
      return err(where + ": missing '" + key + "'");
    return llvm::Error::success();
  }
  std::optional<double> d = v->getAsNumber();
  if (!d)
    return err(where + ": '" + key + "' must be a number");
  if (!std::isfinite(*d))
    return err(where + ": '" + key + "' must be finite");
  out = *d;
  return llvm::Error::success();
}

static llvm::Error readNumberArray(const llvm::json::Object &obj,
                                   StringRef key, const llvm::Twine &where,
                                   std::vector<double> &out) {
  const llvm::json::Value *v = obj.get(key);
  if (!v)
    return llvm::Error::success();
  const llvm::json::Array *arr = v->getAsArray();
  if (!arr)
    return err(where + ": '" + key + "' must be an array of numbers");
  for (const llvm::json::Value &e : *arr) {
    std::optional<double> d = e.getAsNumber();
    if (!d || !std::isfinite(*d))
      return err(where + ": '" + key + "' must hold finite numbers");
    out.push_back(*d);
  }
  return llvm::Error::success();
}

/// How deep arrays and objects of a table may nest. A valid table needs 4
/// levels (root, points, point, histogram); llvm::json::parse recurses once
/// per level with no limit of its own, so a hostile file of 100000 '[' would
/// overflow the stack.
static constexpr unsigned kMaxTableDepth = 64;

/// Whether the JSON text `json` nests arrays and objects deeper than
/// `limit`, counting brackets outside strings (malformed text is left to the
/// parser).
static bool nestsDeeperThan(StringRef json, unsigned limit) {
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

Expected<Table> mlir::qsim::calibration::parseTable(StringRef json) {
  if (nestsDeeperThan(json, kMaxTableDepth))
    return err("calibration table nests arrays or objects deeper than " +
               llvm::Twine(kMaxTableDepth) + " levels");
  Expected<llvm::json::Value> parsed = llvm::json::parse(json);
  if (!parsed)
    return err("calibration table is not valid JSON: " +
               llvm::toString(parsed.takeError()));
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return err("calibration table must be a JSON object");
  std::optional<StringRef> schema = root->getString("schema");
  if (!schema)
    return err("calibration table has no 'schema' (expected '" +
               StringRef(kTableSchema) + "')");
  if (*schema != kTableSchema)
    return err("unsupported calibration table schema '" + *schema +
               "' (expected '" + StringRef(kTableSchema) + "')");
  Table table;
  if (std::optional<int64_t> bits = root->getInteger("bits")) {
    if (*bits < 2 || *bits > 16)
      return err("calibration table: 'bits' must be in [2, 16], got " +
                 llvm::Twine(*bits));
    table.bits = *bits;
  }
  if (std::optional<StringRef> m = root->getString("method"))
    table.method = m->str();
  if (std::optional<int64_t> n = root->getInteger("samples"))
    table.samples = *n;
  if (std::optional<StringRef> h = root->getString("data_hash"))
    table.dataHash = h->str();
  if (llvm::Error e = readNumber(*root, "percentile", "calibration table",
                                 table.percentile, /*required=*/false))
    return std::move(e);
  if (std::optional<int64_t> n = root->getInteger("skipped_samples"))
    table.skippedSamples = *n;
  const llvm::json::Array *points = root->getArray("points");
  if (!points)
    return err("calibration table has no 'points' array");
  for (auto [i, v] : llvm::enumerate(*points)) {
    const llvm::json::Object *p = v.getAsObject();
    std::string where = "point #" + std::to_string(i);
    if (!p)
      return err(where + " must be an object");
    std::optional<StringRef> name = p->getString("name");
    if (!name || name->empty())
      return err(where + " has no 'name'");
    where = "point '" + name->str() + "'";
    PointStats s;
    s.name = name->str();
    if (std::optional<StringRef> k = p->getString("kind"))
      s.kind = k->str();
    if (llvm::Error e = readNumber(*p, "min", where, s.min))
      return std::move(e);
    if (llvm::Error e = readNumber(*p, "max", where, s.max))
      return std::move(e);
    if (s.min > s.max)
      return err(where + ": 'min' (" + std::to_string(s.min) +
                 ") is greater than 'max' (" + std::to_string(s.max) + ")");
    if (llvm::Error e = readNumberArray(*p, "channel_min", where, s.channelMin))
      return std::move(e);
    if (llvm::Error e = readNumberArray(*p, "channel_max", where, s.channelMax))
      return std::move(e);
    if (s.channelMin.size() != s.channelMax.size())
      return err(where + ": 'channel_min' and 'channel_max' differ in length");
    if (std::optional<int64_t> a = p->getInteger("channel_axis"))
      s.channelAxis = *a;
    if (std::optional<StringRef> l = p->getString("location"))
      s.location = l->str();
    if (std::optional<int64_t> n = p->getInteger("count"))
      s.count = *n;
    if (std::optional<int64_t> n = p->getInteger("nonfinite"))
      s.nonFinite = *n;
    if (const llvm::json::Value *hv = p->get("histogram")) {
      const llvm::json::Object *ho = hv->getAsObject();
      if (!ho)
        return err(where + ": 'histogram' must be an object");
      std::optional<int64_t> bins = ho->getInteger("bins");
      double range = 0;
      if (llvm::Error e = readNumber(*ho, "range", where + ": histogram", range))
        return std::move(e);
      const llvm::json::Array *counts = ho->getArray("counts");
      if (!bins || !counts)
        return err(where + ": 'histogram' needs 'bins', 'range' and 'counts'");
      std::vector<uint64_t> c;
      for (const llvm::json::Value &e : *counts) {
        std::optional<int64_t> n = e.getAsInteger();
        if (!n || *n < 0)
          return err(where + ": histogram 'counts' must be non-negative "
                             "integers");
        c.push_back(*n);
      }
      Histogram h;
      if (*bins < 2 || *bins > (1 << 24) ||
          !Histogram::fromParts(*bins, range, c, h))
        return err(where + ": inconsistent 'histogram' (bins must be a power "
                           "of two, range 0 or a power of two, at most 'bins' "
                           "counts)");
      s.histogram = std::move(h);
    }
    if (const llvm::json::Value *tv = p->get("thresholds")) {
      const llvm::json::Object *to = tv->getAsObject();
      if (!to)
        return err(where + ": 'thresholds' must be an object");
      for (Method m : getAllMethods()) {
        double t = 0;
        if (!to->get(getMethodName(m)))
          continue;
        if (llvm::Error e = readNumber(*to, getMethodName(m),
                                       where + ": thresholds", t))
          return std::move(e);
        s.thresholds.push_back({getMethodName(m), t});
      }
    }
    if (!table.index.insert({s.name, table.points.size()}).second)
      return err(where + " appears twice");
    table.points.push_back(std::move(s));
  }
  return table;
}

Expected<Table> mlir::qsim::calibration::readTable(StringRef path) {
  // Only a regular file has a known end: reading a FIFO or /dev/zero to its
  // end may never finish.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status))
    return err("cannot read calibration table '" + path + "': " + ec.message());
  if (status.type() == llvm::sys::fs::file_type::directory_file)
    return err("cannot read calibration table '" + path +
               "': it is a directory");
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return err("cannot read calibration table '" + path +
               "': not a regular file");
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return err("cannot read calibration table '" + path +
               "': " + buf.getError().message());
  Expected<Table> t = parseTable((*buf)->getBuffer());
  if (!t)
    return err("'" + path + "': " + llvm::toString(t.takeError()));
  return t;
}

std::string mlir::qsim::calibration::writeTable(const Table &table) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::json::OStream j(os, 2);
  j.object([&] {
    j.attribute("schema", kTableSchema);
    j.attribute("bits", table.bits);
    j.attribute("method", table.method);
    j.attribute("samples", table.samples);
    j.attribute("data_hash", table.dataHash);
    j.attribute("percentile", table.percentile);
    j.attribute("skipped_samples", table.skippedSamples);
    j.attributeArray("points", [&] {
      for (const PointStats &p : table.points)
        j.object([&] {
          j.attribute("name", p.name);
          j.attribute("kind", p.kind);
          if (!p.location.empty())
            j.attribute("location", p.location);
          j.attribute("min", p.min);
          j.attribute("max", p.max);
          if (p.count)
            j.attribute("count", p.count);
          if (p.nonFinite)
            j.attribute("nonfinite", p.nonFinite);
          if (!p.thresholds.empty())
            j.attributeObject("thresholds", [&] {
              for (const auto &[name, t] : p.thresholds)
                j.attribute(name, t);
            });
          if (!p.channelMin.empty()) {
            j.attribute("channel_axis", p.channelAxis);
            j.attributeArray("channel_min", [&] {
              for (double d : p.channelMin)
                j.value(d);
            });
            j.attributeArray("channel_max", [&] {
              for (double d : p.channelMax)
                j.value(d);
            });
          }
          if (p.histogram) {
            const std::vector<uint64_t> &c = p.histogram->getCounts();
            size_t used = c.size();
            while (used && !c[used - 1])
              --used;
            j.attributeObject("histogram", [&] {
              j.attribute("bins", p.histogram->getNumBins());
              j.attribute("range", p.histogram->getRange());
              // Trailing empty bins are left out, and the counts go on one
              // line: 2048 lines per point would drown the rest.
              std::string counts = "[";
              for (size_t i = 0; i < used; ++i)
                counts += (i ? "," : "") + std::to_string(c[i]);
              counts += "]";
              j.attributeBegin("counts");
              j.rawValue(counts);
              j.attributeEnd();
            });
          }
        });
    });
  });
  os << "\n";
  return out;
}
