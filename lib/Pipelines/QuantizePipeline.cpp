//===- QuantizePipeline.cpp - the --qsim-quantize pipeline ----------------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "qsim/Conversion/Passes.h"
#include "qsim/Dialect/QSim/Transforms/Passes.h"
#include "qsim/Pipelines/Pipelines.h"

using namespace mlir;
using namespace mlir::qsim;

void mlir::qsim::buildQSimQuantizePipeline(
    OpPassManager &pm, const QSimQuantizePipelineOptions &options) {
  QSimAnnotateOptions annotate;
  annotate.skipFirstConvs = options.skipFirstConvs;
  annotate.skipDense = options.skipDense;
  annotate.skipPoints.assign(options.skipPoints.begin(),
                             options.skipPoints.end());
  annotate.allowOps.assign(options.allowOps.begin(), options.allowOps.end());
  annotate.denyOps.assign(options.denyOps.begin(), options.denyOps.end());
  annotate.reportFile = options.report;
  annotate.emitRemarks = options.emitRemarks;
  pm.addPass(createQSimAnnotate(annotate));

  QSimCalibrateOptions calibrate;
  calibrate.globalScale = options.globalScale;
  calibrate.tableFile = options.table;
  calibrate.perChannel = options.perChannel;
  calibrate.weightMethod = options.weightMethod;
  calibrate.method = options.method;
  calibrate.percentile = options.percentile;
  calibrate.bits = options.bits;
  calibrate.weightRangeBits = options.weightRangeBits;
  calibrate.pow2 = options.pow2;
  calibrate.unsignedActivations = options.unsignedActivations;
  calibrate.rounding = options.rounding;
  pm.addPass(createQSimCalibrate(calibrate));
  if (options.fuseLut)
    pm.addPass(createQSimFuseLut());

  QSimRealizeOptions realize;
  realize.intIO = options.intIO;
  pm.addPass(createQSimRealize(realize));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  ConvertQSimToLinalgOptions lowering;
  lowering.emitRemarks = options.emitRemarks;
  pm.addPass(createConvertQSimToLinalg(lowering));
  pm.addPass(createCanonicalizerPass());
}

void mlir::qsim::registerQSimQuantizePipeline() {
  PassPipelineRegistration<QSimQuantizePipelineOptions>(
      "qsim-quantize",
      "Quantize a float model: annotate, calibrate (table or global-scale), "
      "fuse-lut, realize, canonicalize, convert-qsim-to-linalg",
      buildQSimQuantizePipeline);
}
