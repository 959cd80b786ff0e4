"""Math in the CPU pipeline: f32 exp is upstream's polynomial approximation
(--qsim-cpu-approximate-math), plain arithmetic that LLVM vectorizes, not
a libm call per element. Its results against numpy's (float64) over the
whole f32 range: under 1 ulp where the result is a normal float (a few ulp
in the last half unit before the largest finite result, where the exponent
is clamped to 127), 0 below that, +inf above, NaN for NaN."""
import subprocess

import numpy as np

from qsim import tools

N = 1 << 18

MODULE = f"""
func.func @main(%x: tensor<{N}xf32>) -> tensor<{N}xf32> {{
  %e = tosa.exp %x : (tensor<{N}xf32>) -> tensor<{N}xf32>
  return %e : tensor<{N}xf32>
}}
"""


def exp_on_cpu(tmp_path, x):
    src = tmp_path / "exp.mlir"
    src.write_text(MODULE)
    lowered = tmp_path / "exp.llvm.mlir"
    tools.run_tool("qsim-opt", [str(src), "--qsim-cpu-pipeline", "-o", str(lowered)],
                   timeout=300)
    xin, out = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(xin, x)
    subprocess.run([str(tools.find_tool("qsim-run")), str(lowered), f"--input={xin}",
                    f"--output={out}"], check=True, timeout=300)
    return np.load(out), lowered.read_text()


def test_exp_is_vector_arithmetic_within_a_few_ulp(tmp_path):
    rng = np.random.default_rng(3)
    x = np.concatenate([
        np.linspace(-90.0, 90.0, N // 2),
        rng.uniform(-20.0, 20.0, N // 2 - 8),
        [0.0, -0.0, 1.0, -1e4, 1e4, np.inf, -np.inf, np.nan],
    ]).astype(np.float32)
    y, text = exp_on_cpu(tmp_path, x)
    assert "expf" not in text and "llvm.intr.exp" not in text

    with np.errstate(over="ignore"):
        ref = np.exp(x.astype(np.float64))
    tiny, big = np.finfo(np.float32).tiny, float(np.finfo(np.float32).max)
    normal = (ref >= tiny) & (ref <= big)
    assert normal.sum() > N // 2
    ulp = np.spacing(ref[normal].astype(np.float32)).astype(np.float64)
    err = np.abs(y[normal].astype(np.float64) - ref[normal]) / ulp
    xs = x[normal]
    inner = xs <= 88.0
    assert err[inner].max() < 1, f"exp off by {err[inner].max():.2f} ulp at x={xs[inner][err[inner].argmax()]}"
    assert err.max() < 8
    assert np.all((y[ref < tiny] >= 0) & (y[ref < tiny] < tiny))
    assert np.all(np.isposinf(y[ref > big]))
    assert y[x == 0].tolist() == [1.0, 1.0]
    assert np.isnan(y[np.isnan(x)]).all()
