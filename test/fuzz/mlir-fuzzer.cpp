//===- mlir-fuzzer.cpp - libFuzzer target for the qsim IR pipeline --------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Parses arbitrary text as an MLIR module with the dialects the qsim flows
// read (builtin, func, arith, tensor, tosa, linalg and qsim with its
// interface models), verifies it, then runs `--convert-qsim-to-linalg` on a
// copy and `--qsim-quantize="global-scale=4.0"` (no statistics table
// needed) on the original. Diagnostics are the expected outcome for bad IR
// and are swallowed; only a crash, a sanitizer report or a hang is a
// finding.
//
// The upstream dialects are restricted to those the seeds use so that the
// fuzzer spends its time on qsim code rather than on upstream verifiers
// (libMLIR.so is not instrumented and its crashes are not ours to fix).
//
//===----------------------------------------------------------------------===//

#include "qsim/InitAll.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>

using namespace mlir;

static DialectRegistry *registry;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registry = new DialectRegistry();
  registry->insert<arith::ArithDialect, func::FuncDialect,
                   linalg::LinalgDialect, tensor::TensorDialect,
                   tosa::TosaDialect>();
  registerAllExtensions(*registry);
  qsim::registerAllDialects(*registry);
  qsim::registerAllPasses();
  return 0;
}

/// Parses `pipeline` into a fresh pass manager and runs it on `module`.
static void runPipeline(MLIRContext &context, ModuleOp module,
                        llvm::StringRef pipeline) {
  PassManager pm(&context);
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs()))) {
    llvm::errs() << "mlir-fuzzer: bad pipeline " << pipeline << "\n";
    std::abort();
  }
  (void)pm.run(module);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A context per input: types and attributes interned by one input must not
  // pile up (or change the behaviour) across inputs.
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler swallow(&context,
                                  [](Diagnostic &) { return success(); });

  // MLIR's lexer reads the byte after the end of its buffer (where a file's
  // buffer has its terminating NUL); libFuzzer's input has none, so copy it
  // into a string, whose storage ends in one.
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  if (!module)
    return 0;

  OwningOpRef<ModuleOp> copy(module->clone());
  runPipeline(context, *copy, "builtin.module(convert-qsim-to-linalg)");
  runPipeline(context, *module,
              "builtin.module(qsim-quantize{global-scale=4.0})");
  return 0;
}
