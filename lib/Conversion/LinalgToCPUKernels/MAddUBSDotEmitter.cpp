//===- MAddUBSDotEmitter.cpp - vpmaddubsw (AVX2, AVX-512BW) ---------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// vpmaddubsw multiplies u8 by s8 bytes and sums each adjacent pair into a
// *saturating* i16; vpmaddwd by ones then sums the i16 pairs into the i32
// lanes (G = 4), and vpaddd accumulates: 3 vector uops per 32 products
// against vpmaddwd + vpaddd's 4. The kernel dispatch picks it only where no
// pair sum can saturate (KernelDispatch.cpp). A depthwise convolution on an
// input in [0, 127] pairs its taps on it.
//
//===----------------------------------------------------------------------===//

#include "DotEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

namespace {

constexpr StringLiteral kPMADDUBSW512 = "llvm.x86.avx512.pmaddubs.w.512";
constexpr StringLiteral kPMADDUBSW256 = "llvm.x86.avx2.pmadd.ub.sw";
constexpr StringLiteral kPMADDWD512 = "llvm.x86.avx512.pmaddw.d.512";
constexpr StringLiteral kPMADDWD256 = "llvm.x86.avx2.pmadd.wd";

class MAddUBSDotEmitter : public DotEmitter {
public:
  MAddUBSDotEmitter(TileShape shape, StringRef maddubsIntrinsic,
                    StringRef maddIntrinsic, bool emulate)
      : DotEmitter(DotKind::MAddUBS, shape, emulate), intrinsics{
                                                          maddubsIntrinsic,
                                                          maddIntrinsic} {}

  StringRef getName() const override { return "vpmaddubsw"; }
  DotOperands getOperands() const override {
    return DotOperands::UnsignedBytes;
  }
  ArrayRef<StringRef> getIntrinsics() const override { return intrinsics; }

  /// vpmaddubsw: u8 x s8 pairs summed into i16 (exact here: the kernel is
  /// chosen only where no pair sum leaves i16); vpmaddwd by ones sums the
  /// i16 pairs into the i32 lanes.
  Value emitDot(OpBuilder &b, Location loc, Value acc, Value a,
                Value w) const override {
    return arith::AddIOp::create(b, loc, acc,
                                 sumPairs(b, loc, maddubs(b, loc, a, w)));
  }

  int64_t getTapsPerGroup() const override { return 2; }

  /// The bytes of taps t and t + 1 are interleaved (vpunpcklbw /
  /// vpunpckhbw) and multiplied by the packed weight pairs (vpmaddubsw, one
  /// i16 per channel; |x0 w0 + x1 w1| <= 2 * 127 * 128 < 2^15 for any int8
  /// weights), the i16 sums of two tap pairs interleaved (vpunpcklwd /
  /// vpunpckhwd) and summed into i32 (vpmaddwd by ones): per 32 channels
  /// and 4 taps, 4 loads, 8 interleaves and 12 arithmetic instructions,
  /// against 16 sign extensions and 32 arithmetic for vpmaddwd on single
  /// taps (measured on Zen 3, a 3x3 layer 1.6x faster).
  std::array<Value, 4>
  emitTapGroups(OpBuilder &b, Location loc,
                const TapGroupOperands &operands) const override {
    ArrayRef<SmallVector<Value, 4>> w = operands.weights;
    auto input = operands.input;
    const int64_t groups = w.size();
    // The i16 sums of tap pair pr: {lo, hi}.
    auto pairSums = [&](int64_t pr) -> std::array<Value, 2> {
      Value a = input(2 * pr), c = input(2 * pr + 1);
      return {maddubs(b, loc, emitInterleave(b, loc, a, c, false), w[pr][0]),
              maddubs(b, loc, emitInterleave(b, loc, a, c, true), w[pr][1])};
    };
    std::array<Value, 4> acc;
    for (int64_t q = 0; q < groups; q += 2) {
      std::array<Value, 2> s0 = pairSums(q);
      std::array<Value, 2> s1 =
          q + 1 < groups
              ? pairSums(q + 1)
              : std::array<Value, 2>{operands.zeroWords, operands.zeroWords};
      for (int64_t a = 0; a < 4; ++a) {
        Value sum = sumPairs(
            b, loc, emitInterleave(b, loc, s0[a / 2], s1[a / 2], a % 2 == 1));
        acc[a] = q == 0 ? sum : arith::AddIOp::create(b, loc, acc[a], sum);
      }
    }
    return acc;
  }

private:
  /// vpmaddubsw: u8 a times s8 w, adjacent products summed into i16 (with
  /// saturation; the kernels use it only where no sum can saturate).
  Value maddubs(OpBuilder &b, Location loc, Value a, Value w) const {
    int64_t n = cast<VectorType>(a.getType()).getNumElements();
    auto i16s = VectorType::get({n / 2}, b.getI16Type());
    if (!emulate)
      return LLVM::CallIntrinsicOp::create(
                 b, loc, i16s, b.getStringAttr(intrinsics[0]), ValueRange{a, w})
          .getResult(0);
    auto wide = VectorType::get({n}, b.getI32Type());
    Value sum = sumAdjacent(
        b, loc,
        arith::MulIOp::create(b, loc, arith::ExtUIOp::create(b, loc, wide, a),
                              arith::ExtSIOp::create(b, loc, wide, w)));
    auto half = VectorType::get({n / 2}, b.getI32Type());
    auto splat = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(
          b, loc, SplatElementsAttr::get(half, b.getI32IntegerAttr(v)));
    };
    sum = arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, sum, splat(-32768)),
        splat(32767));
    return arith::TruncIOp::create(b, loc, i16s, sum);
  }

  /// vpmaddwd by ones: adjacent i16 lanes summed into i32.
  Value sumPairs(OpBuilder &b, Location loc, Value v) const {
    int64_t n = cast<VectorType>(v.getType()).getNumElements();
    auto i32s = VectorType::get({n / 2}, b.getI32Type());
    if (!emulate) {
      Value ones = arith::ConstantOp::create(
          b, loc,
          SplatElementsAttr::get(cast<VectorType>(v.getType()),
                                 b.getI16IntegerAttr(1)));
      return LLVM::CallIntrinsicOp::create(b, loc, i32s,
                                           b.getStringAttr(intrinsics[1]),
                                           ValueRange{v, ones})
          .getResult(0);
    }
    return sumAdjacent(b, loc,
                       arith::ExtSIOp::create(
                           b, loc, VectorType::get({n}, b.getI32Type()), v));
  }

  /// Lanes 2i and 2i + 1 of an i32 vector summed into lane i (the generic
  /// form of both pair sums, for emulation).
  static Value sumAdjacent(OpBuilder &b, Location loc, Value v) {
    int64_t n = cast<VectorType>(v.getType()).getNumElements();
    SmallVector<int64_t> even, odd;
    for (int64_t i = 0; i < n / 2; ++i) {
      even.push_back(2 * i);
      odd.push_back(2 * i + 1);
    }
    return arith::AddIOp::create(b, loc,
                                 vector::ShuffleOp::create(b, loc, v, v, even),
                                 vector::ShuffleOp::create(b, loc, v, v, odd));
  }

  /// vpmaddubsw, then the vpmaddwd that sums its pairs.
  std::array<StringRef, 2> intrinsics;
};

} // namespace

std::unique_ptr<DotEmitter> cpu::createMAddUBSDotEmitter(unsigned vectorBits,
                                                         bool emulate) {
  // Two accumulators fewer than vpmaddwd's tile: the step needs a register
  // for the i16 pair sums and one for the ones (with 12 accumulators in
  // ymm, LLVM spilled one and rematerialized the ones every iteration).
  if (vectorBits == 512)
    return std::make_unique<MAddUBSDotEmitter>(
        TileShape{16, 4, 20, 4}, kPMADDUBSW512, kPMADDWD512, emulate);
  if (vectorBits == 256)
    return std::make_unique<MAddUBSDotEmitter>(
        TileShape{8, 4, 10, 2}, kPMADDUBSW256, kPMADDWD256, emulate);
  return nullptr;
}
