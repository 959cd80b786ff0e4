//===- LinalgToCPUKernels.h - linalg to x86 micro-kernels -------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_CONVERSION_LINALGTOCPUKERNELS_LINALGTOCPUKERNELS_H
#define QSIM_CONVERSION_LINALGTOCPUKERNELS_LINALGTOCPUKERNELS_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>

namespace mlir {
class DialectRegistry;
class Location;
class OpBuilder;
class Operation;
class RewritePatternSet;
class Value;

namespace qsim {

#define GEN_PASS_DECL_CONVERTLINALGTOCPUKERNELS
#define GEN_PASS_DECL_PADTOBORDERFILL
#include "qsim/Conversion/Passes.h.inc"

/// --convert-linalg-to-cpu-kernels with the int8 dot instructions written as
/// generic vector arithmetic: the target's kernel structure, runnable on
/// any host. For the test pipeline of test/lib (qsim-test-opt), which checks
/// the AVX-512 kernels bit for bit on hosts without them.
std::unique_ptr<Pass> createConvertLinalgToCPUKernelsEmulatingDots(
    const ConvertLinalgToCPUKernelsOptions &options);

/// The unit attribute the kernels put on their loop over output pixel tiles,
/// whose iterations write disjoint parts of the output; after bufferization
/// a pipeline may turn such a loop into scf.parallel.
inline constexpr llvm::StringLiteral kParallelLoopAttrName = "qsim.parallel";

/// The instruction set a micro-kernel is generated for.
enum class CPUKernelISA {
  AVX2,       ///< vpmaddwd ymm on i16 pairs (or vpmaddubsw), fp32 FMA ymm
  AVX512,     ///< vpmaddwd zmm on i16 pairs (or vpmaddubsw), fp32 FMA zmm
  AVX512VNNI, ///< vpdpbusd zmm (u8 x s8 quadruples), fp32 FMA zmm
};

/// Parses "avx2", "avx512", "avx512-vnni"; "auto" returns the best one the
/// host CPU supports, or std::nullopt when it has no AVX2 (or the name is
/// unknown: `known` tells which).
std::optional<CPUKernelISA> resolveCPUKernelISA(llvm::StringRef name,
                                                bool *known = nullptr);

/// The LLVM target features a micro-kernel for `isa` needs.
llvm::StringRef getCPUKernelFeatures(CPUKernelISA isa);

/// Registers what the kernels need of other dialects: the memory effects of
/// `llvm.call_intrinsic` (none for the x86 dot intrinsics the kernels call),
/// without which buffer deallocation rejects them. The pass does this itself;
/// a pipeline that only uses the patterns calls it.
void registerCPUKernelInterfaces(DialectRegistry &registry);

/// What the kernels are generated for: the options of
/// --convert-linalg-to-cpu-kernels (see its description), for a pipeline or
/// embedder that adds the patterns itself.
struct CPUKernelOptions {
  CPUKernelISA isa = CPUKernelISA::AVX2;
  /// Also rewrite f32 ops (FMA kernels).
  bool fp32 = true;
  /// Write the int8 dot instructions as generic vector arithmetic (same
  /// results, runs on any host: for testing a target's kernels without its
  /// CPU).
  bool emulate = false;
  /// Cache budget for the weights of the channel blocks that share one pass
  /// over a large input (0: one block per pass).
  int64_t cacheBytes = 128 * 1024;
  /// On vpmaddwd targets, use vpmaddubsw where it is exact.
  bool maddubs = true;
  /// A remark per rewritten op: its dot step and why.
  bool reportKernels = false;
};

/// The signed bounds of the input elements of the ops the kernels rewrite.
using CPUKernelInputBounds =
    llvm::DenseMap<Operation *, std::pair<int64_t, int64_t>>;

/// Computes the input bounds of every op under `root` that the kernels may
/// rewrite. They decide the dot instruction (see the pass description) and
/// must be computed before the first rewrite: a producer already rewritten
/// into a kernel is no longer analysable.
CPUKernelInputBounds computeCPUKernelInputBounds(Operation *root);

/// Adds the patterns that rewrite int8 (and, with `options.fp32`, f32)
/// convolutions, matmuls and pooling with constant weights, plus their
/// elementwise consumer, into register-tiled micro-kernels. `bounds` (from
/// computeCPUKernelInputBounds, and alive while the patterns run) are the
/// input bounds; without them an op's are computed when it is matched.
void populateLinalgToCPUKernelsPatterns(
    RewritePatternSet &patterns, const CPUKernelOptions &options,
    const CPUKernelInputBounds *bounds = nullptr);

/// Adds the pattern of --qsim-pad-to-border-fill: a static `tensor.pad`
/// with a constant padding value becomes the source inserted into a
/// `tensor.empty` plus `linalg.fill`s of the border slabs only.
void populatePadToBorderFillPatterns(RewritePatternSet &patterns);

/// The low and high padding of `pad` as integers (static, or constant SSA
/// values as tosa-to-tensor writes them); std::nullopt when one is not a
/// constant.
std::optional<std::pair<SmallVector<int64_t>, SmallVector<int64_t>>>
getConstantPadding(tensor::PadOp pad);

/// Fills with `value` every element of the static tensor `dest` outside the
/// box [low, low + interior) (the border of a pad whose interior is written
/// separately): one extract_slice/linalg.fill/insert_slice per padded side,
/// which bufferize in place. Returns the filled tensor.
Value fillPadBorder(OpBuilder &b, Location loc, Value dest,
                    ArrayRef<int64_t> low, ArrayRef<int64_t> interior,
                    Value value);

} // namespace qsim
} // namespace mlir

#endif // QSIM_CONVERSION_LINALGTOCPUKERNELS_LINALGTOCPUKERNELS_H
