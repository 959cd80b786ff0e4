//===- Collector.cpp - what qsim-collect observes -------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "Collector.h"

#include "qsim/Runtime/Observer.h"

#include <cstdio>

using namespace mlir::qsim::collect;

static void observeCallback(void *ctx, int64_t point, const float *aligned,
                            int64_t offset, int64_t rank, const int64_t *sizes,
                            const int64_t *strides) {
  static_cast<Collector *>(ctx)->observe(point, aligned, offset, rank, sizes,
                                         strides);
}

void Collector::install() {
  mlir::qsim::runtime::setObserver(observeCallback, this);
}

void Collector::observe(int64_t id, const float *data, int64_t offset,
                        int64_t rank, const int64_t *sizes,
                        const int64_t *strides) {
  if (id < 0 || static_cast<size_t>(id) >= points.size())
    return;
  // Channels along the last dimension (NHWC activations, features of a
  // dense layer); rank-0/1 points have none.
  int64_t axis = rank >= 2 ? rank - 1 : -1;
  if (!points[id].observer.observe(data, offset, sizes, strides, rank, axis))
    points[id].badShape = true;
}

void Fnv1a::update(const void *p, size_t n) {
  auto *b = static_cast<const uint8_t *>(p);
  for (size_t i = 0; i < n; ++i) {
    h ^= b[i];
    h *= 1099511628211ull;
  }
}

std::string Fnv1a::hex() const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "fnv1a64:%016llx",
                static_cast<unsigned long long>(h));
  return buf;
}
