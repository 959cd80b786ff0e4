"""The qsim dialect's constant folders agree bit for bit with qsim.numerics.

Each test writes a function whose input is an exact hex constant, runs
``qsim-opt --canonicalize -mlir-print-elementsattrs-with-hex-if-larger=0``,
parses the folded constant and compares it with the numpy reference:

* ``qsim.sim_quantize`` (float -> float) against ``fake_quantize``, for
  every rounding mode, signed and unsigned formats of several widths, per
  tensor and per channel, on data with exact ties, saturating values,
  random values and special values (NaN, +-inf, +-0, subnormals);
* ``qsim.quantize`` (float -> integer constant) against ``quantize``;
* ``qsim.dequantize`` (integer -> float) against ``dequantize``.

The tests are skipped only when ``build/bin/qsim-opt`` is not built.  The
helpers' own tests at the end use ``mlir-opt`` (LLVM 22) instead.
"""

import shutil
import subprocess
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
import pytest

from qsim import numerics as qn
from qsim import tools
from qsim.numerics import RoundingMode as RM

MODES = list(RM)


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def qsim_opt() -> Path:
    path = tools.qsim_opt()
    if path is None:
        pytest.skip(f"qsim-opt is not built ({tools.build_dir()}/bin/qsim-opt "
                    f"missing; run bash scripts/setup.sh)")
    return path


def params_text(bits: int, signed: bool, scales, zero_points=None,
                axis: Optional[int] = None) -> str:
    """``<s8, scale = ...>`` / ``<u8, scales = [...], zero_points = [...],
    axis = 1>`` with exact float32 literals."""
    fmt = f"{'s' if signed else 'u'}{bits}"
    if axis is None:
        text = f"{fmt}, scale = {tools.format_f32(scales)}"
        if zero_points:
            text += f", zero_point = {int(zero_points)}"
    else:
        text = f"{fmt}, scales = [{', '.join(tools.format_f32(s) for s in scales)}]"
        if zero_points is not None and any(int(z) for z in zero_points):
            text += f", zero_points = [{', '.join(str(int(z)) for z in zero_points)}]"
        text += f", axis = {axis}"
    return f"<{text}>"


def tensor_type(shape: Sequence[int], elt: str) -> str:
    return f"tensor<{'x'.join(str(d) for d in shape)}x{elt}>"


def rounding_text(mode: Optional[RM]) -> str:
    return "" if mode is None else f" rounding {mode.keyword}"


def fold(qsim_opt: Path, body: str, arg_type: str, result_type: str,
         const_text: str, signed_result: bool = True) -> np.ndarray:
    """Runs ``%r = <body>`` on a constant and returns the folded result."""
    mlir = (
        f"func.func @f() -> {result_type} {{\n"
        f"  %c = arith.constant {const_text} : {arg_type}\n"
        f"  %r = {body}\n"
        f"  return %r : {result_type}\n"
        f"}}\n")
    out = tools.run_tool(qsim_opt, ["--canonicalize", tools.HEX_FLAG, "-"],
                         input=mlir)
    try:
        (result,) = tools.returned_constants(out, "f", signed=signed_result)
    except AssertionError as err:
        raise AssertionError(f"did not fold to a constant.\ninput:\n{mlir}\n"
                             f"{err}") from None
    return result


def f32_bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)


def assert_bitexact(got: np.ndarray, want: np.ndarray, x: np.ndarray,
                    what: str) -> None:
    assert got.shape == want.shape, (what, got.shape, want.shape)
    if got.dtype.kind == "f" or want.dtype.kind == "f":
        gb, wb = f32_bits(got), f32_bits(want)
    else:
        gb, wb = got.astype(np.int64), want.astype(np.int64)
    bad = np.flatnonzero(gb.reshape(-1) != wb.reshape(-1))
    if bad.size == 0:
        return
    xf = np.asarray(x).reshape(-1)
    lines = []
    for i in bad[:12]:
        xi = xf[i]
        xs = (f"{float(xi)!r} (0x{int(f32_bits(np.array([xi]))[0]):08X})"
              if xf.dtype.kind == "f" else str(int(xi)))
        lines.append(f"  [{np.unravel_index(i, got.shape)}] x={xs} "
                     f"want={want.reshape(-1)[i]!r} got={got.reshape(-1)[i]!r}")
    raise AssertionError(f"{what}: {bad.size} of {gb.size} elements differ:\n"
                         + "\n".join(lines))


# ---------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------


def exact_tie(k: int, scale: np.float32) -> np.float32:
    """A float32 x with float32(x / scale) == k + 0.5 when one is found
    near (k + 0.5) * scale, else the nearest candidate."""
    t = np.float32(k + 0.5)
    x0 = np.float32(float(t) * float(scale))
    cand = [x0]
    up = down = x0
    for _ in range(4):
        up = np.nextafter(up, np.float32(np.inf))
        down = np.nextafter(down, np.float32(-np.inf))
        cand += [up, down]
    with np.errstate(all="ignore"):
        for x in cand:
            if np.float32(x) / scale == t:
                return np.float32(x)
    return x0


def make_data(rng: np.random.Generator, scale: float, zero_point: int,
              bits: int, signed: bool, n: int = 256,
              specials: bool = False) -> np.ndarray:
    """float32 data for one channel: exact ties (k + 1/2 steps), grid
    points, near-ties, saturating values, random values, signed zeros and
    subnormals; NaN and +-inf only with ``specials``."""
    s = np.float32(scale)
    lo, hi = qn.int_range(bits, signed)
    klo, khi = lo - zero_point - 3, hi - zero_point + 3  # spill over the range
    ks = rng.integers(klo, khi, n // 4, endpoint=True)
    ties = np.array([exact_tie(int(k), s) for k in ks], np.float32)
    grid = (ks.astype(np.float64) * float(s)).astype(np.float32)
    near = np.array([np.nextafter(t, np.float32(np.inf if i % 2 else -np.inf))
                     for i, t in enumerate(ties[: n // 16])], np.float32)
    span = float(hi - lo) * float(s)
    sat = np.array([4 * span, -4 * span, 1e30, -1e30, 3.0e38, -3.0e38,
                    (hi - zero_point + 0.5) * float(s),
                    (lo - zero_point - 0.5) * float(s)], np.float32)
    fixed = np.array([0.0, -0.0, 1e-45, -1e-45, 1e-40, float(s) / 2,
                      -float(s) / 2, float(s)], np.float32)
    special = (np.array([np.nan, np.inf, -np.inf, -np.nan], np.float32)
               if specials else np.zeros(0, np.float32))
    head = np.concatenate([ties, grid, near, sat, fixed, special])
    rest = n - head.size
    rand = (rng.uniform(klo - 1, khi + 1, max(rest, 0)) * float(s)).astype(
        np.float32)
    data = np.concatenate([head, rand]).astype(np.float32)
    if data.size > n:  # small channels: a random mix of every category
        data = data[rng.choice(data.size, n, replace=False)]
    rng.shuffle(data)
    return data


# (bits, signed, scale, zero_point)
PER_TENSOR = [
    (8, True, 0.1, 0),
    (8, False, 0.1, 3),
    (8, False, 0.05, 128),
    (8, True, 0.0625, -5),
    (4, True, 0.5, 0),
    (4, False, 0.25, 7),
    (2, True, 0.75, 0),
    (3, True, 1.5, -1),
    (12, False, 0.3, 2048),
    (16, True, 0.001, -100),
]


def _ids(cfg) -> str:
    bits, signed, scale, zp = cfg
    return f"{'s' if signed else 'u'}{bits}-s{scale}-zp{zp}"


# ---------------------------------------------------------------------------
# qsim.sim_quantize
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES, ids=[m.keyword for m in MODES])
@pytest.mark.parametrize("cfg", PER_TENSOR, ids=[_ids(c) for c in PER_TENSOR])
def test_sim_quantize_per_tensor(qsim_opt, cfg, mode):
    bits, signed, scale, zp = cfg
    rng = np.random.default_rng(10 * PER_TENSOR.index(cfg) + int(mode))
    x = make_data(rng, scale, zp, bits, signed, n=256)
    ty = tensor_type(x.shape, "f32")
    body = (f"qsim.sim_quantize %c {params_text(bits, signed, scale, zp)}"
            f"{rounding_text(mode)} : {ty}")
    got = fold(qsim_opt, body, ty, ty, tools.dense_hex(x))
    want = qn.fake_quantize(x, scale, zp, bits, signed, mode)
    assert_bitexact(got, want, x, f"sim_quantize {cfg} {mode.keyword}")


@pytest.mark.parametrize("mode", MODES, ids=[m.keyword for m in MODES])
def test_sim_quantize_brief_example_64(qsim_opt, mode):
    rng = np.random.default_rng(64 + int(mode))
    x = make_data(rng, 0.1, 0, 8, True, n=64)
    ty = "tensor<64xf32>"
    body = f"qsim.sim_quantize %c <s8, scale = 0.1>{rounding_text(mode)} : {ty}"
    got = fold(qsim_opt, body, ty, ty, tools.dense_hex(x))
    want = qn.fake_quantize(x, np.float32(0.1), 0, 8, True, mode)
    assert_bitexact(got, want, x, f"sim_quantize <s8, scale = 0.1> {mode.keyword}")


def test_sim_quantize_default_rounding_is_half_to_even(qsim_opt):
    rng = np.random.default_rng(5)
    x = make_data(rng, 0.5, 0, 4, True, n=128)
    ty = tensor_type(x.shape, "f32")
    body = f"qsim.sim_quantize %c <s4, scale = 0.5> : {ty}"
    got = fold(qsim_opt, body, ty, ty, tools.dense_hex(x))
    want = qn.fake_quantize(x, 0.5, 0, 4, True, RM.HALF_TO_EVEN)
    assert_bitexact(got, want, x, "sim_quantize default rounding")


@pytest.mark.parametrize("mode", MODES, ids=[m.keyword for m in MODES])
@pytest.mark.parametrize("cfg", [(8, True, 0.1, 0), (8, False, 0.02, 3),
                                 (4, True, 0.5, -2)], ids=_ids)
def test_sim_quantize_special_values(qsim_opt, cfg, mode):
    """NaN quantizes to the zero point, +-inf saturate, -0.0 -> +0.0."""
    bits, signed, scale, zp = cfg
    rng = np.random.default_rng(17 + int(mode))
    x = make_data(rng, scale, zp, bits, signed, n=64, specials=True)
    ty = tensor_type(x.shape, "f32")
    body = (f"qsim.sim_quantize %c {params_text(bits, signed, scale, zp)}"
            f"{rounding_text(mode)} : {ty}")
    got = fold(qsim_opt, body, ty, ty, tools.dense_hex(x))
    want = qn.fake_quantize(x, scale, zp, bits, signed, mode)
    assert_bitexact(got, want, x, f"sim_quantize specials {cfg} {mode.keyword}")


# (shape, axis, bits, signed, scales, zero_points)
PER_CHANNEL = [
    ((4, 3), 1, 8, True, [0.1, 0.2, 0.3], None),
    ((96, 3), 1, 8, True, [0.1, 0.2, 0.3], None),
    ((64, 3), 1, 8, False, [0.05, 0.125, 0.3], [3, 128, 0]),
    ((3, 40), 0, 4, True, [0.5, 0.25, 0.75], [0, -1, 2]),
    ((4, 2, 2, 6), 3, 8, True, [0.01, 0.02, 0.04, 0.0625, 1.0, 0.003], None),
    ((5, 2, 8), 0, 12, False, [0.1, 0.2, 0.3, 0.4, 0.5], [0, 1, 2, 3, 4095]),
]


def _pc_ids(cfg) -> str:
    shape, axis, bits, signed, _, zps = cfg
    return (f"{'x'.join(map(str, shape))}-axis{axis}-"
            f"{'s' if signed else 'u'}{bits}{'-zp' if zps else ''}")


def make_channel_data(rng, shape, axis, bits, signed, scales, zps):
    """Per-channel data: each channel gets make_data for its own scale."""
    zps = zps or [0] * len(scales)
    moved = list(shape)
    c = moved.pop(axis)
    per = int(np.prod(moved))
    cols = [make_data(rng, s, z, bits, signed, n=max(per, 1))[:per]
            for s, z in zip(scales, zps)]
    arr = np.stack(cols).reshape([c] + moved)  # channel first
    return np.moveaxis(arr, 0, axis).astype(np.float32).copy()


@pytest.mark.parametrize("mode", MODES, ids=[m.keyword for m in MODES])
@pytest.mark.parametrize("cfg", PER_CHANNEL, ids=[_pc_ids(c) for c in PER_CHANNEL])
def test_sim_quantize_per_channel(qsim_opt, cfg, mode):
    shape, axis, bits, signed, scales, zps = cfg
    rng = np.random.default_rng(1000 + 10 * PER_CHANNEL.index(cfg) + int(mode))
    x = make_channel_data(rng, shape, axis, bits, signed, scales, zps)
    ty = tensor_type(shape, "f32")
    body = (f"qsim.sim_quantize %c {params_text(bits, signed, scales, zps, axis)}"
            f"{rounding_text(mode)} : {ty}")
    got = fold(qsim_opt, body, ty, ty, tools.dense_hex(x))
    want = qn.fake_quantize(x, np.array(scales, np.float32),
                            np.array(zps or [0] * len(scales)), bits, signed,
                            mode, axis=axis)
    assert_bitexact(got, want, x, f"sim_quantize per-channel {cfg} {mode.keyword}")


# ---------------------------------------------------------------------------
# qsim.quantize / qsim.dequantize
# ---------------------------------------------------------------------------

QUANTIZE_CFGS = [
    (8, True, 0.1, 0),
    (8, False, 0.1, 3),
    (4, True, 0.5, 0),
    (4, False, 0.25, 7),
    (16, True, 0.001, -100),
]


@pytest.mark.parametrize("mode", MODES, ids=[m.keyword for m in MODES])
@pytest.mark.parametrize("cfg", QUANTIZE_CFGS, ids=[_ids(c) for c in QUANTIZE_CFGS])
def test_quantize_fold(qsim_opt, cfg, mode):
    bits, signed, scale, zp = cfg
    rng = np.random.default_rng(300 + bits + 10 * int(signed) + int(mode))
    x = make_data(rng, scale, zp, bits, signed, n=64)
    fty = tensor_type(x.shape, "f32")
    ity = tensor_type(x.shape, f"i{bits}")
    body = (f"qsim.quantize %c {params_text(bits, signed, scale, zp)}"
            f"{rounding_text(mode)} : {fty} -> {ity}")
    got = fold(qsim_opt, body, fty, ity, tools.dense_hex(x),
               signed_result=signed)
    want = qn.quantize(x, scale, zp, bits, signed, mode)
    assert_bitexact(got, want, x, f"quantize {cfg} {mode.keyword}")


@pytest.mark.parametrize("mode", MODES, ids=[m.keyword for m in MODES])
def test_quantize_fold_per_channel(qsim_opt, mode):
    shape, axis, scales, zps = (4, 3), 1, [0.1, 0.2, 0.3], [0, 5, -7]
    rng = np.random.default_rng(77 + int(mode))
    x = make_channel_data(rng, shape, axis, 8, True, scales, zps)
    body = (f"qsim.quantize %c {params_text(8, True, scales, zps, axis)}"
            f"{rounding_text(mode)} : tensor<4x3xf32> -> tensor<4x3xi8>")
    got = fold(qsim_opt, body, "tensor<4x3xf32>", "tensor<4x3xi8>",
               tools.dense_hex(x))
    want = qn.quantize(x, np.array(scales, np.float32), np.array(zps), 8, True,
                       mode, axis=axis)
    assert_bitexact(got, want, x, f"quantize per-channel {mode.keyword}")


def test_quantize_fold_brief_example(qsim_opt):
    rng = np.random.default_rng(8)
    x = make_data(rng, 0.1, 0, 8, True, n=64, specials=True)
    body = "qsim.quantize %c <s8, scale = 0.1> : tensor<64xf32> -> tensor<64xi8>"
    got = fold(qsim_opt, body, "tensor<64xf32>", "tensor<64xi8>",
               tools.dense_hex(x))
    want = qn.quantize(x, np.float32(0.1), 0, 8, True, RM.HALF_TO_EVEN)
    assert_bitexact(got, want, x, "quantize <s8, scale = 0.1>")


DEQUANTIZE_CFGS = [
    (8, True, 0.1, 0),
    (8, False, 0.1, 3),
    (8, False, 0.0123, 128),
    (4, True, 0.5, -2),
    (4, False, 0.3, 7),
    (16, True, 0.001, -100),
]


@pytest.mark.parametrize("cfg", DEQUANTIZE_CFGS, ids=[_ids(c) for c in DEQUANTIZE_CFGS])
def test_dequantize_fold(qsim_opt, cfg):
    bits, signed, scale, zp = cfg
    lo, hi = qn.int_range(bits, signed)
    rng = np.random.default_rng(500 + bits + int(signed))
    q = np.concatenate([[lo, hi, zp, lo + 1, hi - 1],
                        rng.integers(lo, hi, 59, endpoint=True)]).astype(np.int64)
    ity = tensor_type(q.shape, f"i{bits}")
    fty = tensor_type(q.shape, "f32")
    body = (f"qsim.dequantize %c {params_text(bits, signed, scale, zp)}"
            f" : {ity} -> {fty}")
    got = fold(qsim_opt, body, ity, fty, tools.dense_hex(q, bits=bits))
    want = qn.dequantize(q, scale, zp)
    assert_bitexact(got, want, q, f"dequantize {cfg}")


def test_dequantize_fold_brief_example(qsim_opt):
    q = np.arange(-128, 128, 4, dtype=np.int64)  # 64 values
    body = "qsim.dequantize %c <s8, scale = 0.1> : tensor<64xi8> -> tensor<64xf32>"
    got = fold(qsim_opt, body, "tensor<64xi8>", "tensor<64xf32>",
               tools.dense_hex(q.astype(np.int8)))
    want = qn.dequantize(q, np.float32(0.1), 0)
    assert_bitexact(got, want, q, "dequantize <s8, scale = 0.1>")


def test_dequantize_fold_per_channel(qsim_opt):
    scales, zps = [0.1, 0.2, 0.3], [0, 5, -7]
    rng = np.random.default_rng(21)
    q = rng.integers(-128, 128, (8, 3)).astype(np.int64)
    body = (f"qsim.dequantize %c {params_text(8, True, scales, zps, 1)}"
            f" : tensor<8x3xi8> -> tensor<8x3xf32>")
    got = fold(qsim_opt, body, "tensor<8x3xi8>", "tensor<8x3xf32>",
               tools.dense_hex(q, bits=8))
    want = qn.dequantize(q, np.array(scales, np.float32), np.array(zps), axis=1)
    assert_bitexact(got, want, q, "dequantize per-channel")


# ---------------------------------------------------------------------------
# The helpers themselves (no qsim-opt needed)
# ---------------------------------------------------------------------------


def test_generated_data_has_exact_ties_and_saturation():
    rng = np.random.default_rng(0)
    for bits, signed, scale, zp in PER_TENSOR:
        x = make_data(rng, scale, zp, bits, signed)
        s = np.float32(scale)
        with np.errstate(all="ignore"):
            r = (x / s).astype(np.float64)
            frac = np.abs(r - np.floor(r))
        assert np.count_nonzero(frac == 0.5) >= 16, (bits, signed, scale)
        q = qn.quantize(x, scale, zp, bits, signed)
        lo, hi = qn.int_range(bits, signed)
        assert np.count_nonzero(q == lo) >= 2 and np.count_nonzero(q == hi) >= 2
        # The modes disagree on this data, so it tells them apart.
        outs = {m: qn.fake_quantize(x, scale, zp, bits, signed, m).tobytes()
                for m in MODES}
        assert len(set(outs.values())) == len(MODES), (bits, signed, scale)


def test_params_text():
    assert params_text(8, True, 0.5) == "<s8, scale = 5.0000000000000000e-01>"
    assert params_text(8, False, 0.5, 3) == \
        "<u8, scale = 5.0000000000000000e-01, zero_point = 3>"
    assert params_text(4, True, [0.5, 0.25], [0, 1], 1) == (
        "<s4, scales = [5.0000000000000000e-01, 2.5000000000000000e-01], "
        "zero_points = [0, 1], axis = 1>")
    # The literal reads back (through double) as exactly float32(0.1).
    assert np.float32(float(tools.format_f32(0.1))) == np.float32(0.1)
    assert float(tools.format_f32(0.1)) == float(np.float32(0.1))


MLIR_OPT = Path("/usr/lib/llvm-22/bin/mlir-opt")


def _mlir_opt() -> str:
    if MLIR_OPT.is_file():
        return str(MLIR_OPT)
    found = shutil.which("mlir-opt")
    if not found:
        pytest.skip("mlir-opt (LLVM 22) not installed")
    return found


def _roundtrip(values: List[Tuple[str, str]], hex_flag: bool = True,
               signed=True) -> List[np.ndarray]:
    """Returns the constants of a function returning each (attr, type)."""
    types = ", ".join(t for _, t in values)
    lines = [f"  %v{i} = arith.constant {a} : {t}" for i, (a, t) in enumerate(values)]
    names = ", ".join(f"%v{i}" for i in range(len(values)))
    mlir = (f"func.func @f() -> ({types}) {{\n" + "\n".join(lines) +
            f"\n  return {names} : {types}\n}}\n")
    args = ["--canonicalize", "-"]
    if hex_flag:
        args.insert(1, tools.HEX_FLAG)
    else:
        args.insert(1, "-mlir-print-elementsattrs-with-hex-if-larger=-1")
    out = tools.run_tool(_mlir_opt(), args, input=mlir)
    return tools.returned_constants(out, "f", signed=signed)


@pytest.mark.parametrize("hex_flag", [True, False], ids=["hex", "decimal"])
def test_dense_roundtrip_through_mlir_opt(hex_flag):
    rng = np.random.default_rng(42)
    f = np.concatenate([rng.standard_normal(40) * 10.0 ** rng.integers(-30, 30, 40),
                        [0.0, -0.0, 1e-45, 3.4e38, np.inf, -np.inf, np.nan, 0.1]]
                       ).astype(np.float32)
    i8 = rng.integers(-128, 128, 16).astype(np.int8)
    i4 = rng.integers(-8, 8, 12)
    i12 = rng.integers(-2048, 2048, 6)
    i17 = rng.integers(-(1 << 16), 1 << 16, 5)
    i32 = rng.integers(-(1 << 31), 1 << 31, 7)
    cases = [
        (tools.dense_hex(f), tensor_type(f.shape, "f32")),
        (tools.dense_hex(i8), "tensor<4x4xi8>"),
        (tools.dense_hex(i4, bits=4), "tensor<12xi4>"),
        (tools.dense_hex(i12, bits=12), "tensor<2x3xi12>"),
        (tools.dense_hex(i17, bits=17), "tensor<5xi17>"),
        (tools.dense_hex(i32.astype(np.int32)), "tensor<7xi32>"),
        ('dense<"0x0000C03F">', "tensor<3xf32>"),  # a hex splat
        ("dense<-3>", "tensor<5xi8>"),              # a decimal splat
    ]
    got = _roundtrip(cases, hex_flag)
    np.testing.assert_array_equal(f32_bits(got[0]), f32_bits(f))
    np.testing.assert_array_equal(got[1], i8.reshape(4, 4).astype(np.int64))
    np.testing.assert_array_equal(got[2], i4)
    np.testing.assert_array_equal(got[3], i12.reshape(2, 3))
    np.testing.assert_array_equal(got[4], i17)
    np.testing.assert_array_equal(got[5], i32)
    np.testing.assert_array_equal(got[6], np.full(3, 1.5, np.float32))
    np.testing.assert_array_equal(got[7], np.full(5, -3))
    # Signless integers read as unsigned on request.
    (u,) = _roundtrip([(tools.dense_hex(np.array([0, 200, 255], np.uint8)),
                        "tensor<3xi8>")], hex_flag, signed=False)
    np.testing.assert_array_equal(u, [0, 200, 255])
    (u4,) = _roundtrip([(tools.dense_hex(np.array([0, 9, 15]), bits=4),
                         "tensor<3xi4>")], hex_flag, signed=False)
    np.testing.assert_array_equal(u4, [0, 9, 15])


def test_run_tool_reports_stderr():
    with pytest.raises(tools.ToolError) as info:
        tools.run_tool(_mlir_opt(), ["-"], input="this is not mlir\n")
    assert info.value.returncode != 0
    assert "error" in info.value.stderr
    with pytest.raises(FileNotFoundError):
        tools.run_tool("no-such-qsim-tool")


def test_returned_constants_rejects_unfolded_ops():
    ir = ("func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
          "  %0 = arith.addf %a, %a : tensor<2xf32>\n"
          "  return %0 : tensor<2xf32>\n}\n")
    out = tools.run_tool(_mlir_opt(), ["-"], input=ir)
    with pytest.raises(AssertionError, match="not by a dense constant"):
        tools.returned_constants(out, "f")
