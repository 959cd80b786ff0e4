//===- Passes.td - passes shared by the codegen pipelines --*- tablegen -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// Target-independent passes of --qsim-cpu-pipeline and --qsim-gpu-pipeline.
// The target-specific ones are in CPU/Passes.td and GPU/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TRANSFORMS_PASSES_TD
#define QSIM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QSimMarkEntryPoints : Pass<"qsim-mark-entry-points", "ModuleOp"> {
  let summary = "Record the entry signature of public functions and request "
                "their C wrappers";
  let description = [{
    The head of the code generation pipelines. For every public function
    definition of the module:

    * the function type it has now (tensors) is recorded as a `TypeAttr`
      under `qsim.entry_type`, which survives the lowering to `llvm.func`, so
      that a runner (qsim-run) checks its inputs against the tensor
      signature of an already lowered module; a function that already has
      the attribute (a module fed through twice) keeps it;
    * its tensor arguments are marked `bufferization.writable = false`: a
      caller's input buffers survive the call (to call again);
    * with `emit-c-interface`, `llvm.emit_c_interface` is added, so that a
      host calls it as `_mlir_ciface_<name>` with memref descriptors.

    Upstream's `llvm-request-c-wrappers` marks every function, declarations
    included, which would redirect calls of external C functions (libm,
    runtime helpers) to `_mlir_ciface_` wrappers that do not exist.

    With `gpu-translations`, the pass declares the LLVM IR translations of
    the builtin, LLVM, GPU and NVVM dialects as dependent: the
    `gpu-module-to-binary` at the end of `--qsim-gpu-pipeline` needs them,
    and registering them here makes that pipeline self-contained for any
    driver (qsim-opt, qsim-run, an embedder).

    Example:
    ```mlir
    // qsim-opt --qsim-mark-entry-points
    func.func @main(%x: tensor<4xi8>) -> tensor<4xi8>
    // becomes
    func.func @main(%x: tensor<4xi8> {bufferization.writable = false})
        -> tensor<4xi8> attributes {llvm.emit_c_interface,
                                    qsim.entry_type = (tensor<4xi8>) -> tensor<4xi8>}
    ```
  }];
  let options = [
    Option<"emitCInterface", "emit-c-interface", "bool", /*default=*/"true",
           "Add llvm.emit_c_interface to every public function definition">,
    Option<"gpuTranslations", "gpu-translations", "bool", /*default=*/"false",
           "Declare the LLVM IR translations of the GPU and NVVM dialects as "
           "dependent (for gpu-module-to-binary later in the pipeline)">
  ];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def QSimFuseElementwiseKeepNamed
    : Pass<"qsim-fuse-elementwise-keep-named", "func::FuncOp"> {
  let summary = "Fuse elementwise linalg ops, leaving named linalg ops named";
  let description = [{
    Upstream's `linalg-fuse-elementwise-ops` (the same pattern sets: producer
    into consumer fusion of elementwise generics, reshape propagation by
    expansion, constant folding), with a control that refuses any fusion or
    reshape propagation that would touch a named linalg op: upstream's pass
    propagates reshapes through convolutions, matmuls and pooling by
    rewriting them as `linalg.generic`, which the CPU micro-kernels
    (`convert-linalg-to-cpu-kernels`) do not match. The classifier after a
    global pool (`tosa.matmul` between two reshapes) became a generic with
    the pool's requantize folded in and ran as plain loops.

    Only producers with one use are fused, as upstream's default control,
    and a producer read through a broadcast (a map that is no permutation)
    only when its body is one op (a cast): otherwise fusion would recompute
    it for every element it broadcasts to (a squeeze-and-excitation block's
    channel scale, requantize and lookup included, once per pixel).
    `--qsim-cpu-pipeline` runs this pass; the GPU pipeline keeps upstream's.

    Example:
    ```mlir
    // qsim-opt --qsim-fuse-elementwise-keep-named
    %m = linalg.matmul ins(%x, %w : tensor<4x16xi8>, tensor<16x8xi8>) ...
    %r = tensor.expand_shape %m [[0, 1], [2]] output_shape [1, 4, 8]
        : tensor<4x8xi32> into tensor<1x4x8xi32>
    %t = linalg.generic ... ins(%r : tensor<1x4x8xi32>) ... // trunci to i8
    // stays as it is; linalg-fuse-elementwise-ops would expand %x and
    // rewrite the matmul as a 4-d linalg.generic producing tensor<1x4x8xi32>
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // QSIM_TRANSFORMS_PASSES_TD
