//===- WeightPacking.h - the constants a kernel reads -----------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_WEIGHTPACKING_H
#define QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_WEIGHTPACKING_H

#include "KernelDispatch.h"

namespace mlir {
namespace qsim {
namespace cpu {

/// The weights packed at compile time, as 1-D constants.
struct PackedWeights {
  /// In the order the tiles read them (see packWeights and
  /// packDepthwiseWeights); null for pooling, and for tap groups whose
  /// channels all fall in full blocks.
  Value packed;
  /// Depthwise tap groups: the weight bytes of each group of taps.
  Value packedPairs;
  /// The accumulator start per channel, [FB * L]: bias, corrections, or the
  /// init value of a pool.
  Value start;
};

/// Convolutions and matmuls: the weights as [FB][KH][KW][CG][L][G] in the
/// dot's operand form (i8, i16 or f32; 0 in the padding channels), the start
/// values with the zero-point and input-bias corrections.
PackedWeights packWeights(OpBuilder &b, Location loc, const Problem &p,
                          const KernelConfig &config);

/// Depthwise convolutions and pooling: the weights of single taps as
/// [KH][KW][FB * L] (in the form of the single-tap dot), those of tap groups
/// as [group][block][v][4L] bytes, and the start values.
PackedWeights packDepthwiseWeights(OpBuilder &b, Location loc, const Problem &p,
                                   const KernelConfig &config);

} // namespace cpu
} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_WEIGHTPACKING_H
