#!/usr/bin/env python3
"""Writes the bit-exactness tests of --convert-qsim-to-linalg.

Each generated test file holds functions that apply one qsim op to a function
argument, a `main` that calls them with constants and prints the results, and
the expected numbers as literal CHECK lines. The test runs the program twice:
once after `--sccp --canonicalize` (the op folders, i.e. lib/Numerics, compute
every result) and once after `--convert-qsim-to-linalg` (the lowered code
computes them); both must print the literals.

The literals come from the small reference below, written from
docs/Numerics.md independently of the C++ and Python implementations: exact
rationals (fractions.Fraction) for every rounding, numpy float32/float16 for
the IEEE divisions, products and conversions. Rerun after changing the inputs
(with a Python that has numpy, e.g. the project's venv):

    python3 gen_bitexact.py [output directory, default: the parent folder]
"""

import math
import os
import struct
import sys
from fractions import Fraction

import numpy as np

MODES = ["half_to_even", "half_away_from_zero", "half_up", "toward_zero",
         "floor"]

# ----------------------------------------------------------------------------
# Reference semantics (docs/Numerics.md)
# ----------------------------------------------------------------------------


def round_rational(v, mode):
    """Rounds an exact rational under `mode`."""
    f = math.floor(v)
    frac = v - f
    half = Fraction(1, 2)
    if mode == "floor":
        return f
    if mode == "toward_zero":
        return math.trunc(v)
    if mode == "half_up":
        return f + 1 if frac >= half else f
    if mode == "half_away_from_zero":
        if frac == half:
            return f + 1 if v > 0 else f
        return f + 1 if frac > half else f
    if mode == "half_to_even":
        if frac == half:
            return f + 1 if f % 2 else f
        return f + 1 if frac > half else f
    raise ValueError(mode)


def int_range(bits, signed):
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def quantize(x, scale, zp, bits, signed, mode):
    lo, hi = int_range(bits, signed)
    with np.errstate(all="ignore"):
        r = np.float32(np.float32(x) / np.float32(scale))
    if np.isnan(r):
        return min(max(zp, lo), hi)
    if np.isinf(r):
        return hi if r > 0 else lo
    q = round_rational(Fraction(float(r)), mode) + zp
    return min(max(q, lo), hi)


def dequantize(q, scale, zp):
    with np.errstate(all="ignore"):
        return np.float32(np.float32(q - zp) * np.float32(scale))


def requantize(x, zp_in, m, s, zp_out, lo, hi, mode):
    y = round_rational(Fraction((x - zp_in) * m, 1 << s), mode) + zp_out
    return min(max(y, lo), hi)


def wrap(v, bits):
    """The signless bit pattern of v printed as a signed integer."""
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def f32_bits(v):
    return struct.unpack("<i", struct.pack("<f", float(np.float32(v))))[0]


def f32_str(v):
    """What printMemrefF32 (std::ostream, precision 6) prints."""
    v = np.float32(v)
    if np.isnan(v):
        return "-nan" if math.copysign(1.0, float(v)) < 0 else "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "%g" % float(v)


# ----------------------------------------------------------------------------
# MLIR text helpers
# ----------------------------------------------------------------------------


def parse_float(text, dtype):
    """Parses a float literal as MLIR does (double, then one conversion)."""
    if text.startswith("0x"):
        assert dtype == np.float32
        return np.frombuffer(struct.pack("<I", int(text, 16)), np.float32)[0]
    return dtype(float(text))


def dense(rows):
    if isinstance(rows[0], list):
        return "[" + ", ".join(dense(r) for r in rows) + "]"
    return "[" + ", ".join(str(v) for v in rows) + "]"


def shape_of(rows):
    if isinstance(rows[0], list):
        return [len(rows)] + shape_of(rows[0])
    return [len(rows)]


def tensor_type(shape, elem):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + elem + ">"


def channel_of(index, shape, axis):
    return 0 if axis is None else index[axis]


def indices(shape):
    if len(shape) == 1:
        return [(i,) for i in range(shape[0])]
    return [(i,) + rest for i in range(shape[0]) for rest in indices(shape[1:])]


def build(shape, fn):
    """Nested lists of fn(index) over `shape`."""
    if len(shape) == 1:
        return [fn((i,)) for i in range(shape[0])]
    return [build(shape[1:], lambda rest, i=i: fn((i,) + rest))
            for i in range(shape[0])]


def at(rows, index):
    for i in index:
        rows = rows[i]
    return rows


def check_lines(rows, fmt):
    """CHECK lines for the data printed by printMemref* (rank 1 or 2)."""
    if not isinstance(rows[0], list):
        return ["// CHECK-NEXT: [" + ", ".join(fmt(v) for v in rows) + "]"]
    lines = []
    for i, row in enumerate(rows):
        text = "[" + ", ".join(fmt(v) for v in row) + "]"
        # "[[" would open a FileCheck variable.
        text = ("{{\\[}}" if i == 0 else "") + text
        text += "]" if i == len(rows) - 1 else ","
        lines.append("// CHECK-NEXT: " + text)
    return lines


class TestFile:
    """Accumulates functions, main's calls and CHECK lines of one file."""

    def __init__(self, title, doc):
        self.title = title
        self.doc = doc
        self.funcs = []
        self.calls = []
        self.checks = []
        self.consts = {}

    def const(self, text, ty):
        key = (text, ty)
        if key not in self.consts:
            self.consts[key] = "%%cst%d" % len(self.consts)
        return self.consts[key]

    def add(self, name, comment, args, body, result_ty, result_rows,
            float_result=False):
        """args: [(rows text, type)], body: lines using %arg<i>, ending in
        a value %r of result_ty (i32 or f32 elements)."""
        params = ", ".join("%%arg%d: %s" % (i, ty) for i, (_, ty) in
                           enumerate(args))
        lines = ["// %s" % line for line in comment]
        lines.append("func.func private @%s(%s) -> %s {" %
                     (name, params, result_ty))
        lines += ["  " + b for b in body]
        lines.append("  return %%r : %s" % result_ty)
        lines.append("}")
        self.funcs.append("\n".join(lines))
        operands = [self.const(text, ty) for text, ty in args]
        n = len(self.calls)
        call = ["%%r%d = call @%s(%s) : (%s) -> %s" %
                (n, name, ", ".join(operands), ", ".join(t for _, t in args),
                 result_ty)]
        if float_result:
            bits_ty = result_ty.replace("xf32>", "xi32>")
            call += ["%%u%d = tensor.cast %%r%d : %s to tensor<*xf32>" %
                     (n, n, result_ty),
                     "call @printMemrefF32(%%u%d) : (tensor<*xf32>) -> ()" % n,
                     "%%b%d = arith.bitcast %%r%d : %s to %s" %
                     (n, n, result_ty, bits_ty),
                     "%%v%d = tensor.cast %%b%d : %s to tensor<*xi32>" %
                     (n, n, bits_ty),
                     "call @printMemrefI32(%%v%d) : (tensor<*xi32>) -> ()" % n]
            self.checks.append("// CHECK-LABEL: @%s:" % name)
            self.checks.append("// CHECK: data =")
            self.checks += check_lines(result_rows, f32_str)
            self.checks.append("// CHECK: data =")
            self.checks += check_lines(result_rows, lambda v: str(f32_bits(v)))
        else:
            call += ["%%u%d = tensor.cast %%r%d : %s to tensor<*xi32>" %
                     (n, n, result_ty),
                     "call @printMemrefI32(%%u%d) : (tensor<*xi32>) -> ()" % n]
            self.checks.append("// CHECK-LABEL: @%s:" % name)
            self.checks.append("// CHECK: data =")
            self.checks += check_lines(result_rows, str)
        # A label line printed before the data so CHECK-LABEL can anchor.
        self.calls.append(("  vector.print str \"@%s:\\n\"\n" % name) +
                          "\n".join("  " + c for c in call))

    def text(self):
        out = []
        out.append("// %s" % self.title)
        out += ["// " + d if d else "//" for d in self.doc]
        out.append("//")
        out.append("// Generated by Inputs/gen_bitexact.py (expected values "
                   "from its exact reference).")
        out.append("")
        out.append("// REQUIRES: mlir-runner")
        out.append("// Folders: every qsim op folds away before the lowering "
                   "to LLVM.")
        out.append("// RUN: qsim-opt %s --sccp --canonicalize %lower-to-llvm "
                   "| %run | FileCheck %s")
        out.append("// Lowering: the ops run as linalg.generic code.")
        out.append("// RUN: qsim-opt %s --convert-qsim-to-linalg "
                   "%lower-to-llvm | %run | FileCheck %s")
        out.append("")
        out.append("func.func private @printMemrefI32(tensor<*xi32> "
                   "{bufferization.access = \"read\"})")
        out.append("func.func private @printMemrefF32(tensor<*xf32> "
                   "{bufferization.access = \"read\"})")
        out.append("")
        out += [f + "\n" for f in self.funcs]
        out.append("func.func @main() {")
        for (text, ty), name in self.consts.items():
            out.append("  %s = arith.constant dense<%s> : %s" %
                       (name, text, ty))
        out += self.calls
        out.append("  return")
        out.append("}")
        out.append("")
        out += self.checks
        return "\n".join(out) + "\n"


def params_text(signed, bits, scales, zps, axis):
    t = ("s" if signed else "u") + str(bits)
    if axis is None:
        t += ", scale = %s" % scales[0]
        if zps and zps[0]:
            t += ", zero_point = %d" % zps[0]
    else:
        t += ", scales = [%s]" % ", ".join(scales)
        if zps:
            t += ", zero_points = [%s]" % ", ".join(str(z) for z in zps)
        t += ", axis = %d" % axis
    return "<" + t + ">"


def per(values, c):
    if not values:
        return 0
    return values[0] if len(values) == 1 else values[c]


# ----------------------------------------------------------------------------
# quantize
# ----------------------------------------------------------------------------

# Per tensor, s8, scale 0.5: x / 0.5 = 2x exactly, so the quotients are ties
# (+-0.5, +-1.5, +-2.5), +-1.7, 0.5 - 2^-26 (floor(r + 0.5) would give 1),
# 127.5 / -128.5 at the range ends, saturating values, infinities and NaN.
Q_PT_INPUT = [["-1.25", "-0.75", "-0.25", "0.25", "0.75", "1.25", "-0.85",
               "0.85"],
              ["0.24999999", "-0.24999999", "63.75", "-64.25", "1000.0",
               "0xFF800000", "0x7FC00000", "-0.0"]]
# Per channel along axis 0, u8 with zero points: 0.25f / 0.1f is exactly 2.5
# in f32 (the double quotient is below 2.5), zero points push ties across 0.
Q_PC_INPUT = [["0.25", "-0.25", "0.35", "-0.35", "12.75", "-12.85",
               "0x7FC00000", "0x7F800000"],
              ["5.0", "-5.0", "3.0", "-3.0", "-7.0", "1000.0", "-1.0e30",
               "-0.0"]]
Q_PC = dict(signed=False, bits=8, scales=["0.1", "2.0"], zps=[128, 3], axis=0)
Q_PT = dict(signed=True, bits=8, scales=["0.5"], zps=[], axis=None)


def quantize_case(tf, name, rows, p, mode, in_elem="f32"):
    shape = shape_of(rows)
    in_ty = tensor_type(shape, in_elem)
    q_ty = tensor_type(shape, "i%d" % p["bits"])
    out_ty = tensor_type(shape, "i32")
    dt = np.float16 if in_elem == "f16" else np.float32
    scales = [np.float32(float(s)) for s in p["scales"]]

    def expect(index):
        c = channel_of(index, shape, p["axis"])
        x = np.float32(parse_float(at(rows, index), dt))
        return quantize(x, per(scales, c), per(p["zps"], c), p["bits"],
                        p["signed"], mode)
    expected = build(shape, expect)
    ext = "arith.extsi" if p["signed"] else "arith.extui"
    body = ["%%q = qsim.quantize %%arg0 %s rounding %s : %s -> %s" %
            (params_text(p["signed"], p["bits"], p["scales"], p["zps"],
                         p["axis"]), mode, in_ty, q_ty),
            "%%r = %s %%q : %s to %s" % (ext, q_ty, out_ty)]
    tf.add(name, [], [(dense(rows), in_ty)], body,
           out_ty, expected)


# ----------------------------------------------------------------------------
# sim_quantize / dequantize
# ----------------------------------------------------------------------------

# Per channel along axis 0, s8: scale 0.5 (ties at +-x.25 / +-x.75, and
# 0.5 - 2^-26), and
# scale 0.1 with zero point -5 (ties of 0.25f / 0.1f, saturation at 12.3).
SQ_INPUT = [["-1.25", "-0.25", "0.25", "0.75", "0.24999999", "63.75",
             "-64.25", "0x7FC00000"],
            ["0.25", "-0.25", "0.35", "-0.35", "12.3", "-12.9", "-0.01",
             "0xFF800000"]]
SQ_PC = dict(signed=True, bits=8, scales=["0.5", "0.1"], zps=[0, -5], axis=0)
# f16 input and result, u4 per tensor with a zero point.
SQ_F16_INPUT = ["0.25", "-0.25", "0.375", "0.1", "1.0", "-1.0", "0.7", "100.0"]
SQ_F16 = dict(signed=False, bits=4, scales=["0.125"], zps=[5], axis=None)


def sim_quantize_case(tf, name, rows, p, mode, elem="f32"):
    shape = shape_of(rows)
    ty = tensor_type(shape, elem)
    out_ty = tensor_type(shape, "f32")
    dt = np.float16 if elem == "f16" else np.float32
    scales = [np.float32(float(s)) for s in p["scales"]]

    def expect(index):
        c = channel_of(index, shape, p["axis"])
        x = np.float32(parse_float(at(rows, index), dt))
        s, zp = per(scales, c), per(p["zps"], c)
        q = quantize(x, s, zp, p["bits"], p["signed"], mode)
        # The op's result type, then widened exactly to f32 for printing.
        return np.float32(dt(dequantize(q, s, zp)))
    expected = build(shape, expect)
    body = ["%%s = qsim.sim_quantize %%arg0 %s rounding %s : %s" %
            (params_text(p["signed"], p["bits"], p["scales"], p["zps"],
                         p["axis"]), mode, ty)]
    if elem == "f32":
        body[0] = body[0].replace("%s =", "%r =")
    else:
        body.append("%%r = arith.extf %%s : %s to %s" % (ty, out_ty))
    tf.add(name, [], [(dense(rows), ty)], body,
           out_ty, expected, float_result=True)


def dequantize_case(tf, name, rows, p, out_elem="f32"):
    shape = shape_of(rows)
    in_ty = tensor_type(shape, "i%d" % p["bits"])
    res_ty = tensor_type(shape, out_elem)
    out_ty = tensor_type(shape, "f32")
    dt = np.float16 if out_elem == "f16" else np.float32
    scales = [np.float32(float(s)) for s in p["scales"]]

    def expect(index):
        c = channel_of(index, shape, p["axis"])
        v = at(rows, index)
        q = v if p["signed"] else v & ((1 << p["bits"]) - 1)
        return np.float32(dt(dequantize(q, per(scales, c),
                                        per(p["zps"], c))))
    expected = build(shape, expect)
    body = ["%%d = qsim.dequantize %%arg0 %s : %s -> %s" %
            (params_text(p["signed"], p["bits"], p["scales"], p["zps"],
                         p["axis"]), in_ty, res_ty)]
    if out_elem == "f32":
        body[0] = body[0].replace("%d =", "%r =")
    else:
        body.append("%%r = arith.extf %%d : %s to %s" % (res_ty, out_ty))
    tf.add(name, [], [(dense(rows), in_ty)], body, out_ty,
           expected, float_result=True)


# ----------------------------------------------------------------------------
# requantize
# ----------------------------------------------------------------------------

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1

# Variant A: i32 -> i8, axis 1, zp_in = 2, zp_out = -3. Channels: (1, 0) a
# plain saturating offset, (1, 2) x / 4 with ties, (3, 2) 3x / 4 with ties,
# (1518500250, 31) ~0.7071.
RQ_A = dict(mult=[1, 1, 3, 1518500250], shift=[0, 2, 2, 31], axis=1,
            zp_in=2, zp_out=-3, in_bits=32, out_bits=8, in_unsigned=False,
            out_unsigned=False, clamp_min=None, clamp_max=None)
RQ_A_X = [4, 0, 8, -4, 12, -8, I32_MAX, I32_MIN]
# Variant B: the i32 input read as unsigned with zp_in = 2^31, u8 output
# with zp_out = 128 and a fused clamp [10, 200]. (2^30, 62) turns
# x - zp_in = -2^31 into the tie -1/2; (2^31 - 1, 63) divides 2^62-sized
# products by 2^63; (2^31 - 1, 54) and (2^31 - 1, 56) scale by ~2^-23 and
# ~2^-25 (the first saturates to the clamp).
RQ_B = dict(mult=[1073741824, 2147483647, 2147483647, 2147483647],
            shift=[62, 63, 54, 56], axis=1, zp_in=1 << 31, zp_out=128,
            in_bits=32, out_bits=8, in_unsigned=True, out_unsigned=True,
            clamp_min=10, clamp_max=200)
RQ_B_X = [0, -1, I32_MIN, I32_MAX, 1, -2, 1 << 30, -(1 << 30)]
# Variant C: per tensor, (2^31 - 1, 63) with zp_in = 2^31 - 1: products up
# to (2^32 - 1)(2^31 - 1) ~ 2^63, quotients just below +-1/2 and +-1.
RQ_C = dict(mult=[2147483647], shift=[63], axis=None, zp_in=I32_MAX,
            zp_out=0, in_bits=32, out_bits=16, in_unsigned=False,
            out_unsigned=False, clamp_min=None, clamp_max=None)
RQ_C_X = [I32_MIN, I32_MAX, 0, -1, I32_MIN + 1, 1]


def requantize_case(tf, name, xs, p, mode):
    channels = len(p["mult"])
    if p["axis"] is None:
        rows = xs
    else:
        rows = [[x] * channels for x in xs]
    shape = shape_of(rows)
    in_ty = tensor_type(shape, "i%d" % p["in_bits"])
    res_ty = tensor_type(shape, "i%d" % p["out_bits"])
    out_ty = tensor_type(shape, "i32")
    lo, hi = int_range(p["out_bits"], not p["out_unsigned"])
    if p["clamp_min"] is not None:
        lo = max(lo, p["clamp_min"])
    if p["clamp_max"] is not None:
        hi = min(hi, p["clamp_max"])

    def expect(index):
        c = channel_of(index, shape, p["axis"])
        x = at(rows, index)
        if p["in_unsigned"]:
            x &= (1 << p["in_bits"]) - 1
        return requantize(x, p["zp_in"], per(p["mult"], c),
                          per(p["shift"], c), p["zp_out"], lo, hi, mode)
    expected = build(shape, expect)
    attrs = []
    if p["zp_in"]:
        attrs.append("input_zero_point = %d : i64" % p["zp_in"])
    if p["zp_out"]:
        attrs.append("output_zero_point = %d : i64" % p["zp_out"])
    if p["clamp_min"] is not None:
        attrs.append("clamp_min = %d : i64" % p["clamp_min"])
    if p["clamp_max"] is not None:
        attrs.append("clamp_max = %d : i64" % p["clamp_max"])
    if p["in_unsigned"]:
        attrs.append("input_unsigned")
    if p["out_unsigned"]:
        attrs.append("output_unsigned")
    axis = "" if p["axis"] is None else " axis %d" % p["axis"]
    body = ["%%q = qsim.requantize %%arg0 multiplier [%s] shift [%s]%s "
            "rounding %s" % (", ".join(map(str, p["mult"])),
                             ", ".join(map(str, p["shift"])), axis, mode),
            "    {%s}" % ", ".join(attrs),
            "    : %s -> %s" % (in_ty, res_ty),
            "%%r = %s %%q : %s to %s" %
            ("arith.extui" if p["out_unsigned"] else "arith.extsi", res_ty,
             out_ty)]
    tf.add(name, [], [(dense(rows), in_ty)], body,
           out_ty, expected)


# ----------------------------------------------------------------------------
# cast / add / mul
# ----------------------------------------------------------------------------


def cast_case(tf, name, xs, in_bits, out_bits, unsigned):
    in_ty = tensor_type([len(xs)], "i%d" % in_bits)
    res_ty = tensor_type([len(xs)], "i%d" % out_bits)
    out_ty = tensor_type([len(xs)], "i32")
    expected = []
    for x in xs:
        if out_bits > in_bits:
            v = x & ((1 << in_bits) - 1) if unsigned else x
        else:
            lo, hi = int_range(out_bits, not unsigned)
            v = min(max(x, lo), hi)
        # Printed through a sign or zero extension to i32, as the op reads.
        if out_bits < 32:
            v = wrap(v, out_bits)
            if unsigned:
                v &= (1 << out_bits) - 1
        else:
            v = wrap(v, 32)
        expected.append(v)
    body = ["%%c = qsim.cast %%arg0%s : %s to %s" %
            (" unsigned" if unsigned else "", in_ty, res_ty)]
    if out_bits == 32:
        body[0] = body[0].replace("%c =", "%r =")
    elif out_bits < 32:
        body.append("%%r = %s %%c : %s to %s" %
                    ("arith.extui" if unsigned else "arith.extsi", res_ty,
                     out_ty))
    tf.add(name, [], [(dense(xs), in_ty)], body, out_ty, expected)


def log2_exact(a, r):
    k = 0
    while r * (1 << k) < a:
        k += 1
    assert r * (1 << k) == a
    return k


def binary_case(tf, name, op, lhs, rhs, scales, axis, bits, comment):
    shape = shape_of(lhs)
    rshape = shape_of(rhs) if isinstance(rhs, list) else []
    elem = "i%d" % bits
    lty, rty = tensor_type(shape, elem), tensor_type(rshape, elem)
    out_ty = tensor_type(shape, "i32")
    lo, hi = int_range(bits, True)
    ls, rs, res = scales
    n = max(len(ls), len(rs), len(res))

    def expect(index):
        c = 0 if axis is None else index[axis]
        k = 0 if n == 1 else c
        a = at(lhs, index)
        ridx = tuple(0 if rshape[d] == 1 else index[len(shape) -
                                                    len(rshape) + d]
                     for d in range(len(rshape)))
        b = at(rhs, ridx)
        if op == "add":
            r = Fraction(per(res, k))
            v = (a * (1 << log2_exact(Fraction(per(ls, k)), r)) +
                 b * (1 << log2_exact(Fraction(per(rs, k)), r)))
        else:
            v = a * b
        return min(max(v, lo), hi)
    expected = build(shape, expect)

    def arr(v):
        return "[" + ", ".join(repr(float(x)) for x in v) + "]"
    body = ["%%b = qsim.%s %%arg0, %%arg1 scales(%s, %s -> %s)%s : %s, %s "
            "-> %s" % (op, arr(ls), arr(rs), arr(res),
                       "" if axis is None else " axis %d" % axis, lty, rty,
                       lty)]
    if bits == 32:
        body[0] = body[0].replace("%b =", "%r =")
    else:
        body.append("%%r = arith.extsi %%b : %s to %s" % (lty, out_ty))
    tf.add(name, comment, [(dense(lhs), lty), (dense(rhs), rty)], body,
           out_ty, expected)


# ----------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------


def main(out_dir):
    files = {}

    tf = TestFile("Bit-exactness of the lowered qsim.quantize.",
                  ["Every rounding mode, per tensor (s8) and per channel "
                   "(u8 with zero points);",
                   "ties, negatives, saturation, infinities and NaN."])
    for mode in MODES:
        quantize_case(tf, "quantize_%s" % mode, Q_PT_INPUT, Q_PT, mode)
        quantize_case(tf, "quantize_per_channel_%s" % mode, Q_PC_INPUT,
                      Q_PC, mode)
    quantize_case(tf, "quantize_f16_input", SQ_F16_INPUT, SQ_F16,
                  "half_to_even", in_elem="f16")
    files["bitexact-quantize.mlir"] = tf

    tf = TestFile("Bit-exactness of the lowered qsim.sim_quantize and "
                  "qsim.dequantize.",
                  ["Every rounding mode, per channel with zero points; f16 "
                   "values; results",
                   "printed as floats and as their bit patterns."])
    for mode in MODES:
        sim_quantize_case(tf, "sim_quantize_%s" % mode, SQ_INPUT, SQ_PC, mode)
    sim_quantize_case(tf, "sim_quantize_f16", SQ_F16_INPUT, SQ_F16, "half_up",
                      elem="f16")
    dequantize_case(tf, "dequantize_per_tensor",
                    [-128, -3, -2, 0, 1, 100, 127, -1],
                    dict(signed=True, bits=8, scales=["0.1"], zps=[-3],
                         axis=None))
    dequantize_case(tf, "dequantize_per_channel",
                    [[0, 0], [-1, -1], [127, 127], [-128, -128],
                     [3, 200 - 256]],
                    dict(signed=False, bits=8, scales=["0.02", "3.5"],
                         zps=[3, 200], axis=1))
    dequantize_case(tf, "dequantize_f16", [-8, -7, 0, 1, 5, 7, 3, -1],
                    dict(signed=True, bits=4, scales=["0.3"], zps=[1],
                         axis=None), out_elem="f16")
    files["bitexact-dequantize.mlir"] = tf

    tf = TestFile("Bit-exactness of the lowered qsim.requantize.",
                  ["Every rounding mode; per-channel multipliers and shifts "
                   "(0 to 63), zero points,",
                   "unsigned input/output, fused clamps and products near "
                   "2^63."])
    for mode in MODES:
        requantize_case(tf, "requantize_%s" % mode, RQ_A_X, RQ_A, mode)
        requantize_case(tf, "requantize_unsigned_%s" % mode, RQ_B_X, RQ_B,
                        mode)
        requantize_case(tf, "requantize_large_%s" % mode, RQ_C_X, RQ_C, mode)
    files["bitexact-requantize.mlir"] = tf

    tf = TestFile("Bit-exactness of the lowered qsim.cast, qsim.add and "
                  "qsim.mul.",
                  ["Widening and saturating narrowing (signed and unsigned); "
                   "power-of-two rescaling",
                   "shifts per tensor and per channel; numpy broadcasting; "
                   "saturation."])
    cast_case(tf, "cast_widen", [-128, -1, 0, 1, 127, -100], 8, 32, False)
    cast_case(tf, "cast_widen_unsigned", [-128, -1, 0, 1, 127, -100], 8, 32,
              True)
    cast_case(tf, "cast_narrow", [-1000, -129, -128, -1, 0, 127, 128, 70000],
              32, 8, False)
    cast_case(tf, "cast_narrow_unsigned",
              [-1000, -1, 0, 1, 127, 128, 255, 256], 32, 8, True)
    cast_case(tf, "cast_narrow_i16", [I32_MIN, -32769, -32768, 32767, 32768,
                                      I32_MAX], 32, 16, False)
    binary_case(tf, "add_per_tensor", "add",
                [-128, -100, -3, 0, 5, 60, 100, 127],
                [1, -1, 2, 3, 10, 1, 127, -128],
                (["0.5"], ["0.125"], ["0.125"]), None, 8,
                ["add i8: lhs shifted by 2 (0.5 / 0.125), saturating"])
    binary_case(tf, "add_per_channel", "add",
                [[1, 2, 3], [-1, -2, -3], [I32_MAX, I32_MIN, 1 << 29],
                 [1 << 30, -(1 << 30), -1]],
                [5, -7, 9],
                (["1.0", "2.0", "8.0"], ["1.0", "1.0", "2.0"], ["1.0"]), 1,
                32, ["add i32 per channel along axis 1 (shifts 0/1/3 and "
                     "0/0/1), rhs broadcast", "along the rows, saturating"])
    binary_case(tf, "add_broadcast_ones", "add",
                [[10, 20, 30], [-10, -20, -30]], [[100], [-100]],
                (["1.0"], ["4.0"], ["1.0"]), None, 32,
                ["add i32, rhs 2x1 broadcast along dim 1, rhs shifted by 2"])
    binary_case(tf, "mul_broadcast", "mul",
                [[1, -2, 3, 127], [-128, 16, -16, 0]], [2, -3, 64, -128],
                (["0.5"], ["0.25"], ["0.125"]), None, 8,
                ["mul i8 with a rank-1 rhs, saturating"])
    binary_case(tf, "mul_per_channel", "mul",
                [[65536, -65536], [I32_MAX, I32_MIN], [-46341, 46341]],
                [[65536, 3], [2, 1], [46341, 46341]],
                (["0.5", "1.0"], ["0.5", "0.25"], ["0.25", "0.25"]), 1, 32,
                ["mul i32 per channel, products beyond 32 bits saturate"])
    files["bitexact-cast-add-mul.mlir"] = tf

    for name, tf in files.items():
        with open(os.path.join(out_dir, name), "w") as f:
            f.write(tf.text())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
