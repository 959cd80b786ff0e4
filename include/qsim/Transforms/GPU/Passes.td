//===- Passes.td - passes of the GPU pipeline --------------*- tablegen -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//
//
// The steps of --qsim-gpu-pipeline that upstream has no pass for, in
// pipeline order: the loop nest rewrites (fusion, accumulators in
// registers, dp4a), the mapping to blocks and threads, and the placement of
// buffers in memory that kernels can reach.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_TRANSFORMS_GPU_PASSES_TD
#define QSIM_TRANSFORMS_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def QSimGPUFuseParallelLoops
    : Pass<"qsim-gpu-fuse-parallel-loops", "func::FuncOp"> {
  let summary = "Fuse adjacent scf.parallel loops that access shared buffers "
                "element-wise (GPU epilogue fusion)";
  let description = [{
    Fuses adjacent `scf.parallel` loops with the same iteration space when
    the second uses what the first writes and every buffer that one of them
    writes and both touch is accessed at the same element in both, one
    element per iteration (the index list is the loop's induction
    variables, in any order, plus loop-invariant values). Then iteration i
    of the second loop reads only what iteration i of the first wrote, so
    running both bodies in one iteration is the same computation.
    Independent loops stay apart: fusing them gains nothing on the GPU and
    could take a loop away from the consumer it should fuse with.

    This is what puts the requantize epilogue (and the bias initialization)
    of a convolution or matmul into the kernel of its reduction, so that the
    i32 accumulator can stay in a register
    (`qsim-gpu-promote-accumulators`).

    Upstream's `scf-parallel-loop-fusion` allows no allocation between the
    loops (bufferization puts the epilogue's output allocation there) and
    one store per buffer only, hence this pass. Between the loops it accepts
    side-effect-free ops and allocations (moved before the first loop) and
    deallocations (which stay after it). Ops with memory effects other than
    loads and stores in either loop prevent the fusion.

    Example:
    ```mlir
    // qsim-opt --qsim-gpu-fuse-parallel-loops
    scf.parallel (%i, %j) = ... { memref.store %acc_ij, %acc[%i, %j] }
    %out = memref.alloc() : memref<4x8xi8>
    scf.parallel (%i, %j) = ... { %v = memref.load %acc[%i, %j] ...
                                  memref.store %r, %out[%i, %j] }
    // becomes one scf.parallel with both bodies, the alloc before it
    ```
  }];
}

def QSimGPUPromoteAccumulators
    : Pass<"qsim-gpu-promote-accumulators", "func::FuncOp"> {
  let summary = "Keep reduction accumulators of parallel loop nests in "
                "registers and drop buffers that are only written";
  let description = [{
    Scalar replacement in the loop nests of every outermost `scf.parallel`
    (the future kernels), repeated until nothing changes:

    * an `scf.for` whose body loads and later stores the same
      loop-invariant element, and touches nothing that may alias it
      otherwise, carries the element in an `iter_args` register instead
      (loaded before, stored after the loop); innermost loops first, so a
      convolution's accumulator leaves all three reduction loops;
    * a load of an element that the same block stored before, with no
      possibly aliasing write in between, takes the stored value;
    * a store that a later store of the same element overwrites, with no
      possibly aliasing read in between, is removed.

    Then an allocation of the function that is only ever stored to (and
    deallocated) is removed with its stores. After
    `qsim-gpu-fuse-parallel-loops` this removes the i32 accumulator buffer
    of a convolution or matmul whose only consumer is its fused requantize
    epilogue; on its own it takes the accumulator store out of the reduction
    loop. Aliasing is decided conservatively from where buffers come from
    (allocations, constant globals, function arguments; any other source may
    alias everything).

    Example:
    ```mlir
    // qsim-opt --qsim-gpu-promote-accumulators
    scf.for %k = %c0 to %c16 step %c1 {
      %s = memref.load %acc[%i, %j] : memref<4x8xi32>
      ...
      memref.store %t, %acc[%i, %j] : memref<4x8xi32>
    }
    // becomes
    %init = memref.load %acc[%i, %j] : memref<4x8xi32>
    %r = scf.for %k = %c0 to %c16 step %c1 iter_args(%s = %init) -> (i32) {
      ...
      scf.yield %t : i32
    }
    memref.store %r, %acc[%i, %j] : memref<4x8xi32>
    ```
  }];
}

def QSimGPUInt8Dot4 : Pass<"qsim-gpu-int8-dot4", "func::FuncOp"> {
  let summary = "Rewrite i8 x i8 -> i32 reduction loops in parallel loop "
                "nests to 4-way dot products (NVVM dp4a)";
  let description = [{
    Rewrites the int8 reductions of the loop nests (conv and matmul `k`
    loops after `qsim-gpu-promote-accumulators`): an `scf.for` inside an
    `scf.parallel` with constant bounds, step 1 and at least 4 iterations,
    whose body only loads and computes

    ```mlir
    %r = scf.for %k = %lb to %ub step %c1 iter_args(%acc = %init) -> (i32) {
      %a = memref.load %A[.., f(%k), ..] : i8     %b = memref.load %B[..]
      %x = arith.ext{s,u}i %a : i8 to i32          (optionally - %za)
      %y = arith.ext{s,u}i %b : i8 to i32          (optionally - %zb)
      scf.yield (%acc + %x * %y)
    }
    ```

    becomes a loop over groups of four `k` that packs four bytes of each
    operand into a `vector<4xi8>` and issues `nvvm.dot.accumulate.4way`
    (PTX `dp4a.s32.s32`; `.u32` for zero-extended bytes). An operand whose
    `k` indexes the contiguous innermost dimension of an identity-layout
    buffer is one 4-byte `vector.load` (aligned to 4 when the dimension and
    the lower bound are multiples of 4 and the buffer is an allocation,
    global or argument, which `qsim-gpu-device-memory` places in 256-byte
    aligned managed memory); otherwise four byte loads.

    Zero points are corrected exactly: sum((x - za)(y - zb)) = sum(xy) -
    za sum(y) - zb sum(x) + n za zb, the sums being dp4a with a vector of
    ones. All of it is i32 arithmetic modulo 2^32, as dp4a's accumulation
    is, so the result is bit for bit that of the scalar loop (and of the CPU
    path). The last (ub - lb) mod 4 iterations stay in the original loop.

    The test driver (qsim-test-opt) has a variant that writes the dot
    product as vector arithmetic (`ext`, `muli`, `vector.reduction <add>`)
    of the same i32 semantics instead of the NVVM op, with no load claiming
    an alignment, so that the rewrite runs on the CPU:
    `--qsim-test-gpu-int8-dot4-emulated`, and the test pipeline
    `--qsim-gpu-emulation-pipeline`, which checks it bit for bit against
    the CPU pipeline.
  }];
  let dependentDialects = [
    "::mlir::NVVM::NVVMDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def QSimGPUTileAndMapParallelLoops
    : Pass<"qsim-gpu-tile-and-map-parallel-loops", "func::FuncOp"> {
  let summary = "Tile scf.parallel loops and map them to GPU blocks and "
                "threads";
  let description = [{
    Tiles every outermost `scf.parallel` so that a tile holds at most
    `max-threads-per-block` iterations of its innermost (up to three)
    dimensions (powers of two, innermost dimension first), and maps the tile
    loop to blocks and the intra-tile loop to threads, innermost dimension
    on x: in NHWC layouts the channel dimension is the contiguous one, so
    neighbouring threads touch neighbouring bytes (coalesced). Dimensions
    beyond the innermost three are sequential. Partial tiles are guarded by
    an `scf.if`, so the block size is a constant, which
    `convert-parallel-loops-to-gpu` needs.

    Upstream's `gpu-map-parallel-loops` maps the outermost dimension to x
    and leaves one thread per block for untiled loops, hence this pass.

    Example:
    ```mlir
    // qsim-opt --qsim-gpu-tile-and-map-parallel-loops="max-threads-per-block=64"
    scf.parallel (%n, %c) = (%c0, %c0) to (%c100, %c8) step (%c1, %c1) { ... }
    // becomes blocks of 8 x 8 threads (c on threadIdx.x, n on threadIdx.y)
    scf.parallel (%bn, %bc) = (%c0, %c0) to (%c100, %c8) step (%c8, %c8) {
      scf.parallel (%tn, %tc) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
        scf.if %inside { ... }   // %bn + %tn < 100 and %bc + %tc < 8
      } {mapping = [#gpu.loop_dim_map<processor = thread_y, ...>,
                    #gpu.loop_dim_map<processor = thread_x, ...>]}
    } {mapping = [#gpu.loop_dim_map<processor = block_y, ...>,
                  #gpu.loop_dim_map<processor = block_x, ...>]}
    ```
  }];
  let options = [
    Option<"maxThreadsPerBlock", "max-threads-per-block", "unsigned",
           /*default=*/"256",
           "Upper bound of the threads of one block (the tile of the "
           "innermost parallel dimensions)">
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def QSimGPUDeviceMemory : Pass<"qsim-gpu-device-memory", "ModuleOp"> {
  let summary = "Place the buffers that GPU kernels use in managed memory";
  let description = [{
    In every function that contains a `gpu.launch`, puts every buffer that a
    kernel may touch in CUDA managed memory (`gpu.alloc host_shared`), which
    the host code between the launches (views, copies, scalar code) can use
    as well:

    * `memref.alloc` on the host becomes `gpu.alloc host_shared`,
      `memref.dealloc` a synchronous device deallocation (`gpu.dealloc` in
      a stream that is waited for: `gpu-to-llvm` lowers only its async
      form);
    * arguments and constant globals (host memory) are copied into managed
      buffers on entry, freed before returning;
    * results are copied into fresh `memref.alloc` (malloc) buffers before
      returning, so the caller owns and frees them exactly as it does for
      the CPU pipeline.

    Launches are synchronous (`gpu-to-llvm` synchronizes the stream of a
    launch without async token), so the host never races with a kernel.
    Functions without kernels are left alone: they only ever see host
    buffers. The function must have a single block; staged arguments and
    results must be static identity-layout buffers; a kernel operand that
    is not in managed memory afterwards is an error.

    Example:
    ```mlir
    // qsim-opt --qsim-gpu-device-memory
    func.func @f(%arg0: memref<8xi8>) -> memref<8xi8> {
      %0 = memref.alloc() : memref<8xi8>
      gpu.launch ... { ... %arg0 ... %0 ... }
      return %0 : memref<8xi8>
    }
    // becomes
    func.func @f(%arg0: memref<8xi8>) -> memref<8xi8> {
      %a = gpu.alloc host_shared () : memref<8xi8>
      memref.copy %arg0, %a : memref<8xi8> to memref<8xi8>
      %0 = gpu.alloc host_shared () : memref<8xi8>
      gpu.launch ... { ... %a ... %0 ... }
      %r = memref.alloc() : memref<8xi8>
      memref.copy %0, %r : memref<8xi8> to memref<8xi8>
      // gpu.dealloc of %a and %0 (gpu.wait async, gpu.dealloc async, gpu.wait)
      return %r : memref<8xi8>
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

#endif // QSIM_TRANSFORMS_GPU_PASSES_TD
