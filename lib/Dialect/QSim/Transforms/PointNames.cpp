//===- PointNames.cpp - the names of quantization points ------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "qsim/Dialect/QSim/Transforms/PointNames.h"

#include "qsim/Dialect/QSim/IR/QSimOps.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace mlir::qsim;

std::optional<std::string> mlir::qsim::nameOfLocation(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (auto n = nameOfLocation(l))
        return n;
  return std::nullopt;
}

DenseMap<Operation *, std::string> mlir::qsim::nameOpsOf(func::FuncOp func) {
  DenseMap<Operation *, std::string> names;
  std::string funcName = func.getSymName().str();
  llvm::StringMap<unsigned> counters;
  func.walk([&](Operation *op) {
    if (op == func.getOperation() || isa<AnnotateOp>(op))
      return;
    if (auto n = nameOfLocation(op->getLoc())) {
      names[op] = *n;
      return;
    }
    std::string mnemonic = op->getName().stripDialect().str();
    names[op] =
        funcName + "." + mnemonic + "_" + std::to_string(counters[mnemonic]++);
  });
  return names;
}

std::string
mlir::qsim::pointNameOf(Value v,
                        const DenseMap<Operation *, std::string> &opNames,
                        StringRef funcName) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return funcName.str() + ".arg" + std::to_string(arg.getArgNumber());
  Operation *def = v.getDefiningOp();
  std::string base = opNames.lookup(def);
  if (base.empty())
    base = funcName.str() + "." + def->getName().stripDialect().str();
  if (def->getNumResults() == 1)
    return base + ".out";
  return base + ".out" + std::to_string(cast<OpResult>(v).getResultNumber());
}
