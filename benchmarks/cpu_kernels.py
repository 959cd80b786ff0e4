#!/usr/bin/env python3
"""CPU kernel benchmark: int8 and fp32 conv/GEMM throughput against the
measured peak of the host's dot-product and FMA instructions.

Printed, not asserted (except the int8 bit-exactness of microkernels=auto
vs none, which prints MISMATCH). Usage:

    benchmarks/cpu_kernels.py [--quick] [--bin build/bin] [--budget 20]
                              [--only SUBSTR] [--no-guard] [--keep DIR]

Three parts, in one run (docs/Performance.md has the method and results):

1. Peak: generated MLIR functions with many independent accumulator chains
   of one instruction in an scf.for, lowered by --qsim-cpu-pipeline and
   timed by qsim-run --time: the int8 dot instruction the kernels use
   (AVX-512 VNNI `vpdpbusd` zmm, 64 MACs, when the host has avx512vnni;
   AVX2 `vpmaddwd` ymm + `vpaddd`, 16 MACs, otherwise) and fp32 FMA
   (vector<8xf32>, and vector<16xf32> with AVX-512).
2. Kernels: conv layers of ResNet-18/50 and MobileNetV2 (batch 1, NHWC,
   constant weights) and square GEMMs (tosa.matmul, constant B), int8
   (i8 x i8 -> i32 + bias, then qsim.requantize to i8 with a ReLU clamp;
   GEMMs without bias/clamp) and fp32 (the same ops in f32, ReLU as
   tosa.clamp), each compiled with --qsim-cpu-pipeline="microkernels=auto"
   and "=none" when this qsim-opt has the option (otherwise once, with the
   default pipeline). GMAC/s, fraction of the measured peak (int8 against
   the int8 peak, fp32 against the FMA peak), int8/fp32 ratio.
3. Guard: every int8 kernel compiled with auto is translated to LLVM IR
   (mlir-translate --mlir-to-llvmir), optimized (opt -O2, as qsim-run's JIT)
   and compiled with llc -O3 -mcpu=native;
   the innermost loop containing the dot instruction must contain vpdpbusd
   (VNNI) or vpmaddwd (AVX2) and neither vpmulld nor vpextrb. With a
   qsim-opt that can force the VNNI path (microkernels=avx512-vnni or a
   spelling in FORCED_VNNI), the same for llc -mcpu=znver5.

Timing: qsim-run --repeat=N --time on the LLVM-dialect module, the minimum
call time (one thread; compile time excluded). A kernel whose estimated
call time (from the lowest MAC rate measured so far for the same dtype,
variant and kind of kernel, times the cube root of the MAC ratio to the
largest one timed) exceeds --budget seconds is skipped with a note.
"""
from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "python") not in sys.path:
    sys.path.insert(0, str(ROOT / "python"))

from qsim import numerics  # noqa: E402
from qsim.tools import build_dir, dense_hex  # noqa: E402
from qsim.hostinfo import git_commit, host_info, load_average  # noqa: E402

LLVM_BIN = Path("/usr/lib/llvm-22/bin")

#: Values of the pipeline's microkernels= option that force the AVX-512 VNNI
#: path whatever the host (first accepted one is used for the znver5 guard).
FORCED_VNNI = ("avx512-vnni", "avx512vnni", "vnni")

# ---------------------------------------------------------------------------
# Tools and host
# ---------------------------------------------------------------------------


class ToolFailed(RuntimeError):
    def short(self) -> str:
        """The first diagnostic line ('error: ...'), for one-line reports."""
        text = str(self)
        for line in text.splitlines():
            if "error:" in line:
                return line[line.index("error:"):][:240]
        return text.splitlines()[0][:240] if text else "failed"


def run(cmd: Sequence[str], timeout: float = 600, input: Optional[str] = None) -> str:
    """Runs cmd; returns stdout+stderr; raises ToolFailed on failure."""
    cmd = [str(c) for c in cmd]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           input=input)
    except subprocess.TimeoutExpired:
        raise ToolFailed(f"timed out after {timeout:.0f} s: {' '.join(cmd)}")
    if p.returncode != 0:
        raise ToolFailed(f"failed ({p.returncode}): {' '.join(cmd)}\n"
                         f"{(p.stdout + p.stderr)[-3000:]}")
    return p.stdout + p.stderr


@dataclass
class Tools:
    bin: Path
    llvm_bin: Path = LLVM_BIN

    @property
    def qsim_opt(self) -> Path:
        return self.bin / "qsim-opt"

    @property
    def qsim_run(self) -> Path:
        return self.bin / "qsim-run"

    def llvm(self, name: str) -> Optional[Path]:
        p = self.llvm_bin / name
        if p.is_file():
            return p
        found = shutil.which(name) or shutil.which(f"{name}-22")
        return Path(found) if found else None


TRIVIAL = "func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> { return %x : tensor<4xf32> }\n"


def pipeline_accepts(tools: Tools, options: str) -> bool:
    """Whether `qsim-opt --qsim-cpu-pipeline="<options>"` accepts the options."""
    try:
        run([tools.qsim_opt, f"--qsim-cpu-pipeline={options}", "-"], input=TRIVIAL,
            timeout=60)
        return True
    except ToolFailed:
        return False


@dataclass
class Capabilities:
    microkernels: bool           # microkernels=auto|none accepted
    forced_vnni: Optional[str]   # a microkernels= value forcing VNNI, if any
    run_pipeline_options: bool   # qsim-run --pipeline-options

    def variants(self) -> List[str]:
        return ["none", "auto"] if self.microkernels else ["default"]


def probe(tools: Tools) -> Capabilities:
    mk = pipeline_accepts(tools, "microkernels=none") and \
        pipeline_accepts(tools, "microkernels=auto")
    # A string-valued option would accept anything: a bogus value must fail
    # for a forced value to mean something.
    forced = None
    if mk and not pipeline_accepts(tools, "microkernels=no-such-kernel-xyz"):
        forced = next((v for v in FORCED_VNNI
                       if pipeline_accepts(tools, f"microkernels={v}")), None)
    try:
        helptext = run([tools.qsim_run, "--help"], timeout=60)
    except ToolFailed:
        helptext = ""
    return Capabilities(mk, forced, "--pipeline-options" in helptext)


#: More --qsim-cpu-pipeline options for the micro-kernel variants (set by
#: --pipeline-options, e.g. "cache-kb=0").
EXTRA_OPTIONS = ""


def pipeline_flag(variant: str) -> str:
    if variant == "default":
        return "--qsim-cpu-pipeline"
    extra = f" {EXTRA_OPTIONS}" if EXTRA_OPTIONS and variant != "none" else ""
    return f"--qsim-cpu-pipeline=microkernels={variant}{extra}"


def compile_module(tools: Tools, src: Path, dst: Path, variant: str,
                   timeout: float = 900) -> None:
    run([tools.qsim_opt, src, pipeline_flag(variant), "-o", dst], timeout=timeout)


_RUN_RE = re.compile(r"^run:\s*(\d+) call\(s\), mean ([0-9.]+) ms, min ([0-9.]+) ms", re.M)


def time_module(tools: Tools, module: Path, inputs: Sequence[Path], repeat: int,
                output: Optional[Path] = None, timeout: float = 900) -> float:
    """Minimum call time in seconds of `repeat` calls (qsim-run --time)."""
    cmd = [tools.qsim_run, module, *[f"--input={i}" for i in inputs],
           f"--repeat={repeat}", "--time"]
    if output is not None:
        cmd.append(f"--output={output}")
    out = run(cmd, timeout=timeout)
    m = _RUN_RE.search(out)
    if not m:
        raise ToolFailed(f"no timing line in qsim-run output:\n{out}")
    return float(m.group(3)) / 1000.0


# ---------------------------------------------------------------------------
# Part 1: peak
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeakKind:
    name: str         # short name
    instr: str        # the instruction measured
    dtype: str        # "int8" or "fp32"
    acc: str          # accumulator vector type
    lanes: int        # accumulator lanes
    macs: int         # MACs per instruction
    chains: int       # independent accumulator chains
    needs: Tuple[str, ...]


PEAK_KINDS = {
    "vnni512": PeakKind("vnni512", "vpdpbusd zmm", "int8", "vector<16xi32>", 16, 64, 24,
                        ("avx512vnni",)),
    "pmaddwd256": PeakKind("pmaddwd256", "vpmaddwd+vpaddd ymm", "int8", "vector<8xi32>", 8,
                           16, 12, ("avx2",)),
    # The kernels' dot step on a ReLU's output (u8 x s8 pairs that cannot
    # saturate): vpmaddubsw, vpmaddwd by ones, vpaddd; 32 MACs per triple.
    "pmaddubsw256": PeakKind("pmaddubsw256", "vpmaddubsw+vpmaddwd+vpaddd", "int8",
                             "vector<8xi32>", 8, 32, 12, ("avx2",)),
    "fma256": PeakKind("fma256", "vfmadd ymm", "fp32", "vector<8xf32>", 8, 8, 12,
                       ("fma",)),
    "fma512": PeakKind("fma512", "vfmadd zmm", "fp32", "vector<16xf32>", 16, 16, 24,
                       ("avx512f",)),
}


def fma_b_offset(kind: PeakKind) -> int:
    """Where an FMA kind's second operand starts in the 64 input bytes (in
    floats): half a vector after the first for 8 lanes; for 16 lanes the
    whole input is one vector, so both operands are the same."""
    return min(kind.lanes // 2, 16 - kind.lanes)


def peak_module(kind: PeakKind, iters: int, unroll: int = 4) -> str:
    """`@peak(%in: memref<64xi8>) -> memref<64xi8>`: `iters` x `unroll`
    rounds of `kind.chains` independent chains in an scf.for; the sum of the
    chains is stored to the result (so nothing is dead).

    Operands are loaded from %in at run time (no constant folding); chain k
    starts at splat(k + 1), so no two chains are the same computation.
      vnni512:    acc = vpdpbusd(acc, a:64xi8 (u8), b:64xi8 (s8))
      pmaddwd256: acc = acc + pmaddwd(bitcast(acc):16xi16, b:16xi16)
                  (the product depends on acc, so it cannot be hoisted)
      pmaddubsw256: acc = acc + pmaddwd(pmaddubsw(bitcast(acc):32xi8 (u8),
                  b:32xi8 (s8)), ones)
      fma*:       acc = fma(a, b, acc)
    The loop lives in a private llvm.func that the func.func entry calls:
    the pipeline's buffer deallocation rejects llvm.call_intrinsic (no
    memory-effect interface) inside func.func, and skips llvm.func.
    """
    acc = kind.acc
    is_f = kind.dtype == "fp32"
    L = ["llvm.func @peak_loop(%in_p: !llvm.ptr, %out_p: !llvm.ptr) {"]
    if kind.name == "vnni512":
        L.append("  %a = llvm.load %in_p {alignment = 1 : i64} : !llvm.ptr -> vector<64xi8>")
        L.append("  %b = llvm.load %in_p {alignment = 1 : i64} : !llvm.ptr -> vector<64xi8>")
    elif kind.name == "pmaddwd256":
        L.append("  %b = llvm.load %in_p {alignment = 1 : i64} : !llvm.ptr -> vector<16xi16>")
    elif kind.name == "pmaddubsw256":
        L.append("  %b = llvm.load %in_p {alignment = 1 : i64} : !llvm.ptr -> vector<32xi8>")
        L.append("  %ones = arith.constant dense<1> : vector<16xi16>")
    else:
        L.append(f"  %a = llvm.load %in_p {{alignment = 1 : i64}} : !llvm.ptr -> {acc}")
        L.append(f"  %in_p2 = llvm.getelementptr %in_p[{4 * fma_b_offset(kind)}] : "
                 "(!llvm.ptr) -> !llvm.ptr, i8")
        L.append(f"  %b = llvm.load %in_p2 {{alignment = 1 : i64}} : !llvm.ptr -> {acc}")
    for k in range(kind.chains):
        v = f"{k + 1}.0" if is_f else f"{k + 1}"
        L.append(f"  %init{k} = arith.constant dense<{v}> : {acc}")
    L += ["  %c0 = arith.constant 0 : i64", "  %c1 = arith.constant 1 : i64",
          f"  %n = arith.constant {iters} : i64"]
    ch = range(kind.chains)
    types = ", ".join([acc] * kind.chains)
    L.append(f"  %r:{kind.chains} = scf.for %i = %c0 to %n step %c1 iter_args("
             + ", ".join(f"%x{k}_0 = %init{k}" for k in ch) + f") -> ({types}) : i64 {{")
    for u in range(unroll):
        for k in ch:
            x, y = f"%x{k}_{u}", f"%x{k}_{u + 1}"
            if kind.name == "vnni512":
                L.append(f'    {y} = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"'
                         f"({x}, %a, %b) : ({acc}, vector<64xi8>, vector<64xi8>) -> {acc}")
            elif kind.name == "pmaddwd256":
                L.append(f"    %w{k}_{u} = llvm.bitcast {x} : {acc} to vector<16xi16>")
                L.append(f'    %p{k}_{u} = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"'
                         f"(%w{k}_{u}, %b) : (vector<16xi16>, vector<16xi16>) -> {acc}")
                L.append(f"    {y} = arith.addi {x}, %p{k}_{u} : {acc}")
            elif kind.name == "pmaddubsw256":
                L.append(f"    %w{k}_{u} = llvm.bitcast {x} : {acc} to vector<32xi8>")
                L.append(f'    %h{k}_{u} = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"'
                         f"(%w{k}_{u}, %b) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>")
                L.append(f'    %p{k}_{u} = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"'
                         f"(%h{k}_{u}, %ones) : (vector<16xi16>, vector<16xi16>) -> {acc}")
                L.append(f"    {y} = arith.addi {x}, %p{k}_{u} : {acc}")
            else:
                L.append(f"    {y} = math.fma %a, %b, {x} : {acc}")
    L.append("    scf.yield " + ", ".join(f"%x{k}_{unroll}" for k in ch) + f" : {types}")
    L.append("  }")
    prev = "%r#0"
    add = "arith.addf" if is_f else "arith.addi"
    for k in range(1, kind.chains):
        L.append(f"  %s{k} = {add} {prev}, %r#{k} : {acc}")
        prev = f"%s{k}"
    L.append(f"  llvm.store {prev}, %out_p {{alignment = 1 : i64}} : {acc}, !llvm.ptr")
    L += ["  llvm.return", "}", ""]
    L.append("func.func @peak(%in: memref<64xi8>) -> memref<64xi8> {")
    L.append("  %out = memref.alloc() {alignment = 64 : i64} : memref<64xi8>")
    for nm in ("in", "out"):
        L += [f"  %{nm}_i = memref.extract_aligned_pointer_as_index %{nm} : memref<64xi8> -> index",
              f"  %{nm}_64 = arith.index_cast %{nm}_i : index to i64",
              f"  %{nm}_p = llvm.inttoptr %{nm}_64 : i64 to !llvm.ptr"]
    L += ["  llvm.call @peak_loop(%in_p, %out_p) : (!llvm.ptr, !llvm.ptr) -> ()",
          "  return %out : memref<64xi8>", "}", ""]
    return "\n".join(L)


def peak_reference(kind: PeakKind, data: np.ndarray, iters: int, unroll: int = 4) -> np.ndarray:
    """numpy model of what peak_module stores (the 64 output bytes' leading
    accumulator), for the smoke test. Integers wrap as the instructions do."""
    n = iters * unroll
    if kind.name in ("pmaddubsw256", "pmaddwd256"):
        if kind.name == "pmaddubsw256":
            b = data.view(np.int8)[:32].astype(np.int64)

            def step(acc: np.ndarray) -> np.ndarray:
                # u8 x s8 pairs saturated to i16, then summed pairwise.
                u = acc.view(np.uint8).astype(np.int64)
                pairs = np.clip((u * b).reshape(16, 2).sum(1), -32768, 32767)
                return pairs.reshape(8, 2).sum(1)
        else:
            b = data.view(np.int16)[:16].astype(np.int64)

            def step(acc: np.ndarray) -> np.ndarray:
                return (acc.view(np.int16).astype(np.int64) * b).reshape(8, 2).sum(1)
        total = np.zeros(8, np.int64)
        for k in range(kind.chains):
            acc = np.full(8, k + 1, np.int32)
            for _ in range(n):
                acc = acc.astype(np.int64) + step(acc)
                acc = ((acc + 2**31) % 2**32 - 2**31).astype(np.int32)
            total += acc
        return ((total + 2**31) % 2**32 - 2**31).astype(np.int32)
    if kind.name == "vnni512":
        a = data.view(np.uint8)[:64].astype(np.int64).reshape(16, 4)
        b = data.view(np.int8)[:64].astype(np.int64).reshape(16, 4)
        dot = (a * b).sum(1)
        total = sum(np.full(16, k + 1, np.int64) + n * dot for k in range(kind.chains))
        return ((total + 2**31) % 2**32 - 2**31).astype(np.int32)
    lanes = kind.lanes
    a = data.view(np.float32)[:lanes]
    b = data.view(np.float32)[fma_b_offset(kind):fma_b_offset(kind) + lanes]
    accs = []
    for k in range(kind.chains):
        acc = np.full(lanes, k + 1, np.float32)
        for _ in range(n):
            acc = (a.astype(np.float64) * b + acc).astype(np.float32)  # fused: one rounding
        accs.append(acc)
    total = accs[0]
    for x in accs[1:]:
        total = (total + x).astype(np.float32)
    return total


def peak_input(kind: PeakKind, seed: int = 0) -> np.ndarray:
    """64 input bytes: small floats for the FMA kinds (no overflow, no
    denormals), random bytes for the integer kinds."""
    rng = np.random.default_rng(seed)
    if kind.dtype == "fp32":
        return rng.uniform(-1e-3, 1e-3, 16).astype(np.float32).view(np.int8)
    return rng.integers(-128, 128, 64, dtype=np.int8)


def measure_peak(tools: Tools, kind: PeakKind, work: Path, call_s: float = 0.005,
                 repeat: int = 100, unroll: int = 4) -> float:
    """GMAC/s of `kind`: the fastest of `repeat` calls of about `call_s`
    each. Short calls on purpose: on a shared machine a call of a few ms
    often runs in one time slice, so the minimum is the unloaded speed (a
    100 ms call is always preempted and underestimates the peak)."""
    inp = work / f"peak_{kind.name}_in.npy"
    np.save(inp, peak_input(kind))

    def once(iters: int, repeat: int) -> float:
        src = work / f"peak_{kind.name}_{iters}.mlir"
        low = work / f"peak_{kind.name}_{iters}.llvm.mlir"
        src.write_text(peak_module(kind, iters, unroll))
        compile_module(tools, src, low, "default")
        return time_module(tools, low, [inp], repeat)

    iters = 1 << 12
    t = once(iters, 20)
    iters = max(iters, int(iters * call_s / max(t, 1e-7)))
    t = once(iters, repeat)
    return iters * unroll * kind.chains * kind.macs / t / 1e9


# ---------------------------------------------------------------------------
# Part 2: kernels
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kernel:
    name: str
    kind: str            # conv | dw | gemm | pool (max pool: "MACs" = compares)
    h: int = 0           # conv: input H = W; gemm: M
    c: int = 0           # conv: input channels; gemm: K
    o: int = 0           # conv: output channels (dw: = c); gemm: N
    k: int = 1           # kernel size
    s: int = 1           # stride
    note: str = ""
    # conv, dw: the input is a ReLU's output, clamped to [0, 127] (int8) / >= 0
    # (fp32) in the timed function: the kernels may then read the int8
    # bytes as unsigned (vpmaddubsw, vpdpbusd without the flip). The clamp,
    # one elementwise pass over the input, is part of the time.
    relu_in: bool = False

    @property
    def pad(self) -> int:
        return self.k // 2

    @property
    def pad_end(self) -> int:
        """Bottom/right padding: TOSA wants (H - 1 + pads - (K - 1)) divisible
        by the stride, so the padding the last window does not reach is
        dropped (PyTorch's pad=1 stride-2 convs import like this)."""
        return self.pad - (self.h - 1 + 2 * self.pad - (self.k - 1)) % self.s

    @property
    def out_hw(self) -> int:
        return (self.h + 2 * self.pad - self.k) // self.s + 1

    @property
    def macs(self) -> int:
        if self.kind == "gemm":
            return self.h * self.c * self.o
        if self.kind in ("dw", "pool"):
            return self.out_hw ** 2 * self.c * self.k * self.k
        return self.out_hw ** 2 * self.o * self.k * self.k * self.c

    @property
    def shape(self) -> str:
        if self.kind == "gemm":
            return f"{self.h}x{self.c}x{self.o}"
        if self.kind == "dw":
            return (f"dw{self.k}x{self.k} {self.c} {self.h}^2 s{self.s}"
                    + (" relu-in" if self.relu_in else ""))
        if self.kind == "pool":
            return f"max{self.k}x{self.k} {self.c} {self.h}^2 s{self.s}"
        return (f"{self.k}x{self.k} {self.c}->{self.o} {self.h}^2 s{self.s}"
                + (" relu-in" if self.relu_in else ""))


KERNELS: List[Kernel] = [
    Kernel("r50 conv2 1x1", "conv", 56, 64, 64, 1, 1),
    Kernel("r18/r50 conv2 3x3", "conv", 56, 64, 64, 3, 1),
    Kernel("r50 conv2 1x1 relu", "conv", 56, 64, 64, 1, 1, relu_in=True),
    Kernel("r50 conv2 3x3 relu", "conv", 56, 64, 64, 3, 1, relu_in=True),
    Kernel("r50 conv5 3x3 relu", "conv", 7, 512, 512, 3, 1, relu_in=True),
    Kernel("r50 conv2 1x1 up", "conv", 56, 64, 256, 1, 1),
    Kernel("r50 conv3 3x3", "conv", 28, 128, 128, 3, 1),
    Kernel("r50 conv3 3x3 s2", "conv", 56, 128, 128, 3, 2),
    Kernel("r18 conv4 3x3", "conv", 14, 256, 256, 3, 1),
    Kernel("r50 conv5 3x3", "conv", 7, 512, 512, 3, 1),
    Kernel("mbv2 expand 1x1", "conv", 56, 24, 144, 1, 1),
    Kernel("mbv2 dw 3x3", "dw", 56, 144, 144, 3, 1),
    Kernel("mbv2 dw 3x3 s2", "dw", 56, 144, 144, 3, 2),
    # MobileNetV2's depthwise layers read a ReLU6's output: taps paired on
    # vpmaddubsw (AVX2, AVX-512BW).
    Kernel("mbv2 dw 3x3 relu", "dw", 56, 144, 144, 3, 1, relu_in=True),
    Kernel("mbv2 dw 3x3 s2 relu", "dw", 56, 144, 144, 3, 2, relu_in=True),
    Kernel("mbv2 project 1x1", "conv", 56, 144, 24, 1, 1),
    Kernel("r50 stem maxpool", "pool", 112, 64, 64, 3, 2),
    Kernel("gemm 512", "gemm", 512, 512, 512),
    Kernel("gemm 1024", "gemm", 1024, 1024, 1024),
    Kernel("gemm 2048", "gemm", 2048, 2048, 2048),
]

QUICK_KERNELS: List[Kernel] = [
    Kernel("r50 conv2 1x1", "conv", 56, 64, 64, 1, 1),
    Kernel("r50 conv5 3x3", "conv", 7, 512, 512, 3, 1),
    Kernel("r50 conv5 3x3 relu", "conv", 7, 512, 512, 3, 1, relu_in=True),
    Kernel("mbv2 dw 3x3", "dw", 56, 144, 144, 3, 1),
    Kernel("gemm 256", "gemm", 256, 256, 256),
]


def _ty(shape: Sequence[int], elt: str) -> str:
    return "tensor<" + "x".join(str(d) for d in shape) + f"x{elt}>"


def kernel_weights(kr: Kernel, dtype: str, seed: int = 0) -> Dict[str, np.ndarray]:
    """Deterministic weights (OHWI / HWCM / KxN), bias and, for int8, the
    per-channel requantize multipliers and shifts."""
    rng = np.random.default_rng(seed)
    if kr.kind == "pool":
        return {}
    if kr.kind == "gemm":
        wshape, red = (1, kr.c, kr.o), kr.c
    elif kr.kind == "dw":
        wshape, red = (kr.k, kr.k, kr.c, 1), kr.k * kr.k
    else:
        wshape, red = (kr.o, kr.k, kr.k, kr.c), kr.k * kr.k * kr.c
    out: Dict[str, np.ndarray] = {}
    if dtype == "int8":
        out["w"] = rng.integers(-128, 128, wshape, dtype=np.int8)
        out["b"] = rng.integers(-2000, 2000, kr.o, dtype=np.int32)
        # acc std ~ sqrt(red) * 74^2; aim at an output std of ~40.
        real = 40.0 / (74.0 ** 2 * math.sqrt(red)) * rng.uniform(0.7, 1.3, kr.o)
        ms = [numerics.derive_fixed_point_multiplier(float(r)) for r in real]
        out["mult"] = np.array([m.multiplier for m in ms], np.int64)
        out["shift"] = np.array([m.shift for m in ms], np.int64)
    else:
        out["w"] = (rng.standard_normal(wshape) / math.sqrt(red)).astype(np.float32)
        out["b"] = rng.standard_normal(kr.o).astype(np.float32) * 0.1
    return out


def kernel_input_shape(kr: Kernel) -> Tuple[int, ...]:
    return (1, kr.h, kr.c) if kr.kind == "gemm" else (1, kr.h, kr.h, kr.c)


def kernel_output_shape(kr: Kernel) -> Tuple[int, ...]:
    return (1, kr.h, kr.o) if kr.kind == "gemm" else (1, kr.out_hw, kr.out_hw, kr.o)


def kernel_input(kr: Kernel, dtype: str, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = kernel_input_shape(kr)
    if dtype == "int8":
        return rng.integers(0 if kr.relu_in else -128, 128, shape, dtype=np.int8)
    x = rng.standard_normal(shape).astype(np.float32)
    return np.abs(x) if kr.relu_in else x


def kernel_module(kr: Kernel, dtype: str, wts: Optional[Dict[str, np.ndarray]] = None) -> str:
    """MLIR of one kernel: `@kernel(%x) -> %y`, weights as constants."""
    wts = wts if wts is not None else kernel_weights(kr, dtype)
    i8 = dtype == "int8"
    elt, acc = ("i8", "i32") if i8 else ("f32", "f32")
    xin, yout = kernel_input_shape(kr), kernel_output_shape(kr)
    if kr.kind == "pool":
        p, q, s = kr.pad, kr.pad_end, kr.s
        return "\n".join([
            f"func.func @kernel(%x: {_ty(xin, elt)}) -> {_ty(yout, elt)} {{",
            f"  %y = tosa.max_pool2d %x {{kernel = array<i64: {kr.k}, {kr.k}>, "
            f"pad = array<i64: {p}, {q}, {p}, {q}>, stride = array<i64: {s}, {s}>}} : "
            f"({_ty(xin, elt)}) -> {_ty(yout, elt)}",
            f"  return %y : {_ty(yout, elt)}", "}", ""])
    acc_ty = _ty(yout, acc)
    zero = "0" if i8 else "0.0"
    # A ReLU-input convolution clamps its argument %x0 into %x first.
    clamped = kr.relu_in and kr.kind != "gemm"
    arg = "%x0" if clamped else "%x"
    L = [f"func.func @kernel({arg}: {_ty(xin, elt)}) -> {_ty(yout, elt)} {{",
         f"  %w = arith.constant {dense_hex(wts['w'])} : {_ty(wts['w'].shape, elt)}",
         f'  %zp = "tosa.const"() <{{values = dense<{zero}> : tensor<1x{elt}>}}> : () -> tensor<1x{elt}>']
    if kr.kind == "gemm":
        L.append(f"  %acc = tosa.matmul %x, %w, %zp, %zp : ({_ty(xin, elt)}, "
                 f"{_ty(wts['w'].shape, elt)}, tensor<1x{elt}>, tensor<1x{elt}>) -> {acc_ty}")
    else:
        L.append(f"  %b = arith.constant {dense_hex(wts['b'])} : {_ty(wts['b'].shape, acc)}")
        if clamped:
            bounds = ("min_val = 0 : i8, max_val = 127 : i8" if i8 else
                      "min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32")
            L.append(f"  %x = tosa.clamp %x0 {{{bounds}}} : ({_ty(xin, elt)}) -> {_ty(xin, elt)}")
        p, q, s = kr.pad, kr.pad_end, kr.s
        attrs = (f"{{acc_type = {acc}, dilation = array<i64: 1, 1>, "
                 f"pad = array<i64: {p}, {q}, {p}, {q}>, stride = array<i64: {s}, {s}>}}")
        op = "tosa.depthwise_conv2d" if kr.kind == "dw" else "tosa.conv2d"
        L.append(f"  %acc = {op} %x, %w, %b, %zp, %zp {attrs} : ({_ty(xin, elt)}, "
                 f"{_ty(wts['w'].shape, elt)}, {_ty(wts['b'].shape, acc)}, tensor<1x{elt}>, "
                 f"tensor<1x{elt}>) -> {acc_ty}")
    if i8:
        if kr.kind == "gemm":
            m, s = int(wts["mult"][0]), int(wts["shift"][0])
            L.append(f"  %y = qsim.requantize %acc multiplier [{m}] shift [{s}] : "
                     f"{acc_ty} -> {_ty(yout, elt)}")
        else:
            ms = ", ".join(str(int(v)) for v in wts["mult"])
            ss = ", ".join(str(int(v)) for v in wts["shift"])
            L.append(f"  %y = qsim.requantize %acc multiplier [{ms}] shift [{ss}] axis 3 "
                     f"{{clamp_min = 0 : i64}} : {acc_ty} -> {_ty(yout, elt)}")
    elif kr.kind == "gemm":
        L.append(f"  %y = tosa.clamp %acc {{min_val = -3.40282347E+38 : f32, "
                 f"max_val = 3.40282347E+38 : f32}} : ({acc_ty}) -> {acc_ty}")
    else:
        L.append(f"  %y = tosa.clamp %acc {{min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32}}"
                 f" : ({acc_ty}) -> {acc_ty}")
    L += [f"  return %y : {_ty(yout, elt)}", "}", ""]
    return "\n".join(L)


def kernel_reference(kr: Kernel, dtype: str, x: np.ndarray,
                     wts: Dict[str, np.ndarray]) -> np.ndarray:
    """numpy reference (int8: exact; fp32: float64 then float32)."""
    i8 = dtype == "int8"
    xs = x.astype(np.int64 if i8 else np.float64)
    if kr.kind == "pool":
        p, q, s, k, ho = kr.pad, kr.pad_end, kr.s, kr.k, kr.out_hw
        xp = np.pad(xs[0], ((p, q), (p, q), (0, 0)), constant_values=-np.inf if not i8
                    else -128)
        y = np.full((ho, ho, kr.c), -np.inf)
        for dy in range(k):
            for dx in range(k):
                y = np.maximum(y, xp[dy:dy + s * ho:s, dx:dx + s * ho:s, :])
        return y[None].astype(np.int8 if i8 else np.float32)
    w = wts["w"].astype(np.int64 if i8 else np.float64)
    if kr.kind == "gemm":
        acc = xs[0] @ w[0]
        acc = acc[None]
    else:
        p, s, k, ho = kr.pad, kr.s, kr.k, kr.out_hw
        xp = np.pad(xs[0], ((p, p), (p, p), (0, 0)))
        acc = np.zeros((ho, ho, kr.o), xs.dtype)
        for dy in range(k):
            for dx in range(k):
                patch = xp[dy:dy + s * ho:s, dx:dx + s * ho:s, :]
                if kr.kind == "dw":
                    acc += patch * w[dy, dx, :, 0]
                else:
                    acc += patch @ w[:, dy, dx, :].T
        acc = (acc + wts["b"])[None]
    if i8:
        if kr.kind == "gemm":
            y = numerics.requantize(acc, 0, int(wts["mult"][0]), 0, -128, 127,
                                    shift=int(wts["shift"][0]))
        else:
            y = numerics.requantize(acc, 0, wts["mult"], 0, 0, 127, shift=wts["shift"],
                                    axis=3)
        return y.astype(np.int8)
    if kr.kind != "gemm":
        acc = np.maximum(acc, 0)
    return acc.astype(np.float32)


@dataclass
class Result:
    seconds: Optional[float] = None
    note: str = ""
    output: Optional[Path] = None
    module: Optional[Path] = None

    def gmacs(self, macs: int) -> Optional[float]:
        return macs / self.seconds / 1e9 if self.seconds else None


class KernelRunner:
    def __init__(self, tools: Tools, work: Path, budget_s: float, target_s: float = 1.0,
                 log=print):
        self.tools, self.work, self.budget, self.target = tools, work, budget_s, target_s
        # The lowest GMAC/s so far per (dtype, variant, kernel kind): the
        # estimate for the next kernel of that kind (GEMMs slow down with
        # size, plain-loop GEMMs are much slower than plain-loop convs).
        self.rate: Dict[Tuple[str, str, str], float] = {}
        self.largest: Dict[Tuple[str, str, str], int] = {}   # MACs of the largest timed
        self.log = log

    def measure(self, kr: Kernel, dtype: str, variant: str) -> Result:
        tag = re.sub(r"[^A-Za-z0-9]+", "_", kr.name) + f"_{dtype}_{variant}"
        key = (dtype, variant, kr.kind)
        rate = self.rate.get(key)
        est = None
        if rate:
            # Bigger problems fall out of the caches: the time per MAC is
            # assumed to grow like the problem's linear size (plain GEMM loops
            # drop 5x from 1024^3 to 2048^3).
            growth = max(1.0, kr.macs / self.largest[key]) ** (1 / 3)
            est = kr.macs / (rate * 1e9) * growth
        if est is not None and est > self.budget:
            return Result(note=f"skipped: est. {est:.0f} s/call > budget {self.budget:g} s")
        src = self.work / f"{tag}.mlir"
        low = self.work / f"{tag}.llvm.mlir"
        xin = self.work / f"{re.sub(r'[^A-Za-z0-9]+', '_', kr.name)}_{dtype}_x.npy"
        if not src.exists():
            src.write_text(kernel_module(kr, dtype))
        if not xin.exists():
            np.save(xin, kernel_input(kr, dtype))
        out = self.work / f"{tag}_y.npy"
        try:
            compile_module(self.tools, src, low, variant)
            t_first = float("inf")
            if est is None:
                # The first kernel of its kind: two calls for an estimate
                # (their minimum alone still carries the first calls' page
                # faults and cold caches: it read fp32 depthwise 3x slow),
                # then timed like the others.
                t_first = time_module(self.tools, low, [xin], 2, out,
                                      timeout=max(600, 20 * self.budget))
                est = t_first
            if est > 2.0:
                repeat = 1
            else:
                # Enough calls for a stable minimum on a noisy shared
                # machine (small kernels: hundreds of calls in --target s).
                repeat = int(min(400, max(3, self.target / max(est, 1e-6))))
            t = min(t_first, time_module(self.tools, low, [xin], repeat, out,
                                         timeout=max(600, 20 * self.budget)))
        except ToolFailed as e:
            self.log(f"  {kr.name} {dtype} {variant}: FAILED: {e.short()}")
            return Result(note=f"failed: {e.short()}")
        g = kr.macs / t / 1e9
        self.rate[key] = min(self.rate.get(key, g), g)
        self.largest[key] = max(self.largest.get(key, 0), kr.macs)
        return Result(t, output=out, module=low)


# ---------------------------------------------------------------------------
# Part 3: guard (the instructions of the hottest loop)
# ---------------------------------------------------------------------------

DOT_RE = re.compile(r"^\s*(?:\{vex\}\s*)?(vpdpbusds?|vpdpwssds?|vpmaddubsw|vpmaddwd)\b")
BAD_RE = re.compile(r"^\s*(vpmulld|vpextrb)\b")
_LABEL_RE = re.compile(r"^(\.?L\w+|\w+):")
_JUMP_RE = re.compile(r"^\s*j[a-z]+\s+(\.?L\w+)\s*$")


@dataclass
class LoopReport:
    found: bool
    expected: Tuple[str, ...] = ("vpdpbusd", "vpmaddwd")
    label: str = ""
    instructions: int = 0
    dots: Dict[str, int] = field(default_factory=dict)
    bad: Dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.found and any(d in self.dots for d in self.expected) and not self.bad

    def describe(self) -> str:
        if not self.found:
            return "no loop contains a dot instruction (vpdpbusd/vpdpwssd/vpmaddwd)"
        d = ", ".join(f"{n} {k}" for k, n in sorted(self.dots.items()))
        b = ", ".join(f"{n} {k}" for k, n in sorted(self.bad.items())) or "no vpmulld/vpextrb"
        return (f"loop {self.label} ({self.instructions} instr): {d}; {b}"
                f" (wanted: {' or '.join(self.expected)})")


def hottest_dot_loop(asm: str, expected: Sequence[str] = ("vpdpbusd", "vpmaddwd")
                     ) -> LoopReport:
    """The innermost loop (label .. backward jump to it) containing a dot
    instruction (vpdpbusd, vpdpwssd, vpmaddwd); among several, the one with
    the most dot instructions. Reports its dot and forbidden (vpmulld,
    vpextrb) instructions; it passes when it holds one of `expected` and
    no forbidden one. (llc lays loops out contiguously, header first after
    rotation, so the label .. back-jump span is the loop body.)"""
    lines = asm.splitlines()
    labels: Dict[str, int] = {}
    for i, ln in enumerate(lines):
        m = _LABEL_RE.match(ln)
        if m:
            labels[m.group(1)] = i
    loops = []
    for i, ln in enumerate(lines):
        m = _JUMP_RE.match(ln)
        if m and m.group(1) in labels and labels[m.group(1)] <= i:
            loops.append((labels[m.group(1)], i, m.group(1)))
    dot_lines = [i for i, ln in enumerate(lines) if DOT_RE.match(ln)]
    best: Dict[Tuple[int, int, str], int] = {}
    for d in dot_lines:
        inner = [lp for lp in loops if lp[0] <= d <= lp[1]]
        if not inner:
            continue
        lp = min(inner, key=lambda l: l[1] - l[0])
        best[lp] = best.get(lp, 0) + 1
    expected = tuple(expected)
    if not best:
        return LoopReport(False, expected)
    lo, hi, label = max(best, key=lambda l: (best[l], -(l[1] - l[0])))
    rep = LoopReport(True, expected, label)
    for ln in lines[lo:hi + 1]:
        s = ln.strip()
        if not s or s.startswith(("#", ".")) or s.endswith(":"):
            continue
        rep.instructions += 1
        m = DOT_RE.match(ln)
        if m:
            rep.dots[m.group(1)] = rep.dots.get(m.group(1), 0) + 1
        m = BAD_RE.match(ln)
        if m:
            rep.bad[m.group(1)] = rep.bad.get(m.group(1), 0) + 1
    return rep


def llvm_asm(tools: Tools, module: Path, mcpu: str, work: Path, opt_level: str = "O2") -> str:
    """AT&T assembly of an LLVM-dialect module as the JIT would make it for
    `mcpu`: mlir-translate --mlir-to-llvmir, opt -<opt_level> (qsim-run's
    JIT runs the O2 pipeline before codegen: the loop vectorizer is there),
    llc -O3. The triple is explicit: the translated module has none, and
    without it opt has no target machine and does not vectorize."""
    translate, opt, llc = tools.llvm("mlir-translate"), tools.llvm("opt"), tools.llvm("llc")
    if translate is None or opt is None or llc is None:
        raise ToolFailed("mlir-translate / opt / llc not found")
    triple = "x86_64-unknown-linux-gnu"
    ll = work / (module.stem + ".ll")
    run([translate, "--mlir-to-llvmir", module, "-o", ll])
    bc = work / (module.stem + f".{mcpu}.bc")
    run([opt, f"-{opt_level}", f"-mtriple={triple}", f"-mcpu={mcpu}", ll, "-o", bc])
    s = work / (module.stem + f".{mcpu}.s")
    run([llc, "-O3", f"-mtriple={triple}", f"-mcpu={mcpu}", bc, "-o", s])
    return s.read_text()


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def fmt(v: Optional[float], spec: str = "7.2f") -> str:
    return format(v, spec) if v is not None else "-".rjust(int(spec.split(".")[0] or 0))


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", type=Path, default=build_dir() / "bin")
    ap.add_argument("--quick", action="store_true", help="a few small kernels (smoke)")
    ap.add_argument("--budget", type=float, default=20.0,
                    help="skip a kernel whose estimated call time exceeds this (s)")
    ap.add_argument("--target", type=float, default=1.0,
                    help="aim for this much timed run per measurement (s)")
    ap.add_argument("--only", default=None, help="only kernels whose name contains this")
    ap.add_argument("--dtypes", default="int8,fp32")
    ap.add_argument("--no-guard", action="store_true")
    ap.add_argument("--keep", type=Path, default=None, help="keep the files here")
    ap.add_argument("--pipeline-options", default="",
                    help="more --qsim-cpu-pipeline options for the micro-kernel "
                         "variants, e.g. 'cache-kb=0'")
    args = ap.parse_args(argv)
    global EXTRA_OPTIONS
    EXTRA_OPTIONS = args.pipeline_options
    tools = Tools(args.bin)
    for t in (tools.qsim_opt, tools.qsim_run):
        if not t.is_file():
            print(f"{t} not found; build first (source scripts/setup.sh)", file=sys.stderr)
            return 1

    host = host_info()
    feats = host["features"]
    caps = probe(tools)
    t_start = time.time()
    print(f"commit {git_commit()}; CPU: {host['model']}, {host['cores']} logical cores"
          + (f", {host['mhz']:.0f} MHz now" if host["mhz"] else "") + "; one thread")
    print("host features: " + " ".join(f"{k}={'yes' if v else 'no'}" for k, v in feats.items()))
    print(f"load average at start: {load_average()}; qsim-opt built "
          + time.strftime("%Y-%m-%d %H:%M", time.localtime(tools.qsim_opt.stat().st_mtime)))
    if caps.microkernels:
        print("microkernels: --qsim-cpu-pipeline=\"microkernels=auto|none\" available"
              + (f"; forced VNNI: microkernels={caps.forced_vnni}" if caps.forced_vnni
                 else "; no microkernels= value forces VNNI"))
    else:
        print("microkernels: the fast path is not available (qsim-opt rejects "
              "--qsim-cpu-pipeline=\"microkernels=none\"); kernels run once with the "
              "default pipeline")
    print(f"qsim-run --pipeline-options: {'available' if caps.run_pipeline_options else 'not available'}"
          " (not needed here: modules are lowered by qsim-opt)")

    ctx = tempfile.TemporaryDirectory(prefix="qsim-kernels-") if args.keep is None else None
    work = Path(ctx.name) if ctx else args.keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        # ---- 1. peak
        print("\n== peak (many independent accumulator chains in an scf.for, qsim-run) ==")
        kinds = [k for k in ("vnni512", "pmaddwd256", "pmaddubsw256", "fma512", "fma256")
                 if all(feats[n] for n in PEAK_KINDS[k].needs)]
        peak_repeat = 30 if args.quick else 200
        peaks = _measure_peaks(tools, kinds, work, peak_repeat)
        peak_i8, peak_f32, int8_kind = _peak_summary(peaks)

        # ---- 2. kernels
        variants = caps.variants()
        dtypes = [d for d in args.dtypes.split(",") if d]
        kernels = QUICK_KERNELS if args.quick else KERNELS
        if args.only:
            kernels = [k for k in kernels if args.only in k.name]
        runner = KernelRunner(tools, work, args.budget, args.target)
        results: Dict[Tuple[str, str, str], Result] = {}
        mismatches, compared = [], []
        print(f"\n== kernels (batch 1, NHWC, one thread; GMAC/s and % of the measured peak; "
              f"variants: {', '.join(variants)}) ==")
        for kr in kernels:
            for dtype in dtypes:
                for v in variants:
                    results[(kr.name, dtype, v)] = runner.measure(kr, dtype, v)
            if "int8" in dtypes and len(variants) == 2:
                a, b = results[(kr.name, "int8", "none")], results[(kr.name, "int8", "auto")]
                if a.output and b.output:
                    compared.append(kr.name)
                    ya, yb = np.load(a.output), np.load(b.output)
                    if ya.shape != yb.shape or not np.array_equal(ya, yb):
                        n = int((ya != yb).sum()) if ya.shape == yb.shape else -1
                        mismatches.append(kr.name)
                        print(f"!!! MISMATCH: {kr.name} int8 auto vs none differ "
                              f"({n} elements) !!!")
            print(_row(kr, dtypes, variants, results, peak_i8, peak_f32), flush=True)
        print()
        print(_table(kernels, dtypes, variants, results, peak_i8, peak_f32))
        if len(variants) == 2 and "int8" in dtypes:
            n_all = len(kernels)
            print(f"int8 auto vs none: compared on {len(compared)} of {n_all} kernels "
                  f"(the others did not run both): "
                  + ("bit-identical" if not mismatches else
                     f"MISMATCH in {', '.join(mismatches)}"))
        if not args.quick:
            # The machine may be shared: measure the peak again at the end
            # and use the higher of the two (the tables above used the first).
            print("\n== peak, measured again after the kernels ==")
            again = _measure_peaks(tools, kinds, work, peak_repeat)
            peaks = {k: max(v, again.get(k, 0.0)) for k, v in peaks.items()}
            peak_i8, peak_f32, int8_kind = _peak_summary(peaks, "higher of the two: ")
            print()
            print(_table(kernels, dtypes, variants, results, peak_i8, peak_f32))
        notes = [(kr.name, dt, v, r.note) for (kn, dt, v), r in results.items()
                 for kr in kernels if kr.name == kn and r.note]
        for kn, dt, v, note in notes:
            print(f"note: {kn} {dt} {v}: {note}")

        # ---- 3. guard
        guard_failures = 0
        if not args.no_guard and "int8" in dtypes:
            print("\n== guard: the innermost loop with the dot instruction (llc -O3) ==")
            gv = "auto" if caps.microkernels else "default"
            if not caps.microkernels:
                print("(fast path not available: checking the default pipeline's code)")
            want = ("vpdpbusd",) if feats["avx512vnni"] else ("vpmaddwd", "vpdpwssd")
            guard_failures += _guard(tools, kernels, results, gv, "native", want, work)
            if caps.forced_vnni:
                for kr in kernels:
                    src = work / (re.sub(r"[^A-Za-z0-9]+", "_", kr.name) + "_int8_auto.mlir")
                    if not src.exists():
                        continue
                    low = work / (src.stem.replace("_auto", "_vnni") + ".llvm.mlir")
                    try:
                        compile_module(tools, src, low, caps.forced_vnni)
                        results[(kr.name, "int8", "vnni")] = Result(module=low)
                    except ToolFailed as e:
                        print(f"FAIL  -mcpu=znver5  {kr.name:20s} microkernels={caps.forced_vnni} "
                              f"did not compile: {e.short()}")
                        guard_failures += 1
                guard_failures += _guard(tools, kernels, results, "vnni", "znver5", ("vpdpbusd",), work)
            else:
                print("znver5 (VNNI) check skipped: no microkernels= value forces the VNNI "
                      f"path (tried {', '.join(FORCED_VNNI)})")
        print(f"\ntotal {time.time() - t_start:.0f} s; load average at the end: {load_average()}")
        return 1 if mismatches or guard_failures else 0
    finally:
        if ctx:
            ctx.cleanup()


def _measure_peaks(tools, kinds, work, repeat) -> Dict[str, float]:
    peaks: Dict[str, float] = {}
    for name in kinds:
        kind = PEAK_KINDS[name]
        try:
            g = measure_peak(tools, kind, work, repeat=repeat)
        except ToolFailed as e:
            print(f"{kind.instr:22s} FAILED: {e.short()}")
            continue
        peaks[name] = g
        print(f"{kind.instr:22s} {kind.dtype}  {kind.chains:2d} chains x {kind.macs:2d} "
              f"MAC/instr: {g:8.1f} GMAC/s", flush=True)
    return peaks


def _peak_summary(peaks, prefix=""):
    int8_kind = "vnni512" if "vnni512" in peaks else "pmaddwd256"
    peak_i8 = peaks.get(int8_kind)
    peak_f32 = max([peaks[k] for k in ("fma512", "fma256") if k in peaks], default=None)
    ratio = peak_i8 / peak_f32 if peak_i8 and peak_f32 else None
    print(f"{prefix}int8 peak ({PEAK_KINDS[int8_kind].instr}): {fmt(peak_i8, '.1f')} GMAC/s; "
          f"fp32 peak: {fmt(peak_f32, '.1f')} GMAC/s; int8/fp32 {fmt(ratio, '.2f')}")
    ubs = peaks.get("pmaddubsw256")
    if ubs and int8_kind == "pmaddwd256":
        print(f"{prefix}vpmaddubsw peak (the kernels' dot on inputs proven in [0, 127]): "
              f"{ubs:.1f} GMAC/s, {fmt(ubs / peak_i8 if peak_i8 else None, '.2f')}x the "
              f"vpmaddwd peak, {fmt(ubs / peak_f32 if peak_f32 else None, '.2f')}x fp32; "
              "%pk stays against the vpmaddwd peak")
    return peak_i8, peak_f32, int8_kind


def _guard(tools, kernels, results, variant, mcpu, expected, work) -> int:
    """Prints PASS/FAIL per int8 kernel of ``variant``; returns the number of
    failures (FAIL or ERROR), which make the run exit with status 1."""
    failed = 0
    for kr in kernels:
        r = results.get((kr.name, "int8", variant))
        if r is None:
            continue
        if r.module is None:
            if variant != "vnni":   # (the VNNI compile failure is reported already)
                print(f"FAIL  -mcpu={mcpu:7s} {kr.name:20s} not compiled ({r.note})")
            failed += 1
            continue
        want = expected
        if kr.kind == "dw" and not kr.relu_in and "vpdpbusd" in expected:
            # A depthwise on a signed input takes vpmaddwd of (x, sign x)
            # and (w, 0) pairs (AVX-512BW on a VNNI host): vpdpbusd's
            # quadruples need unsigned bytes (taps in fours on a [0, 127]
            # input).
            want = ("vpmaddwd", "vpdpwssd")
        try:
            rep = hottest_dot_loop(llvm_asm(tools, r.module, mcpu, work), want)
            verdict = "PASS" if rep.passed else "FAIL"
            extra = ""
            if kr.kind == "pool":
                # Pooling has no products: its kernels work lane-wise.
                verdict, extra = "n/a ", " (pooling: no products)"
            print(f"{verdict}  -mcpu={mcpu:7s} {kr.name:20s} {rep.describe()}{extra}")
            failed += verdict == "FAIL"
        except ToolFailed as e:
            print(f"ERROR -mcpu={mcpu} {kr.name}: {e.short()}")
            failed += 1
    return failed


def _cells(kr, dtype, variants, results, peak):
    out = []
    for v in variants:
        r = results.get((kr.name, dtype, v))
        g = r.gmacs(kr.macs) if r else None
        pct = 100 * g / peak if g and peak else None
        out.append((g, pct))
    return out


def _row(kr, dtypes, variants, results, peak_i8, peak_f32) -> str:
    parts = [f"{kr.name:20s} {kr.shape:24s}"]
    for dt in dtypes:
        for v, (g, pct) in zip(variants, _cells(kr, dt, variants, results,
                                                peak_i8 if dt == "int8" else peak_f32)):
            parts.append(f"{dt} {v}: {fmt(g, '.2f')} GMAC/s ({fmt(pct, '.1f')}%)")
    return "  ".join(parts)


def _table(kernels, dtypes, variants, results, peak_i8, peak_f32) -> str:
    head = f"{'kernel':20s} {'shape':24s} {'MMAC':>7s}"
    for dt in dtypes:
        for v in variants:
            head += f" {dt + ' ' + v:>14s} {'%pk':>5s}"
    if "int8" in dtypes and "fp32" in dtypes:
        for v in variants:
            head += f" {'i8/f32 ' + v:>12s}"
    lines = [head, "-" * len(head)]
    for kr in kernels:
        ln = f"{kr.name:20s} {kr.shape:24s} {kr.macs / 1e6:7.1f}"
        g_by = {}
        for dt in dtypes:
            for v, (g, pct) in zip(variants, _cells(kr, dt, variants, results,
                                                    peak_i8 if dt == "int8" else peak_f32)):
                g_by[(dt, v)] = g
                ln += f" {fmt(g, '14.2f')} {fmt(pct, '5.1f')}"
        if "int8" in dtypes and "fp32" in dtypes:
            for v in variants:
                a, b = g_by.get(("int8", v)), g_by.get(("fp32", v))
                ln += f" {fmt(a / b if a and b else None, '12.2f')}"
        lines.append(ln)
    lines.append("(GMAC/s, one thread; %pk: fraction of the measured int8 / fp32 peak; "
                 "'-': skipped or failed, see the notes)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
