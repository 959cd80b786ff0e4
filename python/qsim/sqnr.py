"""Per-layer SQNR of an int8 model against its float model.

For every quantized op ``P`` of ``--qsim-annotate``'s report whose output
point ``P.out`` exists, the SQNR of the int8 model's value there against
the float model's, over all elements of ``n`` images::

    SQNR(P) = 10 log10( sum f^2 / sum (f - q)^2 )   [dB]

``f`` is the float model's tensor, ``q`` the int8 model's int8 tensor
dequantized with the point's scale and zero point.  Errors accumulate along
the network (every layer sees the int8 model's own inputs), as in the
deployed model.  A layer whose error is zero or below 1e-12 of its signal
reads ``MAX_DB`` (120 dB), so every value is finite.

How the tensors are obtained: ``--qsim-expose-points`` (python/qsim/points.py)
returns every input/activation point's value as an extra function result,

* float: of the annotated module (``--qsim-annotate`` with the options of
  ``qsim quantize``), ``value=float``: the markers' operands, the float
  model's own tensors (the markers lower to identities);
* int8: of the calibrated module (after ``--qsim-fuse-lut``),
  ``value=quantized``, before ``--qsim-realize``: realization dequantizes the integer value of each
  point into its extra result, so the int8 module returns the integer
  program's value at ``P.out`` (an op left in float returns its simulated
  quantized value).

Then the int8 module goes through the rest of the ``qsim quantize`` passes
(realize, canonicalize, cse, convert-qsim-to-linalg, canonicalize); both are
lowered with ``--qsim-cpu-pipeline`` and run by ``qsim-run`` batch by batch;
the sums are accumulated in numpy.  Its first result is the int8 model's
logits, which :func:`measure` returns, so a caller can check that the extra
results changed nothing; every original result of both modules comes back
too (``SqnrResult.float_outputs`` / ``int8_outputs``).

Any model ``qsim import-onnx`` takes works: several inputs (one array per
argument), integer inputs, a batch fixed by the model (``import_fn`` imports
the module at the requested batch where the model lets it; the module's own
batch is used).

A reported point that is missing from either module's manifest is skipped
and listed in ``SqnrResult.skipped``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import evaluate, points, tools

__all__ = ["MAX_DB", "LayerSqnr", "SqnrResult", "measure", "format_worst",
           "plot", "sqnr_db"]

#: SQNR reported when the noise is zero or negligible (< 1e-12 of the signal).
MAX_DB = 120.0

#: Categories left out of the ranking and the plot: they move int8 values
#: without arithmetic, so their SQNR repeats their input's.
MOVE_CATEGORIES = ("reshape",)

def sqnr_db(signal: float, noise: float) -> float:
    """``10 log10(signal / noise)``, ``MAX_DB`` when the noise is (nearly) 0."""
    if noise <= signal * 1e-12:
        return MAX_DB
    return float(min(MAX_DB, 10.0 * np.log10(signal / noise)))


@dataclass
class LayerSqnr:
    point: str            # the op's point name (its ONNX node)
    op: str               # e.g. tosa.conv2d
    category: str         # the annotate report's category (conv, add, ...)
    shape: Tuple[int, ...]
    signal: float = 0.0   # sum f^2
    noise: float = 0.0    # sum (f - q)^2

    @property
    def db(self) -> float:
        return sqnr_db(self.signal, self.noise)

    def as_dict(self) -> dict:
        return {"point": self.point, "op": self.op, "category": self.category,
                "sqnr_db": self.db}


@dataclass
class SqnrResult:
    layers: List[LayerSqnr]          # network order, MOVE_CATEGORIES left out
    images: int
    int8_logits: np.ndarray          # first result of the instrumented int8 module
    float_logits: np.ndarray
    skipped: List[str] = field(default_factory=list)
    # Every result of the model (the first is the *_logits above).
    float_outputs: List[np.ndarray] = field(default_factory=list)
    int8_outputs: List[np.ndarray] = field(default_factory=list)

    def worst(self, k: int = 5) -> List[LayerSqnr]:
        """The ``k`` layers of lowest SQNR, worst first (ties: network order)."""
        order = sorted(range(len(self.layers)), key=lambda i: (self.layers[i].db, i))
        return [self.layers[i] for i in order[:k]]


# ---------------------------------------------------------------------------
# The points to measure
# ---------------------------------------------------------------------------


def _report_points(report: Path) -> List[Tuple[str, str, str]]:
    """``(point, op, category)`` of the quantized ops with an output marker."""
    out = []
    for fn in json.loads(report.read_text()).get("functions", []):
        for op in fn.get("ops", []):
            if op.get("status") == "quantized" and f"{op['point']}.out" in op.get("markers", []):
                out.append((op["point"], op["op"], op.get("category", "")))
    return out


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def _opt(src: Path, args: Sequence[str], dst: Path) -> str:
    tools.run_tool("qsim-opt", [str(src), *args, "-o", str(dst)], timeout=1800)
    return dst.read_text()


def _split_top(text: str) -> List[str]:
    """``text`` split at the commas outside braces and parentheses."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "{(":
            depth += 1
        elif c in "})":
            depth -= 1
        elif c == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    return out + ([tail] if tail else [])


def expand_passes(passes: Sequence[str]) -> List[str]:
    """The module passes that the qsim-opt arguments ``passes`` run (a
    pipeline such as ``--qsim-quantize=...`` expanded), each in the textual
    pipeline syntax with all its options, as ``--dump-pass-pipeline``
    prints them."""
    opt = tools.qsim_opt()
    if opt is None:
        raise FileNotFoundError(f"qsim-opt not found in {tools.build_dir() / 'bin'}")
    # The pipeline is printed on stderr.
    proc = subprocess.run([str(opt), "-", *passes, "--dump-pass-pipeline", "-o",
                           os.devnull], input="module {}\n", capture_output=True,
                          text=True)
    # The pipeline is printed before it runs; running it on the empty module
    # may fail (e.g. a table that does not exist yet), which does not matter.
    m = re.search(r"^builtin\.module\((.*?)^\)$", proc.stderr, re.S | re.M)
    if m is None:
        raise tools.ToolError([str(opt), *passes, "--dump-pass-pipeline"],
                              proc.returncode, proc.stdout, proc.stderr)
    return _split_top(m.group(1))


#: Passes of --qsim-quantize that rewrite calibrated IR before qsim-realize.
CALIBRATED_PASSES = ("qsim-fuse-lut",)
#: Passes that rewrite the float module before qsim-annotate (both sides of
#: the measurement then start from their result).
FLOAT_PASSES = ("qsim-smooth-activations",)


def _pipeline(stages: Sequence[str]) -> str:
    return f"--pass-pipeline=builtin.module({','.join(stages)})"


def measure(onnx_path: Path, x, passes: Sequence[str], workdir: Path,
            batch: int = 256, include_moves: bool = False,
            import_fn: Optional[Callable[[int], str]] = None) -> SqnrResult:
    """Per-layer SQNR of the int8 model that ``passes`` (the qsim-opt
    arguments :func:`qsim.quantize.quantize_pipeline` returns) make of
    ``onnx_path``, on the samples ``x``: one array ``(N, ...)``, or a list
    of them, one per argument of the module.

    ``import_fn(batch)`` returns the float module's text imported at
    ``batch`` (default: ``evaluate.import_model``, one input, dynamic
    batch); a module with a batch of its own runs in calls of that batch.
    ``passes`` is expanded by ``qsim-opt --dump-pass-pipeline`` (see
    :func:`expand_passes`); its first passes must be qsim-annotate,
    qsim-calibrate, optionally qsim-fuse-lut, and qsim-realize (after
    float rewrites such as qsim-smooth-activations, which both sides of the
    measurement run), and the
    measurement exposes the points (``--qsim-expose-points``) just before
    realize (the points inside a chain that a table lookup replaced are
    skipped).  The report is written to
    ``workdir/sqnr.report.json`` instead of the annotate pass's.
    """
    from .calibdata import parse_signature

    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    workdir.mkdir(parents=True, exist_ok=True)
    stages = expand_passes(passes)
    names = [p.split("{")[0] for p in stages]
    # annotate, calibrate, the passes that rewrite calibrated IR before
    # realize (qsim-fuse-lut), realize, then the rest.
    a = next((i for i, nm in enumerate(names) if nm not in FLOAT_PASSES), len(names))
    pre, stages, names = stages[:a], stages[a:], names[a:]
    r = names.index("qsim-realize") if "qsim-realize" in names else -1
    if not (names[:2] == ["qsim-annotate", "qsim-calibrate"] and r >= 2
            and all(n in CALIBRATED_PASSES for n in names[2:r])):
        raise ValueError(f"unexpected passes: {(pre + stages)[:a + (r + 1 if r >= 0 else 3)]}")
    n = len(xs[0])
    batch = max(1, min(batch, n))
    report = workdir / "sqnr.report.json"
    ann = stages[0]
    if re.search(r"\breport=", ann):
        ann = re.sub(r"\breport=[^\s}]*", f"report={report}", ann)
    else:
        ann = (ann[:-1] + f" report={report}}}" if ann.endswith("}")
               else f"{ann}{{report={report}}}")

    fmlir = workdir / "sqnr.float.mlir"
    if import_fn is None:
        evaluate.import_model(onnx_path, batch, fmlir)
    else:
        fmlir.write_text(import_fn(batch))
    sig_args, sig_results, _ = parse_signature(fmlir.read_text())
    if len(sig_args) != len(xs):
        raise ValueError(f"the module takes {len(sig_args)} arguments, got {len(xs)} arrays")
    batch = sig_args[0][0][0]
    nres = len(sig_results)
    annotated = workdir / "sqnr.annotated.mlir"
    _opt(fmlir, [_pipeline([*pre, ann])], annotated)
    fman, qman = workdir / "sqnr.float.points.json", workdir / "sqnr.int8.points.json"
    fsrc = workdir / "sqnr.float.out.mlir"
    _opt(annotated, [_pipeline([points.expose_pass("float", fman)])], fsrc)
    qint = workdir / "sqnr.int8.out.mlir"
    _opt(annotated, [_pipeline([*stages[1:r], points.expose_pass("quantized", qman),
                                *stages[r:]])], qint)
    fpoints, qpoints = points.read_manifest(fman), points.read_manifest(qman)
    fby, qby = fpoints.by_name(), qpoints.by_name()

    layers: List[LayerSqnr] = []
    columns: List[Tuple[int, int]] = []   # (float result, int8 result)
    skipped: List[str] = []
    for point, op, cat in _report_points(report):
        if cat in MOVE_CATEGORIES and not include_moves:
            continue
        fp, qp = fby.get(f"{point}.out"), qby.get(f"{point}.out")
        if fp is None or qp is None:
            skipped.append(point)
            continue
        layers.append(LayerSqnr(point, op, cat, qp.shape))
        columns.append((fp.result, qp.result))

    lowered = []
    for name, src, man in (("float", fsrc, fpoints), ("int8", qint, qpoints)):
        low = workdir / f"sqnr.{name}.llvm.mlir"
        _opt(src, ["--qsim-cpu-pipeline"], low)
        lowered.append((low, man.total_results))

    results: Dict[str, List[List[np.ndarray]]] = {"float": [[] for _ in range(nres)],
                                                   "int8": [[] for _ in range(nres)]}
    run = workdir / "sqnr.run"
    for _, m, inputs in points.batches(sig_args, xs):
        fo, qo = [[o[:m] for o in points.run_module(low, nout, inputs, run)]
                  for low, nout in lowered]
        for j in range(nres):
            results["float"][j].append(fo[j])
            results["int8"][j].append(qo[j])
        for layer, (fj, qj) in zip(layers, columns):
            f = fo[fj].astype(np.float64)
            q = qo[qj].astype(np.float64)
            layer.signal += float(np.sum(f * f))
            layer.noise += float(np.sum((f - q) ** 2))
    fouts = [np.concatenate(r) for r in results["float"]]
    qouts = [np.concatenate(r) for r in results["int8"]]
    return SqnrResult(layers, n, qouts[0], fouts[0], skipped, fouts, qouts)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def format_worst(res: SqnrResult, k: int = 5, what: str = "test images") -> str:
    lines = [f"worst {min(k, len(res.layers))} of {len(res.layers)} layers by SQNR "
             f"(float vs int8 outputs, {res.images} {what}):"]
    w = max([len(l.point) for l in res.worst(k)] + [5])
    for l in res.worst(k):
        lines.append(f"  {l.point:<{w}}  {l.op:<16} {l.db:7.2f} dB")
    if res.skipped:
        lines.append(f"  (not measured: {', '.join(res.skipped)})")
    return "\n".join(lines)


def plot(res: SqnrResult, path: Path, title: str = "", k: int = 5) -> Path:
    """A bar chart of the SQNR of every layer in network order, the ``k``
    worst in red; PNG, deterministic (Agg, no timestamp metadata)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    worst = {id(l) for l in res.worst(k)}
    names = [l.point for l in res.layers]
    vals = [l.db for l in res.layers]
    colors = ["#d62728" if id(l) in worst else "#1f77b4" for l in res.layers]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.32 * len(names) + 2.0), 4.8), dpi=100)
    ax.bar(range(len(vals)), vals, color=colors)
    ax.set_xticks(range(len(vals)))
    ax.set_xticklabels(names, rotation=75, ha="right", fontsize=7)
    ax.set_ylabel("SQNR (dB)")
    ax.set_xlabel(f"quantized layer output (network order; red: the {len(worst)} worst)")
    ax.set_title(title or f"per-layer SQNR, float vs int8, {res.images} samples",
                 fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
    return path
