"""QuantizeLinear / DequantizeLinear and the QOperator ops of a model
quantized by another tool (QDQ ONNX, e.g. onnxruntime's ``quantize_static``
or ``qsim export-onnx``, and the QOperator format: QLinearConv,
QLinearMatMul and onnxruntime's ``com.microsoft`` QLinearAdd, QLinearMul,
QLinearGlobalAveragePool and QGemm).

The importer's values are float tensors, so an integer tensor is imported
as its dequantized value: a ``QuantizeLinear`` (or a QLinear op's output)
is one ``qsim.sim_quantize`` with the file's scale and zero point fixed
(``point = "<node>.out"``, kind activation; uint8 as the same grid on
int8, zero point - 128), which is ``dequantize(quantize(x))`` in float32
as ONNX defines it (round half to even, saturate).  A DequantizeLinear of
such a tensor is the identity; of constant integers (a weight, an int32
bias) it folds like any constant node (``ImporterBase.fold``,
onnx.reference).  The QLinear ops are the importer's float handler on the
dequantized operands (constants ``(q - zp) * scale`` per tensor or per
output channel, an int32 bias times ``x_scale * w_scale``), then the
output's ``qsim.sim_quantize``:

* QLinearConv, QLinearMatMul: Conv / MatMul;
* com.microsoft QLinearAdd, QLinearMul (A, A_scale, A_zero_point, B,
  B_scale, B_zero_point, C_scale, C_zero_point; either operand may be
  constant integers): Add / Mul;
* com.microsoft QLinearGlobalAveragePool (channels_last = 0 only):
  GlobalAveragePool;
* com.microsoft QGemm (A, a_scale, a_zero_point, B, b_scale, b_zero_point,
  C, y_scale, y_zero_point; alpha, transA, transB): onnxruntime computes
  ``alpha * a_scale * b_scale * (A'B' + C)``, so the float matmul of A and
  the constant B (per tensor or per column) with alpha folded into B, plus
  the int32 C times ``alpha * a_scale * b_scale``; without y_scale and
  y_zero_point its output is float (no pair).

Shape-only ops of a pair's integers (``PASS_THROUGH``: Flatten, Reshape,
Transpose, Squeeze, Unsqueeze, MaxPool) are their float handler on the
dequantized value, and their output is a pair with the same scale and zero
point (one more ``qsim.sim_quantize``, the identity on grid values).

For ``--qsim-realize`` (which rewrites an op into integers only when its
operands and result are simulated-quantized), the import adds what the
file says implicitly: a weight point (``qsim.sim_quantize`` kind weight,
``"<node>.weight"``, the file's scales per output channel) on the int8
symmetric weights of the one convolution or matmul a QLinearConv,
QLinearMatMul or QGemm emits, which quantizes back to the file's integers
exactly; and the pair's point again after each reshape, transpose or
slice the float handler put between a pair and the op (a layout change,
a strided 1x1 convolution's crop; ``"<op's location>.out"``).  The QDQ
form gets the same (``_qdq_points``): a Conv, MatMul or Gemm whose weight
(input 1) is a folded DequantizeLinear of constant int8 integers with zero
point 0, per tensor or per output channel (Conv axis 0, MatMul axis 1,
Gemm axis 0 with transB, else 1), gets a weight point with the file's
scales; and the reshapes, transposes and crops any op's float handler
puts on a DequantizeLinear of a pair get the pair's point again.  A
conv's int32 bias stays the folded float constant: realize quantizes it
at ``x_scale * w_scale``, which gives the file's int32 back when the file
used that scale (onnxruntime and ``qsim export-onnx`` do).  The module is
then at the calibrate stage: ``--qsim-realize`` takes it directly.
Weights with nonzero zero points, uint8 weights, per-channel scales along
another axis, grouped convolutions (other than depthwise ones, whose
per-channel scales need channel multiplier 1), a constant that is not the
file's integers times its scales any more (a BatchNormalization folded
into the conv) and ConvTranspose get no weight point: that op stays float
after realize, with the same values.

Integers at the graph's boundary (int8/uint8 graph inputs read only by
DequantizeLinear / QLinearConv / QLinearMatMul, a QuantizeLinear whose
integers are a graph output, a QLinear op none of whose integer operands
is a pair) are imported as such and computed as ONNX defines them, in
float32 holding integers exactly: QuantizeLinear is
saturate(round_half_even(x / scale) + zero point) (per tensor or per axis;
x / scale as x * (1 / scale), within one unit in the last place),
DequantizeLinear (x - zero point) * scale, and the QLinear ops ONNX's
reference: the integer Conv / MatMul of the centered operands (exact:
refused when the accumulator could pass 2**24), times ``x_scale * w_scale
/ y_scale``, plus the output zero point, rounded half to even, saturated.
uint8 tensors go through ``tosa.rescale`` by 1 (tosa.cast has no unsigned
types).  The com.microsoft ops have no such boundary form: their integer
operands must be pairs (or constants).

Refused, with the node named: integer tensors used by other ops (the
message names the reader), an integer tensor read with other parameters
than its producer's, per-axis or blocked parameters on a pair, integer
types other than int8/uint8, non-constant QLinear weights of a conv or of
QGemm, a non-positive scale; any other com.microsoft op (emitter.py,
before the import starts).
"""

from __future__ import annotations

import numpy as np

from ..emitter import CONSTANT_OPERANDS, MS_DOMAIN
from ..values import Val, _Node, _ty

_TYPES = {np.dtype(np.int8): "s8", np.dtype(np.uint8): "u8"}
#: MLIR element type of the integer tensors -> (numpy dtype, min, max)
_INT = {"i8": (np.int8, -128, 127), "ui8": (np.uint8, 0, 255)}
#: float32 holds every integer up to 2**24 exactly.
_EXACT = float(2 ** 24)

# Scales and zero points are constants (test harnesses and bind= make
# graph inputs of them constants); QLinearConv's and QGemm's weights and
# biases too.  (The com.microsoft op types are no default-domain ones:
# ONNX's checker refuses a default-domain QGemm.)
CONSTANT_OPERANDS.update({"QuantizeLinear": (1, 2), "DequantizeLinear": (1, 2),
                          "QLinearMatMul": (1, 2, 4, 5, 6, 7),
                          "QLinearConv": (1, 2, 3, 4, 5, 6, 7, 8),
                          "QLinearAdd": (1, 2, 4, 5, 6, 7),
                          "QLinearMul": (1, 2, 4, 5, 6, 7),
                          "QLinearGlobalAveragePool": (1, 2, 3, 4),
                          "QGemm": (1, 2, 3, 4, 5, 6, 7, 8)})

#: Ops that only move or select values: on the integers of a pair they are
#: the float op on the dequantized value, and their output is a pair with
#: the same scale and zero point (MaxPool: the maximum of integers is the
#: integer of the maximum, the grid being increasing; it pads with the
#: lowest value, which never wins a window holding one real element).
PASS_THROUGH = ("Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "MaxPool")

#: Where each op reads integers of a pair (input positions); the integers
#: of a pair may feed these only.
_INTEGER_READS = {"DequantizeLinear": (0,), "QLinearConv": (0,), "QLinearMatMul": (0, 3),
                  "QLinearAdd": (0, 3), "QLinearMul": (0, 3),
                  "QLinearGlobalAveragePool": (0,), "QGemm": (0,),
                  **{op: (0,) for op in PASS_THROUGH}}


class QuantOps:
    def _qdq_params(self, node: _Node, ins):
        """(scale, zero point, MLIR type letter+bits) of a per-tensor
        QuantizeLinear/DequantizeLinear."""
        if node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            self.check_attrs(node, ("axis", "saturate", "block_size", "output_dtype"))
        if node.attrs.get("block_size", 0):
            raise node.attr_error("block_size", node.attrs["block_size"],
                                  "blocked quantization is not supported")
        if len(ins) < 2 or ins[1] is None or not ins[1].is_const:
            raise node.error("the scale must be a constant")
        scale = np.asarray(ins[1].const)
        if scale.size != 1:
            raise node.error(f"per-axis parameters ({scale.size} scales) on an "
                             f"activation are not supported")
        if scale.dtype != np.float32:
            raise node.error(f"scale of dtype {scale.dtype}: only float32 is supported")
        s = float(scale.reshape(()))
        if not (np.isfinite(s) and s > 0):
            raise node.error(f"scale {s} must be positive and finite")
        zp_v = ins[2] if len(ins) > 2 else None
        if zp_v is None:
            zp = np.zeros((), np.uint8)
        elif not zp_v.is_const:
            raise node.error("the zero point must be a constant")
        else:
            zp = np.asarray(zp_v.const)
        if zp.size != 1:
            raise node.error(f"{zp.size} zero points for one scale")
        if zp.dtype not in _TYPES:
            raise node.error(f"zero point of dtype {zp.dtype}: only int8 and uint8 are "
                             f"supported")
        return s, int(zp.reshape(())), _TYPES[zp.dtype]

    def _pairs(self):
        # ONNX tensor of integers -> (scale, zero point) of its pair, as the
        # file states them (uint8 zero points unshifted).
        return self.__dict__.setdefault("_qdq_pairs", {})

    def _sim_quantize(self, node: _Node, x, s: float, zp: int, ty: str, out: str,
                      point: str = "out"):
        self.__dict__.setdefault("_qdq_types", {})[out] = ty
        if ty == "u8":
            # The same grid on int8: q - 128 with zero point zp - 128 gives
            # the same dequantized values and clamps at the same reals;
            # --qsim-realize stores its integers as int8.
            ty, zp_s8 = "s8", zp - 128
        else:
            zp_s8 = zp
        params = f"<{ty}, scale = {float(np.float32(s))!r}" + (
            f", zero_point = {zp_s8}>" if zp_s8 else ">")
        text = (f"qsim.sim_quantize {self.ssa(x)} {params} "
                f"{{kind = #qsim<kind activation>, point = \"{_esc(node.name)}.{point}\"}} "
                f": {_ty(x.shape)}")
        y = self.new(x.shape, x.layout, text, self.loc())
        self._pairs()[out] = (float(np.float32(s)), zp)
        return y

    def _read_pair(self, node: _Node, ins, pos: int, spos: int):
        """Input ``pos`` of ``node``: integers of a pair, read with the
        scale and zero point at ``spos``, ``spos + 1``, which must be the
        pair's."""
        name = node.inputs[pos]
        pair = self._pairs().get(name)
        if pair is None:
            raise node.error(f"input #{pos} '{name}' must be the integers of a "
                             f"QuantizeLinear or of a QLinear op (integer tensors are "
                             f"not imported otherwise)")
        s, zp, _ = self._qdq_params(node, [None, *ins[spos:spos + 2]])
        if (float(np.float32(s)), zp) != pair:
            raise node.error(f"input #{pos} '{name}' is read with scale {s} and zero "
                             f"point {zp}, not its producer's {pair[0]} and {pair[1]}")
        return ins[pos]

    def op_QuantizeLinear(self, node: _Node, ins):
        if node.outputs[0] in self.graph_outputs:
            return [self._exact_quantize(node, ins)]
        s, zp, ty = self._qdq_params(node, ins)
        if node.attrs.get("output_dtype", 0):
            raise node.attr_error("output_dtype", node.attrs["output_dtype"],
                                  "the zero point's type is the output type")
        self._check_integer_users(node)
        x = self._typed(node, ins[0], 0, ("f32",))
        return [self._sim_quantize(node, x, s, zp, ty, node.outputs[0])]

    def _check_integer_users(self, node: _Node):
        out = node.outputs[0]
        users = [self.nodes[k] for k in self.consumers.get(out, [])]
        bad = next((u for u in users if out not in [
            u.inputs[p] for p in _INTEGER_READS.get(u.op_type, ()) if p < len(u.inputs)]),
            None)
        if not users or out in self.graph_outputs or bad is not None:
            why = (f" (node '{bad.name}' ({bad.op_type}) reads them)" if bad is not None
                   else " (they are a graph output)" if out in self.graph_outputs else "")
            raise node.error(f"its integers must feed DequantizeLinear, QLinearConv or "
                             f"QLinearMatMul nodes, com.microsoft {', '.join(_MS_READS)}, "
                             f"or {', '.join(PASS_THROUGH)} only{why}; integer tensors are "
                             f"not imported")

    def pass_pairs(self, node: _Node, first: int):
        """After ``node`` ran (its lines from ``first``): a shape-only op
        (``PASS_THROUGH``) of the integers of a pair makes a pair with the
        same scale and zero point (its float handler ran on the dequantized
        value); in QDQ form, a float op on dequantized pairs and constant
        weights gets what --qsim-realize needs (``_qdq_points``)."""
        if node.proto.domain not in ("", "ai.onnx"):
            return
        if node.op_type == "DequantizeLinear":
            self._note_dequantized_weight(node)
        elif node.outputs and node.outputs[0] in self.values:
            self._qdq_points(node, first)
        if node.op_type in PASS_THROUGH and node.inputs and node.inputs[0] in self._pairs():
            self._check_integer_users(node)
            self._repoint(node, first, self._pair_ssas(node.inputs[:1]),
                          keep=(self.values[node.outputs[0]].ssa,))
            # The same point again: the identity on the values (they are on
            # the grid already), and what --qsim-realize needs to keep the op
            # on integers (a scale-preserving op is realized when its result
            # is simulated-quantized).
            s, zp = self._pairs()[node.inputs[0]]
            ty = self._qdq_types[node.inputs[0]]
            out = node.outputs[0]
            self.values[out] = self._sim_quantize(node, self.values[out], s, zp, ty, out)

    # -- QDQ form: the float op between DequantizeLinears ------------------------

    def _qdq_reads(self):
        # Output of a DequantizeLinear of a pair -> the pair's integer tensor.
        return self.__dict__.setdefault("_qdq_dq_reads", {})

    def _qdq_weights(self):
        # Output of a folded DequantizeLinear of constant integers ->
        # (integers, scales, zero points or None, axis).
        return self.__dict__.setdefault("_qdq_dq_weights", {})

    def _note_dequantized_weight(self, node: _Node):
        """A DequantizeLinear of constant integers folded to a float
        constant (``ImporterBase.fold``): remember the file's integers and
        scales, for a weight point where a Conv / MatMul / Gemm reads it."""
        out = self.values.get(node.outputs[0])
        vals = [self.values.get(n) if n else None for n in node.inputs[:3]]
        if out is None or not out.is_const or len(vals) < 2 or any(
                v is not None and (not v.is_const or v.layout != "plain") for v in vals) \
                or vals[0] is None or vals[1] is None or node.attrs.get("block_size", 0):
            return
        z = np.asarray(vals[2].const) if len(vals) > 2 and vals[2] is not None else None
        self._qdq_weights()[node.outputs[0]] = (
            np.asarray(vals[0].const), np.asarray(vals[1].const), z,
            int(node.attrs.get("axis", 1)))

    def _qdq_points(self, node: _Node, first: int):
        """A float op of the QDQ form (``node``, which emitted the lines from
        ``first``): the reshapes, transposes and slices its handler put on
        dequantized pairs get the pair's point again (``_repoint``), and a
        Conv / MatMul / Gemm whose weight is a DequantizeLinear of constant
        int8 integers gets a weight point with the file's scales
        (``_weight_point``): so that --qsim-realize computes it on the
        file's integers.  Where the weight has nonzero zero points, uint8
        integers, blocked parameters or per-channel scales along another
        axis than the output channels', it stays the folded float constant
        (the op stays float after realize, with the same values)."""
        reads = self._qdq_reads()
        pairs = [reads[n] for n in node.inputs if n in reads]
        if pairs:
            self._repoint(node, first, self._pair_ssas(pairs),
                          keep=(self.values[node.outputs[0]].ssa,))
        if node.op_type not in ("Conv", "MatMul", "Gemm") or len(node.inputs) < 2:
            return
        rec = self._qdq_weights().get(node.inputs[1])
        if rec is None:
            return
        q, scales, zps, axis = rec
        if q.dtype != np.int8 or scales.dtype != np.float32 or scales.ndim > 1 \
                or q.ndim == 0 or (node.op_type == "MatMul" and q.ndim != 2):
            return
        scales = scales.reshape(-1)
        # The ONNX weight's output-channel axis: Conv OIHW, MatMul (K, N),
        # Gemm B (K, N) or, transposed, (N, K).
        out_axis = {"Conv": 0, "MatMul": 1,
                    "Gemm": 0 if node.attrs.get("transB", 0) else 1}[node.op_type]
        if scales.size > 1 and (not -q.ndim <= axis < q.ndim or axis % q.ndim != out_axis
                                or q.shape[out_axis] != scales.size):
            return
        if node.op_type == "Gemm":
            # alpha is folded into the constant; the grid check of
            # _weight_point refuses it where that is not exact.
            alpha = np.float32(node.attrs.get("alpha", 1.0))
            if not alpha > 0:
                return
            scales = (scales * alpha).astype(np.float32)
        self._weight_point(node, first, scales, zps if zps is not None else 0)

    def op_DequantizeLinear(self, node: _Node, ins):
        if node.inputs[0] not in self._pairs() and ins[0].dtype in _INT:
            return [self._exact_dequantize(node, ins)]
        if node.inputs[0] not in self._pairs():
            raise node.error("a DequantizeLinear of a non-constant must read a "
                             "QuantizeLinear (a QuantizeLinear -> DequantizeLinear pair) "
                             "or a QLinear op")
        # The pair is the producer's qsim.sim_quantize, whose result is
        # already the dequantized float tensor.
        self._qdq_reads()[node.outputs[0]] = node.inputs[0]
        return [self._read_pair(node, ins, 0, 1)]

    def _dequantized_const(self, node: _Node, ins, pos: int, axis: int):
        """Constant integers at ``pos`` with scale and zero point at
        ``pos + 1``, ``pos + 2`` (per tensor, or per channel along
        ``axis``) as float32 values, as DequantizeLinear computes them."""
        v, sv, zv = ins[pos], ins[pos + 1], ins[pos + 2]
        if v is None or not v.is_const or sv is None or not sv.is_const or (
                zv is not None and not zv.is_const):
            raise node.error(f"input #{pos} '{node.inputs[pos]}' and its scale and zero "
                             f"point must be constants")
        q = np.asarray(v.const)
        if q.dtype not in _TYPES:
            raise node.error(f"input #{pos} of dtype {q.dtype}: only int8 and uint8")
        s = np.asarray(sv.const, np.float32).reshape(-1)
        z = (np.asarray(zv.const).astype(np.int64).reshape(-1) if zv is not None
             else np.zeros(1, np.int64))
        shape = [1] * q.ndim
        if s.size > 1:
            if q.shape[axis] != s.size:
                raise node.error(f"{s.size} scales for {q.shape[axis]} channels of input "
                                 f"#{pos}")
            shape[axis] = s.size
        w = ((q.astype(np.int64) - z.reshape(shape if z.size > 1 else [1] * q.ndim))
             .astype(np.float32) * s.reshape(shape))
        return w.astype(np.float32), s

    def _qlinear(self, node: _Node, op_type: str, inputs, vals, y_ins, attrs=None,
                 weight=None):
        """The float op ``op_type`` (with ``node``'s attributes, or
        ``attrs``) on dequantized ``vals``, then the output pair with the
        scale and zero point ``y_ins`` (no pair where ``y_ins`` is None: a
        float output).  ``weight``: (scales, zero points) of its constant
        weight, which gets a weight point where it can (``_weight_point``)."""
        from onnx import helper

        proto = helper.make_node(op_type, inputs, [node.outputs[0]], name=node.name)
        if attrs is None:
            proto.attribute.extend(node.proto.attribute)
        else:
            proto.attribute.extend(helper.make_attribute(k, v) for k, v in attrs.items())
        fake = _Node(proto, node.name)
        first = len(self.lines)
        y = getattr(self, f"op_{op_type}")(fake, vals)[0]
        self._repoint(node, first, self._pair_ssas(inputs), keep=(y.ssa,))
        if weight is not None:
            self._weight_point(node, first, *weight)
        if y_ins is None:
            return [y]
        s, zp, ty = self._qdq_params(node, [None, *y_ins])
        self._check_integer_users(node)
        return [self._sim_quantize(node, y, s, zp, ty, node.outputs[0])]

    def _pair_ssas(self, names):
        """SSA name -> tensor of the pairs among ``names``: their values
        (the qsim.sim_quantize) and those in other layouts."""
        out = {}
        for name in names:
            v = self.values.get(name) if name in self._pairs() else None
            for w in ([v, *v.alt.values()] if v is not None else ()):
                if w.ssa is not None and not w.is_const:
                    out[w.ssa] = name
        return out

    def _repoint(self, node: _Node, first: int, roots, keep=()):
        """The float handler's reshapes, transposes and slices (a layout
        change, a strided 1x1 convolution's crop) of the pairs' values
        ``roots`` (SSA name -> pair tensor), in the lines from ``first``:
        each gets the pair's point again, and its later uses read that.
        The values are on the grid already, so this is the identity; it is
        what --qsim-realize needs to keep them integers up to the op
        (a scale-preserving op is realized when its result is
        simulated-quantized).  Not the values ``keep`` (the handler's
        result, which gets its own point)."""
        import re

        grid = dict(roots)
        i = first
        while i < len(self.lines):
            m = re.match(r"    (%[\w.]+) = tosa\.(?:slice|transpose|reshape) (%[\w.]+)[ ,]"
                         r".*-> (tensor<[0-9x]*f32>) loc\(\"(.*)\"\)$", self.lines[i])
            if m is None or m.group(2) not in grid or m.group(1) in keep:
                i += 1
                continue
            r, src, t, where = m.group(1), m.group(2), m.group(3), m.group(4)
            name = grid[src]
            sc, zp = self._pairs()[name]
            ty = self._qdq_types[name]
            zp_s8 = zp - 128 if ty == "u8" else zp
            params = f"<s8, scale = {sc!r}" + (f", zero_point = {zp_s8}>" if zp_s8 else ">")
            # Named after the op's location (escaped already): unique.
            rq = self.emit(f"qsim.sim_quantize {r} {params} {{kind = #qsim<kind "
                           f"activation>, point = \"{where}.out\"}} : {t}",
                           self.loc("repoint"))
            line = self.lines.pop()
            use = re.compile(re.escape(r) + r"(?![\w.])")
            for j in range(i + 1, len(self.lines)):
                head, sep, rest = self.lines[j].partition(" = ")
                self.lines[j] = head + sep + use.sub(rq, rest)
            self.lines.insert(i + 1, line)
            # A layout change is cached on the pair's value: later
            # consumers read the re-pointed one too.
            pair = self.values.get(name)
            for alt in (pair.alt.values() if pair is not None else ()):
                if alt.ssa == r:
                    alt.ssa = rq
            grid[rq] = name
            i += 2

    @staticmethod
    def _symmetric_int8(ins, pos: int, scales):
        """(scales, zero points) of the constant weight at ``pos`` for a
        weight point, or None: int8 weights only (uint8 ones are no s8
        grid)."""
        if np.asarray(ins[pos].const).dtype != np.int8:
            return None
        zv = ins[pos + 2] if len(ins) > pos + 2 else None
        return scales, (np.asarray(zv.const) if zv is not None else 0)

    def _weight_point(self, node: _Node, first: int, scales, zps):
        """A ``qsim.sim_quantize`` of kind weight with the file's scales on
        the constant weight of the one convolution or matmul that the float
        handler emitted (lines from ``first``), so that ``--qsim-realize``
        computes it on the file's int8 weights (it realizes a contraction
        only when both operands are simulated-quantized).  The constant is
        ``w * scale`` in float32, which quantizes back to ``w`` exactly.
        No point where realize could not use it (nonzero weight zero points,
        per-channel scales along no single axis of the emitted weight,
        several contractions such as a grouped convolution, a constant
        that is not ``q * scale`` in float32 for int8 ``q``: a
        BatchNormalization folded into the convolution, an inexact Gemm
        alpha): the op then stays float after realize, with the same
        values."""
        import re

        scales = np.asarray(scales, np.float32).reshape(-1)
        if np.any(np.asarray(zps) != 0) or not np.all(np.isfinite(scales) & (scales > 0)):
            return
        ops = [(i, m) for i, line in enumerate(self.lines[first:], start=first)
               for m in [re.match(r"    (%\S+) = (tosa\.conv2d|tosa\.depthwise_conv2d|"
                                  r"tosa\.matmul) (%[\w.]+), (%[\w.]+), ", line)] if m]
        if len(ops) != 1:
            return
        i, m = ops[0]
        op, w = m.group(2), m.group(4)
        defs = [line for line in self.lines[first:i] if line.startswith(f"    {w} = ")]
        d = re.match(r'    \S+ = "tosa\.const"\(\) <\{values = .* : tensor<([0-9x]+)xf32>\}>',
                     defs[0]) if len(defs) == 1 else None
        if d is None:
            return
        shape = [int(k) for k in d.group(1).split("x")]
        # The output channels: OHWI, HWCM (multiplier 1), (1, K, N).
        axis = {"tosa.conv2d": 0, "tosa.depthwise_conv2d": 2, "tosa.matmul": 2}[op]
        if scales.size == 1:
            params = f"<s8, scale = {float(scales[0])!r}>"
        elif shape[axis] == scales.size and (op != "tosa.depthwise_conv2d"
                                              or shape[3] == 1):
            params = (f"<s8, scales = [{', '.join(repr(float(v)) for v in scales)}], "
                      f"axis = {axis}>")
        else:
            return
        if not _on_grid(defs[0], shape, scales, axis):
            return
        t = _ty(tuple(shape))
        self.emit(f"qsim.sim_quantize {w} {params} {{kind = #qsim<kind weight>, "
                  f"point = \"{_esc(node.name)}.weight\"}} : {t}", self.loc("weight"))
        line = self.lines.pop()
        wq = line.split(" = ", 1)[0].strip()
        self.lines[i] = self.lines[i].replace(f" {w}, ", f" {wq}, ", 1)
        self.lines.insert(i, line)

    def op_QLinearConv(self, node: _Node, ins):
        if node.inputs[0] not in self._pairs():
            return self._exact_qlinear(node, ins, "Conv")
        x = self._read_pair(node, ins, 0, 1)
        w, ws = self._dequantized_const(node, ins, 3, 0)
        vals = [x, Val(w.shape, const=w, name=node.inputs[3])]
        names = node.inputs[:1] + [node.inputs[3]]
        if len(ins) > 8 and ins[8] is not None:
            b = ins[8]
            if not b.is_const or np.asarray(b.const).dtype != np.int32:
                raise node.error("the bias must be a constant int32 tensor")
            xs = np.float32(np.asarray(ins[1].const).reshape(()))
            # The int32 bias is on the accumulator's grid, x_scale * w_scale.
            bf = (np.asarray(b.const).astype(np.float64)
                  * (xs * ws).astype(np.float64)).astype(np.float32)
            vals.append(Val(bf.shape, const=bf, name=node.inputs[8]))
            names.append(node.inputs[8])
        return self._qlinear(node, "Conv", names, vals, ins[6:8],
                             weight=self._symmetric_int8(ins, 3, ws))

    def op_QLinearMatMul(self, node: _Node, ins):
        if not any(node.inputs[p] in self._pairs() for p in (0, 3)):
            return self._exact_qlinear(node, ins, "MatMul")
        vals = []
        weight = None
        for pos in (0, 3):
            if node.inputs[pos] in self._pairs():
                vals.append(self._read_pair(node, ins, pos, pos + 1))
            else:
                axis = -1 if pos == 3 else -2
                w, ws = self._dequantized_const(node, ins, pos, axis)
                vals.append(Val(w.shape, const=w, name=node.inputs[pos]))
                if pos == 3 and w.ndim == 2:
                    weight = self._symmetric_int8(ins, 3, ws)
        return self._qlinear(node, "MatMul", [node.inputs[0], node.inputs[3]], vals,
                             ins[6:8], weight=weight)

    # -- com.microsoft QOperator ops (onnxruntime's contrib ops) -----------------
    # Dispatched as ms_<Type> for nodes of domain com.microsoft only.

    def _pair_or_const(self, node: _Node, ins, pos: int):
        """Input ``pos`` (scale and zero point at ``pos + 1``, ``pos + 2``)
        as a float value: the integers of a pair, or per-tensor constant
        integers dequantized."""
        if node.inputs[pos] in self._pairs():
            return self._read_pair(node, ins, pos, pos + 1)
        v = ins[pos]
        if v is None or not v.is_const:
            raise node.error(f"input #{pos} '{node.inputs[pos]}' must be the integers of a "
                             f"QuantizeLinear or of a QLinear op, or constant integers "
                             f"(integer graph inputs are not imported for this op)")
        zv = ins[pos + 2]
        w, s = self._dequantized_const(node, ins, pos, 0)
        if s.size != 1 or (zv is not None and np.asarray(zv.const).size != 1):
            raise node.error(f"input #{pos} '{node.inputs[pos]}': only a per-tensor scale "
                             f"and zero point are supported")
        return Val(w.shape, const=w, name=node.inputs[pos])

    def _ms_binary(self, node: _Node, ins, op_type: str):
        """QLinearAdd / QLinearMul (A, A_scale, A_zero_point, B, B_scale,
        B_zero_point, C_scale, C_zero_point): the float op of the
        dequantized operands, then the output pair."""
        self.check_attrs(node, ())
        ins = list(ins) + [None] * (8 - len(ins))
        if any(ins[p] is None for p in (0, 1, 3, 4, 6)):
            raise node.error("needs A, A_scale, B, B_scale and C_scale")
        if not any(node.inputs[p] in self._pairs() for p in (0, 3)):
            raise node.error("neither A nor B is the integers of a QuantizeLinear or of "
                             "a QLinear op (integer graph inputs are not imported for "
                             "this op)")
        vals = [self._pair_or_const(node, ins, p) for p in (0, 3)]
        return self._qlinear(node, op_type, [node.inputs[0], node.inputs[3]], vals,
                             ins[6:8], attrs={})

    def ms_QLinearAdd(self, node: _Node, ins):
        return self._ms_binary(node, ins, "Add")

    def ms_QLinearMul(self, node: _Node, ins):
        return self._ms_binary(node, ins, "Mul")

    def ms_QLinearGlobalAveragePool(self, node: _Node, ins):
        """(X, x_scale, x_zero_point, y_scale, y_zero_point): the float
        GlobalAveragePool of the dequantized input, then the output pair."""
        self.check_attrs(node, ("channels_last",))
        if node.attrs.get("channels_last", 0):
            raise node.attr_error("channels_last", node.attrs["channels_last"],
                                  "only channels-first (NCHW) inputs are imported")
        ins = list(ins) + [None] * (5 - len(ins))
        if any(ins[p] is None for p in (0, 1, 3)):
            raise node.error("needs X, x_scale, y_scale (and zero points)")
        x = self._read_pair_or_refuse(node, ins, 0)
        return self._qlinear(node, "GlobalAveragePool", [node.inputs[0]], [x], ins[3:5],
                             attrs={})

    def _read_pair_or_refuse(self, node: _Node, ins, pos: int):
        if node.inputs[pos] not in self._pairs():
            raise node.error(f"input #{pos} '{node.inputs[pos]}' must be the integers of "
                             f"a QuantizeLinear or of a QLinear op (integer graph inputs "
                             f"and constants are not imported for this op)")
        return self._read_pair(node, ins, pos, pos + 1)

    def ms_QGemm(self, node: _Node, ins):
        """(A, a_scale, a_zero_point, B, b_scale, b_zero_point, C, y_scale,
        y_zero_point): onnxruntime computes ``alpha * a_scale * b_scale *
        (A' B' + C)`` of the centered integers, then the output's
        requantize (float without y_scale).  Imported as the float matmul
        of the dequantized A and the constant B (per tensor or per column,
        alpha folded in), plus C times ``alpha * a_scale * b_scale``; A
        after its reshape to 3-D gets the pair's point again, and B a weight
        point, so that --qsim-realize computes the matmul in integers."""
        self.check_attrs(node, ("alpha", "transA", "transB"))
        ins = list(ins) + [None] * (9 - len(ins))
        if any(ins[p] is None for p in (0, 1, 3, 4)):
            raise node.error("needs A, a_scale, B, b_scale (and zero points)")
        name_a = node.inputs[0]
        a = self.plain(self._read_pair_or_refuse(node, ins, 0))
        trans_b = int(node.attrs.get("transB", 0))
        w, ws = self._dequantized_const(node, ins, 3, 0 if trans_b else 1)
        if a.rank != 2 or w.ndim != 2:
            raise node.error(f"A and B must be 2-D, got {list(a.shape)} and "
                             f"{list(w.shape)}")
        if int(node.attrs.get("transA", 0)):
            a = self.transpose(a, (1, 0), tag="transA")
        if trans_b:
            w = np.ascontiguousarray(w.T)
        (m, k), (k2, n) = a.shape, w.shape
        if k != k2:
            raise node.error(f"inner dimensions differ: A {list(a.shape)}, B' "
                             f"{list(w.shape)}")
        alpha = np.float32(node.attrs.get("alpha", 1.0))
        s, zp = self._pairs()[name_a]
        # (A's point again after the reshape: realize keeps integers through
        # a scale-preserving op whose result is simulated-quantized.)
        a3 = self._sim_quantize(node, self.reshape(a, (1, m, k), tag="a3"), s, zp,
                                self._qdq_types[name_a], f"{node.name}/a3", point="a3")
        self._pairs().pop(f"{node.name}/a3")
        wv = Val((1, k, n), const=(w * alpha).astype(np.float32).reshape(1, k, n),
                 name=node.inputs[3])
        # A weight point where realize can use it: symmetric int8 (with
        # alpha folded into the scales, which must stay positive).
        weight = self._symmetric_int8(ins, 3, ws)
        if weight is not None and alpha > 0 and not np.any(np.asarray(weight[1]) != 0):
            wv = self._weight_value(node, wv, ws * alpha, 2)
        y = self.matmul(a3, wv, self.loc())
        c = ins[6]
        if c is not None:
            if not c.is_const or np.asarray(c.const).dtype != np.int32:
                raise node.error("C must be a constant int32 tensor")
            cq = np.asarray(c.const)
            if cq.ndim > 2 or np.broadcast_shapes(cq.shape, (m, n)) != (m, n):
                raise node.error(f"C {list(cq.shape)} does not broadcast to {[m, n]}")
            a_s = np.float32(np.asarray(ins[1].const).reshape(-1)[0])
            # The int32 bias is on the accumulator's grid, a_scale * b_scale
            # (per column: along the last dimension).
            cf = (cq.astype(np.float64) * (a_s * ws * alpha).astype(np.float64))
            cf = np.broadcast_to(cf, np.broadcast_shapes(cf.shape, (1, n))) \
                if cf.ndim < 2 else cf
            cf = cf.astype(np.float32).reshape((1,) * (3 - cf.ndim) + cf.shape)
            y = self.binary("add", y, Val(cf.shape, const=np.ascontiguousarray(cf),
                                          name=node.inputs[6]), "plain", self.loc("bias"))
        y = self.reshape(y, (m, n), tag="reshape_out")
        ys, yz = ins[7], ins[8]
        if ys is None and yz is None:
            return [y]
        if ys is None or yz is None:
            raise node.error("y_scale and y_zero_point must be given together (without "
                             "both the output is float)")
        s, zp, ty = self._qdq_params(node, [None, ys, yz])
        self._check_integer_users(node)
        return [self._sim_quantize(node, y, s, zp, ty, node.outputs[0])]

    def _weight_value(self, node: _Node, w: Val, scales, axis: int) -> Val:
        """The constant ``w`` under a weight point with ``scales`` (per
        tensor, or along ``axis``)."""
        scales = np.asarray(scales, np.float32).reshape(-1)
        if scales.size == 1:
            params = f"<s8, scale = {float(scales[0])!r}>"
        else:
            params = (f"<s8, scales = [{', '.join(repr(float(v)) for v in scales)}], "
                      f"axis = {axis}>")
        return self.new(w.shape, w.layout,
                        f"qsim.sim_quantize {self.ssa(w)} {params} {{kind = #qsim<kind "
                        f"weight>, point = \"{_esc(node.name)}.weight\"}} : {_ty(w.shape)}",
                        self.loc("weight"))

    # -- integer tensors at the graph's boundary -------------------------------
    # A standalone op whose integers are graph inputs or outputs computes
    # them as ONNX defines it, in float32 holding integers exactly.

    def _axis_params(self, node: _Node, sv: Val, zv, rank: int, axis: int):
        """(scale float32, zero point float32, MLIR integer type) of ``node``,
        shaped to broadcast against a rank-``rank`` tensor: per tensor, or
        per channel along ``axis``."""
        if sv is None or not sv.is_const:
            raise node.error("the scale must be a constant")
        s = np.asarray(sv.const)
        if s.dtype != np.float32:
            raise node.error(f"scale of dtype {s.dtype}: only float32 is supported")
        if not np.all(np.isfinite(s) & (s > 0)):
            raise node.error(f"scale {s.reshape(-1).tolist()} must be positive and finite")
        if zv is None:
            z = np.zeros((), np.uint8)
        elif not zv.is_const:
            raise node.error("the zero point must be a constant")
        else:
            z = np.asarray(zv.const)
        if z.dtype not in _TYPES:
            raise node.error(f"zero point of dtype {z.dtype}: only int8 and uint8 are "
                             f"supported")
        ty = "i8" if z.dtype == np.int8 else "ui8"
        shape = [1] * rank
        n = max(s.size, z.size)
        if n > 1:
            if s.ndim > 1 or z.ndim > 1 or s.size not in (1, n) or z.size not in (1, n):
                raise node.error(f"scale shape {list(s.shape)} and zero point shape "
                                 f"{list(z.shape)}: only per-tensor or 1-D per-axis "
                                 f"parameters are supported")
            if not -rank <= axis < rank:
                raise node.attr_error("axis", axis, f"out of range for rank {rank}")
            shape[axis % rank] = n
        sf = np.broadcast_to(s.reshape(-1), (n,)).astype(np.float32).reshape(shape)
        zf = np.broadcast_to(z.reshape(-1), (n,)).astype(np.float32).reshape(shape)
        return np.ascontiguousarray(sf), np.ascontiguousarray(zf), ty

    def _int_to_float(self, x: Val) -> Val:
        """An i8/ui8 tensor as float32 (exact)."""
        if x.dtype == "i8":
            return self._cast(x, "f32", self.loc("to_float"))
        # tosa.cast has no unsigned source; tosa.rescale by 1 widens ui8.
        wide = self._rescale_u8(x, "ui8", "i32", self.loc("widen"))
        return self._cast(wide, "f32", self.loc("to_float"))

    def _rescale_u8(self, x: Val, src: str, dst: str, loc: str) -> Val:
        """tosa.rescale by exactly 1 between i32 and ui8 (saturating)."""
        consts = []
        for value, t in (("1073741824", "i32"), ("30", "i8"), ("0", src), ("0", dst)):
            consts.append(self.emit(f'"tosa.const"() <{{values = dense<{value}> : '
                                    f'tensor<1x{t}>}}> : () -> tensor<1x{t}>', loc))
        uns_in, uns_out = ("true", "false") if src == "ui8" else ("false", "true")
        return self.new(x.shape, x.layout,
                        f"tosa.rescale {self.ssa(x)}, {', '.join(consts)} "
                        f"{{scale32 = true, rounding_mode = SINGLE_ROUND, "
                        f"per_channel = false, input_unsigned = {uns_in}, "
                        f"output_unsigned = {uns_out}}} : ({_ty(x.shape, src)}, "
                        f"tensor<1xi32>, tensor<1xi8>, tensor<1x{src}>, tensor<1x{dst}>) "
                        f"-> {_ty(x.shape, dst)}", loc, dtype=dst)

    def _round_saturate(self, v: Val, ty: str) -> Val:
        """float32 ``v`` rounded half to even and saturated to ``ty``."""
        _, lo, hi = _INT[ty]
        v = self.clamp(v, lo, hi, self.loc("saturate"))
        if ty == "i8":
            return self._cast(v, "i8", self.loc())
        wide = self._cast(v, "i32", self.loc("round"))
        return self._rescale_u8(wide, "i32", "ui8", self.loc())

    def _fconst(self, arr: np.ndarray, layout: str = "plain") -> Val:
        return Val(arr.shape, layout, const=np.ascontiguousarray(arr, np.float32))

    def _exact_quantize(self, node: _Node, ins) -> Val:
        """saturate(round_half_even(x / scale) + zero_point)."""
        self.check_attrs(node, ("axis", "saturate"))
        x = self.plain(self._typed(node, ins[0], 0, ("f32",)))
        s, z, ty = self._axis_params(node, ins[1], ins[2] if len(ins) > 2 else None,
                                     x.rank, int(node.attrs.get("axis", 1)))
        # x / scale as x * (1 / scale): the two differ by at most one unit in
        # the last place, which can move only a quotient within that of a
        # half-integer.
        q = self._tosa("mul", [x, self._fconst(np.float32(1) / s)], self.loc("div"))
        # Rounded before the zero point is added, as ONNX does; past 2**24
        # the value saturates anyway.
        q = self.clamp(q, -_EXACT, _EXACT, self.loc("bound"))
        q = self._cast(self._cast(q, "i32", self.loc("round")), "f32",
                       self.loc("rounded"))
        q = self._tosa("add", [q, self._fconst(z)], self.loc("zero_point"))
        return self._round_saturate(q, ty)

    def _exact_dequantize(self, node: _Node, ins) -> Val:
        """(x - zero_point) * scale in float32."""
        self.check_attrs(node, ("axis",))
        x = self.plain(ins[0])
        s, z, want = self._axis_params(node, ins[1], ins[2] if len(ins) > 2 else None,
                                       x.rank, int(node.attrs.get("axis", 1)))
        if x.dtype != want:
            raise node.error(f"input #0 '{node.inputs[0]}' is {x.dtype}, its zero point "
                             f"{want}")
        d = self._tosa("sub", [self._int_to_float(x), self._fconst(z)],
                       self.loc("zero_point"))
        return self._tosa("mul", [d, self._fconst(s)], self.loc())

    def _centered(self, node: _Node, ins, pos: int, axis: int):
        """Input ``pos`` minus its zero point (at ``pos + 2``) as float32
        integers, and the largest magnitude it can take."""
        v = ins[pos]
        zv = ins[pos + 2] if len(ins) > pos + 2 else None
        if v is None:
            raise node.error(f"input #{pos} is missing")
        if v.is_const:
            q = np.asarray(self.const_array(node, v, f"input #{pos}"))
            if q.dtype not in _TYPES:
                raise node.error(f"input #{pos} of dtype {q.dtype}: only int8 and uint8")
            _, z, _ = self._axis_params(node, ins[pos + 1], zv, q.ndim, axis)
            c = q.astype(np.float32) - z
            return self._fconst(c), float(np.max(np.abs(c), initial=0.0))
        if v.dtype not in _INT:
            raise node.error(f"input #{pos} '{node.inputs[pos]}' must be int8 or uint8 "
                             f"integers (a graph input or a QuantizeLinear output), "
                             f"not {v.dtype}")
        x = self.plain(v)
        _, z, ty = self._axis_params(node, ins[pos + 1], zv, x.rank, axis)
        if ty != x.dtype:
            raise node.error(f"input #{pos} '{node.inputs[pos]}' is {x.dtype}, its zero "
                             f"point {ty}")
        c = self._tosa("sub", [self._int_to_float(x), self._fconst(z)],
                       self.loc(f"centered{pos}"))
        _, lo, hi = _INT[ty]
        return c, float(np.max(np.maximum(np.abs(lo - z), np.abs(hi - z)), initial=0.0))

    def _exact_qlinear(self, node: _Node, ins, op_type: str):
        """ONNX's reference: the integer Conv / MatMul of the centered
        operands, times ``x_scale * w_scale / y_scale``, plus the output zero
        point, rounded half to even and saturated.  The integer products
        and sums are float32 ones, exact while they stay below 2**24 (checked
        from the operands' ranges)."""
        from onnx import helper

        names = [node.inputs[0], node.inputs[3]]
        a, amax = self._centered(node, ins, 0, 1)
        b, bmax = self._centered(node, ins, 3, 0 if op_type == "Conv" else -1)
        if op_type == "Conv":
            w = b.const
            depth = int(np.prod(w.shape[1:]))
        else:
            depth = int(b.shape[-2]) if b.rank > 1 else int(b.shape[0])
        bound = amax * bmax * depth
        vals = [a, b]
        bias = None
        if op_type == "Conv" and len(ins) > 8 and ins[8] is not None:
            bv = ins[8]
            if not bv.is_const or np.asarray(bv.const).dtype != np.int32:
                raise node.error("the bias must be a constant int32 tensor")
            bias = np.asarray(bv.const).astype(np.float32)
            bound += float(np.max(np.abs(bias), initial=0.0))
            vals.append(self._fconst(bias))
            names.append(node.inputs[8])
        if bound >= _EXACT:
            raise node.error(f"the integer accumulator can reach {bound:.0f} (depth "
                             f"{depth}), past 2**24: float32 would round it; only "
                             f"smaller products are imported exactly")
        proto = helper.make_node(op_type, names, [node.outputs[0]], name=node.name)
        proto.attribute.extend(node.proto.attribute)
        acc = self.plain(getattr(self, f"op_{op_type}")(_Node(proto, node.name), vals)[0])
        xs, _, _ = self._axis_params(node, ins[1], None, 1, 0)
        ws, _, _ = self._axis_params(node, ins[4], None, 1, 0)
        ys, yz, ty = self._axis_params(node, ins[6], ins[7] if len(ins) > 7 else None,
                                       acc.rank, 1)
        if ys.size != 1 or yz.size != 1:
            raise node.error("the output's scale and zero point must be per tensor")
        m = (xs.reshape(-1) * ws.reshape(-1) / ys.reshape(-1)).astype(np.float32)
        shape = [1] * acc.rank
        if m.size > 1:
            if op_type != "Conv" or m.size != acc.shape[1]:
                raise node.error(f"{m.size} weight scales for output shape "
                                 f"{list(acc.shape)}")
            shape[1] = m.size
        y = self._tosa("mul", [acc, self._fconst(m.reshape(shape))], self.loc("rescale"))
        y = self._tosa("add", [y, self._fconst(yz)], self.loc("zero_point"))
        return [self._round_saturate(y, ty)]


#: The com.microsoft ops imported (their ``ms_<Type>`` handlers).
_MS_READS = tuple(sorted(n[3:] for n in dir(QuantOps) if n.startswith("ms_")))


def _on_grid(line: str, shape, scales: np.ndarray, axis: int) -> bool:
    """Whether the float32 constant that ``line`` defines (``shape``) is
    ``q * scale`` in float32 for int8 integers ``q`` (per tensor, or
    per channel along ``axis``): then a weight point with these scales is
    the identity on it, and realize gets ``q`` back."""
    import re

    from ... import tools

    m = re.search(r"values = (dense<.*>) : (tensor<[0-9x]+xf32>)\}>", line)
    if m is None:
        return False
    w = tools.parse_dense_elements(m.group(1), m.group(2)).astype(np.float32)
    bshape = [1] * len(shape)
    if scales.size > 1:
        bshape[axis] = scales.size
    s = scales.astype(np.float32).reshape(bshape)
    q = np.rint(w.astype(np.float64) / s)
    return bool(np.all((q >= -128) & (q <= 127))
                and np.array_equal((q.astype(np.float32) * s).astype(np.float32), w))


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')
