//===- FMADotEmitter.cpp - f32 fused multiply-add -------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The f32 kernels: one vector.fma per input value and channel vector (G =
// 1), which LLVM makes vfmadd231ps. No intrinsic and nothing to emulate.
//
//===----------------------------------------------------------------------===//

#include "DotEmitter.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

namespace {

class FMADotEmitter : public DotEmitter {
public:
  FMADotEmitter(TileShape shape, bool emulate)
      : DotEmitter(DotKind::FMA, shape, emulate) {}

  StringRef getName() const override { return "fma"; }
  DotOperands getOperands() const override { return DotOperands::Float; }
  ArrayRef<StringRef> getIntrinsics() const override { return {}; }

  Value emitDot(OpBuilder &b, Location loc, Value acc, Value a,
                Value w) const override {
    return vector::FMAOp::create(b, loc, a, w, acc);
  }

  Value emitSingleTap(OpBuilder &b, Location loc, Value acc, Value in,
                      Value w) const override {
    return vector::FMAOp::create(b, loc, in, w, acc);
  }
};

} // namespace

std::unique_ptr<DotEmitter> cpu::createFMADotEmitter(unsigned vectorBits,
                                                     bool emulate) {
  // 16 registers in ymm (12 accumulators), 32 in zmm (24).
  if (vectorBits == 512)
    return std::make_unique<FMADotEmitter>(TileShape{16, 1, 24, 4}, emulate);
  if (vectorBits == 256)
    return std::make_unique<FMADotEmitter>(TileShape{8, 1, 12, 3}, emulate);
  return nullptr;
}
