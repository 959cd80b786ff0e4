//===- Passes.td - passes of the CPU pipeline --------------*- tablegen -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The steps of --qsim-cpu-pipeline that upstream has no pass for. The
// micro-kernels themselves are a conversion (convert-linalg-to-cpu-kernels,
// Conversion/Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TRANSFORMS_CPU_PASSES_TD
#define QSIM_TRANSFORMS_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def QSimCPUStridedCopiesToLinalg
    : Pass<"qsim-cpu-strided-copies-to-linalg", "func::FuncOp"> {
  let summary = "Rewrite memref.copy of non-contiguous buffers to loops of "
                "contiguous copies or linalg.copy";
  let description = [{
    A `memref.copy` between buffers that are not both contiguous (a
    `tensor.pad` writes its source into a subview of the padded buffer)
    lowers to a call of the runtime's generic `memrefCopy`, which walks the
    descriptors element by element: measured as costly as all the
    convolutions of a small int8 model.

    Where the trailing dimensions are contiguous in both buffers (a padded
    NHWC image: a row's W x C bytes) and such a run holds at least 64 bytes,
    the copy becomes `scf.for` loops over the leading dimensions around a
    `memref.copy` of one contiguous run (subview, collapsed to 1-D), which
    lowers to `llvm.memcpy`. Otherwise it becomes `linalg.copy`, whose
    loops' innermost (contiguous) dimension LLVM turns into moves. (Byte
    copies as `linalg.copy` loops were scalar: LLVM cannot rule out
    overlap.) Copies between two contiguous buffers are left alone.

    Example:
    ```mlir
    // qsim-opt --qsim-cpu-strided-copies-to-linalg
    memref.copy %src, %interior : memref<1x8x8x16xi8>
        to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
    // becomes one 128-byte copy per row
    scf.for %h = %c0 to %c8 step %c1 {
      %d = memref.subview %interior[0, %h, 0, 0] [1, 1, 8, 16] [1, 1, 1, 1] ...
      %dflat = memref.collapse_shape %d [[0, 1, 2, 3]] ... into memref<128xi8, ...>
      %s = memref.subview %src[0, %h, 0, 0] [1, 1, 8, 16] [1, 1, 1, 1] ...
      %sflat = memref.collapse_shape %s [[0, 1, 2, 3]] ... into memref<128xi8, ...>
      memref.copy %sflat, %dflat ...
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def QSimCPUParallelizeMarkedLoops
    : Pass<"qsim-cpu-parallelize-marked-loops", "func::FuncOp"> {
  let summary = "Turn the scf.for loops marked qsim.parallel into "
                "scf.parallel";
  let description = [{
    `convert-linalg-to-cpu-kernels` marks its pixel loops `qsim.parallel`:
    their iterations write disjoint output tiles. After bufferization, a
    marked loop without results becomes a one-dimensional `scf.parallel`
    with the same bounds and body, which `qsim-cpu-select-parallel-loops`
    and upstream's `convert-scf-to-openmp` then distribute over threads
    (`--qsim-cpu-pipeline="threads=N"`).

    With `parallelize=false` (the pipeline's `threads=1`), the marks are
    only removed and the loops stay sequential. Loops that still have
    results (not bufferized) keep their form either way.

    Example:
    ```mlir
    // qsim-opt --qsim-cpu-parallelize-marked-loops
    scf.for %i = %c0 to %c8 step %c2 { ... } {qsim.parallel}
    // becomes
    scf.parallel (%i) = (%c0) to (%c8) step (%c2) { ... }
    ```
  }];
  let options = [
    Option<"parallelize", "parallelize", "bool", /*default=*/"true",
           "Rewrite the marked loops to scf.parallel (false: only drop the "
           "marks)">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def QSimCPUSelectParallelLoops
    : Pass<"qsim-cpu-select-parallel-loops", "func::FuncOp"> {
  let summary = "Keep scf.parallel only on outermost loops with enough work; "
                "make the rest sequential";
  let description = [{
    Each `scf.parallel` that `convert-scf-to-openmp` sees becomes an OpenMP
    parallel region: a fork and join of the thread team (microseconds).
    Loops of little work must stay sequential, or small layers get slower
    with threads; and a parallel loop nested in another only adds forks.
    This pass keeps, for every outermost `scf.parallel`, at most its
    leading dimensions parallel and rewrites everything else to `scf.for`:

    - the work of a loop is the number of operations its nest runs
      (static trip counts; a nest with a dynamic bound counts as enough
      work), so a micro-kernel's unrolled vector tile weighs as much as the
      scalar iterations it replaces; below `min-work` the whole loop
      becomes sequential;
    - of a multi-dimensional loop, the leading dimensions stay parallel
      (OpenMP collapses them into one iteration space), the innermost one
      becomes an inner `scf.for` so that LLVM can still vectorize it; a
      one-dimensional loop keeps its dimension. Of the leading dimensions,
      only as many stay parallel as give 64 iterations to share (the rows
      of an image, not its pixels): the collapsed index costs a division
      per dimension per iteration;
    - `scf.parallel` nested in a kept one (a copy inside a micro-kernel's
      tile) becomes `scf.for`.

    Loops with reductions (`scf.reduce` with operands) are left alone.
    Every iteration of a kept loop writes disjoint memory, as before, so the
    results do not depend on the number of threads.

    Example:
    ```mlir
    // qsim-opt --qsim-cpu-select-parallel-loops="min-work=1000"
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c64) step (%c1, %c1) {...}
    // becomes
    scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
      scf.for %j = %c0 to %c64 step %c1 {...}
    }
    ```
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"65536",
           "Operations below which a loop nest runs sequentially">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def QSimCPUInterchangeContractions
    : Pass<"qsim-cpu-interchange-contractions", "func::FuncOp"> {
  let summary = "Move the reduction loops of the remaining contractions "
                "outside the output's contiguous dimension";
  let description = [{
    A contraction that no micro-kernel takes (the attention matmuls of a
    transformer, both operands activations) lowers to plain loops in its
    iterator order, the reduction innermost: `C[b][m][n] += A[b][m][k] *
    B[b][k][n]` reads B with a stride along k and LLVM leaves the loop
    scalar (all-MiniLM-L6-v2: its 12 attention matmuls ran at about 3.5
    GMAC/s, 45% of the int8 time).

    A linalg op with reduction loops whose output's last dimension is a
    parallel loop `inner` that every input either does not use or uses as
    its own last dimension (contiguous), and that is not already the
    innermost loop, is generalized and interchanged so that `inner` is
    innermost: the reduction then updates a contiguous row of the output
    with contiguous rows of the inputs, which LLVM vectorizes. The order of
    the additions into each output element is unchanged (k ascending), so
    integer and float results are the same bits. Reductions along a
    contiguous input dimension (a softmax's sum, a layer norm's mean) and
    convolutions (their input maps are no permutations) are left alone.

    Example:
    ```mlir
    // qsim-opt --qsim-cpu-interchange-contractions
    linalg.batch_matmul ins(%a, %b : tensor<12x128x32xi8>, tensor<12x32x128xi8>) ...
    // becomes a linalg.generic with iterator_types
    // ["parallel", "parallel", "reduction", "parallel"] (b, m, k, n)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def QSimCPUApproximateMath
    : Pass<"qsim-cpu-approximate-math", "func::FuncOp"> {
  let summary = "Replace f32 math.exp by upstream's polynomial approximation "
                "so loops around it vectorize";
  let description = [{
    `math.exp` lowers to a call of libm's `expf`, which has no vector entry
    point: LLVM keeps every loop around it scalar, one call per element,
    and inputs far below zero (a softmax's masked scores, `-10000` added)
    take libm's underflow path, which sets `errno` (all-MiniLM-L6-v2 int8:
    its six softmaxes' exponentials were a fifth of the run time).

    This pass applies upstream's `populateMathPolynomialApproximationPatterns`
    to `math.exp` alone (range reduction by `ln 2`, a polynomial, the
    exponent added to the bits; inputs under the smallest normal result
    give 0, above the largest finite one give +inf, NaN stays NaN): plain
    arithmetic, so LLVM vectorizes the loop. The result is within a few
    ulp of libm's (python/tests/test_cpu_math.py bounds it against
    numpy's over the whole range) and the same bits on every run and in
    every runner, since `qsim-run`, the statistics collector and a
    compiled library all lower through this pipeline. Other math ops keep
    their libm calls or LLVM intrinsics.

    Example:
    ```mlir
    // qsim-opt --qsim-cpu-approximate-math
    %e = math.exp %x : vector<8xf32>
    // becomes arith ops on vector<8xf32> (fma, floor, shifts, bitcasts,
    // selects), no math.exp
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def QSimCPUSplitReductions
    : Pass<"qsim-cpu-split-reductions", "func::FuncOp"> {
  let summary = "Split float reductions along a contiguous dimension into "
                "vector-wide partial results";
  let description = [{
    A float reduction along the contiguous dimension of its input (a
    softmax's max and sum, a layer norm's mean and variance) lowers to one
    scalar loop per output: LLVM does not vectorize an ordered `fadd`
    chain, nor `llvm.maximum` on x86 (all-MiniLM-L6-v2 int8: its softmaxes'
    max and sum, 3 of 20 ms).

    Each linalg op on tensors with one reduction loop, a float result, the
    loop the innermost one and read by every input as its last dimension,
    of static size a multiple of `width` and at least `4 * width`, is split
    with upstream's `linalg::splitReduction` (ratio `width`, the new
    dimension parallel and last): `width` partial results per output, each
    over the elements `k = width * i + j` for its `j`, updated by a
    contiguous `width`-wide loop that LLVM vectorizes, then one reduction of
    the `width` partials. Max and min give the same bits as before (the
    order does not matter to them); a sum adds in another order, the same
    on every run and in every runner (one pipeline).

    Example:
    ```mlir
    // qsim-opt --qsim-cpu-split-reductions
    %m = linalg.reduce ins(%x : tensor<12x128xf32>) outs(%i : tensor<12xf32>)
           dimensions = [1] (...) { arith.maximumf }
    // becomes a linalg.generic over 12x8x16 (parallel, reduction, parallel)
    // into tensor<12x16xf32>, and a reduce of the 16 partials
    ```
  }];
  let options = [
    Option<"width", "width", "int64_t", "16",
           "Partial results per output (the vector width to fill)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def QSimCPUVectorizeRows
    : Pass<"qsim-cpu-vectorize-rows", "func::FuncOp"> {
  let summary = "Tile the reductions no kernel took to single rows and "
                "vectorize each row";
  let description = [{
    The contractions no micro-kernel takes (attention's two activation
    matmuls, after `qsim-cpu-interchange-contractions`) and the split float
    reductions (`qsim-cpu-split-reductions`) update a contiguous row of
    their output per reduction step. As plain loops, the row goes through
    memory at every step (LLVM cannot keep it in registers: the buffers may
    alias), a chain of stores and loads.

    Each linalg op on tensors with static loops and at least one reduction
    loop, whose innermost loop has at most `max-row` iterations and is
    either parallel (the row of partial results) or the only reduction (the
    16 partials of a split reduction), is tiled with upstream's
    `scf::tileUsingSCF` to one iteration of every other loop (the parallel
    ones as the points of an `scf.forall`, which the pipeline turns into
    parallel loops with threads and into `scf.for` without; the reduction
    ones as `scf.for` inside), and the tile is vectorized with
    `linalg::vectorize`: the row becomes one vector, read
    before the reduction loop and written after it once upstream's
    `loop-invariant-subset-hoisting` has run (upstream's
    `hoistRedundantVectorTransfers` on buffers gives up on any subview). The
    arithmetic and its order per element are unchanged (the same bits).
  }];
  let options = [
    Option<"maxRow", "max-row", "int64_t", "256",
           "Largest row (innermost loop) that becomes one vector (at least 2)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // QSIM_TRANSFORMS_CPU_PASSES_TD
