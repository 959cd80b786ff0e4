//===- InitAll.h - register every qsim dialect and pass ---------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// What a driver registers to offer all of qsim: the dialect, the external
// models of its interfaces for TOSA and linalg ops, every pass and the named
// pipelines (as mlir/InitAllDialects.h and mlir/InitAllPasses.h do for
// upstream). qsim-opt and qsim-test-opt share it, so they cannot drift apart.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_INITALL_H
#define QSIM_INITALL_H

#include "qsim/Conversion/Passes.h"
#include "qsim/Dialect/QSim/Extensions/QuantizableOpInterfaceImpl.h"
#include "qsim/Dialect/QSim/IR/QSimDialect.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "qsim/Pipelines/Pipelines.h"
#include "qsim/Transforms/CPU/Passes.h"
#include "qsim/Transforms/GPU/Passes.h"
#include "qsim/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"

namespace mlir {
namespace qsim {

/// Adds the qsim dialect and the quantization rules (QuantizableOpInterface
/// external models) of TOSA and linalg ops to `registry`.
inline void registerAllDialects(DialectRegistry &registry) {
  registry.insert<QSimDialect>();
  registerQuantizableOpInterfaceExternalModels(registry);
}

/// Registers every qsim pass and named pipeline as a command-line flag.
inline void registerAllPasses() {
  registerQSimPasses();
  registerQSimConversionPasses();
  registerQSimCodegenPasses();
  registerQSimCPUPasses();
  registerQSimGPUPasses();
  registerQSimCPUPipeline();
  registerQSimGPUPipeline();
  registerQSimQuantizePipeline();
}

} // namespace qsim
} // namespace mlir

#endif // QSIM_INITALL_H
