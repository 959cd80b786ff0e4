//===- Observer.h - statistics observer callback ----------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The C entry point that code instrumented by --qsim-instrument calls at
// every observed quantization point, and the hook a host installs to receive
// the values. Plain C++ with no MLIR or LLVM dependency: the JIT binds the
// symbol `qsim_observe` to qsimObserve below.
//
// Calling convention (an unranked memref<*xf32> argument of a function
// without a C wrapper expands to rank and descriptor pointer):
//
//   void qsim_observe(int64_t point, int64_t rank, void *descriptor)
//
// where descriptor points to {float *allocated, float *aligned, int64_t
// offset, int64_t sizes[rank], int64_t strides[rank]}.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_RUNTIME_OBSERVER_H
#define QSIM_RUNTIME_OBSERVER_H

#include <cstdint>

namespace mlir {
namespace qsim {
namespace runtime {

/// Receives one observed tensor: element (i0, .., ir-1) is at
/// aligned[offset + sum(i_d * strides[d])].
using ObserverFn = void (*)(void *context, int64_t point, const float *aligned,
                            int64_t offset, int64_t rank, const int64_t *sizes,
                            const int64_t *strides);

/// Installs the hook (nullptr: observations are dropped). Not thread-safe:
/// set it before running instrumented code.
void setObserver(ObserverFn fn, void *context);

} // namespace runtime
} // namespace qsim
} // namespace mlir

extern "C" {
/// The function instrumented code calls; forwards to the installed hook.
void qsimObserve(int64_t point, int64_t rank, void *descriptor);
}

#endif // QSIM_RUNTIME_OBSERVER_H
