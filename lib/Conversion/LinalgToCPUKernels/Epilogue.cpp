//===- Epilogue.cpp - a fused epilogue on accumulator vectors -------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The elementwise consumer a kernel fuses runs on its accumulators in
// registers: the body's scalar arith/math ops cloned onto vectors, so the
// results are the same bits, with two x86-minded rewrites: the 32 x 32 -> 64
// multiply as even/odd-lane vpmuldq, and a final clamp-and-truncate to i8
// applied once to all of a pixel's vectors.
//
//===----------------------------------------------------------------------===//

#include "Epilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

/// arith.mulsi_extended of two vector<L x i32> as 32 x 32 -> 64-bit
/// multiplies of the even and of the odd lanes (the operands viewed as
/// vector<L/2 x i64>, each lane sign-extended in place), whose halves are
/// interleaved back: x86's vpmuldq form. LLVM's generic lowering of the
/// widened multiply permutes lanes across the 128-bit halves instead (two
/// vpermpd per vector on AVX2, in every requantize epilogue).
std::pair<Value, Value> EpilogueEmitter::mulExtendedEvenOdd(Value a, Value c) {
  VectorType v64 = vecType(b.getI64Type(), L / 2);
  VectorType v32 = vecType(b.getI32Type(), L);
  Value c32 = splat(b.getI64Type(), L / 2, 32);
  auto wide = [&](Value v) {
    return vector::BitCastOp::create(b, loc, v64, v).getResult();
  };
  auto even = [&](Value v) -> Value {
    return arith::ShRSIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, wide(v), c32), c32);
  };
  // The odd lanes moved to the even positions, then as above. (Written as
  // an arithmetic shift of the 64-bit lanes, LLVM turned it into a shuffle
  // that lost the sign-extension and multiplied in full 64 bits: three
  // vpmuludq and five shifts and adds per vector.)
  SmallVector<int64_t> oddMask;
  for (int64_t i = 0; i < L / 2; ++i)
    oddMask.append({2 * i + 1, 2 * i + 1});
  auto odd = [&](Value v) -> Value {
    return even(vector::ShuffleOp::create(b, loc, v, v, oddMask));
  };
  Value pe = vector::BitCastOp::create(
      b, loc, v32, arith::MulIOp::create(b, loc, even(a), even(c)));
  Value po = vector::BitCastOp::create(
      b, loc, v32, arith::MulIOp::create(b, loc, odd(a), odd(c)));
  SmallVector<int64_t> lowMask, highMask;
  for (int64_t i = 0; i < L / 2; ++i) {
    lowMask.append({2 * i, L + 2 * i});
    highMask.append({2 * i + 1, L + 2 * i + 1});
  }
  Value low = vector::ShuffleOp::create(b, loc, pe, po, lowMask);
  Value high = vector::ShuffleOp::create(b, loc, pe, po, highMask);
  return {low, high};
}

/// The vectors' lanes one after another, as one vector (one shuffle per
/// vector after the first).
static Value concatVectors(OpBuilder &b, Location loc, ArrayRef<Value> vectors) {
  Value all = vectors.front();
  for (Value v : vectors.drop_front()) {
    int64_t n = cast<VectorType>(all.getType()).getNumElements();
    int64_t k = cast<VectorType>(v.getType()).getNumElements();
    all = vector::ShuffleOp::create(
        b, loc, all, v, llvm::to_vector(llvm::seq<int64_t>(0, n + k)));
  }
  return all;
}

/// Problem::lookup on a vector of n bytes. x86's vpshufb looks up 16-entry
/// tables and gives 0 where an index byte has its top bit set, so the 256
/// entries are 16 tables D_k read at j_k = x + 128 - 16k: wrapping for k <= 8,
/// then with signed saturation (a lane that passes -128 stays there). Lane
/// x + 128 = 16h + l reads D_k[l] for k = max(0, h - 7) .. h and nothing
/// else, so with D_h = T_h ^ D_max(0,h-7) ^ ... ^ D_h-1 (T_h: entries 16h ..
/// 16h + 15) the XOR of the reads is T_h[l]: XNNPACK's x8-lut form, three
/// instructions per table and 32 bytes. AVX2's 32-byte vpshufb (every kernel
/// family's targets have it) on 32-byte chunks, SSSE3's on a 16-byte rest;
/// n is padded to a multiple of 16 with zero lanes.
Value EpilogueEmitter::lookup(Value bytes) {
  Type i8 = b.getI8Type();
  int64_t n = cast<VectorType>(bytes.getType()).getNumElements();
  int64_t padded = llvm::alignTo(n, 16);
  if (padded != n)
    bytes = concatVectors(b, loc, {bytes, splat(i8, padded - n, 0)});
  SmallVector<uint8_t> d;
  for (APInt v : p.lookup->table.getValues<APInt>())
    d.push_back(static_cast<uint8_t>(v.getZExtValue()));
  for (int64_t h = 1; h < 16; ++h)
    for (int64_t k = std::max<int64_t>(0, h - 7); k < h; ++k)
      for (int64_t l = 0; l < 16; ++l)
        d[16 * h + l] ^= d[16 * k + l];
  auto chunkLookup = [&](Value x, int64_t w) -> Value {
    StringRef pshufb =
        w == 32 ? "llvm.x86.avx2.pshuf.b" : "llvm.x86.ssse3.pshuf.b.128";
    Value sixteen = splat(i8, w, 16);
    Value j = arith::XOrIOp::create(b, loc, x, splat(i8, w, -128));
    Value result;
    for (int64_t k = 0; k < 16; ++k) {
      if (k > 8)
        j = LLVM::SSubSat::create(b, loc, j, sixteen);
      else if (k > 0)
        j = arith::SubIOp::create(b, loc, j, sixteen);
      SmallVector<APInt> table;
      for (int64_t i = 0; i < w; ++i)
        table.push_back(APInt(8, d[16 * k + i % 16]));
      Value t = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vecType(i8, w), table));
      Value found = LLVM::CallIntrinsicOp::create(b, loc, vecType(i8, w),
                                                  b.getStringAttr(pshufb),
                                                  ValueRange{t, j})
                        .getResult(0);
      result = result ? arith::XOrIOp::create(b, loc, result, found).getResult()
                      : found;
    }
    return result;
  };
  SmallVector<Value> parts;
  for (int64_t at = 0; at < padded;) {
    int64_t w = padded - at >= 32 ? 32 : 16;
    Value x = vector::ShuffleOp::create(
        b, loc, bytes, bytes, llvm::to_vector(llvm::seq<int64_t>(at, at + w)));
    parts.push_back(chunkLookup(x, w));
    at += w;
  }
  Value all = concatVectors(b, loc, parts);
  if (padded != n)
    all = vector::ShuffleOp::create(b, loc, all, all,
                                    llvm::to_vector(llvm::seq<int64_t>(0, n)));
  return all;
}

Value EpilogueEmitter::apply(Value acc, Value m, Value f, int64_t valid,
                             bool beforeNarrowing) {
  if (!p.epilogue)
    return acc;
  bool inBounds = valid == L;
  IRMapping map;
  linalg::GenericOp generic = p.epilogue;
  Block *body = generic.getBody();
  for (auto [i, operandKind] : llvm::enumerate(p.argKinds)) {
    BlockArgument arg = body->getArgument(i);
    Type elt = arg.getType();
    Value v;
    switch (operandKind) {
    case OperandKind::Accumulator:
      v = acc;
      break;
    case OperandKind::Full:
    case OperandKind::Channel: {
      Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
      SmallVector<Value> idx;
      if (operandKind == OperandKind::Full)
        idx = {m, f};
      else
        idx = {f};
      v = vector::TransferReadOp::create(b, loc, vecType(elt, L), inputs[i],
                                         idx, pad, ArrayRef<bool>{inBounds});
      break;
    }
    case OperandKind::Scalar: {
      auto t = cast<RankedTensorType>(inputs[i].getType());
      SmallVector<Value> zeros(t.getRank(), index(0));
      Value s = tensor::ExtractOp::create(b, loc, inputs[i], zeros);
      v = vector::BroadcastOp::create(b, loc, vecType(elt, L), s);
      break;
    }
    }
    map.map(arg, v);
  }
  for (Operation &op : body->without_terminator()) {
    if (beforeNarrowing && llvm::is_contained(p.narrowing->ops, &op))
      continue;
    if (p.lookup && llvm::is_contained(p.lookup->ops, &op))
      continue;
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto t = vecType(c.getType(), L);
      map.map(c.getResult(),
              arith::ConstantOp::create(
                  b, loc, SplatElementsAttr::get(t, c.getValue())));
      continue;
    }
    // Scalars from outside the body are splat.
    for (Value operand : op.getOperands())
      if (!map.contains(operand))
        map.map(operand, vector::BroadcastOp::create(
                             b, loc, vecType(operand.getType(), L), operand));
    if (auto mul = dyn_cast<arith::MulSIExtendedOp>(op);
        mul && mul.getLhs().getType().isInteger(32) && L % 2 == 0) {
      auto [low, high] = mulExtendedEvenOdd(map.lookup(mul.getLhs()),
                                            map.lookup(mul.getRhs()));
      map.map(mul.getLow(), low);
      map.map(mul.getHigh(), high);
      continue;
    }
    Operation *clone = b.clone(op, map);
    for (OpResult r : clone->getResults())
      r.setType(vecType(r.getType(), L));
  }
  Value yielded = beforeNarrowing ? p.narrowing->input
                                  : body->getTerminator()->getOperand(0);
  if (p.lookup && !beforeNarrowing)
    return lookup(map.lookup(p.lookup->ops.front()->getOperand(0)));
  if (!map.contains(yielded)) // a value from outside or a block argument
    return vector::BroadcastOp::create(b, loc, vecType(yielded.getType(), L),
                                       yielded);
  return map.lookup(yielded);
}

/// The narrowing clamp (p.narrowing) of one pixel's i32 vectors, as one
/// vector of their concatenated lanes: saturated to [-128, 127] and
/// truncated (LLVM's x86 backend makes it vpackssdw / vpacksswb across the
/// registers), then clamped to [lo, hi] on bytes. Per 8 lanes that is
/// about 2.5 instructions less than clamping and packing each vector.
Value EpilogueEmitter::narrow(ArrayRef<Value> vectors, bool withLookup) {
  Value all = concatVectors(b, loc, vectors);
  int64_t n = cast<VectorType>(all.getType()).getNumElements();
  Type i32 = b.getI32Type(), i8 = b.getI8Type();
  all = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, all, splat(i32, n, -128)),
      splat(i32, n, 127));
  Value bytes = arith::TruncIOp::create(b, loc, vecType(i8, n), all);
  if (p.narrowing->lo > -128)
    bytes = arith::MaxSIOp::create(b, loc, bytes, splat(i8, n, p.narrowing->lo));
  if (p.narrowing->hi < 127)
    bytes = arith::MinSIOp::create(b, loc, bytes, splat(i8, n, p.narrowing->hi));
  return p.lookup && withLookup ? lookup(bytes) : bytes;
}

SmallVector<Value> EpilogueEmitter::lookupEach(ArrayRef<Value> byteVectors) {
  Value all = lookup(concatVectors(b, loc, byteVectors));
  SmallVector<Value> parts;
  int64_t at = 0;
  for (Value v : byteVectors) {
    int64_t k = cast<VectorType>(v.getType()).getNumElements();
    parts.push_back(vector::ShuffleOp::create(
        b, loc, all, all, llvm::to_vector(llvm::seq<int64_t>(at, at + k))));
    at += k;
  }
  return parts;
}
