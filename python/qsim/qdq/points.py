"""The calibrated quantization points of a module, read from its IR.

After ``--qsim-calibrate`` every point is a ``qsim.sim_quantize`` op with
fixed ``#qsim.params`` and the point's name (``point = "..."``).  The names
come from the ONNX importer: each op it emits is located at the importer's
name of the ONNX node it comes from (the node's name, else its first output,
else ``node<k>``; a repeated name gets ``_1``, ``_2``, ...), and
``--qsim-annotate`` names a point ``<node>.out`` (the op's result),
``<node>.weight``/``<node>.bias`` (a conv or matmul constant),
``<node>.in<k>`` (a constant operand of an elementwise op), or
``<node>/<tag>.out`` for ops the importer adds inside one node (a layout
transpose, a crop, Gemm's bias add).  :mod:`qsim.qdq.export` maps these
names back to the ONNX tensors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from .. import sqnr, tools

__all__ = ["QPoint", "parse_points", "calibrated_module", "onnx_node_names"]


@dataclass
class QPoint:
    name: str
    kind: str                   # input, activation, weight, bias
    order: int                  # position in program order
    bits: int
    signed: bool
    scales: List[float]
    zero_points: List[int]
    axis: Optional[int] = None  # per-channel axis in the module's layout
    pow2: bool = False
    rounding: str = "half_to_even"

    @property
    def per_channel(self) -> bool:
        return self.axis is not None


_OP = re.compile(r'"qsim\.sim_quantize"\(%[^)]*\)\s*<\{(?P<attrs>.*?)\}>\s*:')
_PARAMS = re.compile(r"#qsim\.params<(?P<body>[^>]*)>")
_NUM = r"[-+0-9.eE]+|inf|-inf|nan"


def _list(text: str) -> List[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _parse_params(body: str, where: str) -> dict:
    m = re.match(r"\s*([su])(\d+)\s*(?:,|$)", body)
    if m is None:
        raise ValueError(f"{where}: unreadable #qsim.params<{body}>")
    out = {"signed": m.group(1) == "s", "bits": int(m.group(2)), "axis": None,
           "pow2": bool(re.search(r"(^|,)\s*pow2\s*(,|$)", body))}
    rest = body[m.end():]
    scales = re.search(r"\bscales\s*=\s*\[([^\]]*)\]", rest)
    scale = re.search(rf"\bscale\s*=\s*({_NUM})", rest)
    zps = re.search(r"\bzero_points\s*=\s*\[([^\]]*)\]", rest)
    zp = re.search(r"\bzero_point\s*=\s*(-?\d+)", rest)
    axis = re.search(r"\baxis\s*=\s*(\d+)", rest)
    if scales:
        out["scales"] = [float(s) for s in _list(scales.group(1))]
    elif scale:
        out["scales"] = [float(scale.group(1))]
    else:
        raise ValueError(f"{where}: #qsim.params<{body}> has no scale")
    if zps:
        out["zero_points"] = [int(z) for z in _list(zps.group(1))]
    else:
        out["zero_points"] = [int(zp.group(1)) if zp else 0] * len(out["scales"])
    if axis:
        out["axis"] = int(axis.group(1))
    if len(out["zero_points"]) != len(out["scales"]):
        raise ValueError(f"{where}: {len(out['scales'])} scales but "
                         f"{len(out['zero_points'])} zero points")
    return out


def parse_points(text: str, where: str = "module") -> Dict[str, QPoint]:
    """Every ``qsim.sim_quantize`` of a module printed in the generic form
    (``-mlir-print-op-generic``), by point name, in program order."""
    points: Dict[str, QPoint] = {}
    for m in _OP.finditer(text):
        attrs = m.group("attrs")
        name = re.search(r'\bpoint\s*=\s*"((?:[^"\\]|\\.)*)"', attrs)
        kind = re.search(r"\bkind\s*=\s*#qsim<kind\s+(\w+)>", attrs)
        params = _PARAMS.search(attrs)
        rounding = re.search(r"\brounding\s*=\s*#qsim<rounding\s+(\w+)>", attrs)
        if name is None or kind is None or params is None:
            raise ValueError(f"{where}: a qsim.sim_quantize without point, kind or "
                             f"params: {attrs[:200]}")
        p = _parse_params(params.group("body"), f"{where}: point '{name.group(1)}'")
        if name.group(1) in points:
            raise ValueError(f"{where}: point '{name.group(1)}' appears twice")
        points[name.group(1)] = QPoint(name.group(1), kind.group(1), len(points),
                                       p["bits"], p["signed"], p["scales"],
                                       p["zero_points"], p["axis"], p["pow2"],
                                       rounding.group(1) if rounding else "half_to_even")
    if not points:
        raise ValueError(f"{where}: no qsim.sim_quantize ops (is it a calibrated "
                         f"module, printed with -mlir-print-op-generic?)")
    return points


def calibrated_module(float_mlir: Path, passes: Sequence[str], out: Path) -> Dict[str, QPoint]:
    """The float module ``float_mlir`` through the first two passes of
    ``passes`` (qsim-opt arguments as :func:`qsim.quantize.quantize_pipeline`
    returns them: qsim-annotate, qsim-calibrate), written to ``out`` in the
    generic form, and its points."""
    stages = sqnr.expand_passes(passes)
    names = [p.split("{")[0] for p in stages[:2]]
    if names != ["qsim-annotate", "qsim-calibrate"]:
        raise ValueError(f"expected qsim-annotate, qsim-calibrate first, got {names}")
    tools.run_tool("qsim-opt", [str(float_mlir), sqnr._pipeline(stages[:2]),
                                "-mlir-print-op-generic", "-o", str(out)], timeout=1800)
    return parse_points(Path(out).read_text(), str(out))


def onnx_node_names(graph) -> List[str]:
    """The importer's name of each node of ``graph`` (the prefix of its
    points' names): as python/qsim/onnx_import/emitter.py names them."""
    used: Dict[str, int] = {}
    out = []
    for k, n in enumerate(graph.node):
        base = n.name or (n.output[0] if n.output else f"node{k}")
        c = used.get(base, 0)
        used[base] = c + 1
        out.append(base if c == 0 else f"{base}_{c}")
    return out
