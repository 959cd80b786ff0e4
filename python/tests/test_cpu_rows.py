"""Reductions and activation matmuls that no micro-kernel takes (attention's
scores and context, a softmax's row max and sum) are vectorized one output
row at a time (qsim-cpu-split-reductions, qsim-cpu-vectorize-rows). Their
integer results must equal numpy's exactly, the max exactly, the sum to
float rounding, and the bits must not depend on the thread count."""
import os
import subprocess

import numpy as np
import pytest

from qsim import tools

H, S, D = 4, 64, 32

MODULE = f"""
func.func @main(%q: tensor<{H}x{S}x{D}xi8>, %k: tensor<{H}x{D}x{S}xi8>, %p: tensor<{H}x{S}x{S}xi8>,
                %v: tensor<{H}x{S}x{D}xi8>, %x: tensor<{H}x{S}x{S}xf32>)
    -> (tensor<{H}x{S}x{S}xi32>, tensor<{H}x{S}x{D}xi32>, tensor<{H}x{S}x1xf32>, tensor<{H}x{S}x1xf32>) {{
  %z = "tosa.const"() {{values = dense<0> : tensor<1xi8>}} : () -> tensor<1xi8>
  %zp = "tosa.const"() {{values = dense<-128> : tensor<1xi8>}} : () -> tensor<1xi8>
  %s = tosa.matmul %q, %k, %z, %z : (tensor<{H}x{S}x{D}xi8>, tensor<{H}x{D}x{S}xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<{H}x{S}x{S}xi32>
  %c = tosa.matmul %p, %v, %zp, %z : (tensor<{H}x{S}x{S}xi8>, tensor<{H}x{S}x{D}xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<{H}x{S}x{D}xi32>
  %m = tosa.reduce_max %x {{axis = 2 : i32}} : (tensor<{H}x{S}x{S}xf32>) -> tensor<{H}x{S}x1xf32>
  %e = tosa.reduce_sum %x {{axis = 2 : i32}} : (tensor<{H}x{S}x{S}xf32>) -> tensor<{H}x{S}x1xf32>
  return %s, %c, %m, %e : tensor<{H}x{S}x{S}xi32>, tensor<{H}x{S}x{D}xi32>, tensor<{H}x{S}x1xf32>, tensor<{H}x{S}x1xf32>
}}
"""


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    if tools.find_tool("qsim-run") is None:
        pytest.skip("qsim-run is not built")
    work = tmp_path_factory.mktemp("rows")
    src = work / "attn.mlir"
    src.write_text(MODULE)
    r = np.random.default_rng(11)
    ins = {"q": r.integers(-128, 128, (H, S, D)), "k": r.integers(-128, 128, (H, D, S)),
           "p": r.integers(-128, 128, (H, S, S)), "v": r.integers(-128, 128, (H, S, D))}
    ins = {n: a.astype(np.int8) for n, a in ins.items()}
    ins["x"] = r.standard_normal((H, S, S)).astype(np.float32)
    ins["x"][0, 0, 5] = np.float32(-np.inf)       # a masked score
    paths = []
    for n, a in ins.items():
        paths.append(work / f"{n}.npy")
        np.save(paths[-1], a)
    return work, src, ins, paths


def run(work, src, paths, threads, args=(), env=None):
    lowered = work / f"attn.t{threads}.llvm.mlir"
    if not lowered.exists():
        tools.run_tool("qsim-opt", [str(src), f"--qsim-cpu-pipeline=threads={threads}",
                                    "-o", str(lowered)], timeout=300)
    tag = f"t{threads}" + "".join(a.strip("-").replace("=", "") for a in args)
    outs = [work / f"out{i}.{tag}.npy" for i in range(4)]
    subprocess.run([str(tools.find_tool("qsim-run")), str(lowered),
                    *[f"--input={p}" for p in paths], *[f"--output={o}" for o in outs], *args],
                   check=True, timeout=300, env={**os.environ, **(env or {})})
    return lowered.read_text(), [np.load(o) for o in outs]


def test_rows_match_numpy(case):
    work, src, ins, paths = case
    text, (s, c, m, e) = run(work, src, paths, 1)
    # One vector per row: vector arithmetic on the rows, not scalar loops.
    assert "vector<32xi32>" in text or "vector<64xi32>" in text
    i32 = {n: a.astype(np.int64) for n, a in ins.items() if n != "x"}
    assert np.array_equal(s, i32["q"] @ i32["k"])
    assert np.array_equal(c, (i32["p"] + 128) @ i32["v"])
    assert np.array_equal(m[..., 0], ins["x"].max(axis=2))
    np.testing.assert_allclose(e[..., 0], ins["x"].astype(np.float64).sum(axis=2),
                               rtol=1e-5, atol=1e-4)


def test_rows_same_bits_for_every_thread_count(case):
    work, src, ins, paths = case
    _, ref = run(work, src, paths, 1)
    text, _ = run(work, src, paths, 0, ["--num-threads=1"])
    assert "omp.parallel" in text
    for args in (["--num-threads=1"], ["--num-threads=2"], ["--num-threads=3"]):
        _, got = run(work, src, paths, 0, args)
        for a, b in zip(ref, got):
            assert np.array_equal(a, b), args
