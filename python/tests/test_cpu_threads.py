"""Threads (--qsim-cpu-pipeline="threads=N"): the outermost loops with
enough work run as OpenMP worksharing loops whose iterations write disjoint
outputs, so a model gives the same bits for every thread count. A zoo model
(float, and int8 through --qsim-quantize) lowered once with threads=0 runs
with --num-threads 1, 2 and 3 and with OMP_NUM_THREADS; lowered with
threads=2 (a fixed team) and threads=1 (no OpenMP) it must agree too."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from qsim import evaluate, quantize, tools

ROOT = Path(__file__).resolve().parents[2]
ZOO = ROOT / "examples" / "zoo"
# Batch 8: enough work per layer that the convolutions, the pads and the
# elementwise ops cross the pipeline's minimum work for threads.
BATCH = 8


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    work = tmp_path_factory.mktemp("threads")
    fp = work / "mobilenet_v2.float.mlir"
    evaluate.import_model(ZOO / "mobilenet_v2.onnx", BATCH, fp)
    q = work / "mobilenet_v2.int8.mlir"
    passes = quantize.quantize_pipeline(None, "max", True, 8.0, work / "report.json")
    tools.run_tool("qsim-opt", [str(fp), *passes, "-o", str(q)], timeout=1200)
    x = np.random.default_rng(7).standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    xin = work / "x.npy"
    np.save(xin, x)
    return work, {"float": fp, "int8": q}, xin


def lower(work, module, threads):
    out = work / f"{module.stem}.t{threads}.llvm.mlir"
    if not out.exists():
        tools.run_tool("qsim-opt", [str(module), f"--qsim-cpu-pipeline=threads={threads}",
                                    "-o", str(out)], timeout=1200)
    return out


def run(work, lowered, xin, tag, args=(), env=None):
    out = work / f"{lowered.stem}.{tag}.out.npy"
    subprocess.run([str(tools.find_tool("qsim-run")), str(lowered), f"--input={xin}",
                    f"--output={out}", *args], check=True,
                   env={**os.environ, **(env or {})})
    return np.load(out)


@pytest.mark.parametrize("kind", ["float", "int8"])
def test_same_bits_for_every_thread_count(models, kind):
    work, modules, xin = models
    serial = lower(work, modules[kind], 1)
    assert "omp." not in serial.read_text()
    ref = run(work, serial, xin, "serial")
    assert np.isfinite(ref).all() and ref.std() > 0

    dynamic = lower(work, modules[kind], 0)
    text = dynamic.read_text()
    # Really parallel: several OpenMP regions (kernels, pads, elementwise).
    assert text.count("omp.parallel") >= 3
    for n in (1, 2, 3):
        got = run(work, dynamic, xin, f"n{n}", [f"--num-threads={n}"])
        assert np.array_equal(got, ref), f"{kind}: --num-threads={n} changed the bits"
    got = run(work, dynamic, xin, "env3", env={"OMP_NUM_THREADS": "3"})
    assert np.array_equal(got, ref)

    fixed = lower(work, modules[kind], 2)
    assert "num_threads(" in fixed.read_text()
    assert np.array_equal(run(work, fixed, xin, "fixed2"), ref)


def test_num_threads_needs_openmp_loops(models):
    """--num-threads on a module lowered with threads=1 would change
    nothing: an error, not a silent no-op."""
    work, modules, xin = models
    serial = lower(work, modules["float"], 1)
    r = subprocess.run([str(tools.find_tool("qsim-run")), str(serial), f"--input={xin}",
                        "--num-threads=2"], capture_output=True, text=True)
    assert r.returncode != 0
    assert "--num-threads" in r.stderr and "no OpenMP loops" in r.stderr
