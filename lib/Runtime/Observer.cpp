//===- Observer.cpp - statistics observer callback ------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Runtime/Observer.h"

namespace {
mlir::qsim::runtime::ObserverFn observerFn = nullptr;
void *observerContext = nullptr;
} // namespace

void mlir::qsim::runtime::setObserver(ObserverFn fn, void *context) {
  observerFn = fn;
  observerContext = context;
}

extern "C" void qsimObserve(int64_t point, int64_t rank, void *descriptor) {
  if (!observerFn || !descriptor)
    return;
  // {allocated, aligned, offset, sizes[rank], strides[rank]}, 8 bytes each.
  auto *words = static_cast<const int64_t *>(descriptor);
  auto *aligned = reinterpret_cast<const float *>(words[1]);
  observerFn(observerContext, point, aligned, words[2], rank, words + 3,
             words + 3 + rank);
}
