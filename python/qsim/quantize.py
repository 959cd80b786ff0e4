"""``qsim quantize``: an ONNX model to int8, calibrated on the user's data or
on the Fashion-MNIST demo; ``qsim compare``: float against int8 on samples.

User data (``qsim quantize model.onnx --calib-data PATH -o OUTDIR
[--input-shape NAME=D0,D1,...] [--preprocess ...]``):

1. the model is read and imported at its deployment shape (``--input-shape``,
   ``--batch``) -> ``OUTDIR/float.mlir``;
2. the data (python/qsim/calibdata.py: an .npy, an .npz with one array per
   input, a folder of images with ``--preprocess``, or a Python file yielding
   samples) is checked against the module's arguments and written, a chunk
   at a time, to one ``.npy`` per input: the first samples for calibration,
   the last ``--holdout`` held back for the SQNR;
3. the statistics: the model imported at a calibration batch (a divisor of
   the sample count, small enough for the samples' size; the model's own
   batch if it fixes one), ``--qsim-annotate``, then ``qsim-collect`` with
   one ``--data`` per input streams the files -> ``OUTDIR/table.json``;
4. ``qsim-opt --qsim-quantize=...`` (:func:`quantize_pipeline`) ->
   ``OUTDIR/int8.mlir``, compiled by ``qsim compile`` (python/qsim/deploy)
   for this CPU into ``OUTDIR/libmodel.so`` with its ``qsim_model.h``;
5. ``OUTDIR/report.json``: the annotate report merged with the ONNX nodes
   (which layers are int8, which stayed float and why), the inputs, outputs
   and settings;
6. per-layer SQNR (python/qsim/sqnr.py) and the output figures of
   ``qsim compare`` on the held-back samples -> ``OUTDIR/sqnr.json``,
   ``OUTDIR/sqnr.png``.

Fashion-MNIST (``--dataset fashion-mnist``, or no ``--calib-data`` with a
model taking ``(N, 1, 28, 28)``): statistics on ``--calib`` training images,
float and int8 top-1 and speed on the test set, per-layer SQNR on the first
``--sqnr-images`` test images (:func:`quantize_and_evaluate`).

The default settings (:data:`DEFAULT_METHOD`, :data:`DEFAULT_UNSIGNED`,
:data:`DEFAULT_PER_CHANNEL`) are those that measured best on the zoo
(docs/Zoo.md): MSE thresholds, unsigned post-ReLU activations, per-tensor
weights; scripts/main.sh uses them as they are.

Bad input (a missing, empty or unreadable model, an op or opset the importer
does not take, a zero-sized input, data of the wrong shape or dtype,
undecodable images, a data file that raises, a sample holding NaN or
infinity) is an error naming the file, node, input or sample, exit status 2;
``--skip-nonfinite`` leaves the non-finite samples out instead and says how
many.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import calibdata, datasets, evaluate, hostinfo, sqnr as sqnr_mod, tools

__all__ = ["calibration_images", "collect_table",
           "quantize_pipeline", "QuantizeResult", "quantize_and_evaluate", "format_table",
           "DEFAULT_METHOD", "DEFAULT_UNSIGNED", "DEFAULT_PER_CHANNEL", "DEFAULT_SMOOTH_ALPHA",
           "with_unsigned",
           "UsageError", "ModelInfo", "quantize_user_data",
           "OutputStats", "compare_modules", "format_compare", "main", "compare_main"]

#: Activation thresholds: MSE measured best on the zoo (docs/Zoo.md: mean
#: drop 0.014 points over four models and three calibration samples, against
#: 0.058 for max).
DEFAULT_METHOD = "mse"
#: Post-ReLU points on the whole [0, 255] grid (one more bit; docs/Zoo.md).
DEFAULT_UNSIGNED = True
#: One scale per weight tensor: on the zoo per-channel scales did not do
#: better (docs/Zoo.md); ``--per-channel`` turns them on.
DEFAULT_PER_CHANNEL = False
#: SmoothQuant's migration strength (``--smooth-alpha``): on MiniLM's
#: layer norms 0.9 gave the best worst-sentence cosine of 0.3 to 1.0
#: (docs/Models.md).
DEFAULT_SMOOTH_ALPHA = 0.9
#: The attribute on each scaling --qsim-smooth-activations adds.
SMOOTH_MARK = "qsim.smoothquant"


class UsageError(Exception):
    """A bad command line or input file (exit status 2)."""


def with_unsigned(unsigned: bool, calibrate_options: str) -> str:
    """``calibrate_options`` with ``unsigned-activations`` set per
    ``unsigned``, unless the options set it themselves (they win)."""
    if re.search(r"(^|\s)unsigned-activations(=|\s|$)", calibrate_options):
        return calibrate_options
    opt = "unsigned-activations" if unsigned else "unsigned-activations=false"
    return " ".join(o for o in (opt, calibrate_options) if o)


METHODS = ("max", "pow2", "percentile", "mse", "kl")


class MissingToolError(UsageError):
    """A tool of the build (qsim-opt, qsim-collect, qsim-run) is missing."""


def require_tools(*names: str) -> None:
    """Raises :class:`MissingToolError` unless every tool in ``names`` is in
    the build's ``bin/``: calibration without qsim-collect would only have a
    global scale to go on, which is not what was asked for."""
    missing = [n for n in names if tools.find_tool(n) is None]
    if missing:
        raise MissingToolError(f"{', '.join(missing)} not found in "
                               f"{tools.build_dir() / 'bin'}; build the project first "
                               f"(bash scripts/setup.sh)")


def _calib_batch(n: int, cap: int = 100) -> int:
    """The calibration module's batch: the largest divisor of ``n`` up to
    ``cap`` (qsim-collect needs ``n`` to be a multiple of it)."""
    return max(d for d in range(1, min(n, cap) + 1) if n % d == 0)


def calibration_images(calib: int, seed: int = 0) -> np.ndarray:
    """The ``calib`` training images the statistics come from: a seeded
    random sample (in index order) of the 60,000, as ``qsim quantize`` and
    benchmarks/peers.py take them."""
    xtr, _ = datasets.load_fashion_mnist("train")
    pick = np.sort(np.random.default_rng(seed).permutation(len(xtr))[:calib])
    return xtr[pick]


def collect_table(float_onnx: Path, x: np.ndarray, table: Path, workdir: Path,
                  threads: int = 1) -> None:
    """Statistics of ``x`` (docs/Calibration.md): import, ``--qsim-annotate``,
    ``qsim-collect --data --output --num-threads``.  The point names are
    those of the module quantized later (both are annotated from the same
    import), so the table applies to it whatever its batch; it is the same
    for every thread count."""
    calib = workdir / "calib.mlir"
    evaluate.import_model(float_onnx, _calib_batch(len(x)), calib)
    annotated = workdir / "calib.annotated.mlir"
    tools.run_tool("qsim-opt", [str(calib), "--qsim-annotate", "-o", str(annotated)],
                   timeout=1800)
    data = workdir / "calib.npy"
    np.save(data, np.ascontiguousarray(x, dtype=np.float32))
    tools.run_tool("qsim-collect", [str(annotated), f"--data={data}",
                                    f"--output={table}", "--quiet",
                                    f"--num-threads={threads}"], timeout=3600)


def quantize_pipeline(table: Optional[Path], method: str, per_channel: bool,
                      global_scale: float, report: Path, annotate_options: str = "",
                      calibrate_options: str = "") -> List[str]:
    """The ``qsim-opt`` arguments that quantize a float module: one
    ``--qsim-quantize=...`` (lib/Pipelines/QuantizePipeline.cpp, the one
    definition of the pipeline).  ``annotate_options`` and
    ``calibrate_options`` are options of qsim-annotate and qsim-calibrate,
    which --qsim-quantize takes under the same names."""
    opts = [f"report={report}"]
    if table is not None:
        opts += [f"table={table}", f"method={method}"]
    opts.append(f"global-scale={global_scale!r}")
    # per-channel defaults to true: say it either way.
    opts.append(f"per-channel={'true' if per_channel else 'false'}")
    opts += [o for o in (annotate_options, calibrate_options) if o]
    return [f"--qsim-quantize={' '.join(opts)}"]


@dataclass
class QuantizeResult:
    model: str
    images: int
    calibration: str
    float_: evaluate.EvalResult
    int8: evaluate.EvalResult
    quantized_ops: int
    float_ops: int
    sqnr: Optional[sqnr_mod.SqnrResult] = None
    # Images (of the SQNR ones) where the instrumented int8 module's class
    # differs from int8.mlir's, and the largest logit difference: both 0
    # unless adding the extra results changed the int8 model.
    sqnr_class_diffs: int = 0
    sqnr_max_logit_diff: float = 0.0

    @property
    def drop_points(self) -> float:
        return 100.0 * (self.float_.top1 - self.int8.top1)

    @property
    def agreement(self) -> float:
        return float((self.float_.predictions == self.int8.predictions).mean())

    def as_dict(self) -> dict:
        return {
            "model": self.model, "images": self.images,
            "calibration": self.calibration,
            "float_top1": self.float_.top1, "int8_top1": self.int8.top1,
            "drop_points": self.drop_points, "agreement": self.agreement,
            "float_ms_per_image": self.float_.timing.per_image_ms,
            "int8_ms_per_image": self.int8.timing.per_image_ms,
            "batch": self.float_.timing.batch,
            "quantized_ops": self.quantized_ops, "float_ops": self.float_ops,
            **({"sqnr_images": self.sqnr.images,
                "sqnr": [l.as_dict() for l in self.sqnr.layers],
                "sqnr_skipped": self.sqnr.skipped,
                "sqnr_int8_class_diffs": self.sqnr_class_diffs,
                "sqnr_int8_max_logit_diff": self.sqnr_max_logit_diff}
               if self.sqnr is not None else {}),
        }


def format_table(results: Sequence[QuantizeResult]) -> str:
    head = (f"{'model':<18} {'float top-1':>11} {'int8 top-1':>10} {'drop':>7} "
            f"{'agree':>7} {'float ms/img':>12} {'int8 ms/img':>11}")
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.model:<18} {100 * r.float_.top1:>10.2f}% {100 * r.int8.top1:>9.2f}% "
            f"{r.drop_points:>6.2f}p {100 * r.agreement:>6.2f}% "
            f"{r.float_.timing.per_image_ms:>12.3f} {r.int8.timing.per_image_ms:>11.3f}")
    return "\n".join(lines)


def _lower(src: Path, dst: Path) -> None:
    tools.run_tool("qsim-opt", [str(src), "--qsim-cpu-pipeline", "-o", str(dst)],
                   timeout=1800)


def quantize_and_evaluate(onnx_path: Path, workdir: Path, *, calib: int = 500,
                          method: str = DEFAULT_METHOD,
                          per_channel: bool = DEFAULT_PER_CHANNEL,
                          batch: int = 1000, limit: Optional[int] = None,
                          global_scale: float = 8.0, annotate_options: str = "",
                          calibrate_options: str = "",
                          seed: int = 0, sqnr_images: int = 0,
                          unsigned: bool = DEFAULT_UNSIGNED,
                          log=print) -> QuantizeResult:
    """Import, calibrate, quantize, evaluate float and int8 on Fashion-MNIST
    (see the module doc); with ``sqnr_images > 0`` also the per-layer SQNR
    on the first ``sqnr_images`` test images (``QuantizeResult.sqnr``)."""
    require_tools("qsim-opt", "qsim-collect")
    workdir.mkdir(parents=True, exist_ok=True)
    calibrate_options = with_unsigned(unsigned, calibrate_options)
    x, y = datasets.load_fashion_mnist("test", limit=limit)
    batch = min(batch, len(x))
    float_mlir = workdir / "float.mlir"
    evaluate.import_model(onnx_path, batch, float_mlir)
    log(f"imported {onnx_path} (batch {batch}) -> {float_mlir}")

    table = workdir / "table.json"
    t0 = time.time()
    collect_table(Path(onnx_path), calibration_images(calib, seed), table, workdir)
    calibration = f"{method} on {calib} training images"
    log(f"statistics: {calib} training images (seed {seed}) with qsim-collect "
        f"-> {table} ({time.time() - t0:.1f} s)")

    calibration += ", per-channel weights" if per_channel else ", per-tensor weights"
    if calibrate_options:
        calibration += f", {calibrate_options}"
    report = workdir / "report.json"
    int8_mlir = workdir / "int8.mlir"
    passes = quantize_pipeline(table, method, per_channel, global_scale, report,
                               annotate_options, calibrate_options)
    tools.run_tool("qsim-opt", [str(float_mlir), *passes, "-o", str(int8_mlir)],
                   timeout=1800)
    summary = json.loads(report.read_text()).get("summary", {})
    log(f"qsim-opt {' '.join(passes)}: {summary.get('quantized', '?')} ops "
        f"quantized, {summary.get('float', '?')} left float")

    results = {}
    for name, src in (("float", float_mlir), ("int8", int8_mlir)):
        low = workdir / f"{name}.llvm.mlir"
        _lower(src, low)
        results[name] = evaluate.evaluate_mlir(
            low, x, y, name=name, progress=evaluate._progress(f"{name} (qsim-run)"))
    res = QuantizeResult(Path(onnx_path).stem, len(y), calibration,
                         results["float"], results["int8"],
                         int(summary.get("quantized", 0)), int(summary.get("float", 0)))
    if sqnr_images > 0:
        n = min(sqnr_images, len(x))
        t0 = time.time()
        res.sqnr = sqnr_mod.measure(Path(onnx_path), x[:n], passes, workdir / "sqnr")
        ours = results["int8"].logits[:n]
        res.sqnr_class_diffs = int((res.sqnr.int8_logits.argmax(1) != ours.argmax(1)).sum())
        res.sqnr_max_logit_diff = float(np.abs(res.sqnr.int8_logits - ours).max())
        log(f"SQNR: {len(res.sqnr.layers)} layers on {n} test images "
            f"({time.time() - t0:.1f} s)")
    return res


# ---------------------------------------------------------------------------
# The user's model
# ---------------------------------------------------------------------------


@dataclass
class ModelInfo:
    """A model with the user's input shapes, importable at any batch the
    model allows."""

    path: Path
    proto: object
    input_names: List[str]
    output_names: List[str]
    user_shapes: Dict[str, List[int]]
    # Every input's dimension 0 is dynamic: the modules may take any batch.
    dynamic_batch: bool
    input_shape_specs: Tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path, input_shape_specs: Sequence[str] = ()) -> "ModelInfo":
        from .onnx_import import load_model, parse_input_shapes

        proto = load_model(path)
        g = proto.graph
        inits = {i.name for i in g.initializer}
        inputs = [i for i in g.input if i.name not in inits]
        shapes = parse_input_shapes(list(input_shape_specs))
        if "" in shapes and len(inputs) == 1:
            shapes[inputs[0].name] = shapes.pop("")

        def dyn0(i) -> bool:
            dims = i.type.tensor_type.shape.dim
            return not dims or not (dims[0].HasField("dim_value") and dims[0].dim_value > 0)
        return cls(Path(path), proto, [i.name for i in inputs], [o.name for o in g.output],
                   shapes, bool(inputs) and all(dyn0(i) for i in inputs),
                   tuple(input_shape_specs))

    def import_at(self, batch: Optional[int], out: Optional[Path] = None) -> str:
        """The float module with batch ``batch`` where the model's batch is
        dynamic (``None``: the batch of ``--input-shape``, else 1)."""
        from .onnx_import import import_onnx

        shapes = self.user_shapes
        if batch is not None and self.dynamic_batch:
            shapes = {n: [batch, *s[1:]] for n, s in shapes.items()}
            text = import_onnx(self.proto, batch=batch, input_shapes=shapes)
        else:
            text = import_onnx(self.proto, input_shapes=shapes)
        if out is not None:
            Path(out).write_text(text)
        return text


def _specs(text: str, names: Sequence[str]) -> List[calibdata.InputSpec]:
    args, _, locs = calibdata.parse_signature(text)
    names = list(names) if len(names) == len(args) else [l or f"arg{i}" for i, l in
                                                         enumerate(locs)]
    return calibdata.specs_from_signature(args, names)


def _sample_elems(specs: Sequence[calibdata.InputSpec]) -> int:
    return max(1, sum(int(np.prod(s.sample_shape, dtype=np.int64)) for s in specs))


def _progress(label: str, every: float = 2.0):
    """A progress callback printing to stderr at most every ``every`` s."""
    t0 = time.time()
    last = [0.0]

    def cb(done, total):
        now = time.time()
        if done < total and now - last[0] < every:
            return
        last[0] = now
        print(f"\r  {label}: {done}/{total} ({now - t0:.0f} s)",
              end="" if done < total else "\n", file=sys.stderr, flush=True)
    return cb


#: Elements of input per calibration call / SQNR call: bounds the batch of a
#: model with large samples (a 3x224x224 image: 27 and 13 samples).
CALIB_BATCH_ELEMS = 1 << 22
SQNR_BATCH_ELEMS = 1 << 21
#: Calls of a model with a fixed batch that the SQNR may take.
SQNR_CALLS = 8
#: Bytes of samples written per chunk.
CHUNK_BYTES = 1 << 25


def _layer_of(point: str, nodes: Sequence[str]) -> str:
    """The ONNX node an annotate point belongs to: the importer names a
    node's principal op after the node and its helpers ``<node>/<what>``."""
    best = ""
    for n in nodes:
        if (point == n or point.startswith(n + "/")) and len(n) > len(best):
            best = n
    return best or point


def merged_report(annotate: dict, node_names: Sequence[str], extra: dict) -> dict:
    """``report.json``: per ONNX node (layer), whether its ops are int8 or
    float and why, the counts, ``extra`` (model, inputs, settings) and the
    annotate report itself under ``annotate``."""
    layers: Dict[str, dict] = {}
    order: List[str] = []
    reasons: Dict[str, int] = {}
    for fn in annotate.get("functions", []):
        for op in fn.get("ops", []):
            name = _layer_of(op["point"], node_names)
            if name not in layers:
                layers[name] = {"layer": name, "ops": []}
                order.append(name)
            entry = {"op": op["op"], "point": op["point"], "category": op.get("category", ""),
                     "status": "int8" if op.get("status") == "quantized" else "float"}
            if entry["status"] == "float":
                entry["reason"] = op.get("reason", "")
                reasons[entry["reason"]] = reasons.get(entry["reason"], 0) + 1
            layers[name]["ops"].append(entry)
    out_layers = []
    for name in order:
        lay = layers[name]
        st = {o["status"] for o in lay["ops"]}
        lay["status"] = "int8" if st == {"int8"} else "float" if st == {"float"} else "mixed"
        out_layers.append(lay)
    summary = annotate.get("summary", {})
    count = {k: sum(1 for l in out_layers if l["status"] == k) for k in ("int8", "float", "mixed")}
    return {
        "schema": "qsim-quantize-report/1",
        **extra,
        "summary": {"ops_int8": int(summary.get("quantized", 0)),
                    "ops_float": int(summary.get("float", 0)),
                    "layers_int8": count["int8"], "layers_float": count["float"],
                    "layers_mixed": count["mixed"],
                    "float_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1]))},
        "layers": out_layers,
        "annotate": annotate,
    }


def quantize_user_data(model: ModelInfo, data: str, outdir: Path, workdir: Path, *,
                       preprocess: Optional[calibdata.Preprocess] = None,
                       method: str = DEFAULT_METHOD, per_channel: bool = DEFAULT_PER_CHANNEL,
                       unsigned: bool = DEFAULT_UNSIGNED, global_scale: float = 8.0,
                       annotate_options: str = "", calibrate_options: str = "",
                       calib: Optional[int] = None, holdout: Optional[int] = None,
                       batch: Optional[int] = None, sqnr: bool = True,
                       plot: Optional[Path] = None, preprocess_items: Sequence[str] = (),
                       skip_nonfinite: bool = False, threads: Optional[int] = None,
                       smooth: Optional[bool] = None,
                       smooth_alpha: float = DEFAULT_SMOOTH_ALPHA,
                       log=print) -> dict:
    """Quantizes ``model`` with statistics of the samples at ``data`` (see the
    module doc); ``threads``: of the statistics run (default: the host's
    cores) and of libmodel.so (default 0: chosen at run time); ``smooth``:
    SmoothQuant scaling of float-produced activations before quantizing
    (``--qsim-smooth-activations`` with ``smooth_alpha``; default: with
    per-channel weight scales, which absorb it); writes
    float.mlir, int8.mlir, table.json, report.json,
    sqnr.json and sqnr.png to ``outdir``; returns ``{'outdir', 'report'
    (report.json's content), 'sqnr' (sqnr.json's), 'sqnr_result',
    'sqnr_plot', 'sqnr_what'}``."""
    outdir.mkdir(parents=True, exist_ok=True)
    require_tools("qsim-opt", "qsim-collect")
    workdir.mkdir(parents=True, exist_ok=True)
    calibrate_options = with_unsigned(unsigned, calibrate_options)

    float_mlir = outdir / "float.mlir"
    text = model.import_at(batch, float_mlir)
    specs = _specs(text, model.input_names)
    log(f"imported {model.path} -> {float_mlir} ("
        + ", ".join(f"{s.name} {'x'.join(map(str, s.shape))} {s.dtype}" for s in specs) + ")")

    source = calibdata.open_source(data, specs, workdir, preprocess,
                                   limit=None if calib is None else
                                   calib + (64 if holdout is None else holdout),
                                   skip_nonfinite=skip_nonfinite)
    n = source.count
    if holdout is None:
        holdout = 0 if n < 2 else min(64, max(1, n // 10))
    if holdout < 0 or holdout >= n:
        raise UsageError(f"--holdout {holdout}: the data has {n} sample(s); at least one "
                         f"must be left for calibration")
    n_cal = n - holdout if calib is None else min(calib, n - holdout)
    if n_cal < 1:
        raise UsageError(f"--calib {calib}: at least one calibration sample is needed")
    elems = _sample_elems(specs)
    if model.dynamic_batch:
        cb = _calib_batch(n_cal, max(1, min(100, CALIB_BATCH_ELEMS // elems)))
    else:
        cb = specs[0].batch
        if n_cal < cb:
            raise UsageError(f"the model's batch is fixed to {cb}; {n_cal} calibration "
                             f"sample(s) do not fill one call")
        n_cal -= n_cal % cb
    log(f"data: {source.description}: {n_cal} sample(s) for calibration"
        + (f", the last {holdout} held back for the SQNR" if holdout else ", none held back"))

    chunk = max(1, CHUNK_BYTES // max(1, sum(s.dtype.itemsize * int(np.prod(s.sample_shape))
                                             for s in specs)))
    t0 = time.time()
    files = calibdata.write_npy(
        source, 0, n_cal, {s.name: workdir / f"calib.{i}.npy" for i, s in enumerate(specs)},
        chunk=chunk, progress=_progress("calibration samples") if source.kind in
        ("images",) else None)
    # The SQNR samples (the held-back ones, else the first calibration ones),
    # written now so that every data error comes before the tools run.
    held = None
    if sqnr:
        if holdout:
            a, b, what = n - holdout, n, "held-back samples"
        else:
            a, b, what = 0, min(n_cal, 64), "calibration samples (none held back)"
        if not model.dynamic_batch:
            # qsim-run compiles on every call: at most SQNR_CALLS calls of the
            # model's own batch.
            b = min(b, a + SQNR_CALLS * specs[0].batch)
        held = calibdata.write_npy(source, a, b, {s.name: workdir / f"held.{i}.npy"
                                                  for i, s in enumerate(specs)}, chunk=chunk)

    # Statistics on a module of the calibration batch, annotated as the
    # quantized one will be, so the point names agree.
    calib_mlir = workdir / "calib.mlir"
    model.import_at(cb, calib_mlir)
    annotated = workdir / "calib.annotated.mlir"
    tools.run_tool("qsim-opt", [str(calib_mlir), "--qsim-annotate", "-o", str(annotated)],
                   timeout=3600)
    table = outdir / "table.json"
    cargs = [str(annotated), *[f"--data={files[s.name]}" for s in specs],
             f"--output={table}", "--quiet",
             f"--num-threads={threads or hostinfo.host_info()['cores'] or 1}"]
    tools.run_tool("qsim-collect", cargs, timeout=None)
    log(f"statistics: {n_cal} samples with qsim-collect (batch {cb}) -> {table} "
        f"({time.time() - t0:.1f} s)")
    smoothing = _smooth(calib_mlir, table, cargs, outdir, workdir,
                        per_channel if smooth is None else smooth, smooth_alpha, log)

    annotate_report = workdir / "annotate.report.json"
    int8_mlir = outdir / "int8.mlir"
    passes = smoothing + quantize_pipeline(table, method, per_channel, global_scale,
                                           annotate_report, annotate_options,
                                           calibrate_options)
    tools.run_tool("qsim-opt", [str(float_mlir), *passes, "-o", str(int8_mlir)],
                   timeout=3600)
    annotate = json.loads(annotate_report.read_text())
    settings = {"method": method, "per_channel": per_channel,
                "smooth_alpha": smooth_alpha if smoothing else None,
                "calibrate_options": calibrate_options,
                "annotate_options": annotate_options, "global_scale": global_scale,
                "passes": [re.sub(r"report=\S+ ?", "", p).rstrip("=") for p in passes]}
    node_names = [nd.name or (nd.output[0] if nd.output else "") for nd in
                  model.proto.graph.node]
    _, res_types, _ = calibdata.parse_signature(text)
    extra = {
        "model": str(model.path.resolve()),
        "input_shape": list(model.input_shape_specs),
        "dynamic_batch": model.dynamic_batch,
        "inputs": [{"name": s.name, "shape": list(s.shape), "dtype": str(s.dtype)}
                   for s in specs],
        "outputs": [{"name": nm, "shape": list(t[0])} for nm, t in
                    zip(model.output_names, res_types)],
        "calibration": {"data": str(data), "source": source.description,
                        "samples": n_cal, "held_back": holdout, "batch": cb,
                        "skipped_nonfinite": source.skipped,
                        **({"preprocess": preprocess.describe(),
                            "preprocess_items": list(preprocess_items)}
                           if preprocess else {})},
        "settings": settings,
    }
    report = merged_report(annotate, node_names, extra)
    (outdir / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    sm = report["summary"]
    log(f"qsim-opt {' '.join(settings['passes'][:2])}: {sm['ops_int8']} ops int8, "
        f"{sm['ops_float']} left float -> {int8_mlir}")
    from .deploy.compile import CompileError, compile_model
    t0 = time.time()
    try:
        lib = compile_model(int8_mlir, outdir / "libmodel.so", keep=workdir / "compile",
                            threads=threads)
    except CompileError as e:
        raise UsageError(f"compiling {int8_mlir} into a library: {e}") from None
    log(f"qsim compile: {lib.library} for {lib.target.name}, C ABI in {lib.header} "
        f"({time.time() - t0:.1f} s)")

    result = {"outdir": str(outdir), "report": report}
    if held is None:
        return result
    xs = [np.load(held[s.name], mmap_mode="r") for s in specs]
    t0 = time.time()
    sb = max(1, min(b - a, SQNR_BATCH_ELEMS // elems))
    res = sqnr_mod.measure(model.path, xs, passes, workdir / "sqnr", batch=sb,
                           import_fn=model.import_at)
    outputs = []
    for k, (f, q) in enumerate(zip(res.float_outputs, res.int8_outputs)):
        st = OutputStats(model.output_names[k] if k < len(model.output_names)
                         else f"output #{k}")
        st.update(f, q)
        outputs.append(st.as_dict())
    sq = {"samples": res.images, "what": what,
          "layers": [dict(l.as_dict(), shape=list(l.shape)) for l in res.layers],
          "skipped": res.skipped, "outputs": outputs}
    (outdir / "sqnr.json").write_text(json.dumps(sq, indent=1) + "\n")
    plot = plot or outdir / "sqnr.png"
    sqnr_mod.plot(res, plot, title=f"{model.path.stem}: per-layer SQNR, float vs int8, "
                  f"{res.images} {what}")
    log(f"SQNR: {len(res.layers)} layers on {res.images} {what} ({time.time() - t0:.1f} s)")
    result.update(sqnr=sq, sqnr_result=res, sqnr_plot=str(plot), sqnr_what=what)
    return result


def smooth_pass(outdir: Path, alpha: float) -> str:
    """The ``qsim-opt`` argument of the SmoothQuant scaling that ``qsim
    quantize`` ran for OUTDIR (factors from its smooth.table.json)."""
    return (f"--qsim-smooth-activations=table={outdir / 'smooth.table.json'} "
            f"alpha={alpha!r}")


def _count_in_file(path: Path, needle: str, chunk: int = 1 << 20) -> int:
    """Non-overlapping occurrences of ``needle`` in the file (as
    ``str.count``), read in chunks: an annotated module with its weights can
    be hundreds of MB."""
    pattern, n, tail = needle.encode(), 0, b""
    with open(path, "rb") as f:
        while block := f.read(chunk):
            buf, pos = tail + block, 0
            while (i := buf.find(pattern, pos)) != -1:
                n += 1
                pos = i + len(pattern)
            # What follows the last match and may start one in the next chunk.
            tail = buf[max(pos, len(buf) - len(pattern) + 1):]
    return n


def _smooth(calib_mlir: Path, table: Path, collect_args: List[str], outdir: Path,
            workdir: Path, smooth: bool, alpha: float, log) -> List[str]:
    """SmoothQuant (``--qsim-smooth-activations``): the first statistics
    (``table``, moved to OUTDIR/smooth.table.json) decide the per-channel
    factors; the scaled module is calibrated again into ``table``. Returns
    the pass to run before --qsim-quantize, or nothing when ``smooth`` is
    off or no activation qualifies (then ``table`` stays as it is)."""
    if not smooth:
        return []
    smooth_table = outdir / "smooth.table.json"
    spass = smooth_pass(outdir, alpha)
    table.replace(smooth_table)
    t0 = time.time()
    # One qsim-opt run: the points are named after the import's locations,
    # which a printed module would only keep with --mlir-print-debuginfo.
    annotated = workdir / "calib.smooth.annotated.mlir"
    tools.run_tool("qsim-opt", [str(calib_mlir), spass, "--qsim-annotate", "-o",
                                str(annotated)], timeout=3600)
    sites = _count_in_file(annotated, SMOOTH_MARK)
    if not sites:
        smooth_table.replace(table)
        log("smoothing: no float-produced activation feeds a matmul with constant weights")
        return []
    tools.run_tool("qsim-collect", [str(annotated), *collect_args[1:]], timeout=None)
    log(f"smoothing: {sites} activation(s) scaled (alpha {alpha:g}, factors from "
        f"{smooth_table}); statistics again -> {table} ({time.time() - t0:.1f} s)")
    return [spass]


def format_report(report: dict, limit: int = 12) -> str:
    """The int8 / float summary of report.json, float ops with their reasons."""
    sm = report["summary"]
    lines = [f"{sm['layers_int8']} layers int8, {sm['layers_mixed']} partly int8, "
             f"{sm['layers_float']} float ({sm['ops_int8']} ops int8, "
             f"{sm['ops_float']} float)"]
    floats = [(l["layer"], o) for l in report["layers"] for o in l["ops"]
              if o["status"] == "float"]
    if floats:
        lines.append("ops left in float:")
        w = max(len(n) for n, _ in floats[:limit])
        for name, o in floats[:limit]:
            lines.append(f"  {name:<{w}}  {o['op']:<20} {o.get('reason', '')}")
        if len(floats) > limit:
            lines.append(f"  ... {len(floats) - limit} more in report.json")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Comparing float and int8 outputs
# ---------------------------------------------------------------------------


@dataclass
class OutputStats:
    """Float against int8 values of one output, accumulated over batches:
    SQNR (``sqnr.sqnr_db``: 120 dB for no error), the cosine of each sample's
    output vectors (mean and min) and of the whole tensor, max and mean
    absolute difference, and for class scores (``(N, C)``, ``C >= 2``) the
    share of samples whose argmax agrees."""

    name: str
    shape: Tuple[int, ...] = ()
    samples: int = 0
    signal: float = 0.0
    noise: float = 0.0
    dot: float = 0.0
    fnorm2: float = 0.0
    qnorm2: float = 0.0
    max_abs: float = 0.0
    sum_abs: float = 0.0
    elems: int = 0
    cosines: List[float] = field(default_factory=list)
    agree: int = 0

    def update(self, f: np.ndarray, q: np.ndarray) -> None:
        f = np.asarray(f, np.float64)
        q = np.asarray(q, np.float64)
        if f.shape != q.shape:
            raise UsageError(f"output '{self.name}': float shape {f.shape}, int8 {q.shape}")
        self.shape = (self.samples + len(f), *f.shape[1:])
        self.samples += len(f)
        d = f - q
        self.signal += float(np.sum(f * f))
        self.noise += float(np.sum(d * d))
        self.dot += float(np.sum(f * q))
        self.fnorm2 += float(np.sum(f * f))
        self.qnorm2 += float(np.sum(q * q))
        if d.size:
            self.max_abs = max(self.max_abs, float(np.abs(d).max()))
        self.sum_abs += float(np.abs(d).sum())
        self.elems += d.size
        ff, qq = f.reshape(len(f), -1), q.reshape(len(q), -1)
        for a, b in zip(ff, qq):
            self.cosines.append(_cosine(float(a @ b), float(a @ a), float(b @ b)))
        if self.is_class_scores(f):
            self.agree += int((f.argmax(1) == q.argmax(1)).sum())

    @staticmethod
    def is_class_scores(f: np.ndarray) -> bool:
        return f.ndim == 2 and f.shape[1] >= 2

    @property
    def sqnr_db(self) -> float:
        return sqnr_mod.sqnr_db(self.signal, self.noise)

    @property
    def top1_agreement(self) -> Optional[float]:
        if len(self.shape) == 2 and self.shape[1] >= 2 and self.samples:
            return self.agree / self.samples
        return None

    def as_dict(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "samples": self.samples,
                "sqnr_db": self.sqnr_db,
                "cosine": _cosine(self.dot, self.fnorm2, self.qnorm2),
                "cosine_mean": float(np.mean(self.cosines)) if self.cosines else 1.0,
                "cosine_min": float(np.min(self.cosines)) if self.cosines else 1.0,
                "max_abs_diff": self.max_abs,
                "mean_abs_diff": self.sum_abs / self.elems if self.elems else 0.0,
                "top1_agreement": self.top1_agreement}


def _cosine(dot: float, a2: float, b2: float) -> float:
    if a2 == 0.0 and b2 == 0.0:
        return 1.0
    if a2 == 0.0 or b2 == 0.0:
        return 0.0
    return float(max(-1.0, min(1.0, dot / math.sqrt(a2 * b2))))


def format_outputs(outputs: Sequence[dict]) -> str:
    head = (f"{'output':<16} {'shape':<16} {'SQNR dB':>8} {'cosine':>9} {'cos min':>9} "
            f"{'max |diff|':>10} {'top-1 agree':>11}")
    lines = [head, "-" * len(head)]
    for o in outputs:
        t1 = o["top1_agreement"]
        lines.append(f"{o['name'][:16]:<16} {str(tuple(o['shape'])):<16} "
                     f"{o['sqnr_db']:>8.2f} {o['cosine_mean']:>9.6f} {o['cosine_min']:>9.6f} "
                     f"{o['max_abs_diff']:>10.4g} "
                     f"{'-' if t1 is None else f'{100 * t1:.2f}%':>11}")
    return "\n".join(lines)


def _lowered(src: Path, workdir: Path, name: str) -> Path:
    """``src`` lowered once with --qsim-cpu-pipeline (qsim-run would lower
    it on every call), unless it is lowered already."""
    text = src.read_text()
    if "qsim.entry_type" in text and "func.func" not in text:
        return src
    dst = workdir / f"{name}.llvm.mlir"
    _lower(src, dst)
    return dst


def compare_modules(float_mlir: Path, int8_mlir: Path, data: str, workdir: Path, *,
                    preprocess: Optional[calibdata.Preprocess] = None,
                    limit: Optional[int] = None, input_names: Sequence[str] = (),
                    output_names: Sequence[str] = (), skip_nonfinite: bool = False,
                    log=print) -> dict:
    """Runs both modules with qsim-run on the samples at ``data`` (the routes
    of calibdata.py), batch by batch, and returns their output figures.  A
    sample holding NaN or infinity is a DataError, or left out with
    ``skip_nonfinite``."""
    for p in (float_mlir, int8_mlir):
        if not Path(p).is_file():
            raise UsageError(f"module '{p}' does not exist")
    try:
        fa, fr, fnames = calibdata.parse_signature(Path(float_mlir).read_text())
        qa, qr, _ = calibdata.parse_signature(Path(int8_mlir).read_text())
    except ValueError as e:
        raise UsageError(f"cannot read the entry function of '{float_mlir}' or "
                         f"'{int8_mlir}': {e}") from None
    if fa != qa or [t[0] for t in fr] != [t[0] for t in qr]:
        raise UsageError(f"'{float_mlir}' and '{int8_mlir}' have different signatures "
                         f"({fa} -> {fr} and {qa} -> {qr})")
    names = list(input_names) if len(input_names) == len(fa) else fnames
    specs = calibdata.specs_from_signature(fa, names)
    source = calibdata.open_source(data, specs, workdir, preprocess, limit=limit,
                                   skip_nonfinite=skip_nonfinite)
    if source.skipped:
        log(f"data: {source.description}")
    n = source.count if limit is None else min(limit, source.count)
    b = specs[0].batch
    lows = [_lowered(Path(float_mlir), workdir, "float"),
            _lowered(Path(int8_mlir), workdir, "int8")]
    stats = [OutputStats(output_names[k] if k < len(output_names) else f"output #{k}")
             for k in range(len(fr))]
    xins = [workdir / f"x{k}.npy" for k in range(len(specs))]
    calls = 0
    t0 = time.time()
    progress = _progress("compare (qsim-run)")
    for i in range(0, n, b):
        got = source.get(i, min(n, i + b))
        m = 0
        for s, path in zip(specs, xins):
            xb = got[s.name]
            bad = calibdata.nonfinite_samples(xb)
            if bad.any():
                raise calibdata.DataError(
                    f"data '{source.path}': sample {i + int(np.argmax(bad))} of input "
                    f"'{s.name}' {calibdata.NONFINITE_HINT}")
            m = len(xb)
            if m < b:  # the padding's outputs are dropped
                xb = np.concatenate([xb, np.zeros((b - m, *s.sample_shape), s.dtype)])
            np.save(path, np.ascontiguousarray(xb))
        outs = []
        for name, low in zip(("float", "int8"), lows):
            files = [workdir / f"{name}.out{k}.npy" for k in range(len(fr))]
            tools.run_tool("qsim-run", [str(low), *[f"--input={p}" for p in xins],
                                        *[f"--output={f}" for f in files]], timeout=3600)
            outs.append([np.load(f)[:m] for f in files])
            calls += 1
        for st, f, q in zip(stats, *outs):
            st.update(f, q)
        progress(min(n, i + b), n)
    return {"float": str(float_mlir), "int8": str(int8_mlir), "data": str(data),
            "source": source.description, "samples": n, "batch": b,
            "qsim_run_calls": calls, "seconds": time.time() - t0,
            "outputs": [st.as_dict() for st in stats]}


def format_compare(res: dict) -> str:
    return (f"{res['samples']} samples ({res['source']}); float {res['float']} vs int8 "
            f"{res['int8']}, batch {res['batch']}\n" + format_outputs(res["outputs"]))


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

FASHION = "fashion-mnist"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help="the float .onnx model")
    g = p.add_argument_group("data")
    g.add_argument("--calib-data", metavar="PATH", default=None,
                   help="calibration samples: an (N, ...) .npy (one input), an .npz with "
                   "one array per input name, a folder of images (see --preprocess), or "
                   "FILE.py[:FUNC], a function yielding arrays or dicts of arrays")
    g.add_argument("--dataset", choices=(FASHION,), default=None,
                   help="the Fashion-MNIST demo: statistics on training images, top-1 "
                   "and speed on the test set (the default without --calib-data)")
    g.add_argument("--input-shape", action="append", default=[], metavar="NAME=D0,D1,...",
                   help="static shape of a graph input, batch first (repeat per input; "
                   "NAME= may be left out for a model with one input)")
    g.add_argument("--preprocess", action="append", default=None, metavar="ITEMS",
                   help="image folder: a preset (torchvision, paddleocr, none) and/or "
                   "resize=N|HxW|height crop=N|HxW mean=a,b,c std=a,b,c scale=1/255 "
                   "order=rgb|bgr layout=nchw|nhwc (later items win)")
    g.add_argument("--calib", type=int, default=None,
                   metavar="N",
                   help="calibration samples: at most N of the data (default all but the "
                   "held-back ones); Fashion-MNIST: training images (default 500)")
    g.add_argument("--holdout", type=int, default=None,
                   metavar="K",
                   help="samples held back from calibration for the SQNR (the last ones; "
                   "default 10%% of the data, at most 64)")
    g.add_argument("--skip-nonfinite", action="store_true",
                   help="leave out the samples holding NaN or infinity and say how many "
                   "(default: such a sample is an error naming it)")
    g = p.add_argument_group("quantization")
    g.add_argument("--method", choices=METHODS, default=DEFAULT_METHOD,
                   help=f"activation threshold method (default {DEFAULT_METHOD})")
    g.add_argument("--per-channel", action=argparse.BooleanOptionalAction,
                   default=DEFAULT_PER_CHANNEL,
                   help="per-channel weight scales (default: one scale per weight tensor)")
    g.add_argument("--unsigned-activations", action=argparse.BooleanOptionalAction,
                   default=DEFAULT_UNSIGNED,
                   help="non-negative activations (after ReLU; also GELU, SiLU or hard-swish "
                   "outputs, whose negative tail is small) on the whole [0, 255] grid "
                   "(default on)")
    g.add_argument("--global-scale", type=float, default=8.0,
                   metavar="X",
                   help="activation range [-x, x] of points without statistics "
                   "(all of them when no statistics tool is built; default 8)")
    g.add_argument("--annotate-options", default="",
                   metavar="STR",
                   help="more --qsim-annotate options, e.g. 'skip-first-convs=1'")
    g.add_argument("--calibrate-options", default="",
                   metavar="STR",
                   help="more --qsim-calibrate options, e.g. 'percentile=99.9 "
                   "weight-range-bits=7'")
    g.add_argument("--smooth", action=argparse.BooleanOptionalAction, default=None,
                   help="SmoothQuant: divide each activation that a float op (a layer "
                   "norm) feeds to matmuls by per-channel factors, folded into their "
                   "weights, and calibrate again (default: with --per-channel)")
    g.add_argument("--smooth-alpha", type=float, default=None, metavar="A",
                   help="SmoothQuant's migration strength in [0, 1]: factor max|x|^A / "
                   f"max|w|^(1-A) (default {DEFAULT_SMOOTH_ALPHA})")
    g = p.add_argument_group("output")
    g.add_argument("-o", "--output-dir", type=Path, default=None, metavar="OUTDIR",
                   help="user data: where float.mlir, int8.mlir, libmodel.so (int8.mlir "
                   "compiled by qsim compile) with qsim_model.h, table.json, report.json, "
                   "sqnr.json and sqnr.png go (required); Fashion-MNIST: as --keep")
    g.add_argument("--batch", type=int, default=None,
                   metavar="B",
                   help="static batch of the modules (user data: default that of "
                   "--input-shape, else the model's, else 1; Fashion-MNIST: 1000)")
    g.add_argument("--limit", type=int, default=None,
                   metavar="N",
                   help="Fashion-MNIST: evaluate on the first N test images only "
                   "(default all 10,000)")
    g.add_argument("--keep", type=Path, default=None,
                   metavar="DIR",
                   help="keep the intermediate files in this folder")
    g.add_argument("--threads", type=int, default=None, metavar="N",
                   help="user data: threads of the statistics run (default: the host's "
                   "cores; the table is the same for every count) and of libmodel.so "
                   "(default 0: the team size at run time, qsim_model_set_num_threads, "
                   "else OMP_NUM_THREADS, else every core; 1: no OpenMP)")
    g.add_argument("--sqnr-images", "--sqnr-samples", dest="sqnr_images", type=int,
                   default=256,
                   metavar="N",
                   help="per-layer SQNR: Fashion-MNIST test images (default 256); user "
                   "data: 0 turns it off (it runs on the held-back samples)")
    g.add_argument("--plot", type=Path, default=None,
                   metavar="FILE",
                   help="PNG of the per-layer SQNR (default: OUTDIR/sqnr.png, DIR/sqnr.png "
                   "with --keep DIR, else build/sqnr/<model>.png)")
    g.add_argument("--json", type=Path, default=None, metavar="FILE",
                   help="write the results as JSON")


def _is_fashion_model(model) -> Optional[str]:
    """``None`` if the model takes Fashion-MNIST images, else what it takes."""
    g = model.graph
    inits = {i.name for i in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]
    desc = ", ".join(
        f"{i.name} (" + ", ".join(str(d.dim_value) if d.HasField("dim_value") else
                                  (d.dim_param or "?") for d in i.type.tensor_type.shape.dim)
        + ")" for i in inputs)
    if len(inputs) != 1:
        return desc
    tt = inputs[0].type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
    if tt.elem_type != 1 or len(dims) != 4 or dims[1:] != [1, 28, 28]:
        return desc
    return None


def run(args) -> int:
    from .onnx_import import OnnxImportError

    try:
        return _run(args)
    except (UsageError, OnnxImportError, calibdata.DataError, datasets.DatasetError) as e:
        print(f"qsim quantize: error: {e}", file=sys.stderr)
        return 2
    except (tools.ToolError, FileNotFoundError) as e:
        print(f"qsim quantize: error: {e}", file=sys.stderr)
        return 1


def _run(args) -> int:
    for opt in ("calib", "holdout", "batch", "limit"):
        v = getattr(args, opt)
        if v is not None and (v < 0 or (v == 0 and opt != "holdout")):
            raise UsageError(f"--{opt} must be positive, not {v}")
    if args.threads is not None and args.threads < 0:
        raise UsageError(f"--threads must be 0 (libmodel.so: at run time) or a count, "
                         f"not {args.threads}")
    if args.calib_data is not None and args.dataset is not None:
        raise UsageError("give --calib-data PATH or --dataset, not both")
    if args.smooth_alpha is not None and not 0.0 <= args.smooth_alpha <= 1.0:
        raise UsageError(f"--smooth-alpha must be in [0, 1], not {args.smooth_alpha}")
    from .onnx_import import load_model
    model = load_model(args.model)
    if args.calib_data is None:
        what = _is_fashion_model(model)
        if what is not None:
            raise UsageError(
                f"'{args.model}' takes {what}; the Fashion-MNIST demo takes one float "
                f"input (N, 1, 28, 28)" if args.dataset else
                f"no --calib-data given and '{args.model}' is not a Fashion-MNIST model "
                f"(it takes {what}): give --calib-data PATH (.npy, .npz, a folder of "
                f"images or a .py file), with --input-shape for dynamic dimensions")
        for opt, name in ((args.input_shape, "--input-shape"), (args.preprocess, "--preprocess"),
                          (args.holdout, "--holdout"), (args.skip_nonfinite, "--skip-nonfinite"),
                          (args.threads, "--threads"), (args.smooth, "--smooth"),
                          (args.smooth_alpha, "--smooth-alpha")):
            if opt is not None and opt is not False and opt != []:
                raise UsageError(f"{name} applies to --calib-data, not to the "
                                 f"Fashion-MNIST demo")
        return _run_fashion(args)
    if args.output_dir is None:
        raise UsageError("give -o OUTDIR: where float.mlir, int8.mlir, table.json, "
                         "report.json and the SQNR files go")
    if args.limit is not None:
        raise UsageError("--limit applies to the Fashion-MNIST demo; use --calib and "
                         "--holdout with --calib-data")
    pre = calibdata.parse_preprocess(args.preprocess) if args.preprocess else None
    info = ModelInfo.load(args.model, args.input_shape)

    def go(work: Path) -> dict:
        return quantize_user_data(
            info, args.calib_data, args.output_dir, work, preprocess=pre,
            method=args.method, per_channel=args.per_channel,
            unsigned=args.unsigned_activations, global_scale=args.global_scale,
            annotate_options=args.annotate_options,
            calibrate_options=args.calibrate_options, calib=args.calib,
            holdout=args.holdout, batch=args.batch, sqnr=args.sqnr_images != 0,
            plot=args.plot, preprocess_items=args.preprocess or (),
            skip_nonfinite=args.skip_nonfinite, threads=args.threads,
            smooth=args.smooth, smooth_alpha=DEFAULT_SMOOTH_ALPHA if args.smooth_alpha is None
            else args.smooth_alpha)

    if args.keep is not None:
        res = go(args.keep)
    else:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".work-", dir=args.output_dir) as d:
            res = go(Path(d))
    report = res["report"]
    print()
    print(format_report(report))
    out = {"outdir": res["outdir"], "summary": report["summary"],
           "calibration": report["calibration"], "settings": report["settings"]}
    if "sqnr" in res:
        what = res["sqnr_what"]
        print()
        print(sqnr_mod.format_worst(res["sqnr_result"], what=what))
        print()
        print(f"model outputs, float vs int8 on {res['sqnr']['samples']} {what}:")
        print(format_outputs(res["sqnr"]["outputs"]))
        print(f"per-layer SQNR: {args.output_dir / 'sqnr.json'}, plot {res['sqnr_plot']}")
        out["sqnr"] = res["sqnr"]
    files = [f for f in ("float.mlir", "int8.mlir", "libmodel.so", "qsim_model.h",
                         "table.json", "report.json", "sqnr.json", "sqnr.png")
             if (args.output_dir / f).is_file()]
    print(f"wrote {', '.join(files)} to {args.output_dir}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


def _run_fashion(args) -> int:
    keep = args.keep or args.output_dir
    calib = 500 if args.calib is None else args.calib
    batch = 1000 if args.batch is None else args.batch

    def go(workdir: Path) -> QuantizeResult:
        return quantize_and_evaluate(
            args.model, workdir, calib=calib, method=args.method,
            per_channel=args.per_channel, batch=batch, limit=args.limit,
            global_scale=args.global_scale, annotate_options=args.annotate_options,
            calibrate_options=args.calibrate_options, sqnr_images=args.sqnr_images,
            unsigned=args.unsigned_activations)

    if keep is not None:
        res = go(keep)
    else:
        with tempfile.TemporaryDirectory(prefix="qsim-quantize-") as d:
            res = go(Path(d))
    print()
    print(f"{res.images} test images, calibration: {res.calibration}, "
          f"{res.quantized_ops} ops quantized ({res.float_ops} float); "
          f"times per image at batch {res.float_.timing.batch}, one thread")
    print(format_table([res]))
    out = res.as_dict()
    info = evaluate.zoo_info(args.model)
    if info is not None and "predictions" in info:
        theirs = np.array([int(c) for c in info["predictions"]][:res.images])
        ptc = int((theirs == res.float_.labels).sum())
        ndiff = int((theirs != res.float_.predictions).sum())
        print(f"PyTorch float top-1 (recorded in {args.model.with_suffix('.json').name}): "
              f"{100 * ptc / res.images:.2f}%; qsim's float predictions differ on "
              f"{ndiff} of {res.images} images")
        out.update(pytorch_float_top1=ptc / res.images, pytorch_differing_images=ndiff)
    if res.sqnr is not None:
        print()
        print(sqnr_mod.format_worst(res.sqnr))
        if res.sqnr_class_diffs or res.sqnr_max_logit_diff:
            print(f"  warning: the SQNR module's int8 logits differ from int8.mlir's "
                  f"(max |diff| {res.sqnr_max_logit_diff:.3g}, classes differ on "
                  f"{res.sqnr_class_diffs} images)")
        plot = args.plot
        if plot is None:
            plot = (keep / "sqnr.png" if keep is not None
                    else tools.build_dir() / "sqnr" / f"{args.model.stem}.png")
        sqnr_mod.plot(res.sqnr, plot, title=f"{args.model.stem}: per-layer SQNR, "
                      f"float vs int8 ({res.calibration}), {res.sqnr.images} test images")
        print(f"per-layer SQNR plot: {plot}")
        out["sqnr_plot"] = str(plot)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="qsim quantize", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    return run(p.parse_args(argv))


# ---------------------------------------------------------------------------
# qsim compare
# ---------------------------------------------------------------------------


def add_compare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("modules", nargs="+", type=Path, metavar="PATH",
                   help="OUTDIR (an output folder of qsim quantize), or FLOAT.mlir INT8.mlir")
    p.add_argument("--data", required=True, metavar="PATH",
                   help="the samples: .npy, .npz, a folder of images (with --preprocess) "
                   "or FILE.py[:FUNC], as qsim quantize's --calib-data")
    p.add_argument("--preprocess", action="append", default=None, metavar="ITEMS",
                   help="image folder: as qsim quantize's --preprocess (default with "
                   "OUTDIR: the one quantize recorded)")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="the first N samples only")
    p.add_argument("--skip-nonfinite", action="store_true",
                   help="leave out the samples holding NaN or infinity (default: such a "
                   "sample is an error naming it)")
    p.add_argument("--batch", type=int, default=None, metavar="N",
                   help="OUTDIR of a model with a dynamic batch: run at batch N, the "
                   "model imported again and quantized with the recorded settings and "
                   "table.json (qsim-run compiles once per call: a batch of 1 makes one "
                   "call per sample); default: float.mlir and int8.mlir as they are")
    p.add_argument("--json", default=None, metavar="FILE",
                   help="write the figures as JSON ('-': print only the JSON)")


def compare_run(args) -> int:
    from .onnx_import import OnnxImportError

    try:
        return _compare(args)
    except (UsageError, OnnxImportError, calibdata.DataError) as e:
        print(f"qsim compare: error: {e}", file=sys.stderr)
        return 2
    except (tools.ToolError, FileNotFoundError) as e:
        print(f"qsim compare: error: {e}", file=sys.stderr)
        return 1


def _compare(args) -> int:
    mods = args.modules
    in_names: List[str] = []
    out_names: List[str] = []
    pre_items = args.preprocess
    rep: Optional[dict] = None
    if len(mods) == 1:
        d = mods[0]
        if not d.is_dir():
            raise UsageError(f"'{d}' is not a folder: give an output folder of qsim "
                             f"quantize, or FLOAT.mlir INT8.mlir")
        fm, qm = d / "float.mlir", d / "int8.mlir"
        for f in (fm, qm):
            if not f.is_file():
                raise UsageError(f"'{d}' has no {f.name} (is it an output folder of "
                                 f"qsim quantize?)")
        rp = d / "report.json"
        if rp.is_file():
            try:
                rep = json.loads(rp.read_text())
            except ValueError as e:
                raise UsageError(f"'{rp}' is not valid JSON: {e}") from None
            in_names = [i["name"] for i in rep.get("inputs", [])]
            out_names = [o["name"] for o in rep.get("outputs", [])]
    elif len(mods) == 2:
        fm, qm = mods
    else:
        raise UsageError("give OUTDIR, or FLOAT.mlir INT8.mlir")
    for opt in ("limit", "batch"):
        v = getattr(args, opt)
        if v is not None and v < 1:
            raise UsageError(f"--{opt} must be positive, not {v}")
    if args.batch is not None and (len(mods) != 1 or rep is None):
        raise UsageError("--batch needs an output folder of qsim quantize (with its "
                         "report.json)")
    pre = calibdata.parse_preprocess(pre_items) if pre_items else None
    if pre is None and len(mods) == 1 and Path(args.data).is_dir():
        pre = _recorded_preprocess(mods[0])
    log = (lambda *a: None) if args.json == "-" else print
    with tempfile.TemporaryDirectory(prefix="qsim-compare-") as d:
        if args.batch is not None:
            fm, qm = _rebuild_at_batch(mods[0], rep, args.batch, Path(d))
        res = compare_modules(fm, qm, args.data, Path(d), preprocess=pre, limit=args.limit,
                              input_names=in_names, output_names=out_names,
                              skip_nonfinite=args.skip_nonfinite, log=log)
        if args.batch is not None:
            for k in ("float", "int8"):
                res[k] = f"{mods[0] / (k + '.mlir')} (imported again at batch {args.batch})"
    if args.json == "-":
        print(json.dumps(res, indent=1))
        return 0
    print(format_compare(res))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    return 0


def _rebuild_at_batch(outdir: Path, rep: dict, batch: int, workdir: Path
                      ) -> Tuple[Path, Path]:
    """float.mlir and int8.mlir of ``outdir`` again at ``batch``: the model
    imported at that batch and quantized with the passes and table that
    made int8.mlir (the table's point names do not depend on the batch)."""
    try:
        model, settings = Path(rep["model"]), rep["settings"]
        specs = rep.get("input_shape", [])
    except (KeyError, TypeError):
        raise UsageError(f"--batch: '{outdir / 'report.json'}' does not record the model "
                         f"and settings") from None
    if not rep.get("dynamic_batch"):
        raise UsageError(f"--batch: the model of '{outdir}' ({model}) fixes its batch; "
                         f"compare runs float.mlir and int8.mlir as they are")
    table = outdir / "table.json"
    if not table.is_file():
        raise UsageError(f"--batch: '{outdir}' has no table.json")
    info = ModelInfo.load(model, specs)
    fm = workdir / f"float.batch{batch}.mlir"
    info.import_at(batch, fm)
    passes = quantize_pipeline(table, settings["method"], settings["per_channel"],
                               settings["global_scale"], workdir / "annotate.report.json",
                               settings.get("annotate_options", ""),
                               settings.get("calibrate_options", ""))
    alpha = settings.get("smooth_alpha")
    if alpha is not None:
        if not (outdir / "smooth.table.json").is_file():
            raise UsageError(f"--batch: '{outdir}' was smoothed but has no smooth.table.json")
        passes = [smooth_pass(outdir, alpha), *passes]
    qm = workdir / f"int8.batch{batch}.mlir"
    tools.run_tool("qsim-opt", [str(fm), *passes, "-o", str(qm)], timeout=3600)
    return fm, qm


def _recorded_preprocess(outdir: Path) -> Optional[calibdata.Preprocess]:
    """The --preprocess items qsim quantize recorded in report.json."""
    rp = outdir / "report.json"
    try:
        items = json.loads(rp.read_text())["calibration"].get("preprocess_items")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return calibdata.parse_preprocess(items) if items else None


def compare_main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="qsim compare",
                                description="Float against int8 outputs on samples: "
                                "SQNR, cosine similarity, top-1 agreement.")
    add_compare_arguments(p)
    return compare_run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
