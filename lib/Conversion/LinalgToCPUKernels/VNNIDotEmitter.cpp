//===- VNNIDotEmitter.cpp - vpdpbusd (AVX-512 VNNI) -----------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// vpdpbusd multiplies u8 by s8 bytes and sums each quadruple into its i32
// lane: G = 4 products per lane and instruction, the accumulation included.
// The input is read as unsigned bytes (flipped by x ^ 0x80, or as it is when
// proven to lie in [0, 127]); a depthwise convolution on such an input puts
// four taps in each quadruple.
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

constexpr StringLiteral kVPDPBUSD512 = "llvm.x86.avx512.vpdpbusd.512";

class VNNIDotEmitter : public DotEmitter {
public:
  VNNIDotEmitter(TileShape shape, StringRef intrinsic, bool emulate)
      : DotEmitter(DotKind::VNNI, shape, emulate), intrinsic(intrinsic) {}

  StringRef getName() const override { return "vpdpbusd"; }
  DotOperands getOperands() const override {
    return DotOperands::UnsignedBytes;
  }
  ArrayRef<StringRef> getIntrinsics() const override { return intrinsic; }

  Value emitDot(OpBuilder &b, Location loc, Value acc, Value a,
                Value w) const override {
    if (emulate)
      return emitGenericDot(b, loc, shape, acc, a, w, /*unsignedA=*/true);
    return LLVM::CallIntrinsicOp::create(
               b, loc, VectorType::get({shape.lanes}, b.getI32Type()),
               b.getStringAttr(intrinsic), ValueRange{acc, a, w})
        .getResult(0);
  }

  int64_t getTapsPerGroup() const override { return 4; }

  /// Four taps: their bytes interleaved in pairs, the pairs' words
  /// interleaved into quadruples (one per channel and i32 lane), one
  /// vpdpbusd with the packed weight quadruples per accumulator. Per 64
  /// channels and 4 taps: 4 loads, 8 interleaves, 4 vpdpbusd.
  std::array<Value, 4>
  emitTapGroups(OpBuilder &b, Location loc,
                const TapGroupOperands &operands) const override {
    const int64_t L = shape.lanes;
    ArrayRef<SmallVector<Value, 4>> w = operands.weights;
    auto input = operands.input;
    auto bytes = VectorType::get({4 * L}, b.getI8Type());
    auto words = VectorType::get({2 * L}, b.getI16Type());
    Value zero = arith::ConstantOp::create(
        b, loc,
        SplatElementsAttr::get(VectorType::get({L}, b.getI32Type()),
                               b.getI32IntegerAttr(0)));
    std::array<Value, 4> acc = {zero, zero, zero, zero};
    auto asWords = [&](Value v) -> Value {
      return vector::BitCastOp::create(b, loc, words, v);
    };
    for (int64_t q = 0, groups = w.size(); q < groups; ++q) {
      Value x0 = input(4 * q), x1 = input(4 * q + 1);
      Value x2 = input(4 * q + 2), x3 = input(4 * q + 3);
      std::array<Value, 2> p01 = {
          asWords(emitInterleave(b, loc, x0, x1, false)),
          asWords(emitInterleave(b, loc, x0, x1, true))};
      std::array<Value, 2> p23 = {
          asWords(emitInterleave(b, loc, x2, x3, false)),
          asWords(emitInterleave(b, loc, x2, x3, true))};
      for (int64_t a = 0; a < 4; ++a) {
        Value quad = vector::BitCastOp::create(
            b, loc, bytes,
            emitInterleave(b, loc, p01[a / 2], p23[a / 2], a % 2 == 1));
        acc[a] = emitDot(b, loc, acc[a], quad, w[q][a]);
      }
    }
    return acc;
  }

private:
  StringRef intrinsic;
};

} // namespace

std::unique_ptr<DotEmitter> cpu::createVNNIDotEmitter(unsigned vectorBits,
                                                      bool emulate) {
  // AVX-512 VNNI only: the ymm form (AVX-VNNI) would be another entry here.
  if (vectorBits != 512)
    return nullptr;
  return std::make_unique<VNNIDotEmitter>(TileShape{16, 4, 24, 4}, kVPDPBUSD512,
                                          emulate);
}
