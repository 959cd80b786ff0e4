//===- KernelBuilder.cpp - emitting a chosen kernel -----------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The loop nest of a kernel on tensors: channel blocks (grouped for the
// cache) around pixel tiles (marked for threads), register tiles of MR
// pixels x NV channel vectors, and for convolutions and matmuls the
// reduction over KH x KW x C/G: NV packed weight vectors and G input values
// broadcast per pixel, one dot step per accumulator. Everything the loops do
// was decided by selectKernel (KernelDispatch.cpp).
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

/// The reassociation that views a result (or a same-shaped operand) as
/// [pixels][channels]: everything but the channel dimension (and a trailing
/// unit dimension after it, for depthwise hwcm; the channels of a group
/// after the group, for a grouped convolution) is a pixel.
static SmallVector<ReassociationIndices>
pixelChannelReassociation(int64_t rank, const Problem &p) {
  int64_t channelDim =
      (p.depthwise || p.groups > 1) && rank == 5 ? 3 : rank - 1;
  ReassociationIndices rows, cols;
  for (int64_t d = 0; d < channelDim; ++d)
    rows.push_back(d);
  for (int64_t d = channelDim; d < rank; ++d)
    cols.push_back(d);
  return {rows, cols};
}

Value KernelBuilder::readWeights(Value fVector, Value kh, Value kw, Value cg) {
  const int64_t L = config.shape.lanes, G = config.shape.group;
  // ((((fv * KH + kh) * KW + kw) * CG + cg) * L * G
  Value i = arith::MulIOp::create(b, loc, fVector, index(p.KH));
  i = arith::AddIOp::create(b, loc, i, kh);
  i = arith::MulIOp::create(b, loc, i, index(p.KW));
  i = arith::AddIOp::create(b, loc, i, kw);
  i = arith::MulIOp::create(b, loc, i, index(config.CG));
  i = arith::AddIOp::create(b, loc, i, cg);
  i = arith::MulIOp::create(b, loc, i, index(L * G));
  Type elt = cast<RankedTensorType>(weights.packed.getType()).getElementType();
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  return vector::TransferReadOp::create(b, loc, vecType(elt, L * G),
                                        weights.packed, ValueRange{i}, pad,
                                        ArrayRef<bool>{true});
}

/// Output pixel m as (n, oh, ow).
std::array<Value, 3> KernelBuilder::splitPixel(Value m) {
  Value ow = arith::RemUIOp::create(b, loc, m, index(p.OW));
  Value t = arith::DivUIOp::create(b, loc, m, index(p.OW));
  Value oh = arith::RemUIOp::create(b, loc, t, index(p.OH));
  Value n = arith::DivUIOp::create(b, loc, t, index(p.OH));
  return {n, oh, ow};
}

/// Where output pixel m = (n, oh, ow) is written, less the channel: (m) in
/// the [M][F] result, or (n, oh + top, ow + left) in the interior of the
/// padded tensor the kernel writes into.
SmallVector<Value> KernelBuilder::outputPixel(Value m, ArrayRef<Value> nhw) {
  if (!p.padInto)
    return {m};
  ArrayRef<int64_t> low = p.padInto->low;
  return {nhw[0], arith::AddIOp::create(b, loc, nhw[1], index(low[1])),
          arith::AddIOp::create(b, loc, nhw[2], index(low[2]))};
}

/// The input pixel of output pixel (n, oh, ow): (n, oh * SH, ow * SW).
SmallVector<Value> KernelBuilder::pixelCoordinates(ArrayRef<Value> nhw) {
  Value n = nhw[0], oh = nhw[1], ow = nhw[2];
  Value h = arith::MulIOp::create(b, loc, oh, index(p.SH));
  Value w = arith::MulIOp::create(b, loc, ow, index(p.SW));
  if (!xFlat)
    return {n, h, w};
  // Depthwise: also the flat offset ((n * Hp + h) * Wp + w) * C.
  auto xType = cast<RankedTensorType>(x.getType());
  Value flat = arith::MulIOp::create(b, loc, n, index(xType.getShape()[1]));
  flat = arith::AddIOp::create(b, loc, flat, h);
  flat = arith::MulIOp::create(b, loc, flat, index(xType.getShape()[2]));
  flat = arith::AddIOp::create(b, loc, flat, w);
  flat = arith::MulIOp::create(b, loc, flat, index(xType.getShape()[3]));
  return {n, h, w, flat};
}

/// The input row and column tap (kh, kw) of a pixel reads:
/// (h + kh * DH, w + kw * DW).
std::pair<Value, Value> KernelBuilder::tapPosition(ArrayRef<Value> pixel,
                                                   Value kh, Value kw) {
  return {arith::AddIOp::create(
              b, loc, pixel[1], arith::MulIOp::create(b, loc, kh, index(p.DH))),
          arith::AddIOp::create(
              b, loc, pixel[2],
              arith::MulIOp::create(b, loc, kw, index(p.DW)))};
}

Value KernelBuilder::broadcastInput(ArrayRef<Value> pixel, Value kh, Value kw,
                                    Value cg, Value channelBase) {
  const int64_t L = config.shape.lanes, G = config.shape.group;
  auto [h, w] = tapPosition(pixel, kh, kw);
  Value c = arith::MulIOp::create(b, loc, cg, index(G));
  if (channelBase)
    c = arith::AddIOp::create(b, loc, c, channelBase);
  SmallVector<Value> idx;
  Value x = this->x;
  if (xRows) {
    // Rows mode: (n, h, w * Cp + (kw * CG + cg) * G).
    x = xRows;
    idx = {pixel[0], h,
           arith::AddIOp::create(
               b, loc,
               arith::MulIOp::create(b, loc, pixel[2], index(config.Cp)), c)};
  } else {
    switch (cast<RankedTensorType>(x.getType()).getRank()) {
    case 2:
      idx = {w, c};
      break;
    case 3:
      idx = {pixel[0], w, c};
      break;
    default:
      idx = {pixel[0], h, w, c};
    }
  }
  Type xElt = cast<RankedTensorType>(x.getType()).getElementType();
  if (dot->getOperands() == DotOperands::Float) {
    Value s = tensor::ExtractOp::create(b, loc, x, idx);
    return vector::BroadcastOp::create(b, loc, accType(), s);
  }
  // G prepared input values (u8 for vpdpbusd / vpmaddubsw, i16 for
  // vpmaddwd: see prepareInput) form one 32-bit word, broadcast to every
  // lane: a single vpbroadcastd from memory.
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(xElt));
  Value raw = vector::TransferReadOp::create(b, loc, vecType(xElt, G), x, idx,
                                             pad, ArrayRef<bool>{true});
  Value word =
      vector::BitCastOp::create(b, loc, vecType(b.getI32Type(), 1), raw);
  Value s = vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
  Value splat = vector::BroadcastOp::create(b, loc, accType(), s);
  return vector::BitCastOp::create(b, loc, vecType(xElt, G * L), splat);
}

/// The input of a grouped convolution for the output channels [f, f + L):
/// lane l reads the G values at step cg of its own group g(l) = (f + l) /
/// MG, channels g(l) * C + cg * G. When a vector lies in one group (MG a
/// multiple of L) that is one broadcast; when it holds L / MG groups, the
/// steps of its `validLanes` lanes' groups are read at once and each lane
/// takes its group's (a constant shuffle: vpermd).
Value KernelBuilder::groupedInput(ArrayRef<Value> pixel, Value kh, Value kw,
                                  Value cg, Value f, int64_t validLanes) {
  const int64_t L = config.shape.lanes, G = config.shape.group;
  const int64_t MG = p.F / p.groups, CG = p.C / G;
  Value g = arith::DivUIOp::create(b, loc, f, index(MG));
  Value base = arith::MulIOp::create(b, loc, g, index(p.C));
  if (MG % L == 0)
    return broadcastInput(pixel, kh, kw, cg, base);
  int64_t groupsRead = llvm::divideCeil(validLanes, MG);
  int64_t words = (groupsRead - 1) * CG + 1;
  auto [h, w] = tapPosition(pixel, kh, kw);
  Value c = arith::AddIOp::create(
      b, loc, base, arith::MulIOp::create(b, loc, cg, index(G)));
  Type xElt = cast<RankedTensorType>(x.getType()).getElementType();
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(xElt));
  Value raw = vector::TransferReadOp::create(
      b, loc, vecType(xElt, words * G), x, ValueRange{pixel[0], h, w, c}, pad,
      ArrayRef<bool>{true});
  Type wordElt = G == 1 ? xElt : b.getI32Type();
  if (G > 1)
    raw = vector::BitCastOp::create(b, loc, vecType(wordElt, words), raw);
  SmallVector<int64_t> mask;
  for (int64_t l = 0; l < L; ++l)
    mask.push_back(std::min(l / MG, groupsRead - 1) * CG);
  Value lanes = vector::ShuffleOp::create(b, loc, raw, raw, mask);
  if (G == 1)
    return lanes;
  return vector::BitCastOp::create(b, loc, vecType(xElt, G * L), lanes);
}

/// The input in the form the dot instruction takes, computed once per
/// element rather than once per use: flipped to unsigned (x ^ 0x80) for
/// vpdpbusd / vpmaddubsw, sign-extended to i16 for vpmaddwd. An input
/// proven to be in [0, 127] is already its unsigned form (xBias 0): no copy.
void KernelBuilder::prepareInput() {
  if (dot->getOperands() == DotOperands::Float ||
      (dot->hasUnsignedInput() && config.xBias == 0))
    return;
  auto xType = cast<RankedTensorType>(x.getType());
  Type elt = dot->hasUnsignedInput() ? b.getI8Type() : b.getI16Type();
  auto type = RankedTensorType::get(xType.getShape(), elt);
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), elt);
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  bool flip = dot->hasUnsignedInput();
  x = linalg::GenericOp::create(
          b, loc, TypeRange{type}, ValueRange{x}, ValueRange{empty},
          ArrayRef<AffineMap>{id, id}, iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value v;
            // x + xBias in [0, 255], wrapping in i8 (128: the flip).
            if (flip && config.xBias == 128)
              v = arith::XOrIOp::create(
                  nb, nloc, args[0],
                  arith::ConstantOp::create(nb, nloc,
                                            nb.getI8IntegerAttr(int8_t(-128))));
            else if (flip)
              v = arith::AddIOp::create(
                  nb, nloc, args[0],
                  arith::ConstantOp::create(
                      nb, nloc, nb.getI8IntegerAttr(int8_t(config.xBias))));
            else
              v = arith::ExtSIOp::create(nb, nloc, nb.getI16Type(), args[0]);
            linalg::YieldOp::create(nb, nloc, v);
          })
          .getResult(0);
}

/// One register tile: pixels [m0, m0 + mr) x channel vectors
/// [f0, f0 + nv * L), of which `fValid` channels exist in the last vector.
Value KernelBuilder::tile(Value out, Value m0, int64_t mr, Value f0, int64_t nv,
                          int64_t fValid) {
  const int64_t L = config.shape.lanes;
  SmallVector<SmallVector<Value>> pixels, outPixels;
  SmallVector<Value> ms;
  for (int64_t i = 0; i < mr; ++i) {
    Value m = arith::AddIOp::create(b, loc, m0, index(i));
    ms.push_back(m);
    std::array<Value, 3> nhw = splitPixel(m);
    pixels.push_back(pixelCoordinates(nhw));
    outPixels.push_back(outputPixel(m, nhw));
  }
  SmallVector<Value> fs, fVectors;
  for (int64_t j = 0; j < nv; ++j) {
    Value f = arith::AddIOp::create(b, loc, f0, index(j * L));
    fs.push_back(f);
    fVectors.push_back(arith::DivUIOp::create(b, loc, f, index(L)));
  }
  // Accumulator start values.
  SmallVector<Value> accs;
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(p.getAccumulatorType(b)));
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nv; ++j) {
      Value s = vector::TransferReadOp::create(b, loc, accType(), weights.start,
                                               ValueRange{fs[j]}, zero,
                                               ArrayRef<bool>{true});
      if (init2d) {
        bool inBounds = j + 1 < nv || fValid == L;
        Value v = vector::TransferReadOp::create(b, loc, accType(), init2d,
                                                 ValueRange{ms[i], fs[j]}, zero,
                                                 ArrayRef<bool>{inBounds});
        s = p.isFloat ? Value(arith::AddFOp::create(b, loc, s, v))
                      : Value(arith::AddIOp::create(b, loc, s, v));
      }
      accs.push_back(s);
    }

  auto loop = [&](int64_t ub, ValueRange init,
                  function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto forOp = scf::ForOp::create(
        b, loc, index(0), index(ub), index(1), init,
        [&](OpBuilder &, Location, Value iv, ValueRange args) {
          scf::YieldOp::create(b, loc, body(iv, args));
        });
    return SmallVector<Value>(forOp.getResults());
  };
  // One reduction step: (kh, kw, cg), or (kh, 0, kw * CG + cg) when the
  // kernel row is contiguous in the input (rows mode).
  auto step = [&](Value kh, Value kw, Value cg, ValueRange a) {
    SmallVector<Value> ws;
    for (int64_t j = 0; j < nv; ++j)
      ws.push_back(readWeights(fVectors[j], kh, kw, cg));
    SmallVector<Value> next(a.begin(), a.end());
    for (int64_t i = 0; i < mr; ++i) {
      Value in = p.groups > 1 ? Value() : broadcastInput(pixels[i], kh, kw, cg);
      for (int64_t j = 0; j < nv; ++j) {
        if (p.groups > 1)
          in = groupedInput(pixels[i], kh, kw, cg, fs[j],
                            j + 1 < nv ? L : fValid);
        next[i * nv + j] = dot->emitDot(b, loc, next[i * nv + j], in, ws[j]);
      }
    }
    return next;
  };
  if (useTapGroups()) {
    // nv <= 4 vectors of the block's four are written.
    SmallVector<Value> sums = tapGroups(pixels, f0);
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nv; ++j)
        accs[i * nv + j] =
            arith::AddIOp::create(b, loc, accs[i * nv + j], sums[i * 4 + j]);
  } else if (config.unrollTaps) {
    // Straight-line taps: constant offsets fold into the loads' addressing,
    // and no loop-carried accumulators for the register allocator to
    // rotate (a 3-tap loop over 12 accumulators spent most of its
    // instructions on register moves and vectorized index arithmetic).
    for (int64_t kh = 0; kh < p.KH; ++kh)
      for (int64_t kw = 0; kw < p.KW; ++kw)
        accs =
            depthwiseStep(pixels, fs, nv, fValid, index(kh), index(kw), accs);
  } else if (p.depthwise) {
    accs = loop(p.KH, accs, [&](Value kh, ValueRange a1) {
      return loop(p.KW, a1, [&](Value kw, ValueRange a2) {
        return depthwiseStep(pixels, fs, nv, fValid, kh, kw, a2);
      });
    });
  } else if (xRows) {
    accs = loop(p.KH, accs, [&](Value kh, ValueRange a1) {
      return loop(p.KW * config.CG, a1, [&](Value j, ValueRange a2) {
        return step(kh, index(0), j, a2);
      });
    });
  } else {
    accs = loop(p.KH, accs, [&](Value kh, ValueRange a1) {
      return loop(p.KW, a1, [&](Value kw, ValueRange a2) {
        return loop(config.CG, a2, [&](Value cg, ValueRange a3) {
          return step(kh, kw, cg, a3);
        });
      });
    });
  }

  if (p.epilogue && p.narrowing && fValid == L) {
    // One narrowing and one write per pixel for its nv vectors (a partial
    // last vector keeps its own masked write below); a lookup runs once on
    // the bytes of all mr pixels, in full-width chunks.
    SmallVector<Value> bytes;
    for (int64_t i = 0; i < mr; ++i) {
      SmallVector<Value> vs;
      for (int64_t j = 0; j < nv; ++j)
        vs.push_back(epilogue->apply(accs[i * nv + j], ms[i], fs[j], L,
                                     /*beforeNarrowing=*/true));
      bytes.push_back(epilogue->narrow(vs, /*withLookup=*/false));
    }
    if (p.lookup)
      bytes = epilogue->lookupEach(bytes);
    for (int64_t i = 0; i < mr; ++i) {
      SmallVector<Value> at = outPixels[i];
      at.push_back(fs[0]);
      out = vector::TransferWriteOp::create(b, loc, bytes[i], out, at,
                                            ArrayRef<bool>{true})
                .getResult();
    }
    return out;
  }
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nv; ++j) {
      int64_t valid = j + 1 < nv ? L : fValid;
      Value v = epilogue->apply(accs[i * nv + j], ms[i], fs[j], valid);
      SmallVector<Value> at = outPixels[i];
      at.push_back(fs[j]);
      out = vector::TransferWriteOp::create(b, loc, v, out, at,
                                            ArrayRef<bool>{valid == L})
                .getResult();
    }
  return out;
}

/// The operands as the tiles read them: the input with its channels padded
/// to Cp and prepared for the dot (or viewed flat, depthwise; or by kernel
/// rows), the init tensor and the epilogue's inputs as [M][F].
void KernelBuilder::prepareOperands() {
  const int64_t Cp = config.Cp;
  x = p.input;
  // Grouped: [N][H][W][groups * C], each group's channels in a row.
  if (p.groups > 1)
    x = tensor::CollapseShapeOp::create(
        b, loc, x, ArrayRef<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
  // Input channels padded to a multiple of G (the weights are 0 there).
  auto xType = cast<RankedTensorType>(x.getType());
  if (!p.depthwise && Cp != p.C) {
    SmallVector<OpFoldResult> low(xType.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> high(xType.getRank(), b.getIndexAttr(0));
    high.back() = b.getIndexAttr(Cp - p.C);
    SmallVector<int64_t> shape(xType.getShape());
    shape.back() = Cp;
    Value zero = arith::ConstantOp::create(
        b, loc, b.getZeroAttr(xType.getElementType()));
    x = tensor::PadOp::create(
        b, loc, RankedTensorType::get(shape, xType.getElementType()), x, low,
        high, zero);
  }
  if (!p.depthwise)
    prepareInput();
  else
    xFlat = tensor::CollapseShapeOp::create(
        b, loc, x, ArrayRef<ReassociationIndices>{{0, 1, 2, 3}});
  // Rows mode: with unit dilation along W, the KW x Cp input values of one
  // kernel row are contiguous, so the reduction runs over them in one loop
  // (longer trips, one loop level less; it matters for few channels).
  if (!p.depthwise && p.groups == 1 &&
      cast<RankedTensorType>(x.getType()).getRank() == 4 && p.DW == 1 &&
      p.KW > 1)
    xRows = tensor::CollapseShapeOp::create(
        b, loc, x, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});

  auto to2d = [&](Value v) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() == 2)
      return v;
    return tensor::CollapseShapeOp::create(
        b, loc, v, pixelChannelReassociation(t.getRank(), p));
  };
  if (p.initTensor)
    init2d = to2d(p.initTensor);
  SmallVector<Value> epilogueInputs;
  if (linalg::GenericOp generic = p.epilogue)
    for (auto [i, k] : llvm::enumerate(p.argKinds)) {
      Value in = generic.getDpsInputs()[i];
      if (k == OperandKind::Full)
        in = to2d(in);
      else if (int64_t rank = cast<RankedTensorType>(in.getType()).getRank();
               k == OperandKind::Channel && rank > 1)
        in = tensor::CollapseShapeOp::create(
            b, loc, in,
            ArrayRef<ReassociationIndices>{
                llvm::to_vector(llvm::seq<int64_t>(0, rank))});
      epilogueInputs.push_back(in);
    }
  epilogue.emplace(b, loc, p, config.shape.lanes, std::move(epilogueInputs));
}

/// One pass over the pixels (full tiles, then the remainder) for `blocks`
/// channel blocks of nv vectors from f0, with fValid channels in the last
/// vector of a block; its tile loop may run on threads unless it is inside
/// a loop that does.
Value KernelBuilder::pixelPass(Value o, Value f0, int64_t blocks, int64_t nv,
                               int64_t fValid, bool mayParallelize,
                               int64_t mr) {
  const int64_t L = config.shape.lanes, M = p.M();
  int64_t mMain = M / mr * mr;
  int64_t blockF = nv * L;
  auto tiles = [&](Value o, Value m0, int64_t rows) -> Value {
    if (blocks == 1)
      return tile(o, m0, rows, f0, nv, fValid);
    auto inner = scf::ForOp::create(
        b, loc, index(0), index(blocks * blockF), index(blockF), ValueRange{o},
        [&](OpBuilder &, Location, Value fj, ValueRange a) {
          Value f = arith::AddIOp::create(b, loc, f0, fj);
          scf::YieldOp::create(b, loc, tile(a[0], m0, rows, f, nv, fValid));
        });
    return inner.getResult(0);
  };
  auto forOp = scf::ForOp::create(
      b, loc, index(0), index(mMain), index(mr), ValueRange{o},
      [&](OpBuilder &, Location, Value m0, ValueRange args) {
        scf::YieldOp::create(b, loc, tiles(args[0], m0, mr));
      });
  // Its iterations write disjoint output tiles: the CPU pipeline may run
  // them on several threads (option `threads`).
  if (mayParallelize && config.isParallel(blocks * blockF))
    forOp->setAttr(kParallelLoopAttrName, b.getUnitAttr());
  o = forOp.getResult(0);
  if (mMain < M)
    o = tiles(o, index(mMain), M - mMain);
  return o;
}

Value KernelBuilder::build() {
  const int64_t L = config.shape.lanes, M = p.M();
  weights = p.depthwise ? packDepthwiseWeights(b, loc, p, config)
                        : packWeights(b, loc, p, config);
  prepareOperands();
  Value finalValue = p.epilogue ? p.epilogue->getResult(0) : p.op->getResult(0);
  auto finalType = cast<RankedTensorType>(finalValue.getType());
  Type outElt = finalType.getElementType();
  // The padded tensor's interior is written by the tiles below
  // (outputPixel), its border filled after them: filled first, the
  // identical fills of two same-shaped layers would be merged by CSE, and
  // bufferization would copy the shared buffer for each writer.
  Value out = tensor::EmptyOp::create(
      b, loc,
      p.padInto ? cast<RankedTensorType>(p.padInto->op->getResult(0).getType())
                      .getShape()
                : ArrayRef<int64_t>{M, p.F},
      outElt);

  const int64_t nvMax = config.nvMax;
  const int64_t fMainBlocks = config.fMainBlocks, group = config.group;
  if (fMainBlocks > 0) {
    int64_t groupF = group * nvMax * L;
    auto forOp = scf::ForOp::create(
        b, loc, index(0), index(fMainBlocks * nvMax * L), index(groupF),
        ValueRange{out}, [&](OpBuilder &, Location, Value f0, ValueRange args) {
          scf::YieldOp::create(b, loc,
                               pixelPass(args[0], f0, group, nvMax, L,
                                         !config.parallelChannels, config.mr));
        });
    // Its iterations write disjoint channel ranges.
    if (config.parallelChannels)
      forOp->setAttr(kParallelLoopAttrName, b.getUnitAttr());
    out = forOp.getResult(0);
  }
  int64_t fDone = fMainBlocks * nvMax * L;
  // The channels after the last full block of tap groups: single taps
  // (KernelConfig::remainderDot).
  if (fDone < p.F && config.remainderDot)
    dot = config.remainderDot.get();
  if (fDone < p.F) {
    int64_t rest = p.F - fDone;
    int64_t nv = llvm::divideCeil(rest, L);
    int64_t fValid = rest - (nv - 1) * L;
    out = pixelPass(out, index(fDone), 1, nv, fValid,
                    /*mayParallelize=*/true, config.remainderMr);
  }

  if (p.padInto)
    return fillPadBorder(b, loc, out, p.padInto->low, finalType.getShape(),
                         arith::ConstantOp::create(b, loc, p.padInto->value));
  if (finalType.getRank() == 2)
    return out;
  return tensor::ExpandShapeOp::create(
      b, loc, finalType, out,
      pixelChannelReassociation(finalType.getRank(), p));
}
