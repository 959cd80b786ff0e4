"""Values of quantization points as function results, and running them.

``qsim-opt --qsim-expose-points`` appends the values of a module's
quantization points to its function's results (after the function's own,
ordered by point name) and writes a manifest (JSON, schema
``qsim-exposed-points/1``) that says which result holds which point, with
the point's quantization parameters when the values are the quantized ones.
This module builds that pass's pipeline element, reads the manifest, and
runs a lowered module on samples batch by batch with ``qsim-run``; the
per-layer SQNR (:mod:`qsim.sqnr`) and the realization check
(:mod:`qsim.check_realize`) are built on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from . import tools

__all__ = ["SCHEMA", "ExposedPoint", "Manifest", "expose_pass", "read_manifest",
           "batches", "run_module"]

SCHEMA = "qsim-exposed-points/1"


@dataclass
class ExposedPoint:
    name: str
    kind: str
    result: int                     # index among the function's results
    argument: Optional[int]         # index among its arguments (feed only)
    order: int                      # position in program order
    type: str                       # e.g. tensor<1x8x8x4xf32>
    # Quantization parameters (value=quantized only).
    bits: Optional[int] = None
    signed: Optional[bool] = None
    scales: List[float] = field(default_factory=list)
    zero_points: List[int] = field(default_factory=list)
    axis: Optional[int] = None

    @property
    def shape(self) -> Tuple[int, ...]:
        return tools.parse_tensor_type(self.type)[0]

    def to_int(self, values: np.ndarray) -> np.ndarray:
        """The integers (int64) of dequantized ``values`` of this point:
        ``round(v / scale) + zero_point`` per channel.  Exact for values on
        the point's grid (``fl32((q - zp) * s)``, |q| < 2^23)."""
        if not self.scales:
            raise ValueError(f"point '{self.name}' has no quantization parameters")
        v = np.asarray(values, dtype=np.float64)
        shape = [1] * v.ndim
        if self.axis is not None:
            # Batched results keep the module's own rank.
            shape[self.axis] = len(self.scales)
        s = np.asarray(self.scales, dtype=np.float64).reshape(shape)
        zp = np.asarray(self.zero_points, dtype=np.int64).reshape(shape)
        return np.rint(v / s).astype(np.int64) + zp


@dataclass
class Manifest:
    function: str
    results: int                    # the function's own results
    arguments: int                  # the function's own arguments
    points: List[ExposedPoint]      # result order
    value: str                      # float or quantized
    feed: bool                      # points read from new arguments

    def by_name(self) -> Dict[str, ExposedPoint]:
        return {p.name: p for p in self.points}

    @property
    def total_results(self) -> int:
        return self.results + len(self.points)


def expose_pass(value: str, manifest: Path, points: Sequence[str] = (),
                feed: bool = False) -> str:
    """The ``--pass-pipeline`` element of ``--qsim-expose-points``: every
    input/activation point, or ``points``, at ``value`` (float or
    quantized), with its manifest written to ``manifest``; with ``feed``,
    the points' uses read new arguments."""
    opts = [f"value={value}", f"manifest={manifest}"] + (["feed"] if feed else [])
    if points:
        bad = [p for p in points if any(c in p for c in ",{}\" '")]
        if bad:
            raise ValueError(f"point names with a comma, brace, quote or space cannot "
                             f"be listed in the pass options: {bad}")
        opts.append(f"points={','.join(points)}")
    return f"qsim-expose-points{{{' '.join(opts)}}}"


def read_manifest(path: Path) -> Manifest:
    """The manifest of a module with one function holding points."""
    data = json.loads(Path(path).read_text())
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: not a {SCHEMA} manifest "
                         f"(schema {data.get('schema')!r})")
    funcs = data["functions"]
    if len(funcs) != 1:
        raise ValueError(f"{path}: points in {len(funcs)} functions "
                         f"({', '.join(f['name'] for f in funcs) or 'none'}); "
                         "expected exactly one")
    f = funcs[0]
    points = []
    for p in f["points"]:
        params = p.get("params") or {}
        points.append(ExposedPoint(
            p["name"], p["kind"], p["result"], p.get("argument"), p["order"], p["type"],
            params.get("bits"), params.get("signed"), list(params.get("scales", [])),
            list(params.get("zero_points", [])), params.get("axis")))
    return Manifest(f["name"], f["results"], f["arguments"], points, data["value"],
                    data["feed"])


def batches(args: Sequence[Tuple[Tuple[int, ...], str]], xs: Sequence[np.ndarray]
            ) -> Iterator[Tuple[int, int, List[np.ndarray]]]:
    """The samples ``xs`` (one array ``(N, ...)`` per argument of signature
    ``args``, as :func:`qsim.calibdata.parse_signature` gives them) in
    batches of the module's batch: ``(start, m, arrays)`` with ``m`` real
    samples, the last batch padded with zeros."""
    batch = args[0][0][0]
    for i in range(0, len(xs[0]), batch):
        arrays = []
        m = 0
        for (shape, elt), xk in zip(args, xs):
            xb = np.asarray(xk[i:i + batch])
            if elt == "f32":
                xb = xb.astype(np.float32, copy=False)
            m = len(xb)
            if m < batch:
                xb = np.concatenate([xb, np.zeros((batch - m, *xb.shape[1:]), xb.dtype)])
            arrays.append(np.ascontiguousarray(xb))
        yield i, m, arrays


def run_module(lowered: Path, results: int, inputs: Sequence[np.ndarray],
               workdir: Path) -> List[np.ndarray]:
    """The ``results`` results of one qsim-run call of the lowered module on
    ``inputs`` (one array per argument, exactly its type's shape)."""
    workdir.mkdir(parents=True, exist_ok=True)
    xins = [workdir / f"in{k}.npy" for k in range(len(inputs))]
    for a, path in zip(inputs, xins):
        np.save(path, a)
    files = [workdir / f"out{j}.npy" for j in range(results)]
    tools.run_tool("qsim-run", [str(lowered), *[f"--input={p}" for p in xins],
                                *[f"--output={f}" for f in files]], timeout=1800)
    return [np.load(f) for f in files]
