"""The CPU micro-kernels (--convert-linalg-to-cpu-kernels) give the same bits
as the plain loops.

Each case is a small TOSA module with random constant weights (a convolution
or matmul, a bias, an elementwise epilogue of the shapes the quantizer
produces: requantize-like shifts and clamps, per-channel operands, a
residual operand, narrowing to i8). It is compiled with
``--qsim-cpu-pipeline="microkernels=none"`` (plain loops) and with every
micro-kernel target the host can run, run on the same random input, and the
outputs must be identical (int8) or equal to the last bit (f32: the kernel
sums in a different order, so f32 is compared with a tolerance and exactly
only where the reduction has one term).
"""

import subprocess
import zlib

import numpy as np
import pytest

from qsim import hostinfo, tools

QSIM_OPT = tools.find_tool("qsim-opt")
QSIM_RUN = tools.find_tool("qsim-run")
# The test driver: its --qsim-cpu-emulation-pipeline runs a target's kernels
# with the dot instructions as generic vector arithmetic (test/lib).
QSIM_TEST_OPT = tools.find_tool("qsim-test-opt")

pytestmark = pytest.mark.skipif(
    QSIM_OPT is None or QSIM_RUN is None or QSIM_TEST_OPT is None,
    reason="qsim tools not built")


def host_targets():
    have = hostinfo.features()
    # The AVX-512 kernels' structure (16 lanes, VNNI's unsigned flip and
    # corrections, packing) runs everywhere with the dot instructions
    # emulated; the instructions themselves only where the host has them.
    targets = ["auto", "emulate-avx512-vnni", "emulate-avx512"]
    if have["avx2"] and have["fma"]:
        targets.append("avx2")
    if have["avx512f"] and have["avx512bw"]:
        targets.append("avx512")
    if have["avx512f"] and have["avx512bw"] and have["avx512vnni"]:
        targets.append("avx512-vnni")
    return targets


def dense(a):
    """An MLIR dense literal of a numpy array (hex of the little-endian
    bytes, which MLIR reads for any shape)."""
    return 'dense<"0x' + np.ascontiguousarray(a).astype(
        a.dtype.newbyteorder("<")).tobytes().hex().upper() + '">'



def ttype(shape, elt):
    return "tensor<" + "x".join(str(d) for d in shape) + f"x{elt}>"


# The int8 epilogue's linalg.generic around a body: the accumulator, a
# per-channel i32 (%m) and an i8 residual (%rs) in, i8 out.
EPILOGUE_GENERIC = """
  %e = tensor.empty() : {out8}
  %r = linalg.generic {{indexing_maps = [{idm}, {chm}, {idm}, {idm}],
      iterator_types = [{its}]}}
      ins(%acc, %mult, %res : {acc}, {cht}, {out8}) outs(%e : {out8}) {{
  ^bb0(%in: i32, %m: i32, %rs: i8, %out: i8):
{body}
    linalg.yield %n : i8
  }} -> {out8}
  return %r : {out8}
"""

# In i64, ending in a clamp to [-128, 127] and the narrowing to i8.
EPILOGUE_I8_BODY = """\
    %wi = arith.extsi %in : i32 to i64
    %mw = arith.extsi %m : i32 to i64
    %p = arith.muli %wi, %mw : i64
    %c = arith.constant {shift} : i64
    %s = arith.shrsi %p, %c : i64
    %rw = arith.extsi %rs : i8 to i64
    %t = arith.addi %s, %rw : i64
    %lo = arith.constant -128 : i64
    %hi = arith.constant 127 : i64
    %a = arith.maxsi %t, %lo : i64
    %bb = arith.minsi %a, %hi : i64
    %n = arith.trunci %bb : i64 to i8"""

# In i32, ending in a clamp to [lo, hi] and the narrowing to i8, as the
# requantize writes it: the kernels narrow a pixel's vectors at once
# (saturating to [-128, 127], then clamping the bytes). The shift leaves
# values on both sides of the clamp.
EPILOGUE_CLAMP_I32_BODY = """\
    %c = arith.constant {shift} : i32
    %s = arith.shrsi %in, %c : i32
    %rw = arith.extsi %rs : i8 to i32
    %t = arith.addi %s, %rw : i32
    %lo = arith.constant {lo} : i32
    %hi = arith.constant {hi} : i32
{clamp}
    %n = arith.trunci %bb : i32 to i8"""


# A 256-entry lookup of the narrowed byte, as qsim.lut's lowering writes it
# (the kernels run it on the narrowed bytes with vpshufb).
EPILOGUE_LUT_BODY = """
    %ne = arith.extsi %n : i8 to i32
    %c128 = arith.constant 128 : i32
    %ix = arith.addi %ne, %c128 : i32
    %ii = arith.index_cast %ix : i32 to index
    %lv = tensor.extract %table[%ii] : tensor<256xi8>"""


def epilogue_i8(rng, clamp, lut=False, **fmt):
    """The int8 epilogue: EPILOGUE_I8_BODY (i64, not narrowed by the
    kernels), or with clamp = (lo, hi, max_first) EPILOGUE_CLAMP_I32_BODY;
    with lut, followed by a lookup in a random table (EPILOGUE_LUT_BODY)."""
    shifts = fmt.pop("shifts")
    if lut:
        table = rng.integers(-128, 128, 256).astype(np.int8)
        text = epilogue_i8(rng, clamp, **fmt, shifts=shifts)
        text = text.replace("    linalg.yield %n : i8",
                            EPILOGUE_LUT_BODY.lstrip("\n") + "\n    linalg.yield %lv : i8")
        return (f"  %table = arith.constant {dense(table)} : tensor<256xi8>"
                + text)
    if clamp is None:
        body = EPILOGUE_I8_BODY.format(shift=int(rng.integers(*shifts)))
    else:
        lo, hi, max_first = clamp
        order = ("    %a = arith.maxsi %t, %lo : i32\n    %bb = arith.minsi %a, %hi : i32"
                 if max_first else
                 "    %a = arith.minsi %hi, %t : i32\n    %bb = arith.maxsi %lo, %a : i32")
        body = EPILOGUE_CLAMP_I32_BODY.format(shift=int(rng.integers(6, 10)),
                                              lo=lo, hi=hi, clamp=order)
    return EPILOGUE_GENERIC.format(body=body, **fmt)


def conv_module(rng, n, h, w, c, f, k, stride, pad, izp=0, fp=False,
                epilogue=True, relu_input=False, wlim=128, pad_after=None,
                clamp=None, lut=False, input_range=None):
    """A tosa.conv2d with random weights in [-wlim, wlim) and the int8
    epilogue (or a ReLU in f32). With relu_input, the int8 input is first
    clamped to [0, 127] (a ReLU's output: the kernels may read it as
    unsigned bytes). With pad_after = ((top, bottom), (left, right), value),
    the int8 result is padded by a tosa.pad (the next layer's border: the
    kernel writes into the padded tensor). clamp: see epilogue_i8."""
    oh = (h + 2 * pad - k) // stride + 1
    ow = (w + 2 * pad - k) // stride + 1
    if fp:
        wt = rng.standard_normal((f, k, k, c)).astype(np.float32)
        bias = rng.standard_normal(f).astype(np.float32)
        elt, acc_elt = "f32", "f32"
        zp = '"tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>'
        acc_type = "f32"
    else:
        wt = rng.integers(-wlim, wlim, (f, k, k, c)).astype(np.int8)
        bias = rng.integers(-5000, 5000, f).astype(np.int32)
        elt, acc_elt = "i8", "i32"
        zp = None
        acc_type = "i32"
    x_t = ttype((n, h, w, c), elt)
    acc_t = ttype((n, oh, ow, f), acc_elt)
    lines = [f"func.func @main(%x: {x_t}, %res: {ttype((n, oh, ow, f), 'i8')}) -> "
             + (ttype((n, oh, ow, f), "i8") if (epilogue and not fp) else
                acc_t) + " {"]
    lines.append(f"  %w = arith.constant {dense(wt)} : {ttype(wt.shape, elt)}")
    lines.append(f"  %b = arith.constant {dense(bias)} : {ttype(bias.shape, acc_elt)}")
    if fp:
        lines.append(f"  %z = {zp}")
        zps = "%z, %z"
        zpt = "tensor<1xf32>, tensor<1xf32>"
    else:
        lines.append(f'  %zi = "tosa.const"() {{values = dense<{izp}> : tensor<1xi8>}} : () -> tensor<1xi8>')
        lines.append('  %zw = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>')
        zps = "%zi, %zw"
        zpt = "tensor<1xi8>, tensor<1xi8>"
    xin = "%x"
    if relu_input or input_range:
        lo, hi = input_range or (0, 127)
        xin = "%xr"
        lines.append(f"  %xr = tosa.clamp %x {{min_val = {lo} : i8, max_val = {hi} : i8}} : ({x_t}) -> {x_t}")
    lines.append(
        f"  %acc = tosa.conv2d {xin}, %w, %b, {zps} {{acc_type = {acc_type}, "
        f"dilation = array<i64: 1, 1>, pad = array<i64: {pad}, {pad}, {pad}, {pad}>, "
        f"stride = array<i64: {stride}, {stride}>}} : ({x_t}, {ttype(wt.shape, elt)}, "
        f"{ttype(bias.shape, acc_elt)}, {zpt}) -> {acc_t}")
    idm = "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>"
    chm = "affine_map<(d0, d1, d2, d3) -> (d3)>"
    its = ", ".join(['"parallel"'] * 4)
    if fp:
        if epilogue:
            lines.append(f"""  %e = tensor.empty() : {acc_t}
  %r = linalg.generic {{indexing_maps = [{idm}, {idm}], iterator_types = [{its}]}}
      ins(%acc : {acc_t}) outs(%e : {acc_t}) {{
  ^bb0(%in: f32, %out: f32):
    %z0 = arith.constant 0.0 : f32
    %m = arith.maximumf %in, %z0 : f32
    linalg.yield %m : f32
  }} -> {acc_t}
  return %r : {acc_t}""")
        else:
            lines.append(f"  return %acc : {acc_t}")
    else:
        if epilogue:
            mult = rng.integers(1, 1 << 15, f).astype(np.int32)
            lines.append(f"  %mult = arith.constant {dense(mult)} : {ttype((f,), 'i32')}")
            epi = epilogue_i8(
                rng, clamp, lut, out8=ttype((n, oh, ow, f), "i8"), acc=acc_t,
                idm=idm, chm=chm, its=its, cht=ttype((f,), "i32"),
                shifts=(20, 26))
            if pad_after:
                (t, btm), (lft, rgt), value = pad_after
                padded = ttype((n, oh + t + btm, ow + lft + rgt, f), "i8")
                lines[0] = lines[0].rsplit("->", 1)[0] + f"-> {padded} {{"
                epi = epi.replace(
                    f"  return %r : {ttype((n, oh, ow, f), 'i8')}",
                    f"  %ps = tosa.const_shape {{values = dense<[0, 0, {t}, "
                    f"{btm}, {lft}, {rgt}, 0, 0]> : tensor<8xindex>}} : () -> "
                    f"!tosa.shape<8>\n"
                    f'  %pv = "tosa.const"() {{values = dense<{value}> : '
                    f"tensor<1xi8>}} : () -> tensor<1xi8>\n"
                    f"  %p = tosa.pad %r, %ps, %pv : ({ttype((n, oh, ow, f), 'i8')}, "
                    f"!tosa.shape<8>, tensor<1xi8>) -> {padded}\n"
                    f"  return %p : {padded}")
            lines.append(epi)
        else:
            lines.append(f"  return %acc : {acc_t}")
    lines.append("}")
    x = (rng.standard_normal((n, h, w, c)).astype(np.float32) if fp else
         rng.integers(-128, 128, (n, h, w, c)).astype(np.int8))
    res = rng.integers(-128, 128, (n, oh, ow, f)).astype(np.int8)
    return "\n".join(lines) + "\n", [x, res]


def dw_module(rng, n, h, w, c, k, stride, pad, izp=0, fp=False,
              relu_input=False, dilation=1, clamp=None, kw=None, lut=False):
    """A depthwise convolution (tosa.depthwise_conv2d, multiplier 1) with
    the int8 epilogue of conv_module, or a ReLU in f32. With relu_input
    the input is first clamped to [0, 127] (the kernels pair taps on
    vpmaddubsw); kw: a kernel width other than k."""
    kh, kw = k, (k if kw is None else kw)
    oh = (h + 2 * pad - dilation * (kh - 1) - 1) // stride + 1
    ow = (w + 2 * pad - dilation * (kw - 1) - 1) // stride + 1
    elt, acc_elt = ("f32", "f32") if fp else ("i8", "i32")
    if fp:
        wt = rng.standard_normal((kh, kw, c, 1)).astype(np.float32)
        bias = rng.standard_normal(c).astype(np.float32)
        zps = ('  %z = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>', "%z, %z", "tensor<1xf32>, tensor<1xf32>")
    else:
        wt = rng.integers(-128, 128, (kh, kw, c, 1)).astype(np.int8)
        bias = rng.integers(-5000, 5000, c).astype(np.int32)
        zps = (f'  %zi = "tosa.const"() {{values = dense<{izp}> : tensor<1xi8>}} : () -> tensor<1xi8>\n'
               '  %zw = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>',
               "%zi, %zw", "tensor<1xi8>, tensor<1xi8>")
    x_t = ttype((n, h, w, c), elt)
    acc_t = ttype((n, oh, ow, c), acc_elt)
    out_t = acc_t if fp else ttype((n, oh, ow, c), "i8")
    idm = "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>"
    chm = "affine_map<(d0, d1, d2, d3) -> (d3)>"
    its = ", ".join(['"parallel"'] * 4)
    xin = "%x"
    lines = [f"func.func @main(%x: {x_t}, %res: {ttype((n, oh, ow, c), 'i8')}) -> {out_t} {{",
             f"  %w = arith.constant {dense(wt)} : {ttype(wt.shape, elt)}",
             f"  %b = arith.constant {dense(bias)} : {ttype(bias.shape, acc_elt)}",
             zps[0]]
    if relu_input:
        xin = "%xr"
        lines.append(f"  %xr = tosa.clamp %x {{min_val = 0 : i8, max_val = 127 : i8}} : ({x_t}) -> {x_t}")
    lines += [
             f"  %acc = tosa.depthwise_conv2d {xin}, %w, %b, {zps[1]} {{acc_type = {acc_elt}, "
             f"dilation = array<i64: {dilation}, {dilation}>, pad = array<i64: {pad}, {pad}, {pad}, {pad}>, "
             f"stride = array<i64: {stride}, {stride}>}} : ({x_t}, {ttype(wt.shape, elt)}, "
             f"{ttype(bias.shape, acc_elt)}, {zps[2]}) -> {acc_t}"]
    if fp:
        lines.append(f"  %r = tosa.clamp %acc {{min_val = 0.0 : f32, max_val = 3.4e38 : f32}} : ({acc_t}) -> {acc_t}")
        lines.append(f"  return %r : {acc_t}")
    else:
        mult = rng.integers(1, 1 << 15, c).astype(np.int32)
        lines.append(f"  %mult = arith.constant {dense(mult)} : {ttype((c,), 'i32')}")
        lines.append(epilogue_i8(
            rng, clamp, lut, out8=out_t, acc=acc_t, idm=idm, chm=chm, its=its,
            cht=ttype((c,), "i32"), shifts=(16, 20)))
    lines.append("}")
    x = (rng.standard_normal((n, h, w, c)).astype(np.float32) if fp else
         rng.integers(-128, 128, (n, h, w, c)).astype(np.int8))
    res = rng.integers(-128, 128, (n, oh, ow, c)).astype(np.int8)
    return "\n".join(lines) + "\n", [x, res]


def grouped_module(rng, n, h, w, groups, cg, mg, k, stride, dilation=1,
                   fp=False, epilogue=True, relu_input=False, clamp=None):
    """A grouped convolution as the importer writes it and realize leaves
    it: upstream linalg.conv_2d_nhwgc_gfhwc on an (already padded) input
    [N, H, W, G, C/G] with a zero-filled init, its result collapsed to
    [N, OH, OW, M] and read by the int8 epilogue (f32: a ReLU); without
    the epilogue the [N, OH, OW, G, M/G] result is returned."""
    span = (k - 1) * dilation + 1
    oh = (h - span) // stride + 1
    ow = (w - span) // stride + 1
    m = groups * mg
    elt, acc_elt = ("f32", "f32") if fp else ("i8", "i32")
    if fp:
        wt = rng.standard_normal((groups, mg, k, k, cg)).astype(np.float32)
        x = rng.standard_normal((n, h, w, groups, cg)).astype(np.float32)
    else:
        wt = rng.integers(-128, 128, (groups, mg, k, k, cg)).astype(np.int8)
        x = rng.integers(-128, 128, (n, h, w, groups, cg)).astype(np.int8)
    x_t = ttype(x.shape, elt)
    acc5 = ttype((n, oh, ow, groups, mg), acc_elt)
    acc_t = ttype((n, oh, ow, m), acc_elt)
    out_t = (acc_t if fp else ttype((n, oh, ow, m), "i8")) if epilogue else acc5
    zero = "0.0" if fp else "0"
    lines = [f"func.func @main(%x: {x_t}, %res: {ttype((n, oh, ow, m), 'i8')}) -> {out_t} {{",
             f"  %w = arith.constant {dense(wt)} : {ttype(wt.shape, elt)}",
             f"  %z = arith.constant {zero} : {acc_elt}",
             f"  %e0 = tensor.empty() : {acc5}",
             f"  %init = linalg.fill ins(%z : {acc_elt}) outs(%e0 : {acc5}) -> {acc5}"]
    xin = "%x"
    if relu_input and not fp:
        xin = "%xr"
        lines.append(f"  %xr = tosa.clamp %x {{min_val = 0 : i8, max_val = 127 : i8}} : "
                     f"({x_t}) -> {x_t}")
    lines.append(f"  %acc5 = linalg.conv_2d_nhwgc_gfhwc {{dilations = dense<{dilation}> : "
                 f"tensor<2xi64>, strides = dense<{stride}> : tensor<2xi64>}} "
                 f"ins({xin}, %w : {x_t}, {ttype(wt.shape, elt)}) outs(%init : {acc5}) "
                 f"-> {acc5}")
    if not epilogue:
        lines.append(f"  return %acc5 : {acc5}")
    else:
        lines.append(f"  %acc = tensor.collapse_shape %acc5 [[0], [1], [2], [3, 4]] : "
                     f"{acc5} into {acc_t}")
        idm = "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>"
        chm = "affine_map<(d0, d1, d2, d3) -> (d3)>"
        its = ", ".join(['"parallel"'] * 4)
        if fp:
            lines.append(f"""  %e = tensor.empty() : {acc_t}
  %r = linalg.generic {{indexing_maps = [{idm}, {idm}], iterator_types = [{its}]}}
      ins(%acc : {acc_t}) outs(%e : {acc_t}) {{
  ^bb0(%in: f32, %out: f32):
    %z0 = arith.constant 0.0 : f32
    %mx = arith.maximumf %in, %z0 : f32
    linalg.yield %mx : f32
  }} -> {acc_t}
  return %r : {acc_t}""")
        else:
            mult = rng.integers(1, 1 << 15, m).astype(np.int32)
            lines.append(f"  %mult = arith.constant {dense(mult)} : {ttype((m,), 'i32')}")
            lines.append(epilogue_i8(
                rng, clamp, out8=ttype((n, oh, ow, m), "i8"), acc=acc_t, idm=idm,
                chm=chm, its=its, cht=ttype((m,), "i32"), shifts=(18, 22)))
    lines.append("}")
    res = rng.integers(-128, 128, (n, oh, ow, m)).astype(np.int8)
    return "\n".join(lines) + "\n", [x, res]


def matmul_module(rng, m, k, n, fp=False):
    elt, acc = ("f32", "f32") if fp else ("i8", "i32")
    if fp:
        b = rng.standard_normal((1, k, n)).astype(np.float32)
        zp = 'dense<0.0> : tensor<1xf32>'
        zt = "tensor<1xf32>"
    else:
        b = rng.integers(-128, 128, (1, k, n)).astype(np.int8)
        zp = 'dense<0> : tensor<1xi8>'
        zt = "tensor<1xi8>"
    a_t, b_t, c_t = (ttype((1, m, k), elt), ttype((1, k, n), elt),
                     ttype((1, m, n), acc))
    text = f"""func.func @main(%a: {a_t}) -> {c_t} {{
  %b = arith.constant {dense(b)} : {b_t}
  %z = "tosa.const"() {{values = {zp}}} : () -> {zt}
  %c = tosa.matmul %a, %b, %z, %z : ({a_t}, {b_t}, {zt}, {zt}) -> {c_t}
  return %c : {c_t}
}}
"""
    a = (rng.standard_normal((1, m, k)).astype(np.float32) if fp else
         rng.integers(-128, 128, (1, m, k)).astype(np.int8))
    return text, [a]


def run(tmp_path, name, text, inputs, microkernels, threads=1, extra=""):
    src = tmp_path / f"{name}.mlir"
    src.write_text(text)
    tag = extra.replace("=", "").replace(" ", "_")
    low = tmp_path / f"{name}.{microkernels}.t{threads}{tag}.llvm.mlir"
    # "emulate-<target>": that target's kernels on any host.
    target = microkernels.removeprefix("emulate-")
    opt, pipeline = ((QSIM_TEST_OPT, "qsim-cpu-emulation-pipeline")
                     if target != microkernels else (QSIM_OPT, "qsim-cpu-pipeline"))
    subprocess.run([str(opt), str(src),
                    f"--{pipeline}=microkernels={target} "
                    f"threads={threads} {extra}",
                    "-o", str(low)], check=True)
    args = [str(QSIM_RUN), str(low)]
    for i, x in enumerate(inputs):
        path = tmp_path / f"{name}.in{i}.npy"
        np.save(path, x)
        args.append(f"--input={path}")
    out = tmp_path / f"{name}.{microkernels}.t{threads}{tag}.out.npy"
    args.append(f"--output={out}")
    subprocess.run(args, check=True)
    return np.load(out)


CASES = {
    # name: (builder, kwargs)
    "conv3x3_pad_tail_channels": (conv_module, dict(n=1, h=6, w=7, c=8, f=24, k=3, stride=1, pad=1)),
    "conv3x3_stride2": (conv_module, dict(n=2, h=9, w=9, c=16, f=32, k=3, stride=2, pad=1)),
    "conv1x1_wide": (conv_module, dict(n=1, h=5, w=5, c=64, f=80, k=1, stride=1, pad=0)),
    "conv_first_layer_c1": (conv_module, dict(n=3, h=8, w=8, c=1, f=16, k=3, stride=1, pad=1)),
    "conv_odd_channels": (conv_module, dict(n=1, h=5, w=6, c=3, f=10, k=3, stride=1, pad=0)),
    "conv_input_zero_point": (conv_module, dict(n=1, h=6, w=6, c=8, f=16, k=3, stride=1, pad=1, izp=-128)),
    "conv_no_epilogue": (conv_module, dict(n=1, h=5, w=5, c=12, f=20, k=3, stride=1, pad=1, epilogue=False)),
    # vpmaddubsw on the input's own bytes (proven in [0, 127])...
    "conv3x3_relu_input": (conv_module, dict(n=1, h=7, w=6, c=16, f=24, k=3, stride=1, pad=1, relu_input=True)),
    "conv1x1_relu_input_odd_channels": (conv_module, dict(n=2, h=5, w=5, c=6, f=20, k=1, stride=1, pad=0, relu_input=True)),
    "conv_relu_input_zero_point": (conv_module, dict(n=1, h=7, w=7, c=8, f=16, k=3, stride=2, pad=1, izp=3, relu_input=True)),
    # ...and on the flipped input when the weight pairs are small enough.
    "conv3x3_small_weights": (conv_module, dict(n=1, h=6, w=7, c=12, f=16, k=3, stride=1, pad=1, wlim=64)),
    # ...and on the input shifted by -lo where its bounds are narrower.
    "conv3x3_shifted_input": (conv_module, dict(n=1, h=6, w=7, c=16, f=24, k=3, stride=1, pad=1, input_range=(-20, 100))),
    # The result padded for the next layer: written into the padded tensor.
    "conv3x3_into_pad": (conv_module, dict(n=2, h=6, w=7, c=8, f=20, k=3, stride=1, pad=1,
                                           pad_after=((1, 2), (2, 1), -7))),
    "conv1x1_relu_input_into_pad": (conv_module, dict(n=1, h=5, w=9, c=16, f=32, k=1, stride=1, pad=0,
                                                      relu_input=True, pad_after=((1, 1), (1, 1), 0))),
    "depthwise3x3": (dw_module, dict(n=2, h=7, w=9, c=40, k=3, stride=1, pad=1)),
    "depthwise_stride2_zp": (dw_module, dict(n=1, h=9, w=9, c=24, k=3, stride=2, pad=1, izp=-128)),
    # An i32 clamp and narrowing: one narrowing per pixel (both orders of
    # the clamp; bounds inside and at the ends of the i8 range; a partial
    # last vector keeps its own).
    "conv3x3_clamp_0_127": (conv_module, dict(n=1, h=6, w=7, c=8, f=32, k=3, stride=1, pad=1, clamp=(0, 127, True))),
    "conv1x1_clamp_inner": (conv_module, dict(n=2, h=5, w=5, c=16, f=24, k=1, stride=1, pad=0, clamp=(-5, 100, False))),
    "conv_clamp_full_i8_tail": (conv_module, dict(n=1, h=5, w=6, c=8, f=20, k=3, stride=1, pad=1, clamp=(-128, 127, True))),
    # Depthwise on a [0, 127] input: taps paired on vpmaddubsw for blocks of
    # 4L channels, vpmaddwd on single taps for the rest (40 = 32 + 8 on
    # AVX2; 80 = 64 + 16 with 16 lanes), odd and even tap counts.
    "depthwise3x3_relu_input": (dw_module, dict(n=2, h=7, w=9, c=40, k=3, stride=1, pad=1, relu_input=True, clamp=(0, 127, True))),
    "depthwise5x5_relu_input": (dw_module, dict(n=1, h=9, w=8, c=80, k=5, stride=1, pad=2, relu_input=True)),
    "depthwise2x2_relu_input_zp": (dw_module, dict(n=1, h=6, w=7, c=64, k=2, stride=1, pad=0, izp=3, relu_input=True, clamp=(-20, 90, False))),
    "depthwise1x3_relu_input_stride2_dilation2": (dw_module, dict(n=1, h=11, w=13, c=96, k=1, kw=3, stride=2, pad=2, dilation=2, relu_input=True, clamp=(0, 127, True))),
    "depthwise3x3_relu_input_few_channels": (dw_module, dict(n=1, h=5, w=5, c=16, k=3, stride=1, pad=1, relu_input=True)),
    # Two taps (a lone pair beside zero words; a 1x1 depthwise is no
    # depthwise op after TOSA's lowering), 49 taps (the most unrolled),
    # 64 taps (not unrolled: single taps in loops).
    "depthwise1x2_relu_input": (dw_module, dict(n=2, h=4, w=5, c=64, k=1, kw=2, stride=1, pad=0, relu_input=True, clamp=(0, 127, True))),
    "depthwise7x7_relu_input": (dw_module, dict(n=1, h=9, w=9, c=32, k=7, stride=1, pad=3, relu_input=True)),
    "depthwise8x8_relu_input": (dw_module, dict(n=1, h=9, w=9, c=32, k=8, stride=1, pad=0, relu_input=True)),
    # A lookup after the narrowing (hard-swish, sigmoid, ... as qsim.lut):
    # on all pixels' bytes at once (32-byte and 16-byte chunks, padded
    # rests), or per vector where the last one is partial.
    "conv3x3_lut": (conv_module, dict(n=1, h=6, w=7, c=8, f=32, k=3, stride=1, pad=1, clamp=(-128, 127, True), lut=True)),
    "conv1x1_lut_relu_tail": (conv_module, dict(n=1, h=5, w=7, c=16, f=20, k=1, stride=1, pad=0, clamp=(0, 127, False), lut=True)),
    "conv1x1_lut_24": (conv_module, dict(n=2, h=5, w=5, c=16, f=24, k=1, stride=1, pad=0, clamp=(-50, 127, True), lut=True)),
    "depthwise3x3_lut": (dw_module, dict(n=1, h=7, w=9, c=40, k=3, stride=1, pad=1, clamp=(-128, 127, True), lut=True)),
    "depthwise5x5_relu_input_lut": (dw_module, dict(n=1, h=9, w=9, c=80, k=5, stride=2, pad=2, relu_input=True, clamp=(0, 127, True), lut=True)),
    # Grouped (RegNet, ResNeXt): vectors of several whole groups (8 output
    # channels each; 4 with a partial last vector) read each lane's group
    # by a shuffle, vectors inside one group (32) by a broadcast.
    "grouped3x3_regnet": (grouped_module, dict(n=1, h=9, w=10, groups=6, cg=8, mg=8, k=3, stride=1)),
    "grouped3x3_stride2_tail": (grouped_module, dict(n=2, h=11, w=9, groups=5, cg=4, mg=4, k=3, stride=2, clamp=(0, 127, True))),
    "grouped3x3_wide_groups": (grouped_module, dict(n=1, h=7, w=8, groups=3, cg=16, mg=32, k=3, stride=1, relu_input=True)),
    "grouped1x1_dilated_no_epilogue": (grouped_module, dict(n=1, h=9, w=9, groups=4, cg=12, mg=2, k=3, stride=1, dilation=2, epilogue=False)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_int8_kernels_bit_exact(tmp_path, case):
    builder, kwargs = CASES[case]
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    text, inputs = builder(rng, **kwargs)
    ref = run(tmp_path, case, text, inputs, "none")
    assert ref.size > 0
    # The reference is not degenerate: outputs vary.
    assert len(np.unique(ref)) > 3
    for target in host_targets():
        got = run(tmp_path, case, text, inputs, target)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        diff = np.flatnonzero(got != ref)
        assert diff.size == 0, f"{target}: {diff.size} of {ref.size} differ"
        if kwargs.get("lut"):
            # The lookup ran in the kernel's epilogue, not in a loop after.
            low = (tmp_path / f"{case}.{target}.t1.llvm.mlir").read_text()
            assert "pshuf.b" in low, target


@pytest.mark.parametrize("budget", [1, 2, 4])
@pytest.mark.parametrize("case,kwargs", [
    ("conv1x1_many_blocks", dict(n=2, h=12, w=13, c=8, f=200, k=1, stride=1, pad=0)),
    ("conv3x3_grouped", dict(n=1, h=15, w=15, c=4, f=72, k=3, stride=1, pad=1)),
])
def test_cache_blocking_bit_exact(tmp_path, case, kwargs, budget):
    """A tiny cache budget (cache-kb) makes several channel blocks share
    one pass over the pixels (the cache blocking of large layers) on these
    small shapes; groups, the pixel remainder and the channel tail give
    the same bits as the plain loops on every target."""
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    text, inputs = conv_module(rng, **kwargs)
    ref = run(tmp_path, case, text, inputs, "none")
    assert len(np.unique(ref)) > 3
    for target in host_targets():
        got = run(tmp_path, case, text, inputs, target,
                  extra=f"cache-kb={budget}")
        assert np.array_equal(got, ref), target


def pool_module(rng, kind, elt, n, h, w, c, k, stride, pad):
    """tosa.max_pool2d or tosa.avg_pool2d (sum pooling plus the division
    epilogue) of an NHWC tensor."""
    oh = (h + 2 * pad - k) // stride + 1
    ow = (w + 2 * pad - k) // stride + 1
    x_t, y_t = ttype((n, h, w, c), elt), ttype((n, oh, ow, c), elt)
    attrs = (f"kernel = array<i64: {k}, {k}>, pad = array<i64: {pad}, {pad}, "
             f"{pad}, {pad}>, stride = array<i64: {stride}, {stride}>")
    if kind == "max":
        op = f"  %y = tosa.max_pool2d %x {{{attrs}}} : ({x_t}) -> {y_t}"
    else:
        acc = "f32" if elt == "f32" else "i32"
        zt = ttype((1,), elt)
        zv = "0.0" if elt == "f32" else "0"
        op = (f'  %z = "tosa.const"() {{values = dense<{zv}> : {zt}}} : () -> {zt}\n'
              f"  %y = tosa.avg_pool2d %x, %z, %z {{acc_type = {acc}, {attrs}}} : "
              f"({x_t}, {zt}, {zt}) -> {y_t}")
    text = f"func.func @main(%x: {x_t}) -> {y_t} {{\n{op}\n  return %y : {y_t}\n}}\n"
    x = (rng.standard_normal((n, h, w, c)).astype(np.float32) if elt == "f32" else
         rng.integers(-128, 128, (n, h, w, c)).astype(np.int8))
    return text, [x]


@pytest.mark.parametrize("kind,elt,c", [("max", "i8", 20), ("max", "f32", 20),
                                        ("avg", "i8", 20), ("avg", "f32", 20),
                                        ("max", "i8", 24), ("max", "i8", 48),
                                        ("max", "i8", 8)])
def test_pooling_kernels_bit_exact(tmp_path, kind, elt, c):
    """Max and sum pooling through the depthwise kernels (no weights, max or
    add per tap in 32-bit lanes, an int8 max on byte lanes: 4, 2 or 1
    vectors' worth, whichever divides the channels; the avg division as
    epilogue): the same bits as the plain loops, f32 included (the same ops
    in the same order), with padding, stride 2 and a channel tail."""
    rng = np.random.default_rng(zlib.crc32(f"{kind}{elt}{c}".encode()))
    text, inputs = pool_module(rng, kind, elt, n=2, h=13, w=11, c=c, k=3,
                               stride=2, pad=1)
    name = f"pool_{kind}_{elt}_{c}"
    ref = run(tmp_path, name, text, inputs, "none")
    assert len(np.unique(ref)) > 10
    for target in host_targets():
        got = run(tmp_path, name, text, inputs, target)
        assert got.dtype == ref.dtype and np.array_equal(got, ref), target


@pytest.mark.parametrize("m,k,n", [(7, 64, 10), (33, 20, 50)])
def test_int8_matmul_bit_exact(tmp_path, m, k, n):
    rng = np.random.default_rng(m * 1000 + n)
    text, inputs = matmul_module(rng, m, k, n)
    ref = run(tmp_path, "mm", text, inputs, "none")
    for target in host_targets():
        got = run(tmp_path, "mm", text, inputs, target)
        assert np.array_equal(got, ref), target


@pytest.mark.parametrize("case", ["conv3x3_stride2", "conv_odd_channels",
                                  "depthwise3x3", "grouped3x3_regnet",
                                  "grouped3x3_wide_groups"])
def test_f32_kernels_match(tmp_path, case):
    builder, kwargs = CASES[case]
    rng = np.random.default_rng(7)
    text, inputs = builder(rng, fp=True, **kwargs)
    ref = run(tmp_path, case + "_f32", text, inputs, "none")
    assert np.isfinite(ref).all() and np.abs(ref).max() > 0
    for target in host_targets():
        got = run(tmp_path, case + "_f32", text, inputs, target)
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-4)


THREAD_CASES = {
    # Large enough for the kernels to mark their pixel loops parallel (a
    # pass over the pixels must have a few million multiply-accumulates).
    "conv3x3_threads": (conv_module, dict(n=1, h=32, w=33, c=64, f=72, k=3, stride=1, pad=1)),
    "conv3x3_stride2_threads": (conv_module, dict(n=2, h=49, w=49, c=48, f=40, k=3, stride=2, pad=1)),
    "depthwise_threads": (dw_module, dict(n=1, h=66, w=64, c=40, k=3, stride=1, pad=1)),
    "grouped_threads": (grouped_module, dict(n=1, h=58, w=58, groups=13, cg=8, mg=8, k=3, stride=1)),
}


@pytest.mark.parametrize("case", sorted(THREAD_CASES))
def test_threads_bit_exact(tmp_path, case):
    """threads=2 runs the kernels' pixel tiles on two OpenMP threads; the
    tiles are disjoint, so the bits are those of one thread."""
    builder, kwargs = THREAD_CASES[case]
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    text, inputs = builder(rng, **kwargs)
    ref = run(tmp_path, case, text, inputs, "none")
    got = run(tmp_path, case, text, inputs, "auto", threads=2)
    # The threads are really used: the lowered module has an OpenMP region.
    low = tmp_path / f"{case}.auto.t2.llvm.mlir"
    assert "omp.parallel" in low.read_text()
    assert np.array_equal(got, ref)


def test_small_layers_stay_single_threaded(tmp_path):
    """A layer too small to pay for a fork of the thread team keeps its
    loops on the calling thread even with threads=2."""
    builder, kwargs = CASES["conv3x3_stride2"]
    rng = np.random.default_rng(3)
    text, inputs = builder(rng, **kwargs)
    ref = run(tmp_path, "small", text, inputs, "none")
    got = run(tmp_path, "small", text, inputs, "auto", threads=2)
    low = tmp_path / "small.auto.t2.llvm.mlir"
    assert "omp." not in low.read_text()
    assert np.array_equal(got, ref)


def pair_bound_module(pair, c=4, f=16):
    """A 1x1 convolution whose weight pairs (input channels 2j, 2j+1) are
    all `pair` for half the output channels and its negation for the
    other half, without epilogue."""
    wt = np.empty((f, 1, 1, c), np.int8)
    for j in range(0, c, 2):
        wt[:, 0, 0, j], wt[:, 0, 0, j + 1] = pair
    wt[f // 2:] = -wt[f // 2:].astype(np.int16)
    x_t, w_t, y_t = (ttype((1, 3, 3, c), "i8"), ttype(wt.shape, "i8"),
                     ttype((1, 3, 3, f), "i32"))
    text = f"""func.func @main(%x: {x_t}) -> {y_t} {{
  %w = arith.constant {dense(wt)} : {w_t}
  %b = arith.constant dense<0> : tensor<{f}xi32>
  %z = "tosa.const"() {{values = dense<0> : tensor<1xi8>}} : () -> tensor<1xi8>
  %y = tosa.conv2d %x, %w, %b, %z, %z {{acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}} : ({x_t}, {w_t}, tensor<{f}xi32>, tensor<1xi8>, tensor<1xi8>) -> {y_t}
  return %y : {y_t}
}}
"""
    # The extreme bytes (127 flips to 255, -128 to 0), and both in one pair.
    x = np.full((1, 3, 3, c), 127, np.int8)
    x[0, 1] = -128
    x[0, 2, :, 1::2] = -128
    return text, [x]


@pytest.mark.parametrize("pair,ubs", [((64, 64), True), ((65, 64), False),
                                      ((-64, 64), True), ((1, 128 - 1), True),
                                      ((0, -128), True), ((-1, -128), False)])
def test_maddubs_only_where_exact(tmp_path, pair, ubs):
    """On an unbounded input (flipped to u8, up to 255), vpmaddubsw is used
    only if no weight pair can push its i16 sum past the bounds
    (255 * (|w0| + |w1|) <= 32767, i.e. |w0| + |w1| <= 128); the extreme
    input then gives the same bits as the plain loops, while a wrongly
    chosen vpmaddubsw would saturate."""
    text, inputs = pair_bound_module(pair)
    name = "pair_" + "_".join(str(v) for v in pair).replace("-", "m")
    src = tmp_path / f"{name}.mlir"
    src.write_text(text)
    low = subprocess.run(
        [str(QSIM_OPT), str(src), "--qsim-cpu-pipeline=microkernels=avx2"],
        check=True, capture_output=True, text=True).stdout
    assert ("llvm.x86.avx2.pmadd.ub.sw" in low) == ubs
    assert "llvm.x86.avx2.pmadd.wd" in low
    ref = run(tmp_path, name, text, inputs, "none")
    assert np.abs(ref).max() >= 127 * 64
    for target in host_targets():
        got = run(tmp_path, name, text, inputs, target)
        assert np.array_equal(got, ref), target
