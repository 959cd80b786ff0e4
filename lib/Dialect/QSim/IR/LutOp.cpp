//===- LutOp.cpp - qsim.lut verifier and result range ---------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The table lookup's own rules: the table has one entry per input value and
// the result's element type, and the result range is the hull of the
// entries (every element of the result is one of them).
//
//===----------------------------------------------------------------------===//

#include "qsim/Dialect/QSim/IR/QSimOps.h"

using namespace mlir;
using namespace mlir::qsim;

/// Inputs wider than this would need tables too large to be constants.
static constexpr unsigned kMaxLutInputBits = 16;

LogicalResult LutOp::verify() {
  auto inType = cast<RankedTensorType>(getInput().getType());
  auto outType = cast<RankedTensorType>(getOutput().getType());
  unsigned bits = inType.getElementTypeBitWidth();
  if (bits > kMaxLutInputBits)
    return emitOpError("input element type ")
           << inType.getElementType() << " is wider than "
           << kMaxLutInputBits << " bits";
  auto tableType = cast<ShapedType>(getTable().getType());
  int64_t entries = int64_t(1) << bits;
  int64_t rank = tableType.getRank();
  if ((rank != 1 && rank != 2) || tableType.getDimSize(rank - 1) != entries)
    return emitOpError("table must have 2^")
           << bits << " = " << entries << " entries (per row of a [C, "
           << entries << "] table) for input element type "
           << inType.getElementType() << ", got " << tableType;
  if (rank == 2) {
    int64_t channels = inType.getRank() == 0
                           ? ShapedType::kDynamic
                           : inType.getDimSize(inType.getRank() - 1);
    if (ShapedType::isDynamic(channels) ||
        tableType.getDimSize(0) != channels)
      return emitOpError("a per-channel table needs one row per element of "
                         "the input's static last dimension: ")
             << tableType << " for input " << inType;
  }
  if (tableType.getElementType() != outType.getElementType())
    return emitOpError("table element type ")
           << tableType.getElementType()
           << " differs from the result element type "
           << outType.getElementType();
  return success();
}

void LutOp::inferResultRanges(ArrayRef<ConstantIntRanges>,
                              SetIntRangeFn setResultRange) {
  std::optional<ConstantIntRanges> range;
  for (const APInt &v : getTable().getValues<APInt>()) {
    ConstantIntRanges c = ConstantIntRanges::constant(v);
    range = range ? range->rangeUnion(c) : c;
  }
  setResultRange(getResult(), *range);
}
