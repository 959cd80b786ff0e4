//===- Epilogue.h - a fused epilogue on accumulator vectors -----*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_EPILOGUE_H
#define QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_EPILOGUE_H

#include "KernelProblem.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir {
namespace qsim {
namespace cpu {

/// Applies the epilogue of a problem (Problem::epilogue; none: the
/// accumulators as they are) to vectors of L accumulator lanes.
class EpilogueEmitter {
public:
  /// `inputs` are the epilogue's inputs as the tiles read them: [M][F] for
  /// a Full operand, [F] for a Channel one, the tensor for a Scalar one.
  EpilogueEmitter(OpBuilder &b, Location loc, const Problem &p, int64_t lanes,
                  SmallVector<Value> inputs)
      : b(b), loc(loc), p(p), L(lanes), inputs(std::move(inputs)) {}

  /// The epilogue on one accumulator vector of output pixel m, channels
  /// [f, f + L), of which `valid` exist; with `beforeNarrowing`, up to the
  /// i32 operand of the narrowing clamp (Problem::narrowing), which
  /// `narrow` applies.
  Value apply(Value acc, Value m, Value f, int64_t valid,
              bool beforeNarrowing = false);

  /// The narrowing clamp of one pixel's i32 vectors, as one vector of their
  /// concatenated lanes; then, `withLookup`, the lookup (Problem::lookup) if
  /// the problem has one.
  Value narrow(ArrayRef<Value> vectors, bool withLookup = true);

  /// The lookup (Problem::lookup) on several byte vectors at once (one
  /// concatenation in full-width chunks), split back.
  SmallVector<Value> lookupEach(ArrayRef<Value> byteVectors);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  VectorType vecType(Type elt, int64_t n) { return VectorType::get({n}, elt); }
  /// A constant vector<n x elt> of c in every lane.
  Value splat(Type elt, int64_t n, int64_t c) {
    return arith::ConstantOp::create(
        b, loc, SplatElementsAttr::get(vecType(elt, n), b.getIntegerAttr(elt, c)));
  }
  std::pair<Value, Value> mulExtendedEvenOdd(Value a, Value c);
  Value lookup(Value bytes);

  OpBuilder &b;
  Location loc;
  const Problem &p;
  const int64_t L;
  SmallVector<Value> inputs;
};

} // namespace cpu
} // namespace qsim
} // namespace mlir

#endif // QSIM_LIB_CONVERSION_LINALGTOCPUKERNELS_EPILOGUE_H
