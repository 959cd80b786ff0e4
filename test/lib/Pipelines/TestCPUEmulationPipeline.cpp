//===- TestCPUEmulationPipeline.cpp - a target's kernels on any host ------===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// `--qsim-cpu-emulation-pipeline="microkernels=<target> ..."`: the options and
// passes of --qsim-cpu-pipeline, with the micro-kernels of <target> (e.g.
// avx512-vnni) writing their int8 dot instructions as generic vector
// arithmetic. The kernels' structure (lanes, VNNI's unsigned flip and its
// corrections, packing, epilogues) then runs on any host, so that
// python/tests/test_cpu_kernels.py checks it bit for bit where the
// instructions are missing. Not a way to run models.
//
//===----------------------------------------------------------------------===//

#include "qsim/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::qsim;

namespace mlir {
namespace qsim {
namespace test {
void registerTestCPUEmulationPipeline() {
  PassPipelineRegistration<QSimCPUPipelineOptions>(
      "qsim-cpu-emulation-pipeline",
      "Test pipeline: --qsim-cpu-pipeline with the micro-kernels' int8 dot "
      "instructions as generic vector arithmetic (a target's kernels, e.g. "
      "microkernels=avx512-vnni, bit for bit on any host)",
      [](OpPassManager &pm, const QSimCPUPipelineOptions &options) {
        buildQSimCPUPipeline(pm, options, /*emulateDots=*/true);
      });
}
} // namespace test
} // namespace qsim
} // namespace mlir
