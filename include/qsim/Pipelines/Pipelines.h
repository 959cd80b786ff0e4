//===- Pipelines.h - qsim code generation pipelines -------------*- C++ -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Named pipelines that take a module of func.func on tensors (TOSA, linalg,
// arith, math, tensor) down to a target dialect. qsim-opt registers them as
// flags and qsim-run builds them directly. Their building blocks are declared
// at the end, for test pipelines and embedders that assemble their own.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_PIPELINES_PIPELINES_H
#define QSIM_PIPELINES_PIPELINES_H

#include "qsim/Transforms/Passes.h"

#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
class OpPassManager;

namespace qsim {

/// Options of `--qsim-cpu-pipeline`.
struct QSimCPUPipelineOptions
    : public PassPipelineOptions<QSimCPUPipelineOptions> {
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Add llvm.emit_c_interface to every public function "
                     "definition, so that a host (qsim-run, "
                     "mlir::ExecutionEngine) calls it as "
                     "_mlir_ciface_<name> with memref descriptors"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> microkernels{
      *this, "microkernels",
      llvm::cl::desc("Register-tiled micro-kernels for int8/f32 convolutions "
                     "and matmuls (--convert-linalg-to-cpu-kernels): auto "
                     "(the host's best: avx512-vnni, avx512, avx2; none "
                     "without AVX2), none (plain loops), a named target "
                     "(code for inspection; it runs only on such a CPU)"),
      llvm::cl::init("auto")};
  PassOptions::Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("Threads: 1 (default) keeps the code single-threaded "
                     "and free of runtime calls; N > 1 runs the outermost "
                     "loops with enough work (micro-kernel tiles, pooling, "
                     "elementwise, copies) on N OpenMP threads; 0 the same "
                     "with the team size chosen at run time (OMP_NUM_THREADS "
                     "or omp_set_num_threads). The JIT loads LLVM's OpenMP "
                     "runtime (libomp); the results are the same bits for "
                     "every thread count"),
      llvm::cl::init(1)};
  PassOptions::Option<int64_t> minParallelWork{
      *this, "min-parallel-work",
      llvm::cl::desc("With threads != 1: loop nests that run fewer "
                     "operations than this stay sequential (a parallel "
                     "region costs microseconds)"),
      llvm::cl::init(65536)};
  PassOptions::Option<unsigned> cacheKB{
      *this, "cache-kb",
      llvm::cl::desc("Micro-kernels' cache budget in KiB: for an input "
                     "larger than it, the output-channel blocks whose packed "
                     "weights fit in it share one pass over the input (0: "
                     "one block per pass)"),
      llvm::cl::init(128)};
  PassOptions::Option<bool> maddubs{
      *this, "maddubs",
      llvm::cl::desc("On vpmaddwd targets (avx2, avx512), use vpmaddubsw "
                     "(u8 x s8 pairs, 1.2-1.3x the throughput on Zen 3) for the "
                     "convolutions and matmuls where no i16 pair sum can "
                     "saturate, e.g. on a ReLU's output, and to pair the "
                     "taps of depthwise convolutions on such an input; "
                     "false: vpmaddwd everywhere"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> reportInt32{
      *this, "report-int32",
      llvm::cl::desc("Remark on every i32 tensor that one op still writes "
                     "for another to read after the micro-kernels (the "
                     "int8-between-layers property)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> reportKernels{
      *this, "report-kernels",
      llvm::cl::desc("Remark on every op the micro-kernels rewrite: the dot "
                     "step (vpdpbusd, vpmaddubsw, vpmaddwd, fma), lanes, the "
                     "input bounds that chose it, epilogue fusion"),
      llvm::cl::init(false)};
};

/// Adds the CPU lowering to `pm` (which must run on builtin.module): TOSA to
/// linalg/arith/tensor, elementwise fusion, One-Shot Bufferize with identity
/// layouts at function boundaries, ownership-based deallocation, linalg to
/// loops and the conversions to the LLVM dialect. The result contains only
/// LLVM dialect ops and runs in mlir::ExecutionEngine.
void buildQSimCPUPipeline(OpPassManager &pm,
                          const QSimCPUPipelineOptions &options);
/// The same, with the micro-kernels' int8 dot instructions as generic vector
/// arithmetic when `emulateDots` (the test pipeline of test/lib, which runs
/// a target's kernels on hosts without its instructions).
void buildQSimCPUPipeline(OpPassManager &pm,
                          const QSimCPUPipelineOptions &options,
                          bool emulateDots);

/// Registers `--qsim-cpu-pipeline` with the global pass pipeline registry.
void registerQSimCPUPipeline();

/// Options of `--qsim-quantize`: those of --qsim-annotate and
/// --qsim-calibrate, forwarded.
struct QSimQuantizePipelineOptions
    : public PassPipelineOptions<QSimQuantizePipelineOptions> {
  PassOptions::Option<unsigned> skipFirstConvs{
      *this, "skip-first-convs",
      llvm::cl::desc("Leave the first k convolutions in float"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> skipDense{
      *this, "skip-dense", llvm::cl::desc("Leave dense layers in float"),
      llvm::cl::init(false)};
  PassOptions::ListOption<std::string> skipPoints{
      *this, "skip-points",
      llvm::cl::desc("Regexes of point/op names or locations left in float")};
  PassOptions::ListOption<std::string> allowOps{
      *this, "allow-ops", llvm::cl::desc("Only quantize these op names")};
  PassOptions::ListOption<std::string> denyOps{
      *this, "deny-ops", llvm::cl::desc("Never quantize these op names")};
  PassOptions::Option<std::string> report{
      *this, "report",
      llvm::cl::desc("JSON report of what was quantized ('-' = stdout)"),
      llvm::cl::init("")};
  PassOptions::Option<bool> emitRemarks{
      *this, "emit-remarks",
      llvm::cl::desc("Emit a remark on every op saying whether it was "
                     "quantized (qsim-annotate's option) and on every proved "
                     "i32 accumulator with its margin "
                     "(convert-qsim-to-linalg's)"),
      llvm::cl::init(false)};
  PassOptions::Option<std::string> table{
      *this, "table", llvm::cl::desc("Calibration statistics table (JSON)"),
      llvm::cl::init("")};
  PassOptions::Option<double> globalScale{
      *this, "global-scale",
      llvm::cl::desc("Activation range [-x, x] without a table entry"),
      llvm::cl::init(8.0)};
  PassOptions::Option<bool> perChannel{
      *this, "per-channel", llvm::cl::desc("Per-channel weight scales"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> method{
      *this, "method",
      llvm::cl::desc("Activation threshold: max, pow2, percentile, mse or kl"),
      llvm::cl::init("max")};
  PassOptions::Option<double> percentile{
      *this, "percentile",
      llvm::cl::desc("Percentile of |x| for method=percentile"),
      llvm::cl::init(99.99)};
  PassOptions::Option<std::string> weightMethod{
      *this, "weight-method", llvm::cl::desc("max or mse"),
      llvm::cl::init("max")};
  PassOptions::Option<unsigned> bits{
      *this, "bits", llvm::cl::desc("Integer bit width"), llvm::cl::init(8)};
  PassOptions::Option<unsigned> weightRangeBits{
      *this, "weight-range-bits",
      llvm::cl::desc("Weights scaled to the symmetric range of this many "
                     "bits inside the bits-wide type (0: bits)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> pow2{
      *this, "pow2", llvm::cl::desc("Power-of-two scales"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> unsignedActivations{
      *this, "unsigned-activations",
      llvm::cl::desc("[0, max] with a zero point for non-negative points"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> fuseLut{
      *this, "fuse-lut",
      llvm::cl::desc("Turn elementwise float chains between quantization "
                     "points (sigmoid, hard-swish, GELU, ...) into int8 "
                     "table lookups (--qsim-fuse-lut)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> intIO{
      *this, "int-io",
      llvm::cl::desc("Integer function arguments/results (see qsim-realize)"),
      llvm::cl::init(false)};
  PassOptions::Option<std::string> rounding{
      *this, "rounding", llvm::cl::desc("Rounding mode"),
      llvm::cl::init("half_to_even")};
};

/// annotate -> calibrate -> realize -> canonicalize/CSE ->
/// convert-qsim-to-linalg: a float model on tensors becomes integer linalg
/// on tensors with the float signature.
void buildQSimQuantizePipeline(OpPassManager &pm,
                               const QSimQuantizePipelineOptions &options);

/// Registers `--qsim-quantize`.
void registerQSimQuantizePipeline();

/// Options of `--qsim-gpu-pipeline`.
struct QSimGPUPipelineOptions
    : public PassPipelineOptions<QSimGPUPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("NVIDIA GPU architecture (sm_80, sm_90)"),
      llvm::cl::init("sm_80")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("NVPTX target features, e.g. +ptx80; default: the "
                     "minimum PTX version of the chip"),
      llvm::cl::init("")};
  PassOptions::Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("LLVM optimization level of the device code"),
      llvm::cl::init(3)};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("gpu-module-to-binary format: isa (PTX text, no CUDA "
                     "needed), bin (cubin) or fatbin (both need ptxas and, "
                     "for fatbin, fatbinary from the CUDA toolkit)"),
      llvm::cl::init("isa")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit path for format=bin/fatbin (default: "
                     "what MLIR finds, e.g. CUDA_ROOT or /usr/local/cuda)"),
      llvm::cl::init("")};
  PassOptions::Option<unsigned> maxThreadsPerBlock{
      *this, "max-threads-per-block",
      llvm::cl::desc("Upper bound of the threads of one block (the tile of "
                     "the innermost parallel dimensions)"),
      llvm::cl::init(256)};
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Add llvm.emit_c_interface to every public function "
                     "definition (as --qsim-cpu-pipeline does)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fuseEpilogues{
      *this, "fuse-epilogues",
      llvm::cl::desc("Fuse element-wise loops into the kernel of the loop "
                     "nest that produces their operands (requantize into the "
                     "conv/matmul kernel), keeping i32 accumulators in "
                     "registers"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> dp4a{
      *this, "dp4a",
      llvm::cl::desc("Compute i8 x i8 -> i32 reductions with the 4-way byte "
                     "dot product (PTX dp4a; needs sm_61 or newer, ignored "
                     "for older chips)"),
      llvm::cl::init(true)};
};

/// Adds the GPU lowering to `pm` (which must run on builtin.module): the
/// tensor-level steps and bufferization of the CPU pipeline, one kernel per
/// linalg op tiled to blocks and threads (elementwise epilogues fused into
/// the kernel of their producer, i32 accumulators in registers, int8
/// reductions on dp4a: options fuse-epilogues, dp4a), buffers in CUDA
/// managed memory,
/// NVVM for the kernels (serialized by gpu-module-to-binary into a
/// gpu.binary) and the LLVM dialect for the host, which calls the mgpu*
/// functions of a CUDA runtime wrapper library.
void buildQSimGPUPipeline(OpPassManager &pm,
                          const QSimGPUPipelineOptions &options);

/// Registers `--qsim-gpu-pipeline`.
void registerQSimGPUPipeline();

//===----------------------------------------------------------------------===//
// Building blocks of the pipelines
//===----------------------------------------------------------------------===//

/// Adds the tensor-level lowering that the CPU and GPU pipelines share to
/// `pm` (on builtin.module): leftover qsim ops to linalg, TOSA to
/// linalg/arith/tensor, elementwise ops to fused linalg.generic, then
/// One-Shot Bufferize with identity layouts at function boundaries and
/// ownership-based deallocation. Every returned buffer is a fresh allocation
/// owned by the caller. `beforeBufferize`, when given, adds target-specific
/// tensor-level passes (on func.func) between the fusion and bufferization.
/// With `keepNamedContractions`, the elementwise fusion leaves named linalg
/// ops (convolutions, matmuls, pooling) named
/// (--qsim-fuse-elementwise-keep-named): upstream's fusion pass propagates
/// reshapes through them by rewriting them as generics, which the CPU
/// micro-kernels do not match (the FC after a global pool).
void addTensorToBufferPasses(
    OpPassManager &pm,
    llvm::function_ref<void(OpPassManager &funcPm)> beforeBufferize = {},
    bool keepNamedContractions = false);

/// Adds the lowering of the host code (memref, arith, math, index, cf, ub,
/// func on control flow) to the LLVM dialect. With `gpuRuntimeCalls`,
/// gpu-to-llvm also turns launches and GPU memory ops into the mgpu* calls
/// of the CUDA runtime wrappers.
void addHostToLLVMPasses(OpPassManager &pm, bool gpuRuntimeCalls);

/// Adds the loop nest steps of the GPU pipeline to `funcPm` (on func.func,
/// on buffers): one scf.parallel nest per linalg op, element-wise consumers
/// fused into their producers (option fuse-epilogues), accumulators in
/// registers, int8 reductions on dp4a (option dp4a, for chips that have
/// it). With `emulateDot4`, dp4a is rewritten as vector arithmetic of the
/// same semantics whatever the chip, so that the nests run on the CPU.
void addGPUParallelLoopPasses(OpPassManager &funcPm,
                              const QSimGPUPipelineOptions &options,
                              bool emulateDot4);

} // namespace qsim
} // namespace mlir

#endif // QSIM_PIPELINES_PIPELINES_H
