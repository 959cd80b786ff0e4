//===- KernelDispatch.cpp - choosing a kernel for an op -------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "KernelDispatch.h"

#include "CPUKernelISA.h"

#include "qsim/Analysis/ElementRanges.h"

using namespace mlir;
using namespace mlir::qsim;
using namespace mlir::qsim::cpu;

/// The least multiply-accumulates in one parallel loop: an OpenMP region
/// costs a few microseconds, 1 Mi int8 MACs take tens on one core.
static constexpr int64_t kMinParallelMACs = int64_t(1) << 20;

/// The channel-group loop runs on the threads rather than the pixel tiles
/// when it has at least this many trips (or more than the pixel tiles):
/// one region per layer, enough trips to balance a few threads.
static constexpr int64_t kMinChannelTrips = 16;

/// Depthwise kernels with at most this many taps (7x7) are unrolled.
static constexpr int64_t kMaxUnrolledTaps = 49;

/// Output pixels of a depthwise tile on single taps.
static constexpr int64_t kDepthwiseTilePixels = 6;

bool KernelConfig::isParallel(int64_t channels) const {
  return passMACs * channels >= kMinParallelMACs;
}

std::pair<int64_t, int64_t> cpu::getInputBounds(ElementRanges &ranges,
                                                Value input) {
  std::optional<ConstantIntRanges> r = ranges.get(input);
  if (!r || r->smin().getBitWidth() > 64)
    return {INT64_MIN, INT64_MAX};
  return {r->smin().getSExtValue(), r->smax().getSExtValue()};
}

CPUKernelInputBounds mlir::qsim::computeCPUKernelInputBounds(Operation *root) {
  CPUKernelInputBounds bounds;
  ElementRanges ranges;
  root->walk([&](linalg::LinalgOp op) {
    if (isKernelCandidate(op) && op->getNumOperands() > 0)
      bounds[op] = getInputBounds(ranges, op.getDpsInputs()[0]);
  });
  return bounds;
}

/// Whether no i16 pair sum of vpmaddubsw can saturate: for every output
/// channel and tap, each pair of input channels (2j, 2j + 1; the padding
/// channels have weight 0) times any unsigned input byte in [uLo, uHi]
/// stays within i16.
static bool pairsFitI16(const Problem &p, int64_t uLo, int64_t uHi) {
  for (int64_t f = 0; f < p.F; ++f)
    for (int64_t kh = 0; kh < p.KH; ++kh)
      for (int64_t kw = 0; kw < p.KW; ++kw)
        for (int64_t c = 0; c < p.C; c += 2) {
          int64_t lo = 0, hi = 0;
          for (int64_t cc = c; cc < std::min(c + 2, p.C); ++cc) {
            int64_t w = p.wInt[p.weightIndex(f, kh, kw, cc)];
            lo += std::min(w * uLo, w * uHi);
            hi += std::max(w * uLo, w * uHi);
          }
          if (lo < INT16_MIN || hi > INT16_MAX)
            return false;
        }
  return true;
}

namespace {
/// The dot step and the input bias of an op.
struct DotChoice {
  DotKind kind;
  int64_t xBias;
  std::string why; // for report-kernels
};
} // namespace

/// The dot of an int8 convolution or matmul. A byte-input dot reads the
/// input as u8: the bytes themselves when the input is proven to be in
/// [0, 127] (a ReLU's output: no copy, no correction), else flipped
/// (x ^ 0x80, with 128 * sum(w) taken off the start). vpmaddubsw replaces
/// vpmaddwd (about 1.3x its throughput on Zen 3) only where its i16 pair
/// sums cannot saturate, which holds for any int8 weights on a [0, 127]
/// input.
static DotChoice selectDot(const Problem &p, const CPUKernelISAInfo &isa,
                           bool maddubs, InputBoundsFn inputBounds) {
  DotKind kind = p.isFloat ? DotKind::FMA : isa.int8Dot;
  // A depthwise product has no channel reduction for vpdpbusd's
  // quadruples: on an AVX-512 VNNI host (which has AVX-512BW) a signed
  // input takes the AVX-512 vpmaddwd form (vpmulld otherwise); an input
  // in [0, 127] puts four taps in each quadruple instead (below).
  bool vnniDepthwise = p.depthwise && p.pool == Problem::Pool::None &&
                       !p.isFloat && kind == DotKind::VNNI;
  if (vnniDepthwise)
    kind = DotKind::MAdd;
  bool byteInput = kind == DotKind::VNNI || (kind == DotKind::MAdd && maddubs);
  if (p.isFloat || p.pool != Problem::Pool::None || !byteInput ||
      (p.depthwise &&
       (kind != DotKind::MAdd || p.KH * p.KW > kMaxUnrolledTaps)))
    return {kind, kind == DotKind::VNNI ? 128 : 0, ""};
  auto [lo, hi] = inputBounds();
  std::string in =
      "input in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  bool direct = lo >= 0 && hi <= 127;
  if (p.depthwise) {
    // Tap groups read the input bytes as they are.
    if (direct && vnniDepthwise)
      return {isa.int8Dot, 0, in + ": read as unsigned, taps in fours"};
    if (direct)
      return {DotKind::MAddUBS, 0, in + ": read as unsigned, taps paired"};
    return {kind, 0, in + ": vpmaddwd on single taps"};
  }
  if (kind == DotKind::VNNI)
    return {kind, direct ? 0 : 128,
            in + (direct ? ": read as unsigned" : ": flipped")};
  if (direct && pairsFitI16(p, lo, hi))
    return {DotKind::MAddUBS, 0, in + ": read as unsigned"};
  // Shifted by -lo, the input is in [0, hi - lo]: the narrowest unsigned
  // range, so the most weight pairs fit (a hard-swish's output, [-k, 127]
  // with small k, fits nearly every pair; -128 is the flip).
  if (lo < 0 && lo >= -128 && hi <= 127 && pairsFitI16(p, 0, hi - lo))
    return {DotKind::MAddUBS, -lo,
            in + (lo == -128 ? ": flipped, weight pairs within 128"
                             : ": shifted by " + std::to_string(-lo) +
                                   " to unsigned")};
  return {kind, 0, in + ": vpmaddubsw could saturate"};
}

KernelConfig cpu::selectKernel(const Problem &p,
                               const CPUKernelOptions &options,
                               InputBoundsFn inputBounds) {
  const CPUKernelISAInfo &isa = getCPUKernelISAInfo(options.isa);
  DotChoice choice = selectDot(p, isa, options.maddubs, inputBounds);
  KernelConfig c;
  c.dot = createDotEmitter(choice.kind, isa.vectorBits, options.emulate);
  assert(c.dot && "the target has no such dot");
  c.xBias = choice.xBias;
  c.why = std::move(choice.why);
  c.shape = c.dot->getShape();
  if (p.pool == Problem::Pool::Max && !p.isFloat) {
    // An int8 max is exact on i8 lanes: four vectors' worth per register,
    // or fewer where that divides the channels and four times does not. A
    // partial vector of bytes is a masked load per tap, which AVX2 has
    // only for 32- and 64-bit lanes: LLVM loads it byte by byte (24
    // channels on 32 lanes made ShuffleNet's max pool 25x slower than f32).
    int64_t lanes = c.shape.lanes;
    c.shape.lanes = 4 * lanes;
    for (int64_t k : {4, 2, 1})
      if (p.F % (k * lanes) == 0) {
        c.shape.lanes = k * lanes;
        break;
      }
  }
  c.tapGroups = p.depthwise && p.pool == Problem::Pool::None && !p.isFloat &&
                c.dot->getTapsPerGroup() > 0;
  if (c.tapGroups)
    c.remainderDot =
        createDotEmitter(DotKind::MAdd, isa.vectorBits, options.emulate);
  c.unrollTaps = p.depthwise && p.KH * p.KW <= kMaxUnrolledTaps;

  // Layout: tap groups compute blocks of 4L channels (one vector of
  // bytes).
  const int64_t L = c.shape.lanes, G = c.shape.group, M = p.M();
  if (p.depthwise) {
    c.FB = c.tapGroups ? 4 * llvm::divideCeil(p.F, 4 * L)
                       : llvm::divideCeil(p.F, L);
  } else {
    c.Cp = llvm::alignTo(p.C, G);
    c.CG = c.Cp / G;
    c.FB = llvm::divideCeil(p.F, L);
  }

  // Register tile. Tap groups: one block of 4L channels (four vectors),
  // two pixels (the interleaved inputs and pair sums need the other
  // registers).
  c.nvMax = c.tapGroups ? 4 : std::min<int64_t>(c.shape.maxVectors, c.FB);
  c.mr = std::max<int64_t>(1, std::min<int64_t>({c.shape.accRegs / c.nvMax,
                                                 c.tapGroups   ? int64_t(2)
                                                 : p.depthwise ? kDepthwiseTilePixels
                                                               : 16,
                                                 M}));
  c.fMainBlocks = p.F / (c.nvMax * L);
  // The remainder after the tap groups' blocks runs on single taps, which
  // need none of the registers the tap groups keep for their inputs: it
  // takes a plain depthwise tile's pixels (16 channels on AVX2, all
  // remainder, ran at about half of fp32's speed with two).
  int64_t restVectors =
      llvm::divideCeil(p.F - c.fMainBlocks * c.nvMax * L, L);
  c.remainderMr =
      c.tapGroups && restVectors > 0
          ? std::max<int64_t>(
                1, std::min<int64_t>({c.shape.accRegs / restVectors,
                                      kDepthwiseTilePixels, M}))
          : c.mr;

  // Work per channel of a pass, for choosing the loop that runs on threads
  // (option `threads` of the CPU pipeline). Depthwise and pooling products
  // run about 8x slower than the dot instructions, so they count 8x.
  c.passMACs =
      M * p.KH * p.KW * std::max<int64_t>(p.C, 1) * (p.depthwise ? 8 : 1);

  // Cache blocking: with one channel block per pass over the pixels, the
  // block's weights stay in L1 but the whole input is read once per block.
  // When the input is larger than the cache budget, `group` blocks whose
  // weights fit the budget share one pass: a tile's input rows are reused
  // from L1 for all of them, and the input is read FB / group times.
  // Depthwise tiles take all blocks in one pass.
  int64_t bytes = p.isFloat ? 4 : c.dot->hasUnsignedInput() ? 1 : 2;
  int64_t blockBytes = c.nvMax * L * p.KH * p.KW * c.Cp * bytes;
  // The input as the kernel reads it: channels padded to Cp.
  int64_t inputElements =
      cast<RankedTensorType>(p.input.getType()).getNumElements();
  if (!p.depthwise && c.Cp != p.C)
    inputElements = inputElements / p.C * c.Cp;
  int64_t inputBytes = inputElements * bytes;
  if (p.depthwise && c.fMainBlocks > 1) {
    c.group = c.fMainBlocks;
  } else if (!p.depthwise && options.cacheBytes > 0 &&
             inputBytes > options.cacheBytes && c.fMainBlocks > 1) {
    int64_t limit = std::max<int64_t>(1, options.cacheBytes / blockBytes);
    for (int64_t d = std::min(limit, c.fMainBlocks); d >= 1; --d)
      if (c.fMainBlocks % d == 0) {
        c.group = d;
        break;
      }
  }

  // Threads split the output channels (the channel-group loop) when there
  // are enough groups, as in the small-image layers of ResNet-50's last
  // stages (7x7: 12 pixel tiles, 85 groups), and the pixel tiles
  // otherwise (large images, or one group sharing a pass for the cache).
  int64_t groupTrips = c.fMainBlocks / c.group;
  int64_t pixelTiles = M / c.mr;
  c.parallelChannels =
      groupTrips >= 2 &&
      c.passMACs * c.fMainBlocks * c.nvMax * L >= kMinParallelMACs &&
      (groupTrips >= kMinChannelTrips || groupTrips >= pixelTiles);
  return c;
}

std::string cpu::describeKernel(const Problem &p, const KernelConfig &c) {
  StringRef step = p.pool == Problem::Pool::Max   ? "max"
                   : p.pool == Problem::Pool::Sum ? "add"
                                                  : c.dot->getName();
  std::string text = ("micro-kernel: " + step + ", " +
                      std::to_string(c.shape.lanes) + " lanes")
                         .str();
  if (!c.why.empty())
    text += " (" + c.why + ")";
  if (p.groups > 1)
    text += ", " + std::to_string(p.groups) + " groups of " +
            std::to_string(p.C) + " -> " + std::to_string(p.F / p.groups) +
            " channels";
  if (p.epilogue)
    text += ", epilogue fused";
  return text;
}
