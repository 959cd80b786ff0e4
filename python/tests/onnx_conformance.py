"""ONNX's quantized-operator conformance tests expressed in qsim ops.

Each ONNX node test (Debian's libonnx-testdata) is rewritten by hand-written
rules into an MLIR function on integer tensors using qsim and TOSA integer
ops; `run_case` runs it with qsim-run and returns the outputs next to the
expected ones. uint8 tensors enter as i8 bit patterns and are moved to the
signed domain exactly (x - 128, zero points likewise), which is how TOSA's
int8 ops consume them.
"""

from __future__ import annotations

import glob
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

from qsim import tools

TESTDATA = Path(os.environ.get("QSIM_ONNX_TESTDATA",
                               "/usr/share/libonnx-testdata/data/node"))


@dataclass
class Case:
    name: str
    inputs: List[np.ndarray]
    outputs: List[np.ndarray]
    attrs: Dict[str, object]


def load_case(name: str) -> Case:
    import onnx
    from onnx import helper, numpy_helper

    d = TESTDATA / name
    model = onnx.load(str(d / "model.onnx"))
    node = model.graph.node[0]
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}

    def read(pattern):
        out = []
        for f in sorted(glob.glob(str(d / "test_data_set_0" / pattern)),
                        key=lambda p: int(Path(p).stem.split("_")[1])):
            t = onnx.TensorProto()
            t.ParseFromString(Path(f).read_bytes())
            out.append(numpy_helper.to_array(t))
        return out

    return Case(name, read("input_*.pb"), read("output_*.pb"), attrs)


def _t(shape, elt):
    dims = "x".join(str(d) for d in shape)
    return f"tensor<{dims}x{elt}>" if dims else f"tensor<{elt}>"


def _f(v) -> str:
    return tools.format_f32(float(v))


def _params(fmt: str, scale: np.ndarray, zp: np.ndarray, axis=None) -> str:
    scale = np.atleast_1d(scale)
    zp = np.atleast_1d(zp)
    if scale.size == 1 and axis is None:
        return f"<{fmt}, scale = {_f(scale[0])}, zero_point = {int(zp[0])}>"
    scales = ", ".join(_f(s) for s in scale)
    zps = ", ".join(str(int(z)) for z in zp)
    return f"<{fmt}, scales = [{scales}], zero_points = [{zps}], axis = {axis}>"


def _fmt(dtype) -> str:
    return "u8" if dtype == np.uint8 else "s8"


def _to_signed(v: str, shape, dtype) -> str:
    """MLIR that moves a uint8 bit pattern to int8 (x - 128), exactly."""
    if dtype != np.uint8:
        return ""
    t = _t(shape, "i8")
    return (f"  %{v}_s = qsim.requantize %{v} multiplier [1] shift [0] "
            f"{{input_unsigned, input_zero_point = 128 : i64}} : {t} -> {t}\n")


def _zp8(zp, dtype) -> int:
    return int(np.atleast_1d(zp)[0]) - (128 if dtype == np.uint8 else 0)


def _const_i8(name: str, value: int) -> str:
    return (f'  %{name} = "tosa.const"() <{{values = dense<{value}> : tensor<1xi8>}}> '
            f": () -> tensor<1xi8>\n")


def quantize_linear(c: Case) -> str:
    x, scale, zp = c.inputs
    axis = c.attrs.get("axis", 1) if np.atleast_1d(scale).size > 1 else None
    fin, fout = _t(x.shape, "f32"), _t(x.shape, "i8")
    return (f"func.func @main(%x: {fin}) -> {fout} {{\n"
            f"  %q = qsim.quantize %x {_params(_fmt(zp.dtype), scale, zp, axis)} "
            f": {fin} -> {fout}\n  return %q : {fout}\n}}\n")


def dequantize_linear(c: Case) -> str:
    q, scale, zp = c.inputs
    axis = c.attrs.get("axis", 1) if np.atleast_1d(scale).size > 1 else None
    fin, fout = _t(q.shape, "i8"), _t(q.shape, "f32")
    return (f"func.func @main(%q: {fin}) -> {fout} {{\n"
            f"  %x = qsim.dequantize %q {_params(_fmt(zp.dtype), scale, zp, axis)} "
            f": {fin} -> {fout}\n  return %x : {fout}\n}}\n")


def _matmul_body(a, b, azp, bzp, out_elt="i32"):
    """tosa.matmul on the signed forms; 2-D operands get a batch dim."""
    ash, bsh = list(a.shape), list(b.shape)
    a3 = ash if len(ash) == 3 else [1] + ash
    b3 = bsh if len(bsh) == 3 else [1] + bsh
    o3 = [a3[0], a3[1], b3[2]]
    s = _to_signed("a", ash, a.dtype) + _to_signed("b", bsh, b.dtype)
    av = "%a_s" if a.dtype == np.uint8 else "%a"
    bv = "%b_s" if b.dtype == np.uint8 else "%b"

    def reshape(v, frm, to, name):
        if frm == to:
            return v, ""
        k = len(to)
        dims = ", ".join(str(d) for d in to)
        return (f"%{name}", f"  %{name}_shape = tosa.const_shape {{values = dense<[{dims}]> "
                f": tensor<{k}xindex>}} : () -> !tosa.shape<{k}>\n"
                f"  %{name} = tosa.reshape {v}, %{name}_shape : ({_t(frm, 'i8')}, "
                f"!tosa.shape<{k}>) -> {_t(to, 'i8')}\n")
    av, r1 = reshape(av, ash, a3, "a3")
    bv, r2 = reshape(bv, bsh, b3, "b3")
    s += r1 + r2
    s += _const_i8("azp", _zp8(azp, a.dtype)) + _const_i8("bzp", _zp8(bzp, b.dtype))
    oshape = o3 if len(ash) == 3 else o3[1:]
    res = "%acc3" if oshape != o3 else "%acc"
    s += (f"  {res} = tosa.matmul {av}, {bv}, %azp, %bzp : ({_t(a3, 'i8')}, "
          f"{_t(b3, 'i8')}, tensor<1xi8>, tensor<1xi8>) -> {_t(o3, 'i32')}\n")
    if oshape != o3:
        dims = ", ".join(str(d) for d in oshape)
        k = len(oshape)
        s += (f"  %acc_shape = tosa.const_shape {{values = dense<[{dims}]> : "
              f"tensor<{k}xindex>}} : () -> !tosa.shape<{k}>\n"
              f"  %acc = tosa.reshape %acc3, %acc_shape : ({_t(o3, 'i32')}, "
              f"!tosa.shape<{k}>) -> {_t(oshape, 'i32')}\n")
    return s, oshape


def matmul_integer(c: Case) -> str:
    a, b = c.inputs[0], c.inputs[1]
    azp = c.inputs[2] if len(c.inputs) > 2 else np.zeros(1, a.dtype)
    bzp = c.inputs[3] if len(c.inputs) > 3 else np.zeros(1, b.dtype)
    body, oshape = _matmul_body(a, b, azp, bzp)
    return (f"func.func @main(%a: {_t(a.shape, 'i8')}, %b: {_t(b.shape, 'i8')}) "
            f"-> {_t(oshape, 'i32')} {{\n{body}  return %acc : {_t(oshape, 'i32')}\n}}\n")


def _requantize_out(real: float, yzp, ydtype, shape) -> str:
    m = _multiplier(real)
    unsigned = ydtype == np.uint8
    flags = "output_unsigned, " if unsigned else ""
    return (f"  %y = qsim.requantize %acc multiplier [{m[0]}] shift [{m[1]}] "
            f"{{{flags}output_zero_point = {int(np.atleast_1d(yzp)[0])} : i64}} : "
            f"{_t(shape, 'i32')} -> {_t(shape, 'i8')}\n")


def _multiplier(real: float):
    from qsim import numerics
    m = numerics.derive_power_of_two_multiplier(real)
    if m is None:
        m = numerics.derive_fixed_point_multiplier(real)
    return int(m[0]), int(m[1])


def qlinear_matmul(c: Case) -> str:
    a, sa, azp, b, sb, bzp, sy, yzp = c.inputs
    body, oshape = _matmul_body(a, b, azp, bzp)
    real = float(np.float32(sa).item() * np.float32(np.atleast_1d(sb)[0]).item()) / float(
        np.float32(np.atleast_1d(sy)[0]))
    body += _requantize_out(real, yzp, yzp.dtype, oshape)
    return (f"func.func @main(%a: {_t(a.shape, 'i8')}, %b: {_t(b.shape, 'i8')}) "
            f"-> {_t(oshape, 'i8')} {{\n{body}  return %y : {_t(oshape, 'i8')}\n}}\n")


def _conv_body(x, w, xzp, wzp, attrs):
    """NCHW ONNX conv as NHWC tosa.conv2d between transposes; i32 result."""
    n, ci, h, wd = x.shape
    co, _, kh, kw = w.shape
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    strides = list(attrs.get("strides", [1, 1]))
    dil = list(attrs.get("dilations", [1, 1]))
    oh = (h + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (wd + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) // strides[1] + 1
    s = _to_signed("x", x.shape, x.dtype) + _to_signed("w", w.shape, w.dtype)
    xv = "%x_s" if x.dtype == np.uint8 else "%x"
    wv = "%w_s" if w.dtype == np.uint8 else "%w"
    nhwc, ohwi = [n, h, wd, ci], [co, kh, kw, ci]
    s += (f"  %xt = tosa.transpose {xv} {{perms = array<i32: 0, 2, 3, 1>}} : "
          f"({_t(x.shape, 'i8')}) -> {_t(nhwc, 'i8')}\n"
          f"  %wt = tosa.transpose {wv} {{perms = array<i32: 0, 2, 3, 1>}} : "
          f"({_t(w.shape, 'i8')}) -> {_t(ohwi, 'i8')}\n"
          f'  %bias = "tosa.const"() <{{values = dense<0> : tensor<{co}xi32>}}> : '
          f"() -> tensor<{co}xi32>\n")
    s += _const_i8("xzp", _zp8(xzp, x.dtype)) + _const_i8("wzp", _zp8(wzp, w.dtype))
    out = [n, oh, ow, co]
    s += (f"  %acct = tosa.conv2d %xt, %wt, %bias, %xzp, %wzp {{acc_type = i32, "
          f"dilation = array<i64: {dil[0]}, {dil[1]}>, "
          f"pad = array<i64: {pads[0]}, {pads[2]}, {pads[1]}, {pads[3]}>, "
          f"stride = array<i64: {strides[0]}, {strides[1]}>}} : ({_t(nhwc, 'i8')}, "
          f"{_t(ohwi, 'i8')}, tensor<{co}xi32>, tensor<1xi8>, tensor<1xi8>) -> "
          f"{_t(out, 'i32')}\n")
    nchw = [n, co, oh, ow]
    s += (f"  %acc = tosa.transpose %acct {{perms = array<i32: 0, 3, 1, 2>}} : "
          f"({_t(out, 'i32')}) -> {_t(nchw, 'i32')}\n")
    return s, nchw


def conv_integer(c: Case) -> str:
    x, w = c.inputs[0], c.inputs[1]
    xzp = c.inputs[2] if len(c.inputs) > 2 else np.zeros(1, x.dtype)
    wzp = c.inputs[3] if len(c.inputs) > 3 else np.zeros(1, w.dtype)
    body, oshape = _conv_body(x, w, xzp, wzp, c.attrs)
    return (f"func.func @main(%x: {_t(x.shape, 'i8')}, %w: {_t(w.shape, 'i8')}) "
            f"-> {_t(oshape, 'i32')} {{\n{body}  return %acc : {_t(oshape, 'i32')}\n}}\n")


def qlinear_conv(c: Case) -> str:
    x, sx, xzp, w, sw, wzp, sy, yzp = c.inputs[:8]
    body, oshape = _conv_body(x, w, xzp, wzp, c.attrs)
    real = float(np.float32(sx)) * float(np.float32(np.atleast_1d(sw)[0])) / float(
        np.float32(np.atleast_1d(sy)[0]))
    body += _requantize_out(real, yzp, yzp.dtype, oshape)
    return (f"func.func @main(%x: {_t(x.shape, 'i8')}, %w: {_t(w.shape, 'i8')}) "
            f"-> {_t(oshape, 'i8')} {{\n{body}  return %y : {_t(oshape, 'i8')}\n}}\n")


# name -> (generator, indices of the ONNX inputs that are runtime data)
CASES: Dict[str, tuple] = {
    "test_quantizelinear": (quantize_linear, [0]),
    "test_quantizelinear_axis": (quantize_linear, [0]),
    "test_dequantizelinear": (dequantize_linear, [0]),
    "test_dequantizelinear_axis": (dequantize_linear, [0]),
    "test_matmulinteger": (matmul_integer, [0, 1]),
    "test_qlinearmatmul_2D": (qlinear_matmul, [0, 3]),
    "test_qlinearmatmul_3D": (qlinear_matmul, [0, 3]),
    "test_basic_convinteger": (conv_integer, [0, 1]),
    "test_convinteger_with_padding": (conv_integer, [0, 1]),
    "test_convinteger_without_padding": (conv_integer, [0, 1]),
    "test_qlinearconv": (qlinear_conv, [0, 3]),
}


def generate(name: str) -> str:
    gen, _ = CASES[name]
    return gen(load_case(name))


def run_case(name: str, workdir: str | None = None):
    """Returns (actual outputs, expected outputs) for one conformance test."""
    gen, data_idx = CASES[name]
    case = load_case(name)
    mlir = gen(case)
    with tempfile.TemporaryDirectory(dir=workdir) as d:
        src = Path(d) / "model.mlir"
        src.write_text(mlir)
        args = [str(src), "--entry=main"]
        for i in data_idx:
            p = Path(d) / f"in{i}.npy"
            np.save(p, case.inputs[i])
            args.append(f"--input={p}")
        outs = []
        for k in range(len(case.outputs)):
            p = Path(d) / f"out{k}.npy"
            args.append(f"--output={p}")
            outs.append(p)
        tools.run_tool("qsim-run", args)
        actual = [np.load(p) for p in outs]
    return actual, case.outputs, mlir
