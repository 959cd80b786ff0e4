//===- JitModule.h - loading, lowering and JIT-compiling a module -*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// What the JIT runners (qsim-run, qsim-collect) share: the dialect registry
// and parsing of a model file, the lowering with --qsim-cpu-pipeline, the
// mlir::ExecutionEngine set-up for the host, and the ranked memref
// descriptors of the C interface (`_mlir_ciface_<name>`) that they pass and
// get back.
//
// This is the MLIR-dependent part of the runtime and a library of its own
// (QSimJit), so that QSimRuntime stays plain C++.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_RUNTIME_JITMODULE_H
#define QSIM_RUNTIME_JITMODULE_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <set>
#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class MLIRContext;

namespace qsim {
namespace runtime {

/// Prefix of the C interface function of a function lowered with
/// `llvm.emit_c_interface`.
inline constexpr llvm::StringLiteral kCIfacePrefix = "_mlir_ciface_";

/// memref.get_global of a constant lowers to a descriptor whose allocated
/// pointer is this marker; such a buffer must never be freed.
inline constexpr uintptr_t kGlobalMarker = 0xdeadbeef;

/// Adds what a runner needs to parse, lower and translate any model: all
/// upstream dialects and extensions, the qsim dialect with its external
/// models, and the translations to LLVM IR.
void registerJitDialects(DialectRegistry &registry);

/// Opens and parses `filename` into `context`, adding the file to
/// `sourceMgr` (whose diagnostic handler the caller owns). Fails with
/// "cannot open '<filename>': <reason>" or "cannot parse '<filename>'".
llvm::Expected<OwningOpRef<ModuleOp>>
loadModuleFile(llvm::StringRef filename, MLIRContext &context,
               llvm::SourceMgr &sourceMgr);

/// Runs --qsim-cpu-pipeline (default options) on `module`, with the pass
/// manager command-line options applied when `applyCLOptions` is set (they
/// must have been registered). Fails with "lowering '<filename>' with
/// --qsim-cpu-pipeline failed"; the details went to the diagnostic handler.
llvm::Error lowerWithCPUPipeline(ModuleOp module, llvm::StringRef filename,
                                 bool applyCLOptions);

/// A host function that JIT'd code may call, by its symbol name.
struct JitSymbol {
  llvm::StringRef name;
  void *address;
};

/// JIT-compiles `module` (in the LLVM dialect, read from `filename`) for the
/// host at LLVM optimization level `optLevel` (0-3), binds `memrefCopy` of
/// the C runner utilities (strided memref.copy calls it) and `symbols`, runs
/// the module's initializers and checks that the C interface function of
/// `entry` resolves.
llvm::Expected<std::unique_ptr<ExecutionEngine>>
createJitEngine(ModuleOp module, llvm::StringRef filename,
                llvm::StringRef entry, unsigned optLevel,
                llvm::ArrayRef<JitSymbol> symbols = {});

/// The number of 8-byte words of a ranked memref descriptor as the C
/// interface lays it out: {T *allocated, T *aligned, int64_t offset,
/// int64_t sizes[rank], int64_t strides[rank]}; every field is 8 bytes, a
/// rank-0 descriptor has only the first three.
inline size_t getDescriptorWords(size_t rank) { return 3 + 2 * rank; }

/// Fills `descriptor` (getDescriptorWords(shape.size()) words) so that it
/// describes the contiguous row-major buffer at `data` of `shape`.
void fillContiguousDescriptor(int64_t *descriptor, const void *data,
                              llvm::ArrayRef<int64_t> shape);

/// Frees the buffers that the result descriptors at `offsets` in `storage`
/// were allocated in, once each, except null, constant globals
/// (kGlobalMarker) and the buffers in `notOwned` (inputs a result may alias).
void freeResultBuffers(llvm::ArrayRef<int64_t> storage,
                       llvm::ArrayRef<size_t> offsets,
                       const std::set<uintptr_t> &notOwned);

/// Formats `shape` as Python prints a tuple: "(2, 3)", "(4,)", "()".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace runtime
} // namespace qsim
} // namespace mlir

#endif // QSIM_RUNTIME_JITMODULE_H
