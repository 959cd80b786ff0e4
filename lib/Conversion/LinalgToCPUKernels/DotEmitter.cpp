//===- DotEmitter.cpp - the dot step of a micro-kernel --------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "DotEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

DotEmitter::~DotEmitter() = default;

Value DotEmitter::emitSingleTap(OpBuilder &b, Location loc, Value acc, Value in,
                                Value w) const {
  auto accType = VectorType::get({shape.lanes}, b.getI32Type());
  Value wide = arith::ExtSIOp::create(b, loc, accType, in);
  return arith::AddIOp::create(b, loc, acc,
                               arith::MulIOp::create(b, loc, wide, w));
}

std::array<Value, 4> DotEmitter::emitTapGroups(OpBuilder &, Location,
                                               const TapGroupOperands &) const {
  llvm_unreachable("the family has no depthwise tap groups");
}

/// The families: a new one is a row here.
static const struct {
  DotKind kind;
  std::unique_ptr<DotEmitter> (*create)(unsigned vectorBits, bool emulate);
} kFamilies[] = {
    {DotKind::VNNI, createVNNIDotEmitter},
    {DotKind::MAdd, createMAddDotEmitter},
    {DotKind::MAddUBS, createMAddUBSDotEmitter},
    {DotKind::FMA, createFMADotEmitter},
};

std::unique_ptr<DotEmitter>
cpu::createDotEmitter(DotKind kind, unsigned vectorBits, bool emulate) {
  for (const auto &family : kFamilies)
    if (family.kind == kind)
      return family.create(vectorBits, emulate);
  llvm_unreachable("unknown dot kind");
}

bool cpu::isDotIntrinsic(StringRef name) {
  static const llvm::StringSet<> names = [] {
    llvm::StringSet<> all;
    for (const auto &family : kFamilies)
      for (unsigned bits : {256u, 512u})
        if (std::unique_ptr<DotEmitter> e =
                family.create(bits, /*emulate=*/false))
          for (StringRef intrinsic : e->getIntrinsics())
            all.insert(intrinsic);
    return all;
  }();
  return names.contains(name);
}

Value cpu::emitInterleave(OpBuilder &b, Location loc, Value a, Value c,
                          bool high) {
  auto type = cast<VectorType>(a.getType());
  int64_t n = type.getNumElements();
  int64_t perLane = 128 / type.getElementTypeBitWidth();
  SmallVector<int64_t> mask;
  for (int64_t lane = 0; lane < n / perLane; ++lane)
    for (int64_t i = 0; i < perLane / 2; ++i) {
      int64_t e = lane * perLane + (high ? perLane / 2 : 0) + i;
      mask.append({e, n + e});
    }
  return vector::ShuffleOp::create(b, loc, a, c, mask);
}

Value cpu::emitGenericDot(OpBuilder &b, Location loc, const TileShape &shape,
                          Value acc, Value a, Value w, bool unsignedA) {
  const int64_t L = shape.lanes, G = shape.group;
  auto wide = VectorType::get({L * G}, b.getI32Type());
  Value aw = unsignedA ? Value(arith::ExtUIOp::create(b, loc, wide, a))
                       : Value(arith::ExtSIOp::create(b, loc, wide, a));
  Value ww = arith::ExtSIOp::create(b, loc, wide, w);
  Value prod = arith::MulIOp::create(b, loc, aw, ww);
  auto part = [&](int64_t g) -> Value {
    SmallVector<int64_t> mask;
    for (int64_t l = 0; l < L; ++l)
      mask.push_back(l * G + g);
    return vector::ShuffleOp::create(b, loc, prod, prod, mask);
  };
  Value sum = acc;
  // Lane l sums elements l*G .. l*G+G-1: one shuffle per g.
  for (int64_t g = 0; g < G; ++g)
    sum = arith::AddIOp::create(b, loc, sum, part(g));
  return sum;
}
