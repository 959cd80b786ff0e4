//===- DotEmitter.h - the dot step of a micro-kernel ------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// One interface for the dot instructions the kernels are written with, one
// implementation per instruction family (VNNIDotEmitter.cpp,
// MAddDotEmitter.cpp, MAddUBSDotEmitter.cpp, FMADotEmitter.cpp), created by
// kind and vector width. The kernel builder only asks an emitter for its
// register tile, the form of its operands and the IR of one step; a new
// family is a new file, its DotKind and a row in DotEmitter.cpp's table.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_DOTEMITTER_H
#define QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_DOTEMITTER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <array>
#include <memory>

namespace mlir {
namespace qsim {
namespace cpu {

/// The dot-instruction families.
enum class DotKind {
  VNNI,    ///< vpdpbusd: u8 x s8 quadruples summed into the i32 lanes
  MAdd,    ///< vpmaddwd (i16 pairs into i32) + vpaddd
  MAddUBS, ///< vpmaddubsw (u8 x s8 pairs into saturating i16), vpmaddwd by
           ///< ones, vpaddd; used only where no pair can saturate
  FMA,     ///< f32 fused multiply-add
};

/// The element form in which a dot step reads the input (prepared once per
/// element) and the packed weights.
enum class DotOperands {
  Float,         ///< f32 input and weights
  UnsignedBytes, ///< u8 input (stored as i8), s8 weights
  SignedWords,   ///< i16 input and weights (sign-extended from i8)
};

/// The register tile of a family at one vector width.
struct TileShape {
  unsigned lanes;      ///< L: accumulator lanes per vector
  unsigned group;      ///< G: products summed per lane by one dot step
  unsigned accRegs;    ///< accumulator registers of a tile
  unsigned maxVectors; ///< most channel vectors in a tile
};

/// Emits the dot step of one instruction family. With `emulate`, the
/// instructions are written as generic vector arithmetic with the same
/// results (for running a target's kernels on a host without it).
class DotEmitter {
public:
  DotEmitter(DotKind kind, TileShape shape, bool emulate)
      : kind(kind), shape(shape), emulate(emulate) {}
  virtual ~DotEmitter();

  DotKind getKind() const { return kind; }
  const TileShape &getShape() const { return shape; }
  bool isEmulated() const { return emulate; }

  /// The instruction's name, for report-kernels.
  virtual StringRef getName() const = 0;

  /// How the input and the packed weights are read.
  virtual DotOperands getOperands() const = 0;
  bool hasUnsignedInput() const {
    return getOperands() == DotOperands::UnsignedBytes;
  }

  /// The LLVM intrinsics the step calls (all pure arithmetic).
  virtual ArrayRef<StringRef> getIntrinsics() const = 0;

  /// acc + one dot step: lane l of the vector<L> result adds
  /// sum_g a[l*G+g] * w[l*G+g] for g < G, where `a` and `w` are vectors of
  /// L*G elements in the form of getOperands().
  virtual Value emitDot(OpBuilder &b, Location loc, Value acc, Value a,
                        Value w) const = 0;

  /// A depthwise tap, acc + in * w per lane: `in` holds the L input
  /// elements (i8 or f32), `w` the packed weights (encodeSingleTapWeight).
  /// By default the product is widened to i32 and multiplied.
  virtual Value emitSingleTap(OpBuilder &b, Location loc, Value acc, Value in,
                              Value w) const;

  /// The i32 a depthwise weight is packed as for emitSingleTap.
  virtual int32_t encodeSingleTapWeight(int64_t w) const {
    return static_cast<int32_t>(w);
  }

  /// Depthwise taps that one byte group of the step holds (2: pairs, 4:
  /// quadruples), or 0 when the family takes single taps only.
  virtual int64_t getTapsPerGroup() const { return 0; }

  /// What emitTapGroups reads for one pixel.
  struct TapGroupOperands {
    /// The vector<4L x i8> of tap t (zeros past the last tap).
    function_ref<Value(int64_t)> input;
    /// The packed weight vectors of each group (packDepthwiseWeights).
    ArrayRef<SmallVector<Value, 4>> weights;
    /// vector<2L x i16> zeros, shared by the tile: the i16 sums of a
    /// missing tap pair.
    Value zeroWords;
  };

  /// The products of one pixel's taps, in groups of getTapsPerGroup(), for
  /// a block of 4L channels of an input in [0, 127]. Channel 16k + 4a + i
  /// of the block is at lane 4k + i of result a (the interleaves work
  /// within 128-bit lanes).
  virtual std::array<Value, 4>
  emitTapGroups(OpBuilder &b, Location loc,
                const TapGroupOperands &operands) const;

protected:
  DotKind kind;
  TileShape shape;
  bool emulate;
};

/// The emitter of family `kind` for vectors of `vectorBits` bits (256 or
/// 512).
std::unique_ptr<DotEmitter> createDotEmitter(DotKind kind, unsigned vectorBits,
                                             bool emulate);

/// Whether `name` is an intrinsic some emitter calls.
bool isDotIntrinsic(StringRef name);

// The families, one file each.
std::unique_ptr<DotEmitter> createVNNIDotEmitter(unsigned vectorBits,
                                                 bool emulate);
std::unique_ptr<DotEmitter> createMAddDotEmitter(unsigned vectorBits,
                                                 bool emulate);
std::unique_ptr<DotEmitter> createMAddUBSDotEmitter(unsigned vectorBits,
                                                    bool emulate);
std::unique_ptr<DotEmitter> createFMADotEmitter(unsigned vectorBits,
                                                bool emulate);

//===----------------------------------------------------------------------===//
// Helpers the families share
//===----------------------------------------------------------------------===//

/// x86's vpunpcklbw / vpunpcklwd (high: vpunpckh*) as a vector.shuffle: in
/// each 128-bit lane, the low (high) halves of a and c interleaved.
Value emitInterleave(OpBuilder &b, Location loc, Value a, Value c, bool high);

/// The generic form of a dot step (emulation): lane l of the result is
/// acc[l] + sum_g a[l*G+g] * w[l*G+g], `a` zero-extended (`unsignedA`) or
/// sign-extended, all in i32 (exact: no product overflows; the accumulation
/// wraps like the instructions).
Value emitGenericDot(OpBuilder &b, Location loc, const TileShape &shape,
                     Value acc, Value a, Value w, bool unsignedA);

} // namespace cpu
} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_DOTEMITTER_H
