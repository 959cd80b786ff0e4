"""--qsim-fuse-lut's tables equal an independent numpy reference, and the
lowered qsim.lut computes them.

Each case is a calibrated module, ``sim_quantize(x) -> elementwise f32 ops
-> sim_quantize``, in the form the ONNX importer and --qsim-annotate give
(hard-swish, hard-sigmoid, sigmoid, SiLU, erf-GELU, tanh). The reference
evaluates the float ops in numpy float32 op by op (transcendental functions
in float64, rounded once to float32, as docs/Numerics.md says), on every
int8 input value, and quantizes the result with the output parameters.
The module goes through --qsim-fuse-lut, --qsim-realize, canonicalize and
--convert-qsim-to-linalg and runs in qsim-run on the 256 dequantized input
values: every output must have the reference's bits.
"""

import math
import subprocess

import numpy as np
import pytest

from qsim import tools

QSIM_OPT = tools.find_tool("qsim-opt")
QSIM_RUN = tools.find_tool("qsim-run")

pytestmark = pytest.mark.skipif(
    QSIM_OPT is None or QSIM_RUN is None, reason="qsim tools not built")

F = np.float32
N = 256
T = f"tensor<1x{N}xf32>"
SHIFT = '%shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>'


def const(name, v):
    return (f'%{name} = "tosa.const"() <{{values = dense<{float(F(v))!r}> : '
            f'tensor<1x1xf32>}}> : () -> tensor<1x1xf32>')


def sq(dst, src, s, zp=0):
    return f"%{dst} = qsim.sim_quantize %{src} <s8, scale = {s!r}, zero_point = {zp}> : {T}"


def mul(dst, a, b, b_const=True):
    bt = "tensor<1x1xf32>" if b_const else T
    return f"%{dst} = tosa.mul %{a}, %{b}, %shift : ({T}, {bt}, tensor<1xi8>) -> {T}"


def add(dst, a, b):
    return f"%{dst} = tosa.add %{a}, %{b} : ({T}, tensor<1x1xf32>) -> {T}"


def unary(dst, op, a):
    return f"%{dst} = tosa.{op} %{a} : ({T}) -> {T}"


def clamp(dst, a, lo, hi):
    return (f"%{dst} = tosa.clamp %{a} {{min_val = {float(lo)!r} : f32, max_val = {float(hi)!r} "
            f": f32}} : ({T}) -> {T}")


def module(body, out):
    lines = "\n  ".join([SHIFT, *body])
    return (f"func.func @main(%x: {T}) -> {T} {{\n  {lines}\n"
            f"  return %{out} : {T}\n}}\n")


def f64(fn):
    return lambda v: F(fn(np.float64(v)))


sigmoid = f64(lambda v: 1.0 / (1.0 + np.exp(-v)))
erf = f64(np.vectorize(math.erf))
tanh = f64(np.tanh)


def hard_sigmoid_ref(x):
    return np.minimum(np.maximum(x * F(1 / 6) + F(0.5), F(0)), F(1))


CASES = {
    # name: (body, output value, reference f, s_in, s_out, zp_out)
    "hard_swish": ([sq("a", "x", 0.05), const("k", 1 / 6), const("h", 0.5),
                    mul("b", "a", "k"), sq("c", "b", 0.01), add("d", "c", "h"),
                    sq("e", "d", 0.01), clamp("f", "e", 0, 1), sq("g", "f", 0.01),
                    mul("y", "a", "g", b_const=False), sq("out", "y", 0.04)],
                   lambda x: x * hard_sigmoid_ref(x), 0.05, 0.04, 0),
    "hard_sigmoid": ([sq("a", "x", 0.05), const("k", 1 / 6), const("h", 0.5),
                      mul("b", "a", "k"), sq("c", "b", 0.01), add("d", "c", "h"),
                      sq("e", "d", 0.01), clamp("f", "e", 0, 1),
                      sq("out", "f", 1 / 255, -128)],
                     hard_sigmoid_ref, 0.05, 1 / 255, -128),
    "sigmoid": ([sq("a", "x", 0.0625), unary("b", "sigmoid", "a"),
                 sq("out", "b", 1 / 255, -128)], sigmoid, 0.0625, 1 / 255, -128),
    "silu": ([sq("a", "x", 0.05), unary("b", "sigmoid", "a"),
              sq("c", "b", 1 / 255, -128), mul("y", "a", "c", b_const=False),
              sq("out", "y", 0.05, -3)], lambda x: x * sigmoid(x), 0.05, 0.05, -3),
    "gelu": ([sq("a", "x", 0.04), const("r", math.sqrt(0.5)), const("one", 1.0),
              const("half", 0.5), mul("b", "a", "r"), sq("c", "b", 0.03),
              unary("d", "erf", "c"), sq("e", "d", 1 / 127), add("f", "e", "one"),
              sq("g", "f", 2 / 127), mul("h", "a", "half"), sq("i", "h", 0.02),
              mul("y", "i", "g", b_const=False), sq("out", "y", 0.035)],
             lambda x: (x * F(0.5)) * (erf(x * F(math.sqrt(0.5))) + F(1)),
             0.04, 0.035, 0),
    "tanh": ([sq("a", "x", 0.03), unary("b", "tanh", "a"), sq("out", "b", 1 / 127)],
             tanh, 0.03, 1 / 127, 0),
}


def run(tmp_path, name, text, x):
    src = tmp_path / f"{name}.mlir"
    src.write_text(text)
    low = tmp_path / f"{name}.low.mlir"
    subprocess.run([str(QSIM_OPT), str(src), "--qsim-fuse-lut", "--qsim-realize",
                    "--canonicalize", "--cse", "--convert-qsim-to-linalg",
                    "--canonicalize", "-o", str(low)], check=True)
    xin, out = tmp_path / f"{name}.x.npy", tmp_path / f"{name}.y.npy"
    np.save(xin, x)
    subprocess.run([str(QSIM_RUN), str(low), f"--input={xin}", f"--output={out}"],
                   check=True)
    return low.read_text(), np.load(out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_lut_matches_reference(tmp_path, name):
    body, fn, s_in, s_out, zp_out = CASES[name]
    q = np.arange(-128, 128, dtype=np.int64)
    x = (q.astype(F) * F(s_in)).astype(F).reshape(1, N)
    with np.errstate(all="ignore"):
        r = (fn(x).astype(F) / F(s_out)).astype(F)
    ref_q = np.clip(np.rint(r) + zp_out, -128, 127)
    ref = ((ref_q - zp_out).astype(F) * F(s_out)).astype(F)
    low, y = run(tmp_path, name, module(body, "out"), x)
    # The float ops are gone: one table lookup between quantize and
    # dequantize.
    for op in ("tosa.sigmoid", "tosa.erf", "tosa.tanh", "tosa.mul", "tosa.add",
               "tosa.clamp", "math.exp", "math.erf", "math.tanh"):
        assert op not in low, op
    assert "tensor.extract" in low
    bad = np.flatnonzero(y.view(np.int32) != ref.view(np.int32))
    assert bad.size == 0, (name, [(int(q[i]), float(y.flat[i]), float(ref.flat[i]))
                                  for i in bad[:8]])


def test_hard_swish_table_by_hand(tmp_path):
    """The worked example of docs/Numerics.md: q = 60 (x = 3) -> 75 and
    q = -20 (x = -1, f = -1/3) -> round(-8.33) = -8."""
    body = CASES["hard_swish"][0]
    src = tmp_path / "hs.mlir"
    src.write_text(module(body, "out"))
    text = subprocess.run([str(QSIM_OPT), str(src), "--qsim-fuse-lut",
                           "--mlir-print-elementsattrs-with-hex-if-larger=100000"],
                          check=True, capture_output=True, text=True).stdout
    line = next(l for l in text.splitlines() if "qsim.lut" in l)
    table = [int(v) for v in line.split("dense<[")[1].split("]>")[0].split(",")]
    assert len(table) == 256
    assert table[60 + 128] == 75
    assert table[-20 + 128] == -8
