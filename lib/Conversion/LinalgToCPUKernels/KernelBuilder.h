//===- KernelBuilder.h - emitting a chosen kernel ---------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_KERNELBUILDER_H
#define QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_KERNELBUILDER_H

#include "Epilogue.h"
#include "KernelDispatch.h"
#include "WeightPacking.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

#include <array>

namespace mlir {
namespace qsim {
namespace cpu {

/// Emits the kernel `config` describes for `p`, on tensors: the packed
/// constants, the prepared input, the loops over channel blocks and pixel
/// tiles (KernelBuilder.cpp) and the register tiles, whose steps are the dot
/// emitter's (convolutions and matmuls) or single taps, tap groups and
/// pooling (DepthwiseTile.cpp).
class KernelBuilder {
public:
  KernelBuilder(RewriterBase &rewriter, Location loc, const Problem &p,
                const KernelConfig &config)
      : b(rewriter), loc(loc), p(p), config(config), dot(config.dot.get()) {}

  /// Emits the kernel and returns the value replacing the op (or its
  /// epilogue, or the pad it writes into).
  Value build();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  VectorType vecType(Type elt, int64_t n) { return VectorType::get({n}, elt); }
  VectorType accType() {
    return vecType(p.getAccumulatorType(b), config.shape.lanes);
  }
  /// Whether the current dot takes the depthwise taps in groups (false for
  /// the channels after the last full block).
  bool useTapGroups() const {
    return config.tapGroups && dot->getTapsPerGroup() > 0;
  }

  // Loops and convolution/matmul tiles (KernelBuilder.cpp).
  void prepareOperands();
  Value pixelPass(Value out, Value f0, int64_t blocks, int64_t nv,
                  int64_t fValid, bool mayParallelize, int64_t mr);
  void prepareInput();
  Value readWeights(Value fVector, Value kh, Value kw, Value cg);
  std::pair<Value, Value> tapPosition(ArrayRef<Value> pixel, Value kh,
                                      Value kw);
  Value broadcastInput(ArrayRef<Value> pixel, Value kh, Value kw, Value cg,
                       Value channelBase = nullptr);
  Value groupedInput(ArrayRef<Value> pixel, Value kh, Value kw, Value cg,
                     Value f, int64_t validLanes);
  std::array<Value, 3> splitPixel(Value m);
  SmallVector<Value> pixelCoordinates(ArrayRef<Value> nhw);
  SmallVector<Value> outputPixel(Value m, ArrayRef<Value> nhw);
  Value tile(Value out, Value m0, int64_t mr, Value f0, int64_t nv,
             int64_t fValid);

  // Depthwise convolutions and pooling (DepthwiseTile.cpp).
  SmallVector<Value> depthwiseStep(ArrayRef<SmallVector<Value>> pixels,
                                   ArrayRef<Value> fs, int64_t nv,
                                   int64_t fValid, Value kh, Value kw,
                                   ValueRange accs);
  SmallVector<Value> tapGroups(ArrayRef<SmallVector<Value>> pixels, Value f0);

  RewriterBase &b;
  Location loc;
  const Problem &p;
  const KernelConfig &config;
  /// config.dot, then its remainder dot for the channels after the last
  /// full block of tap groups.
  const DotEmitter *dot;

  PackedWeights weights;
  Value x;      // the input, channels padded to Cp
  Value xRows;  // x as [N][Hp][Wp * Cp] in rows mode
  Value xFlat;  // x as one flat vector (depthwise)
  Value init2d; // the op's init as [M][F] (non-constant)
  std::optional<EpilogueEmitter> epilogue;
};

} // namespace cpu
} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_KERNELBUILDER_H
