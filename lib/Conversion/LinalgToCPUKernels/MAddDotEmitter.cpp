//===- MAddDotEmitter.cpp - vpmaddwd (AVX2, AVX-512BW) --------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// vpmaddwd multiplies i16 pairs and sums each pair into its i32 lane (G =
// 2), then vpaddd accumulates. The int8 input is sign-extended to i16 once
// per element, so the step is exact for any operands. A depthwise tap is one
// vpmaddwd of each lane's (x, sign(x)) and (w, 0) pairs: exact, and cheaper
// than vpmulld.
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

constexpr StringLiteral kPMADDWD512 = "llvm.x86.avx512.pmaddw.d.512";
constexpr StringLiteral kPMADDWD256 = "llvm.x86.avx2.pmadd.wd";

class MAddDotEmitter : public DotEmitter {
public:
  MAddDotEmitter(TileShape shape, StringRef intrinsic, bool emulate)
      : DotEmitter(DotKind::MAdd, shape, emulate), intrinsic(intrinsic) {}

  StringRef getName() const override { return "vpmaddwd"; }
  DotOperands getOperands() const override { return DotOperands::SignedWords; }
  ArrayRef<StringRef> getIntrinsics() const override { return intrinsic; }

  Value emitDot(OpBuilder &b, Location loc, Value acc, Value a,
                Value w) const override {
    if (emulate)
      return emitGenericDot(b, loc, shape, acc, a, w, /*unsignedA=*/false);
    Value prod = LLVM::CallIntrinsicOp::create(
                     b, loc, VectorType::get({shape.lanes}, b.getI32Type()),
                     b.getStringAttr(intrinsic), ValueRange{a, w})
                     .getResult(0);
    return arith::AddIOp::create(b, loc, acc, prod);
  }

  /// x * w as vpmaddwd of the (x, sign(x)) and (w, 0) i16 pairs of each
  /// lane.
  Value emitSingleTap(OpBuilder &b, Location loc, Value acc, Value in,
                      Value w) const override {
    auto pairs = VectorType::get({2 * shape.lanes}, b.getI16Type());
    Value wide = arith::ExtSIOp::create(
        b, loc, VectorType::get({shape.lanes}, b.getI32Type()), in);
    return emitDot(b, loc, acc, vector::BitCastOp::create(b, loc, pairs, wide),
                   vector::BitCastOp::create(b, loc, pairs, w));
  }

  /// w in the low i16 of the lane, 0 in the high one.
  int32_t encodeSingleTapWeight(int64_t w) const override {
    return static_cast<int32_t>(w & 0xFFFF);
  }

private:
  StringRef intrinsic;
};

} // namespace

std::unique_ptr<DotEmitter> cpu::createMAddDotEmitter(unsigned vectorBits,
                                                      bool emulate) {
  if (vectorBits == 512)
    return std::make_unique<MAddDotEmitter>(TileShape{16, 2, 24, 4},
                                            kPMADDWD512, emulate);
  if (vectorBits == 256)
    return std::make_unique<MAddDotEmitter>(TileShape{8, 2, 12, 2}, kPMADDWD256,
                                            emulate);
  return nullptr;
}
