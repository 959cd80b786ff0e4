//===- DepthwiseTile.cpp - depthwise and pooling tiles --------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The steps of a depthwise convolution or pooling tile: channels on the
// lanes, MR pixels x NV channel vectors, each tap a single product (the dot
// emitter's single taps), a max or a sum; or, on an input in [0, 127], the
// taps in groups on the dot (blocks of 4L channels). The input is read
// through a flat view: a pixel's offset is computed once per tile and each
// load adds a constant.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

/// The taps of a depthwise tile in groups on the dot (pairs on vpmaddubsw,
/// quadruples on vpdpbusd), for channels [f0, f0 + 4L) of every pixel (an
/// input in [0, 127], read as unsigned bytes). The dot emitter leaves
/// channel 16k + 4a + i of the block at lane position 4k + i of its result
/// a; the result is put back in channel order (four vectors of L per
/// pixel).
SmallVector<Value> KernelBuilder::tapGroups(ArrayRef<SmallVector<Value>> pixels,
                                            Value f0) {
  const int64_t L = config.shape.lanes, B = 4 * L;
  const int64_t G = dot->getTapsPerGroup(), taps = p.KH * p.KW;
  const int64_t blocks = config.FB / 4, groups = llvm::divideCeil(taps, G);
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t Wp = xType.getShape()[2], C = xType.getShape()[3];
  VectorType bytes = vecType(b.getI8Type(), B);
  VectorType words = vecType(b.getI16Type(), 2 * L);
  Value zeroBytes = arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(bytes, b.getI8IntegerAttr(0)));
  Value zeroWords = arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(words, b.getI16IntegerAttr(0)));
  Value pad = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  Value blk = arith::DivUIOp::create(b, loc, f0, index(B));
  // The packed weight vector h of group g (pair: lo, hi; quad: a).
  auto weightVector = [&](int64_t g, int64_t h) -> Value {
    Value at = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(
            b, loc, arith::AddIOp::create(b, loc, index(g * blocks), blk),
            index(G * B)),
        index(h * B));
    return vector::TransferReadOp::create(b, loc, bytes, weights.packedPairs,
                                          ValueRange{at}, pad,
                                          ArrayRef<bool>{true});
  };
  SmallVector<SmallVector<Value, 4>> w;
  for (int64_t g = 0; g < groups; ++g) {
    w.emplace_back();
    for (int64_t h = 0; h < G; ++h)
      w.back().push_back(weightVector(g, h));
  }
  SmallVector<Value> result;
  for (const SmallVector<Value> &pixel : pixels) {
    Value base = arith::AddIOp::create(b, loc, pixel[3], f0);
    auto input = [&](int64_t tap) -> Value {
      if (tap >= taps)
        return zeroBytes;
      int64_t offset = ((tap / p.KW) * p.DH * Wp + (tap % p.KW) * p.DW) * C;
      return vector::TransferReadOp::create(
          b, loc, bytes, xFlat,
          ValueRange{arith::AddIOp::create(b, loc, base, index(offset))}, pad,
          ArrayRef<bool>{true});
    };
    std::array<Value, 4> acc =
        dot->emitTapGroups(b, loc, {input, w, zeroWords});
    // Back to channel order: channel c = 16k + 4a + i of the block is at
    // position 4k + i of acc[a].
    Value all = vector::ShuffleOp::create(
        b, loc,
        vector::ShuffleOp::create(
            b, loc, acc[0], acc[1],
            llvm::to_vector(llvm::seq<int64_t>(0, 2 * L))),
        vector::ShuffleOp::create(
            b, loc, acc[2], acc[3],
            llvm::to_vector(llvm::seq<int64_t>(0, 2 * L))),
        llvm::to_vector(llvm::seq<int64_t>(0, 4 * L)));
    for (int64_t j = 0; j < 4; ++j) {
      SmallVector<int64_t> mask;
      for (int64_t c = j * L; c < (j + 1) * L; ++c)
        mask.push_back((c % 16) / 4 * L + 4 * (c / 16) + c % 4);
      result.push_back(vector::ShuffleOp::create(b, loc, all, all, mask));
    }
  }
  return result;
}

/// One (kh, kw) step of a depthwise or pooling tile: every pixel's input
/// channels [f, f + L) times the weights of those channels (the dot's
/// single taps), or their max or sum.
SmallVector<Value>
KernelBuilder::depthwiseStep(ArrayRef<SmallVector<Value>> pixels,
                             ArrayRef<Value> fs, int64_t nv, int64_t fValid,
                             Value kh, Value kw, ValueRange accs) {
  const int64_t L = config.shape.lanes;
  int64_t FL = config.FB * L;
  Value tap = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, kh, index(p.KW)), kw);
  Value base = arith::MulIOp::create(b, loc, tap, index(FL));
  SmallVector<Value> ws; // none for pooling
  for (int64_t j = 0; p.pool == Problem::Pool::None && j < nv; ++j) {
    Type wElt =
        cast<RankedTensorType>(weights.packed.getType()).getElementType();
    Value wPad = arith::ConstantOp::create(b, loc, b.getZeroAttr(wElt));
    ws.push_back(vector::TransferReadOp::create(
        b, loc, vecType(wElt, L), weights.packed,
        ValueRange{arith::AddIOp::create(b, loc, base, fs[j])}, wPad,
        ArrayRef<bool>{true}));
  }
  Type xElt = cast<RankedTensorType>(x.getType()).getElementType();
  Value xPad = arith::ConstantOp::create(b, loc, b.getZeroAttr(xElt));
  SmallVector<Value> next(accs.begin(), accs.end());
  // The input as one flat vector: a pixel's base offset is computed once
  // per tile, a tap adds (kh * DH * Wp + kw * DW) * C, so each load is one
  // add (4-D indices cost several multiplies per load, which dominated).
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t Wp = xType.getShape()[2], C = xType.getShape()[3];
  Value tapOffset = arith::MulIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc,
                            arith::MulIOp::create(b, loc, kh, index(p.DH * Wp)),
                            arith::MulIOp::create(b, loc, kw, index(p.DW))),
      index(C));
  for (auto [i, pixel] : llvm::enumerate(pixels)) {
    Value at = arith::AddIOp::create(b, loc, pixel[3], tapOffset);
    for (int64_t j = 0; j < nv; ++j) {
      // A partial last vector reads past its pixel's channels (into the
      // next pixel, harmless: those lanes are never written) or, at the
      // very end, past the tensor (masked by the transfer).
      bool inBounds = j + 1 < nv || fValid == L;
      Value in = vector::TransferReadOp::create(
          b, loc, vecType(xElt, L), xFlat,
          ValueRange{arith::AddIOp::create(b, loc, at, fs[j])}, xPad,
          ArrayRef<bool>{inBounds});
      Value &acc = next[i * nv + j];
      if (p.pool != Problem::Pool::None) {
        // The same ops as the named op's body (max_signed: maximumf / maxsi).
        Value v = in.getType() == accType()
                      ? in
                      : Value(arith::ExtSIOp::create(b, loc, accType(), in));
        if (p.pool == Problem::Pool::Sum)
          acc = p.isFloat ? Value(arith::AddFOp::create(b, loc, acc, v))
                          : Value(arith::AddIOp::create(b, loc, acc, v));
        else
          acc = p.isFloat ? Value(arith::MaximumFOp::create(b, loc, acc, v))
                          : Value(arith::MaxSIOp::create(b, loc, acc, v));
      } else {
        acc = dot->emitSingleTap(b, loc, acc, in, ws[j]);
      }
    }
  }
  return next;
}
