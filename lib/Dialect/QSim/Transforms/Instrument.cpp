//===- Instrument.cpp - markers to observer calls -------------------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"

namespace mlir {
namespace qsim {
#define GEN_PASS_DEF_QSIMINSTRUMENT
#include "qsim/Dialect/QSim/Transforms/Passes.h.inc"
} // namespace qsim
} // namespace mlir

using namespace mlir;
using namespace mlir::qsim;

namespace {
struct InstrumentPass : public qsim::impl::QSimInstrumentBase<InstrumentPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace

void InstrumentPass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *ctx = &getContext();
  SmallVector<AnnotateOp> markers;
  module.walk([&](AnnotateOp op) { markers.push_back(op); });

  Type f32 = Float32Type::get(ctx);
  auto unranked = UnrankedMemRefType::get(f32, 0);
  auto i64 = IntegerType::get(ctx, 64);
  auto calleeType = FunctionType::get(ctx, {i64, unranked}, {});
  SmallVector<Attribute> points;
  bool needCallee = false;

  for (AnnotateOp marker : markers) {
    Value input = marker.getInput();
    if (marker.getKind() == QuantKind::Input ||
        marker.getKind() == QuantKind::Activation) {
      auto type = dyn_cast<RankedTensorType>(input.getType());
      if (!type || !type.getElementType().isF32() || !type.hasStaticShape()) {
        marker.emitError("qsim-instrument: point '")
            << marker.getPoint()
            << "' is not a static f32 tensor; only those can be observed";
        return signalPassFailure();
      }
      OpBuilder b(marker);
      Location loc = marker.getLoc();
      auto memrefType = MemRefType::get(type.getShape(), f32);
      Value buffer = bufferization::ToBufferOp::create(b, loc, memrefType, input,
                                                       /*read_only=*/true);
      Value cast = memref::CastOp::create(b, loc, unranked, buffer);
      Value id = arith::ConstantOp::create(
          b, loc, IntegerAttr::get(i64, static_cast<int64_t>(points.size())));
      func::CallOp::create(b, loc, callee, TypeRange{}, ValueRange{id, cast});
      std::string locText;
      llvm::raw_string_ostream os(locText);
      loc.print(os);
      points.push_back(DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "name"),
                               marker.getPointAttr()),
                NamedAttribute(StringAttr::get(ctx, "kind"),
                               StringAttr::get(ctx, stringifyQuantKind(
                                                        marker.getKind()))),
                NamedAttribute(StringAttr::get(ctx, "loc"),
                               StringAttr::get(ctx, locText))}));
      needCallee = true;
      ++numObserved;
    }
    marker.replaceAllUsesWith(input);
    marker.erase();
  }

  if (needCallee && !module.lookupSymbol(callee)) {
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto decl = func::FuncOp::create(b, module.getLoc(), callee, calleeType);
    decl.setPrivate();
  }
  module->setAttr("qsim.observed_points", ArrayAttr::get(ctx, points));
}
