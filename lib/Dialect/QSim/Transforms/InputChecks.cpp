//===- InputChecks.cpp - refuse inputs upstream code cannot take ----------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Dialect/QSim/Transforms/InputChecks.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <limits>

using namespace mlir;

/// The first unranked tensor among `types`, with its position.
static std::optional<std::pair<unsigned, Type>> findUnranked(TypeRange types) {
  for (auto [i, t] : llvm::enumerate(types))
    if (isa<UnrankedTensorType>(t))
      return std::make_pair(static_cast<unsigned>(i), t);
  return std::nullopt;
}

static LogicalResult checkOp(Operation *op, StringRef who) {
  if (auto u = findUnranked(op->getOperandTypes()))
    return op->emitError() << who << ": '" << op->getName()
                           << "' has an unranked operand #" << u->first
                           << " of type " << u->second
                           << "; quantization needs ranked tensors";
  if (auto u = findUnranked(op->getResultTypes()))
    return op->emitError() << who << ": '" << op->getName()
                           << "' has an unranked result #" << u->first
                           << " of type " << u->second
                           << "; quantization needs ranked tensors";
  for (NamedAttribute attr : op->getAttrs()) {
    if (auto arr = dyn_cast<DenseI64ArrayAttr>(attr.getValue())) {
      for (auto [i, v] : llvm::enumerate(arr.asArrayRef()))
        if (v == std::numeric_limits<int64_t>::min())
          return op->emitError()
                 << who << ": '" << op->getName() << "' attribute '"
                 << attr.getName().getValue() << "' holds " << v << " at #" << i
                 << ", the dynamic-size sentinel, not a size";
      continue;
    }
    auto dense = dyn_cast<DenseIntElementsAttr>(attr.getValue());
    if (!dense || !dense.getElementType().isIndex())
      continue;
    int64_t i = 0;
    for (const APInt &v : dense.getValues<APInt>()) {
      if (v.getSExtValue() < -1)
        return op->emitError()
               << who << ": '" << op->getName() << "' shape value "
               << v.getSExtValue() << " at #" << i << " of '"
               << attr.getName().getValue()
               << "' is negative (only -1 has a meaning)";
      ++i;
    }
  }
  return success();
}

LogicalResult qsim::checkQuantizationInput(Operation *root, StringRef who) {
  bool ok = true;
  root->walk([&](Operation *op) {
    if (op != root && failed(checkOp(op, who)))
      ok = false;
  });
  return success(ok);
}
