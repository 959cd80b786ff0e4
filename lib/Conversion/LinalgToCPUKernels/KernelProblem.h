//===- KernelProblem.h - ops in the form of a kernel ------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The problem every matched op is brought to: an input X addressed as
// (n, h, w, c) (a matmul is a 1x1 convolution over "pixels" m), constant
// weights w(f, kh, kw, c), M = N * OH * OW output pixels and F output
// channels, an output written as a 2-D [M][F] tensor and reshaped to the
// op's (or its epilogue's) result type; with the elementwise consumer the
// kernel fuses and the pad it may write into.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_KERNELPROBLEM_H
#define QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_KERNELPROBLEM_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <optional>

namespace mlir {
namespace qsim {
namespace cpu {
/// Where an epilogue operand comes from, per output element (m, f).
enum class OperandKind { Accumulator, Full, Channel, Scalar };

/// One matched convolution or matmul, brought to the common form.
struct Problem {
  Operation *op = nullptr;
  Value input; // rank 2 (m, c), 3 (1, m, c) or 4 (n, h, w, c)
  int64_t N = 1, OH = 1, OW = 1, KH = 1, KW = 1;
  int64_t SH = 1, SW = 1, DH = 1, DW = 1;
  int64_t C = 0, F = 0;
  bool isFloat = false;
  // Depthwise (channel multiplier 1): C is 1, F the channels, and the output
  // may carry a trailing unit dimension ([N][OH][OW][F][1], hwcm form).
  bool depthwise = false;
  // Grouped (linalg.conv_2d_nhwgc_gfhwc): `groups` groups of C input and
  // F / groups output channels; the input is [N][H][W][groups][C] and the
  // result [N][OH][OW][groups][F / groups], read through `groupCollapse`
  // (its [N][OH][OW][F] view) by the epilogue.
  int64_t groups = 1;
  tensor::CollapseShapeOp groupCollapse;
  // Pooling (depthwise form without weights): max or sum over the window.
  enum class Pool { None, Max, Sum } pool = Pool::None;
  // Weights in logical order w(f, kh, kw, c), as int64 or float.
  SmallVector<int64_t> wInt;
  SmallVector<float> wFloat;
  int64_t inputZeroPoint = 0;
  // Accumulator start: a constant per channel, or the op's init tensor.
  std::optional<SmallVector<int64_t>> initInt;
  std::optional<SmallVector<float>> initFloat;
  Value initTensor; // when not constant
  // The fused elementwise consumer, if any.
  linalg::GenericOp epilogue;
  // The only user of the (NHWC) result, a constant-value pad of H and W:
  // the kernel writes into the interior of the padded tensor instead.
  struct PadTarget {
    tensor::PadOp op;
    SmallVector<int64_t> low; // [0, top, left, 0]
    TypedAttr value;
  };
  std::optional<PadTarget> padInto;
  unsigned accArg = 0;
  SmallVector<OperandKind> argKinds;
  // The epilogue's last steps when they are `trunci` to i8 of a clamp of an
  // i32 to [lo, hi] within [-128, 127] (the requantize's output range): the
  // tile narrows all vectors of a pixel at once with saturating packs.
  struct NarrowingClamp {
    Value input;                     // the clamp's i32 operand (in the body)
    SmallVector<Operation *, 3> ops; // maxsi, minsi, trunci
    int64_t lo, hi;
  };
  std::optional<NarrowingClamp> narrowing;
  // After the narrowing clamp, a 256-entry lookup (qsim.lut's lowering:
  // `tensor.extract %table[index_cast(extsi(t) + 128)]` of the truncated
  // byte t, the yielded value), which the tile applies to the narrowed bytes.
  struct Lookup {
    DenseIntElementsAttr table;      // tensor<256xi8>
    SmallVector<Operation *, 4> ops; // extsi, addi, index_cast, extract
  };
  std::optional<Lookup> lookup;

  int64_t M() const { return N * OH * OW; }
  /// The accumulator element type: f32, i32, or i8 for an int8 max pool
  /// (exact on i8 lanes, four times as many per vector).
  Type getAccumulatorType(Builder &b) const {
    if (isFloat)
      return b.getF32Type();
    if (pool == Pool::Max)
      return b.getI8Type();
    return b.getI32Type();
  }
  int64_t weightIndex(int64_t f, int64_t kh, int64_t kw, int64_t c) const {
    return ((f * KH + kh) * KW + kw) * C + c;
  }
};

/// The ops the kernels rewrite.
bool isKernelCandidate(Operation *op);

/// Brings a supported op (with `fp32`, also f32 ones) to the common form,
/// with its epilogue, or fails.
FailureOr<Problem> matchProblem(linalg::LinalgOp op, bool fp32);

/// The pad a kernel writes into: the only user of its NHWC result, with a
/// constant padding value of the result's element type and static padding
/// of H and W only.
std::optional<Problem::PadTarget> matchPadConsumer(Value result,
                                                   const Problem &p);

} // namespace cpu
} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_KERNELPROBLEM_H
