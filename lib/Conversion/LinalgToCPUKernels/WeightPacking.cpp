//===- WeightPacking.cpp - the constants a kernel reads -------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The weights are packed at compile time in the order the tiles read them,
// so that a tile's loads are contiguous vectors; the accumulator start values
// fold in the bias and every correction the prepared input needs.
//
//===----------------------------------------------------------------------===//

#include "WeightPacking.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

PackedWeights cpu::packWeights(OpBuilder &b, Location loc, const Problem &p,
                               const KernelConfig &config) {
  PackedWeights result;
  const int64_t L = config.shape.lanes, G = config.shape.group;
  const int64_t CG = config.CG, FB = config.FB;
  int64_t size = FB * p.KH * p.KW * CG * L * G;
  auto at = [&](int64_t fb, int64_t kh, int64_t kw, int64_t cg, int64_t l,
                int64_t g) {
    return ((((fb * p.KH + kh) * p.KW + kw) * CG + cg) * L + l) * G + g;
  };
  auto forEach = [&](auto fn) {
    for (int64_t f = 0; f < p.F; ++f)
      for (int64_t kh = 0; kh < p.KH; ++kh)
        for (int64_t kw = 0; kw < p.KW; ++kw)
          for (int64_t c = 0; c < p.C; ++c)
            fn(f, kh, kw, c, at(f / L, kh, kw, c / G, f % L, c % G));
  };

  // Accumulator start per channel; corrections for the integer forms:
  // sum((x - zp) * w) = sum(x' * w) - (xBias + zp) * sum(w), where x' = x
  // + xBias (128 for a flipped unsigned operand, computed as x ^ 0x80).
  if (p.isFloat) {
    SmallVector<float> data(size, 0.0f);
    forEach([&](int64_t f, int64_t kh, int64_t kw, int64_t c, int64_t i) {
      data[i] = p.wFloat[p.weightIndex(f, kh, kw, c)];
    });
    auto type = RankedTensorType::get({size}, b.getF32Type());
    result.packed = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<float>(data)));
    SmallVector<float> s(FB * L, 0.0f);
    if (p.initFloat)
      for (int64_t f = 0; f < p.F; ++f)
        s[f] = (*p.initFloat)[f];
    auto sType = RankedTensorType::get({FB * L}, b.getF32Type());
    result.start = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(sType, ArrayRef<float>(s)));
    return result;
  }
  SmallVector<int64_t> colsum(p.F, 0);
  Type wElt = config.dot->hasUnsignedInput() ? b.getI8Type() : b.getI16Type();
  auto type = RankedTensorType::get({size}, wElt);
  // i8 for vpdpbusd / vpmaddubsw, i16 (pre-widened) for vpmaddwd.
  auto pack = [&](auto zero) {
    using T = decltype(zero);
    SmallVector<T> data(size, 0);
    forEach([&](int64_t f, int64_t kh, int64_t kw, int64_t c, int64_t i) {
      int64_t v = p.wInt[p.weightIndex(f, kh, kw, c)];
      data[i] = static_cast<T>(v);
      colsum[f] += v;
    });
    result.packed = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<T>(data)));
  };
  if (config.dot->hasUnsignedInput())
    pack(int8_t(0));
  else
    pack(int16_t(0));
  SmallVector<int32_t> s(FB * L, 0);
  for (int64_t f = 0; f < p.F; ++f) {
    uint64_t v = p.initInt ? static_cast<uint64_t>((*p.initInt)[f]) : 0;
    v -= static_cast<uint64_t>(config.xBias + p.inputZeroPoint) *
         static_cast<uint64_t>(colsum[f]);
    s[f] = static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  auto sType = RankedTensorType::get({FB * L}, b.getI32Type());
  result.start = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(sType, ArrayRef<int32_t>(s)));
  return result;
}

PackedWeights cpu::packDepthwiseWeights(OpBuilder &b, Location loc,
                                        const Problem &p,
                                        const KernelConfig &config) {
  PackedWeights result;
  const int64_t L = config.shape.lanes, FB = config.FB;
  int64_t FL = FB * L, size = p.KH * p.KW * FL;
  if (config.tapGroups) {
    // [group][block][v][4L] bytes, G = 2 or 4 taps a group, G vectors: the
    // order in which the interleaves of the G taps' input bytes leave them.
    // Pairs (vpunpcklbw / vpunpckhbw, vectors lo and hi): in 128-bit lane
    // k of vector h, bytes 2i and 2i + 1 are the weights of taps 2g and
    // 2g + 1 for channel 16k + 8h + i of the block. Quadruples (then
    // vpunpck*wd, vectors a = 0..3): dword 4k + i of vector a holds taps
    // 4g .. 4g + 3 of channel 16k + 4a + i. Both: byte r of lane k is tap
    // G * g + r % G of channel 16k + (16 / G) * v + r / G; 0 past the last
    // tap or channel.
    const int64_t G = config.dot->getTapsPerGroup(), taps = p.KH * p.KW;
    const int64_t groups = llvm::divideCeil(taps, G), blocks = FB / 4;
    const int64_t B = 4 * L;
    SmallVector<int8_t> data(groups * blocks * G * B, 0);
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t blk = 0; blk < blocks; ++blk)
        for (int64_t v = 0; v < G; ++v)
          for (int64_t pos = 0; pos < B; ++pos) {
            int64_t r = pos % 16, tap = G * g + r % G;
            int64_t f = blk * B + 16 * (pos / 16) + (16 / G) * v + r / G;
            if (tap < taps && f < p.F)
              data[((g * blocks + blk) * G + v) * B + pos] =
                  static_cast<int8_t>(
                      p.wInt[p.weightIndex(f, tap / p.KW, tap % p.KW, 0)]);
          }
    result.packedPairs = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({int64_t(data.size())}, b.getI8Type()),
            ArrayRef<int8_t>(data)));
  }
  // Pooling has no weights: the start is the init value, in the
  // accumulator type (i8 for an int8 max pool).
  if (p.pool != Problem::Pool::None) {
    Type acc = p.getAccumulatorType(b);
    SmallVector<Attribute> st;
    for (int64_t f = 0; f < FL; ++f) {
      if (p.isFloat)
        st.push_back(b.getFloatAttr(
            acc, f < p.F && p.initFloat ? (*p.initFloat)[f] : 0.0f));
      else
        st.push_back(
            b.getIntegerAttr(acc, f < p.F && p.initInt ? (*p.initInt)[f] : 0));
    }
    result.start = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(RankedTensorType::get({FL}, acc), st));
    return result;
  }
  Type elt = p.isFloat ? Type(b.getF32Type()) : Type(b.getI32Type());
  auto type = RankedTensorType::get({size}, elt);
  auto sType = RankedTensorType::get({FL}, elt);
  if (p.isFloat) {
    SmallVector<float> data(size, 0.0f), st(FL, 0.0f);
    for (int64_t kh = 0; kh < p.KH; ++kh)
      for (int64_t kw = 0; kw < p.KW; ++kw)
        for (int64_t f = 0; f < p.F; ++f)
          data[(kh * p.KW + kw) * FL + f] =
              p.wFloat[p.weightIndex(f, kh, kw, 0)];
    if (p.initFloat)
      for (int64_t f = 0; f < p.F; ++f)
        st[f] = (*p.initFloat)[f];
    result.packed = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<float>(data)));
    result.start = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(sType, ArrayRef<float>(st)));
    return result;
  }
  const DotEmitter &singleTap =
      config.remainderDot ? *config.remainderDot : *config.dot;
  SmallVector<int32_t> data(size, 0), st(FL, 0);
  SmallVector<int64_t> sum(p.F, 0);
  for (int64_t kh = 0; kh < p.KH; ++kh)
    for (int64_t kw = 0; kw < p.KW; ++kw)
      for (int64_t f = 0; f < p.F; ++f) {
        int64_t v = p.wInt[p.weightIndex(f, kh, kw, 0)];
        // The single-tap dot's form (for tap groups, that of the channels
        // after the last full block).
        data[(kh * p.KW + kw) * FL + f] = singleTap.encodeSingleTapWeight(v);
        sum[f] += v;
      }
  // sum((x - zp) * w) = sum(x * w) - zp * sum(w)
  for (int64_t f = 0; f < p.F; ++f) {
    uint64_t v = p.initInt ? static_cast<uint64_t>((*p.initInt)[f]) : 0;
    v -=
        static_cast<uint64_t>(p.inputZeroPoint) * static_cast<uint64_t>(sum[f]);
    st[f] = static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  if (!config.tapGroups || p.F % (4 * L) != 0)
    result.packed = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(data)));
  result.start = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(sType, ArrayRef<int32_t>(st)));
  return result;
}
