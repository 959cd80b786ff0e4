"""Export: the float ONNX model with QuantizeLinear/DequantizeLinear pairs
carrying qsim's calibrated scales and zero points (the QDQ format that ONNX
Runtime and other runtimes read as a quantized model).

The link between our points and the ONNX tensors is the point name
(:mod:`qsim.qdq.points`): a point's name starts with the importer's name of
the ONNX node whose op produced it.

* Activations: the output of node ``N`` carries the last ``input`` or
  ``activation`` point in program order named ``N.out`` or ``N/<tag>.out``
  (the value the node finally produces: for Gemm the bias add's, for a conv
  after a crop the conv's).  The producer's output is renamed
  ``<tensor>/qsim_float`` and a QuantizeLinear -> DequantizeLinear pair
  writes the tensor under its own name, so consumers and graph outputs are
  unchanged.
* Weights: ``N.weight`` quantizes input 1 of a Conv, ConvTranspose or
  Gemm, or the constant input of a MatMul; ``N.in<k>`` the constant input
  ``k`` of an elementwise node (Mul, Add, Sub, Div).  They are stored as
  int8 initializers with a DequantizeLinear (per channel with ``axis`` when
  the point is per channel: the output-channel axis of the ONNX weight).
* Biases of Conv and Gemm whose input is quantized: int32 with scale
  ``input scale * weight scale`` and zero point 0, through a
  DequantizeLinear, as ONNX Runtime's QDQ format expects.
* A BatchNormalization that the importer folded into the Conv before it
  (it has no points of its own) is folded here the same way (same
  arithmetic as python/qsim/onnx_import/ops/conv.py), so the weights that
  are quantized are the ones qsim quantized.

What QDQ cannot carry (listed in :attr:`ExportResult.internal` and in
docs/Interop.md): points inside one ONNX node (a layout transpose or crop
the importer adds, Gemm's product before its bias add and the bias as a
separately quantized int8 constant, a standalone BatchNormalization's
product before its shift), the fixed-point form of the requantize (a
runtime derives its own from the scales), power-of-two scale constraints
beyond the scale values themselves, and a rounding other than half to even.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .points import QPoint, onnx_node_names

__all__ = ["ExportError", "ExportResult", "export_qdq"]


class ExportError(Exception):
    """The model or its points cannot be written as QDQ ONNX."""


@dataclass
class ExportResult:
    model: object                                          # onnx.ModelProto
    # point name -> ONNX tensor it quantizes (activations and weights)
    mapped: Dict[str, str] = field(default_factory=dict)
    # biases written as int32: ONNX tensor -> scales
    biases: Dict[str, List[float]] = field(default_factory=dict)
    # points QDQ cannot express, with the reason
    internal: Dict[str, str] = field(default_factory=dict)
    # largest |integer| of the quantized conv/matmul weights
    max_weight_int: int = 0

    @property
    def saturation_risk(self) -> bool:
        """Weights beyond 7 bits: ONNX Runtime's x86 int8 kernels without
        VNNI multiply uint8 activations by int8 weights with vpmaddubsw,
        whose int16 pair sums saturate (the same reason qsim's own AVX2
        kernels want ``weight-range-bits=7``, docs/CPUKernels.md)."""
        return self.max_weight_int > 63


_WEIGHT_INPUT_OPS = ("Conv", "ConvTranspose", "Gemm")
_ELEMENTWISE = ("Mul", "Add", "Sub", "Div")


def _const_arrays(graph) -> Dict[str, np.ndarray]:
    from onnx import numpy_helper

    out = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant" and len(n.output) == 1:
            for a in n.attribute:
                if a.name == "value":
                    out[n.output[0]] = numpy_helper.to_array(a.t)
    return out


def _owners(points: Dict[str, QPoint], names: List[str]) -> Dict[str, List[QPoint]]:
    """Each node's points, in program order: a point belongs to the node
    with the longest name that its name starts with, followed by ``.`` or
    ``/`` (a node ``a/b`` owns ``a/b.out``, not its neighbour ``a``)."""
    known = set(names)
    out: Dict[str, List[QPoint]] = {n: [] for n in names}
    for p in sorted(points.values(), key=lambda q: q.order):
        cut = len(p.name)
        while cut > 0:
            cut = max(p.name.rfind(".", 0, cut), p.name.rfind("/", 0, cut))
            if cut > 0 and p.name[:cut] in known:
                out[p.name[:cut]].append(p)
                break
    return out


def _quantize(x: np.ndarray, scale: np.ndarray, zp: np.ndarray, lo: int, hi: int
              ) -> np.ndarray:
    # As QuantizeLinear: x / scale in float32, round half to even, saturate.
    q = np.rint(x.astype(np.float32) / scale.astype(np.float32)).astype(np.int64) + zp
    return np.clip(q, lo, hi)


def _check_point(p: QPoint, where: str) -> None:
    if p.bits != 8:
        raise ExportError(f"point '{p.name}' ({where}) has {p.bits} bits: QDQ export "
                          f"writes 8-bit points only")
    if p.rounding != "half_to_even":
        raise ExportError(f"point '{p.name}' ({where}) rounds {p.rounding}: "
                          f"QuantizeLinear rounds half to even")


def _qtype(p: QPoint):
    from onnx import TensorProto
    return (TensorProto.INT8, np.int8, -128, 127) if p.signed else \
        (TensorProto.UINT8, np.uint8, 0, 255)


def export_qdq(model, points: Dict[str, QPoint], fold_bn: bool = True) -> ExportResult:
    """``model`` (an onnx.ModelProto, the float model the points were
    calibrated on) with QDQ pairs carrying ``points``
    (:func:`qsim.qdq.points.parse_points`).  ``fold_bn`` must be what the
    import used (``--no-fold-bn`` gives False)."""
    from onnx import helper, numpy_helper, TensorProto

    m = copy.deepcopy(model)
    g = m.graph
    opset = next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < 13:
        raise ExportError(f"the model's opset is {opset}: QDQ export needs opset 13 or "
                          f"newer (per-axis DequantizeLinear)")
    for p in points.values():
        _check_point(p, p.kind)
    names = onnx_node_names(g)
    owned = _owners(points, names)
    consts = _const_arrays(g)
    res = ExportResult(m)
    nodes = list(g.node)
    by_output = {o: k for k, n in enumerate(nodes) for o in n.output if o}
    consumers: Dict[str, List[int]] = {}
    for k, n in enumerate(nodes):
        for i in n.input:
            if i:
                consumers.setdefault(i, []).append(k)
    graph_outputs = {o.name for o in g.output}

    # Batch norms the importer folded: a BatchNormalization without points
    # whose input is the only use of a Conv's output with points.
    folded: Dict[int, int] = {}   # conv index -> bn index
    if fold_bn:
        for k, n in enumerate(nodes):
            if n.op_type != "BatchNormalization" or owned[names[k]]:
                continue
            src = by_output.get(n.input[0])
            if (src is None or nodes[src].op_type != "Conv"
                    or consumers.get(n.input[0]) != [k] or n.input[0] in graph_outputs
                    or not owned[names[src]]):
                continue
            folded[src] = k

    new_inits = []
    new_nodes: List = []
    qscale: Dict[str, QPoint] = {}   # ONNX tensor -> its activation point
    replaced = set()                  # float constants the export quantized

    def add_init(name, arr):
        new_inits.append(numpy_helper.from_array(np.asarray(arr), name))
        consts[name] = np.asarray(arr)
        return name

    def dq_const(tensor: str, arr: np.ndarray, p: QPoint, axis: Optional[int],
                 tag: str, track: bool = False) -> str:
        """``arr`` quantized with ``p`` as an initializer + DequantizeLinear;
        returns the DequantizeLinear's output name."""
        _, npt, lo, hi = _qtype(p)
        s = np.asarray(p.scales, np.float32)
        z = np.asarray(p.zero_points, np.int64)
        if axis is not None:
            if arr.shape[axis] != len(s):
                raise ExportError(f"point '{p.name}': {len(s)} scales for axis {axis} "
                                  f"of ONNX tensor '{tensor}' {list(arr.shape)}")
            shape = [1] * arr.ndim
            shape[axis] = len(s)
            q = _quantize(arr, s.reshape(shape), z.reshape(shape), lo, hi)
        else:
            if len(s) != 1:
                raise ExportError(f"point '{p.name}' is per channel but ONNX tensor "
                                  f"'{tensor}' has no channel axis for it")
            q = _quantize(arr, s[0], z[0], lo, hi)
            z = z.reshape(())
        if track:
            zb = z.reshape([-1 if d == axis else 1 for d in range(arr.ndim)]) \
                if axis is not None else z
            res.max_weight_int = max(res.max_weight_int, int(np.abs(q - zb).max()))
        base = f"{tensor}/{tag}"
        qn = add_init(f"{base}/quantized", q.astype(npt))
        sn = add_init(f"{base}/scale", s if axis is not None else s[0])
        zn = add_init(f"{base}/zero_point", z.astype(npt))
        attrs = {"axis": axis} if axis is not None else {}
        new_nodes.append(helper.make_node("DequantizeLinear", [qn, sn, zn],
                                          [f"{base}/dequantized"],
                                          name=f"{base}/DequantizeLinear", **attrs))
        res.mapped[p.name] = tensor
        replaced.add(tensor)
        return f"{base}/dequantized"

    def weight_axis(n, k_in: int, arr: np.ndarray, p: QPoint) -> Optional[int]:
        if not p.per_channel:
            return None
        if n.op_type in ("Conv",):
            return 0
        if n.op_type == "ConvTranspose":
            return 1 if _attr(n, "group", 1) == 1 else None
        if n.op_type == "Gemm":
            return 0 if _attr(n, "transB", 0) else 1
        if n.op_type == "MatMul":
            return arr.ndim - 1
        return None

    for k, n in enumerate(nodes):
        name = names[k]
        if k in folded.values():
            continue
        own = owned[name]
        inputs = list(n.input)
        # Weights and constant operands.
        for p in own:
            if p.kind == "weight" and p.name == f"{name}.weight":
                if n.op_type in _WEIGHT_INPUT_OPS:
                    kin = 1
                elif n.op_type == "MatMul":
                    kin = next((i for i, t in enumerate(inputs) if t in consts), None)
                else:
                    kin = None
                if kin is None or inputs[kin] not in consts:
                    raise ExportError(f"node '{name}' ({n.op_type}): point '{p.name}' "
                                      f"has no constant ONNX weight to quantize")
                arr = consts[inputs[kin]].astype(np.float32)
                if k in folded:
                    arr, bias = _fold(nodes[folded[k]], arr,
                                      consts.get(inputs[2]) if len(inputs) > 2 else None,
                                      consts, name)
                    b_name = add_init(f"{inputs[kin]}/bn_folded_bias", bias)
                    if len(inputs) > 2:
                        inputs[2] = b_name
                    else:
                        inputs.append(b_name)
                group = _attr(n, "group", 1) if n.op_type == "Conv" else 1
                if p.per_channel and 1 < group == len(p.scales) < arr.shape[0]:
                    # A grouped convolution's scales are per group: each
                    # output channel of a group gets its group's.
                    rep = arr.shape[0] // group
                    p = dataclasses.replace(
                        p, scales=list(np.repeat(p.scales, rep)),
                        zero_points=list(np.repeat(p.zero_points, rep)))
                inputs[kin] = dq_const(inputs[kin], arr, p, weight_axis(n, kin, arr, p),
                                       "qsim", track=True)
            elif p.kind == "weight" and p.name.startswith(f"{name}.in"):
                kin = int(p.name[len(name) + 3:])
                if (n.op_type not in _ELEMENTWISE or kin >= len(inputs)
                        or inputs[kin] not in consts):
                    res.internal[p.name] = (f"constant operand {kin} of {n.op_type} "
                                            f"'{name}' as the importer rewrote it")
                    continue
                arr = consts[inputs[kin]].astype(np.float32)
                if arr.size != 1 and p.per_channel:
                    res.internal[p.name] = "per-channel constant operand"
                    continue
                if p.per_channel:
                    p = _as_tensor(p)
                inputs[kin] = dq_const(inputs[kin], arr, p, None, "qsim")
            elif p.kind == "weight" or p.kind == "bias":
                res.internal[p.name] = f"a constant inside {n.op_type} '{name}'"
        # Bias of a conv/gemm whose input and weight are quantized: int32.
        wp = points.get(f"{name}.weight")
        xp = qscale.get(inputs[0]) if inputs else None
        if (n.op_type in ("Conv", "Gemm") and wp is not None and xp is not None
                and len(inputs) > 2 and inputs[2] in consts and xp.scales
                and len(xp.scales) == 1):
            b = consts[inputs[2]].astype(np.float64).reshape(-1)
            ws = np.asarray(wp.scales, np.float32)
            bs = (np.float32(xp.scales[0]) * ws).astype(np.float32)
            if bs.size == 1:
                bs = np.full(b.shape, bs[0], np.float32) if wp.per_channel else bs
            q = np.rint(b / bs.astype(np.float64))
            if np.any(np.abs(q) > 2**31 - 1):
                raise ExportError(f"node '{name}': bias does not fit int32 at scale "
                                  f"input scale * weight scale")
            base = f"{inputs[2]}/qsim"
            axis = {"axis": 0} if bs.size > 1 else {}
            qn = add_init(f"{base}/quantized", q.astype(np.int32))
            sn = add_init(f"{base}/scale", bs if bs.size > 1 else bs.reshape(()))
            zn = add_init(f"{base}/zero_point", np.zeros(bs.shape if bs.size > 1 else (),
                                                         np.int32))
            new_nodes.append(helper.make_node("DequantizeLinear", [qn, sn, zn],
                                              [f"{base}/dequantized"],
                                              name=f"{base}/DequantizeLinear", **axis))
            res.biases[inputs[2]] = [float(v) for v in bs.reshape(-1)]
            replaced.add(inputs[2])
            inputs[2] = f"{base}/dequantized"
        # The node's output: its last activation point.
        acts = [p for p in own if p.kind in ("input", "activation")]
        outs = list(n.output)
        if k in folded:
            outs = list(nodes[folded[k]].output[:1])
        final = acts[-1] if acts else None
        for p in acts[:-1]:
            res.internal[p.name] = f"inside {n.op_type} '{name}'"
        if final is not None and final.per_channel:
            raise ExportError(f"point '{final.name}' is per channel: activations are "
                              f"written per tensor")
        if final is not None and (len(outs) != 1 and any(
                o and (o in consumers or o in graph_outputs) for o in outs[1:])):
            raise ExportError(f"node '{name}' ({n.op_type}) has several outputs in use: "
                              f"its point '{final.name}' is ambiguous")
        new = helper.make_node(n.op_type, inputs, outs, name=n.name, domain=n.domain)
        new.attribute.extend(n.attribute)
        new.doc_string = n.doc_string
        if final is not None:
            t = outs[0]
            outs[0] = f"{t}/qsim_float"
            del new.output[:]
            new.output.extend(outs)
            new_nodes.append(new)
            tp, npt, _, _ = _qtype(final)
            base = f"{t}/qsim"
            sn = add_init(f"{base}/scale", np.float32(final.scales[0]))
            zn = add_init(f"{base}/zero_point", np.array(final.zero_points[0], npt))
            new_nodes.append(helper.make_node("QuantizeLinear", [outs[0], sn, zn],
                                              [f"{base}/quantized"],
                                              name=f"{base}/QuantizeLinear"))
            new_nodes.append(helper.make_node("DequantizeLinear",
                                              [f"{base}/quantized", sn, zn], [t],
                                              name=f"{base}/DequantizeLinear"))
            res.mapped[final.name] = t
            qscale[t] = final
        else:
            new_nodes.append(new)

    unmapped = [p.name for p in points.values()
                if p.name not in res.mapped and p.name not in res.internal]
    for p in unmapped:
        res.internal[p] = "no ONNX node of that name (an op the importer added)"
    del g.node[:]
    g.node.extend(new_nodes)
    used = {i for n in new_nodes for i in n.input} | {o.name for o in g.output}
    keep = [i for i in g.initializer if i.name not in replaced or i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    # Constant nodes whose value was quantized into an initializer.
    live = [n for n in g.node if not (n.op_type == "Constant" and n.output[0] in replaced
                                      and n.output[0] not in used)]
    del g.node[:]
    g.node.extend(live)
    # Keep the file self-describing.
    m.producer_name = "qsim export-onnx"
    return res


def _attr(n, name: str, default):
    from onnx import helper
    for a in n.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _as_tensor(p: QPoint) -> QPoint:
    return QPoint(p.name, p.kind, p.order, p.bits, p.signed, p.scales[:1],
                  p.zero_points[:1], None, p.pow2, p.rounding)


def _fold(bn, w: np.ndarray, b: Optional[np.ndarray], consts, where: str
          ) -> Tuple[np.ndarray, np.ndarray]:
    """The Conv weight and bias with ``bn`` folded in, as the importer
    folds them (float64 arithmetic, ``var + eps`` rounded in float32)."""
    try:
        gamma, beta, mean, var = (consts[i].astype(np.float64).reshape(-1)
                                  for i in bn.input[1:5])
    except KeyError as e:
        raise ExportError(f"node '{where}': the BatchNormalization after it has a "
                          f"non-constant parameter {e}") from None
    eps = float(_attr(bn, "epsilon", 1e-5))
    denom = np.sqrt((var.astype(np.float32) + np.float32(eps)).astype(np.float64))
    scale = gamma / denom
    shift = beta - mean * scale
    wc = (w.astype(np.float64) * scale.reshape(-1, *([1] * (w.ndim - 1)))).astype(np.float32)
    bias = ((b.astype(np.float64) if b is not None else np.zeros(len(scale))) * scale
            + shift).astype(np.float32)
    return wc, bias
