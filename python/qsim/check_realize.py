"""Check a realized integer model against its simulation, point by point.

``--qsim-realize`` promises that the integer program computes, at every
quantization point, the integers that the calibrate stage's
``qsim.sim_quantize`` simulates (docs/Overview.md, "One requantize
formula"; docs/Numerics.md for the integer semantics).  The simulation
computes in float32 what the integer program computes exactly (the sums of
a convolution, the product of two scales), so at a rounding tie the two may
land on neighbouring integers: the contract is equality up to
``tolerance`` steps of the point's integer grid, 1 by default (0 demands
bit-for-bit equality).

How: the calibrated module through the rest of the quantize pipeline
(``--qsim-realize``, canonicalize, ...) with every input/activation point
as an extra result (``--qsim-expose-points value=quantized``,
python/qsim/points.py) is the realized form: its extra results are the
dequantized integers at the points.  The calibrated module with the same
points exposed and fed (``feed``: each point's consumers read a new
argument) is the simulated form: given the realized values of the points,
it computes each point from the realized values of the points before it,
so every point is checked on its own and a difference does not grow
along the network.  Both are lowered with ``--qsim-cpu-pipeline`` and run
by ``qsim-run`` on the same samples (the realized form first, its points
then feed the simulated form); each point's values are mapped back to
integers with its scale and zero point and compared.  The first point in
program order whose integers differ by more than ``tolerance`` is reported,
with the first such element (sample and index), both integers and both
float values.

``qsim check-realize MODEL.mlir --data X.npy`` runs it from the command
line; as ``diff``, it exits with 0 when every point keeps the contract, 1
when one breaks it, 2 on bad input or a failing tool.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import calibdata, points, sqnr, tools

__all__ = ["PointCheck", "Mismatch", "CheckResult", "prepare", "compare", "check",
           "add_arguments", "run"]


@dataclass
class PointCheck:
    point: str
    elements: int = 0
    max_diff: int = 0          # in steps of the integer grid
    differing: int = 0         # elements whose integers differ at all
    beyond: int = 0            # elements that differ by more than the tolerance


@dataclass
class Mismatch:
    point: str
    batch_start: int           # first sample of the qsim-run call
    index: Tuple[int, ...]     # in the point's tensor (the module's shape)
    simulated: int
    realized: int
    simulated_value: float
    realized_value: float

    def describe(self) -> str:
        return (f"point '{self.point}' at index {list(self.index)} of the batch from "
                f"sample {self.batch_start}: simulated "
                f"{self.simulated} ({self.simulated_value!r}), realized {self.realized} "
                f"({self.realized_value!r})")


@dataclass
class CheckResult:
    points: List[PointCheck]               # program order
    samples: int
    tolerance: int
    first: Optional[Mismatch] = None       # first point beyond the tolerance
    first_difference: Optional[Mismatch] = field(default=None)  # first at all

    @property
    def ok(self) -> bool:
        return self.first is None

    def as_dict(self) -> dict:
        def mm(m: Optional[Mismatch]):
            return None if m is None else {
                "point": m.point, "batch_start": m.batch_start, "index": list(m.index), "simulated": m.simulated,
                "realized": m.realized, "simulated_value": m.simulated_value,
                "realized_value": m.realized_value}
        return {"ok": self.ok, "samples": self.samples, "tolerance": self.tolerance,
                "first_mismatch": mm(self.first),
                "first_difference": mm(self.first_difference),
                "points": [vars(p) for p in self.points]}


def prepare(float_mlir: Path, passes: Sequence[str], workdir: Path
            ) -> Tuple[Path, Path, Path, Path]:
    """The simulated and the realized form of the float module
    ``float_mlir`` quantized by ``passes`` (qsim-opt arguments as
    :func:`qsim.quantize.quantize_pipeline` returns them, whose first
    passes are qsim-annotate, qsim-calibrate, optionally qsim-fuse-lut,
    then qsim-realize), both with
    every input/activation point exposed (see the module doc):
    ``(simulated.mlir, simulated manifest, realized.mlir, realized
    manifest)`` in ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    stages = sqnr.expand_passes(passes)
    names = [p.split("{")[0] for p in stages]
    # The passes that rewrite calibrated IR (qsim-fuse-lut) belong to the
    # simulated form: both forms then hold the same points.
    r = names.index("qsim-realize") if "qsim-realize" in names else -1
    if not (names[:2] == ["qsim-annotate", "qsim-calibrate"] and r >= 2
            and all(n in sqnr.CALIBRATED_PASSES for n in names[2:r])):
        raise ValueError(f"expected qsim-annotate, qsim-calibrate, optionally "
                         f"{', '.join(sqnr.CALIBRATED_PASSES)}, then qsim-realize, "
                         f"got {names[:r + 1 if r >= 0 else 3]}")
    calibrated = workdir / "calibrated.mlir"
    tools.run_tool("qsim-opt", [str(float_mlir), sqnr._pipeline(stages[:r]),
                                "-o", str(calibrated)], timeout=1800)
    out = []
    # The realized form in the generic form: the custom printers of
    # qsim.mul/add shorten their f64 scales, and the verifier wants them
    # exact when the text is read back.
    for name, feed, rest in (("simulated", True, []), ("realized", False, stages[r:])):
        manifest = workdir / f"{name}.points.json"
        path = workdir / f"{name}.mlir"
        tools.run_tool("qsim-opt", [str(calibrated), sqnr._pipeline(
            [points.expose_pass("quantized", manifest, feed=feed), *rest]),
            *(["-mlir-print-op-generic"] if rest else []), "-o", str(path)],
            timeout=1800)
        out += [path, manifest]
    return out[0], out[1], out[2], out[3]


def compare(simulated: Path, simulated_manifest: Path, realized: Path,
            realized_manifest: Path, xs: Sequence[np.ndarray], workdir: Path,
            tolerance: int = 1) -> CheckResult:
    """Runs both forms on the samples ``xs`` (one array ``(N, ...)`` per
    argument of the model) and compares their points (see the module
    doc)."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, not {tolerance}")
    workdir.mkdir(parents=True, exist_ok=True)
    sman, rman = points.read_manifest(simulated_manifest), points.read_manifest(realized_manifest)
    if not sman.feed or rman.feed:
        raise ValueError("the simulated form must feed its points, the realized one not")
    if [p.name for p in sman.points] != [p.name for p in rman.points]:
        raise ValueError(f"the two forms expose different points: "
                         f"{sorted(set(p.name for p in sman.points) ^ set(p.name for p in rman.points))}")
    # The simulated form's own arguments are the model's (the realized form
    # is printed in the generic form, which parse_signature does not read).
    rargs = calibdata.parse_signature(Path(simulated).read_text())[0][:sman.arguments]
    if len(rargs) != len(xs):
        raise ValueError(f"the module takes {len(rargs)} arguments, got {len(xs)} arrays")
    lowered = {}
    for name, src, man in (("simulated", simulated, sman), ("realized", realized, rman)):
        low = workdir / f"{name}.llvm.mlir"
        tools.run_tool("qsim-opt", [str(src), "--qsim-cpu-pipeline", "-o", str(low)],
                       timeout=1800)
        lowered[name] = (low, man.total_results)
    checks = {p.name: PointCheck(p.name) for p in sman.points}
    order = sorted(sman.points, key=lambda p: p.order)
    first: Dict[str, Mismatch] = {}        # per point: first beyond the tolerance
    first_diff: Dict[str, Mismatch] = {}   # per point: first difference
    run = workdir / "run"
    for start, m, inputs in points.batches(rargs, xs):
        low, nout = lowered["realized"]
        ro = points.run_module(low, nout, inputs, run)
        # The realized points are the simulated form's extra arguments, in
        # the same (name) order; padding samples are computed and compared
        # like real ones (zeros are inputs too).
        low, nout = lowered["simulated"]
        so = points.run_module(low, nout, [*inputs, *(ro[p.result] for p in rman.points)],
                               run)
        for p in order:
            sv, rv = so[p.result], ro[p.result]
            sq, rq = p.to_int(sv), p.to_int(rv)
            d = np.abs(sq - rq)
            c = checks[p.name]
            c.elements += int(d.size)
            c.max_diff = max(c.max_diff, int(d.max(initial=0)))
            c.differing += int(np.count_nonzero(d))
            c.beyond += int(np.count_nonzero(d > tolerance))
            for store, mask in ((first_diff, d > 0), (first, d > tolerance)):
                if p.name in store or not mask.any():
                    continue
                idx = np.unravel_index(int(np.argmax(mask)), d.shape)
                store[p.name] = Mismatch(p.name, start, tuple(int(i) for i in idx),
                                         int(sq[idx]), int(rq[idx]), float(sv[idx]),
                                         float(rv[idx]))
    pick = lambda store: next((store[p.name] for p in order if p.name in store), None)
    return CheckResult([checks[p.name] for p in order], len(xs[0]), tolerance,
                       pick(first), pick(first_diff))


def check(float_mlir: Path, xs: Sequence[np.ndarray], passes: Sequence[str],
          workdir: Path, tolerance: int = 1) -> CheckResult:
    """:func:`prepare` and :func:`compare` in one call."""
    return compare(*prepare(float_mlir, passes, workdir), xs, workdir, tolerance)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def add_arguments(p) -> None:
    p.add_argument("model", type=Path, help="the float module (.mlir, e.g. qsim "
                   "import-onnx's output or OUTDIR/float.mlir of qsim quantize)")
    p.add_argument("--data", required=True, metavar="PATH",
                   help="the samples: .npy, .npz or FILE.py[:FUNC], as qsim "
                   "quantize's --calib-data")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="the first N samples only")
    p.add_argument("--table", type=Path, default=None,
                   help="statistics table (qsim-collect) for qsim-calibrate; "
                   "default: the global scale")
    p.add_argument("--global-scale", type=float, default=8.0, metavar="X",
                   help="activation range [-X, X] of points without a table entry "
                   "(default 8)")
    p.add_argument("--annotate-options", default="", metavar="OPTS",
                   help="options of qsim-annotate, e.g. 'skip-dense'")
    p.add_argument("--calibrate-options", default="", metavar="OPTS",
                   help="options of qsim-calibrate, e.g. 'unsigned-activations'")
    p.add_argument("--tolerance", type=int, default=1, metavar="STEPS",
                   help="allowed difference in steps of each point's integer grid "
                   "(default 1; 0: bit for bit)")
    p.add_argument("--json", default=None, metavar="FILE",
                   help="write the result as JSON ('-': stdout)")


def _load(model: Path, data: str, workdir: Path, limit: Optional[int]):
    text = model.read_text()
    args, _, names = calibdata.parse_signature(text)
    specs = calibdata.specs_from_signature(args, names)
    source = calibdata.open_source(data, specs, workdir, limit=limit)
    n = source.count if limit is None else min(limit, source.count)
    got = source.get(0, n)
    return [np.asarray(got[s.name]) for s in specs]


def run(args) -> int:
    from .quantize import quantize_pipeline

    prog = "qsim check-realize"
    try:
        if not args.model.is_file():
            raise calibdata.DataError(f"model '{args.model}' does not exist")
        if args.limit is not None and args.limit < 1:
            raise calibdata.DataError(f"--limit must be positive, not {args.limit}")
        if args.tolerance < 0:
            raise calibdata.DataError(f"--tolerance must be >= 0, not {args.tolerance}")
        with tempfile.TemporaryDirectory(prefix="qsim-check-realize-") as d:
            work = Path(d)
            xs = _load(args.model, args.data, work, args.limit)
            passes = quantize_pipeline(args.table, "max", True, args.global_scale,
                                       work / "report.json", args.annotate_options,
                                       args.calibrate_options)
            res = check(args.model, xs, passes, work, args.tolerance)
    except (calibdata.DataError, ValueError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except (tools.ToolError, FileNotFoundError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        text = json.dumps(res.as_dict(), indent=2) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).write_text(text)
    if args.json != "-":
        exact = sum(c.differing == 0 for c in res.points)
        print(f"{len(res.points)} points, {res.samples} samples: {exact} bit for bit, "
              f"{len(res.points) - exact - sum(c.beyond > 0 for c in res.points)} within "
              f"{res.tolerance} step(s), {sum(c.beyond > 0 for c in res.points)} beyond")
        if res.first is not None:
            c = next(c for c in res.points if c.point == res.first.point)
            print(f"first mismatch: {res.first.describe()}; {c.beyond} of {c.elements} "
                  f"elements differ by more than {res.tolerance} (max {c.max_diff})")
    return 0 if res.ok else 1
