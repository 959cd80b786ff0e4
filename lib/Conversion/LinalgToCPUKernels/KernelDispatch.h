//===- KernelDispatch.h - choosing a kernel for an op -----------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Every decision about a kernel in one place, made before any IR is written
// (IREE's KernelDispatch): the dot instruction and how it reads the input
// (from the input's proven bounds and the weights), the layout of the packed
// weights, the register tile, cache blocking and which loops may run on
// several threads. KernelBuilder then only emits what this chose.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_KERNELDISPATCH_H
#define QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_KERNELDISPATCH_H

#include "DotEmitter.h"
#include "KernelProblem.h"

#include "qsim/Conversion/LinalgToCPUKernels/LinalgToCPUKernels.h"

#include <memory>
#include <string>

namespace mlir {
namespace qsim {
class ElementRanges;

namespace cpu {

/// A kernel chosen for one problem.
struct KernelConfig {
  /// The dot step (pooling has none: then the target's int8 or f32 emitter,
  /// which gives the lanes).
  std::unique_ptr<DotEmitter> dot;
  /// vpmaddwd for the channels after the last full block of depthwise tap
  /// groups (a partial block's byte vectors would read past the end of the
  /// input, and a masked byte load is one load per lane on AVX2); null
  /// otherwise.
  std::unique_ptr<DotEmitter> remainderDot;
  /// The dot's tile; L counts i8 lanes for an int8 max pool (4x as many).
  TileShape shape;
  /// Unsigned-input dots read x + xBias: 128 (x ^ 0x80, for any i8 input),
  /// 0 (the input itself, proven to be in [0, 127]) or -lo for an input
  /// proven to be in [lo, hi] (vpmaddubsw on [0, hi - lo]).
  int64_t xBias = 0;
  /// Why this dot (the input bounds), for report-kernels.
  std::string why;
  /// Whether the depthwise taps go in groups on the dot (paired, fours).
  bool tapGroups = false;
  /// Whether the depthwise taps are straight-line code rather than loops.
  bool unrollTaps = false;

  // Layout of the packed weights.
  int64_t Cp = 0; ///< input channels padded to a multiple of G
  int64_t CG = 0; ///< channel groups, Cp / G
  int64_t FB = 0; ///< output channel blocks of L

  // Loops.
  int64_t nvMax = 0;       ///< channel vectors per tile
  int64_t mr = 0;          ///< output pixels per tile
  /// Output pixels per tile of the channels after the full blocks (tap
  /// groups: single taps, with the registers of fewer vectors).
  int64_t remainderMr = 0;
  int64_t fMainBlocks = 0; ///< full blocks of nvMax * L channels
  int64_t group = 1;       ///< channel blocks that share one pass (cache)
  int64_t passMACs = 0;    ///< multiply-accumulates per channel of a pass
  /// Whether the loop over the channel groups (each a pass over the pixel
  /// tiles) runs on the threads; its passes are then sequential.
  bool parallelChannels = false;

  /// Whether a pass over the pixel tiles for `channels` channels has
  /// enough work for several threads.
  bool isParallel(int64_t channels) const;
};

/// The signed bounds of a candidate's input elements.
using InputBoundsFn = function_ref<std::pair<int64_t, int64_t>()>;

/// Chooses the kernel of `p` for `options`; `inputBounds` is asked only
/// when the bounds decide.
KernelConfig selectKernel(const Problem &p, const CPUKernelOptions &options,
                          InputBoundsFn inputBounds);

/// The remark of report-kernels: the dot step, lanes, why, fusion.
std::string describeKernel(const Problem &p, const KernelConfig &config);

/// The signed bounds of `input`'s elements by the element-range analysis.
std::pair<int64_t, int64_t> getInputBounds(ElementRanges &ranges, Value input);

} // namespace cpu
} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_KERNELDISPATCH_H
