#!/usr/bin/env python3
"""qsim against ONNX Runtime and PyTorch post-training quantization, side by
side on the Fashion-MNIST zoo (examples/zoo/*.onnx), in one run and one table.

    .venv/bin/python benchmarks/peers.py [--models resnet_v1 vgg]
        [--limit 2000] [--calib 500] [--threads 1] [--batch 1000]
        [--batch1-repeat 200] [--json out.json]

Per model, on the first ``--limit`` test images, with the same ``--calib``
calibration images for everybody (the seeded sample of ``qsim quantize``,
``quantize.calibration_images``):

* ``qsim``: ``quantize.quantize_and_evaluate``, the code path of ``qsim
  quantize``, with the settings of scripts/main.sh (MSE thresholds,
  ``unsigned-activations``, per-tensor weights); float and int8 run by
  ``qsim-run`` (one thread);
* ``ORT``: onnxruntime float (default graph optimizations), and
  ``quantize_static`` on the ``quant_pre_process``-ed model: QDQ, per-channel
  weights, its default int8 types (activations and weights QInt8), with
  MinMax, Entropy and Percentile calibration;
* ``ORT qsim-QDQ``: onnxruntime running qsim's own scales, the model
  exported by ``qsim export-onnx`` from qsim's table and settings (graph
  optimizations on; ``ref``: off, the file's ONNX semantics; ``w7``:
  calibrated with ``weight-range-bits=7``, see ``run_ort_on_qsim_qdq``);
* ``torch FX``: ``torch.ao.quantization.quantize_fx`` static PTQ with
  ``get_default_qconfig_mapping(backend)``, ``backend`` x86 when this torch
  has the engine, else onednn (Debian's python3-torch 1.13 has no fbgemm,
  hence no x86 engine).  torch lives in the system Python only: that part
  runs as a subprocess of ``/usr/bin/python3`` (``--torch-python``) on this
  same file with ``--torch-worker``.  The zoo's training script saves no
  state dict and its BN is folded into the convs at export, so the torch
  model is rebuilt from the ONNX graph (``TorchFromOnnx``: Conv, Gemm, BN,
  ReLU, Clip, MaxPool, GlobalAveragePool, Flatten, Add, Sub/Mul by a
  constant; weights from the initializers).

Threads: ``--threads`` for everybody (torch.set_num_threads, ORT
intra_op_num_threads, inter_op 1; qsim-run is single-threaded).  Times per
image: at ``--batch`` the median over the evaluation's batch calls of one
call's time / batch (qsim: ``qsim-run --time``, the same), and at batch 1
the minimum of ``--batch1-repeat`` calls on one image.

Where an engine's float predictions differ from qsim's, the differing images
(up to 50) are decided by a float64 evaluation of the ONNX graph
(``evaluate.float64_logits``, onnx.reference) and a note says who is right.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "examples" / "zoo"
MODELS = ("resnet_v1", "resnet_v2", "mobilenet_v2", "vgg")


def _median_ms(calls):
    """Median over ``(seconds, images)`` calls of the time per image, in ms."""
    return float(np.median([t / n for t, n in calls])) * 1000.0 if calls else float("nan")


# ---------------------------------------------------------------------------
# PyTorch worker (system python: numpy + torch only)
# ---------------------------------------------------------------------------


def export_graph(onnx_path: Path, out: Path) -> None:
    """The ONNX graph as ``graph.json`` (nodes, attributes) and
    ``weights.npz`` (initializers and Constant values), for the torch worker,
    which has no onnx package."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    g = model.graph
    arrays = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    nodes = []
    for n in g.node:
        attrs = {}
        for a in n.attribute:
            v = onnx.helper.get_attribute_value(a)
            if isinstance(v, onnx.TensorProto):
                arrays[n.output[0]] = numpy_helper.to_array(v)
                continue
            attrs[a.name] = list(v) if isinstance(v, (list, tuple)) else v
            if isinstance(attrs[a.name], bytes):
                attrs[a.name] = attrs[a.name].decode()
        nodes.append({"op": n.op_type, "name": n.name, "inputs": list(n.input),
                      "outputs": list(n.output), "attrs": attrs})
    inits = {t.name for t in g.initializer}
    spec = {"input": [i.name for i in g.input if i.name not in inits][0],
            "output": g.output[0].name, "nodes": nodes}
    (out / "graph.json").write_text(json.dumps(spec))
    np.savez(out / "weights.npz", **{f"w{i}": a for i, a in enumerate(arrays.values())},
             __names__=np.array(list(arrays)))


def torch_worker(d: Path) -> int:
    import re

    import torch
    import torch.nn as nn

    job = json.loads((d / "job.json").read_text())
    torch.set_num_threads(job["threads"])
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    engines = torch.backends.quantized.supported_engines
    backend = "x86" if "x86" in engines else "onednn" if "onednn" in engines else "fbgemm"
    torch.backends.quantized.engine = backend
    spec = json.loads((d / "graph.json").read_text())
    w = np.load(d / "weights.npz")
    arrays = {str(k): w[f"w{i}"] for i, k in enumerate(w["__names__"])}

    class TorchFromOnnx(nn.Module):
        def __init__(self):
            super().__init__()
            self.mods = nn.ModuleDict()
            self.steps = []
            for n in spec["nodes"]:
                op, ins, a = n["op"], n["inputs"], n["attrs"]
                key = re.sub(r"\W", "_", n["name"]) or f"n{len(self.steps)}"
                t = lambda name: torch.from_numpy(np.array(arrays[name], np.float32))
                if op == "Constant":
                    continue
                if op == "Conv":
                    wt = t(ins[1])
                    pads = a.get("pads", [0, 0, 0, 0])
                    assert pads[:2] == pads[2:], f"asymmetric pads {pads}"
                    g = a.get("group", 1)
                    m = nn.Conv2d(wt.shape[1] * g, wt.shape[0], tuple(wt.shape[2:]),
                                  stride=tuple(a.get("strides", [1, 1])),
                                  padding=tuple(pads[:2]),
                                  dilation=tuple(a.get("dilations", [1, 1])),
                                  groups=g, bias=len(ins) > 2)
                    m.weight.data.copy_(wt)
                    if len(ins) > 2:
                        m.bias.data.copy_(t(ins[2]))
                elif op == "Gemm":
                    assert a.get("transB", 0) == 1 and a.get("alpha", 1.0) == 1.0 \
                        and a.get("beta", 1.0) == 1.0 and not a.get("transA", 0)
                    wt = t(ins[1])
                    m = nn.Linear(wt.shape[1], wt.shape[0], bias=len(ins) > 2)
                    m.weight.data.copy_(wt)
                    if len(ins) > 2:
                        m.bias.data.copy_(t(ins[2]))
                elif op == "BatchNormalization":
                    m = nn.BatchNorm2d(len(arrays[ins[1]]), eps=a.get("epsilon", 1e-5))
                    m.weight.data.copy_(t(ins[1]))
                    m.bias.data.copy_(t(ins[2]))
                    m.running_mean.copy_(t(ins[3]))
                    m.running_var.copy_(t(ins[4]))
                elif op == "Relu":
                    m = nn.ReLU()
                elif op == "Clip":
                    lo, hi = float(arrays[ins[1]]), float(arrays[ins[2]])
                    m = nn.ReLU6() if (lo, hi) == (0.0, 6.0) else nn.Hardtanh(lo, hi)
                elif op == "MaxPool":
                    pads = a.get("pads", [0, 0, 0, 0])
                    assert pads[:2] == pads[2:] and not a.get("ceil_mode", 0)
                    m = nn.MaxPool2d(tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1])),
                                     tuple(pads[:2]))
                elif op == "GlobalAveragePool":
                    m = nn.AdaptiveAvgPool2d(1)
                elif op in ("Flatten", "Add", "Sub", "Mul"):
                    m = None
                else:
                    raise NotImplementedError(f"ONNX op {op} ({n['name']})")
                if m is not None:
                    self.mods[key] = m
                consts = [float(arrays[i].reshape(-1)[0]) if i in arrays else None
                          for i in ins]
                self.steps.append((op, key, ins, n["outputs"][0], consts,
                                   a.get("axis", 1)))

        def forward(self, x):
            env = {spec["input"]: x}
            for op, key, ins, out, consts, axis in self.steps:
                if op == "Add":
                    env[out] = env[ins[0]] + env[ins[1]]
                elif op in ("Sub", "Mul"):
                    assert consts[1] is not None and consts[0] is None, "tensor Sub/Mul"
                    env[out] = (env[ins[0]] - consts[1] if op == "Sub"
                                else env[ins[0]] * consts[1])
                elif op == "Flatten":
                    env[out] = torch.flatten(env[ins[0]], axis)
                else:
                    env[out] = self.mods[key](env[ins[0]])
            return env[spec["output"]]

    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    x = np.load(d / "test.npy")
    xc = np.load(d / "calib.npy")
    batch = job["batch"]
    fmodel = TorchFromOnnx().eval()
    prepared = prepare_fx(TorchFromOnnx().eval(), get_default_qconfig_mapping(backend),
                          example_inputs=(torch.from_numpy(xc[:1]),))
    t0 = time.time()
    with torch.no_grad():
        for i in range(0, len(xc), 100):
            prepared(torch.from_numpy(xc[i:i + 100]))
    qmodel = convert_fx(prepared).eval()
    calib_s = time.time() - t0

    res = {"backend": backend, "torch": torch.__version__, "calib_s": calib_s}
    for name, m in (("float", fmodel), ("int8", qmodel)):
        outs, times = [], []
        with torch.no_grad():
            m(torch.from_numpy(x[:batch]))  # warm-up
            for i in range(0, len(x), batch):
                xb = torch.from_numpy(x[i:i + batch])
                t = time.perf_counter()
                y = m(xb)
                times.append((time.perf_counter() - t, len(xb)))
                outs.append(y.numpy())
            x1 = torch.from_numpy(x[:1])
            t1 = []
            for _ in range(job["repeat1"]):
                t = time.perf_counter()
                m(x1)
                t1.append(time.perf_counter() - t)
        np.save(d / f"torch_{name}.npy", np.concatenate(outs))
        res[f"{name}_ms"] = _median_ms(times)
        res[f"{name}_ms_b1"] = min(t1) * 1000.0 if t1 else float("nan")
    (d / "torch.json").write_text(json.dumps(res))
    return 0


# ---------------------------------------------------------------------------
# The engines, in the venv
# ---------------------------------------------------------------------------


class Row:
    def __init__(self, model, engine, y, flog, qlog, fms, qms, fms1, qms1, note=""):
        self.model, self.engine, self.note = model, engine, note
        self.fpred = None if flog is None else flog.argmax(1)
        self.qpred = None if qlog is None else qlog.argmax(1)
        self.ftop1 = None if flog is None else float((self.fpred == y).mean())
        self.qtop1 = None if qlog is None else float((self.qpred == y).mean())
        self.fms, self.qms, self.fms1, self.qms1 = fms, qms, fms1, qms1

    @property
    def drop(self):
        if self.ftop1 is None or self.qtop1 is None:
            return None
        return 100.0 * (self.ftop1 - self.qtop1)

    def as_dict(self):
        return {"model": self.model, "engine": self.engine, "float_top1": self.ftop1,
                "int8_top1": self.qtop1, "drop_points": self.drop,
                "float_ms_per_image": self.fms, "int8_ms_per_image": self.qms,
                "float_ms_batch1": self.fms1, "int8_ms_batch1": self.qms1,
                "note": self.note}


def _qsim_batch1(work: Path, onnx_path: Path, res, args, x1: np.ndarray):
    """Batch-1 latency of qsim's float and int8 modules (the same passes and
    table as the batched ones): min of ``--batch1-repeat`` qsim-run calls."""
    import re

    from qsim import evaluate, quantize, tools

    d = work / "b1"
    d.mkdir(exist_ok=True)
    fm = d / "float.mlir"
    evaluate.import_model(onnx_path, 1, fm)
    # The statistics run_qsim's quantize_and_evaluate collected: the batch-1
    # module must be quantized exactly as the batched one.
    passes = quantize.quantize_pipeline(work / "table.json", args.method,
                                        False, 8.0, d / "report.json", "",
                                        args.calibrate_options)
    qm = d / "int8.mlir"
    tools.run_tool("qsim-opt", [str(fm), *passes, "-o", str(qm)], timeout=1800)
    np.save(d / "x.npy", x1)
    out = []
    for src in (fm, qm):
        low = src.with_suffix(".llvm.mlir")
        tools.run_tool("qsim-opt", [str(src), "--qsim-cpu-pipeline", "-o", str(low)],
                       timeout=1800)
        text = tools.run_tool("qsim-run", [str(low), f"--input={d / 'x.npy'}", "--time",
                                           f"--repeat={args.batch1_repeat}"], timeout=1800)
        m = re.search(r"min ([0-9.]+) ms", text)
        out.append(float(m.group(1)) if m else float("nan"))
    return out


def run_qsim(onnx_path: Path, x, y, work: Path, args, log):
    from qsim import quantize

    t0 = time.time()
    res = quantize.quantize_and_evaluate(
        onnx_path, work, calib=args.calib, method=args.method, per_channel=False,
        batch=args.batch, limit=args.limit, calibrate_options=args.calibrate_options,
        log=lambda *a: None)
    f1, q1 = (_qsim_batch1(work, onnx_path, res, args, x[:1]) if args.batch1_repeat
              else (float("nan"), float("nan")))
    log(f"  qsim: {time.time() - t0:.0f} s ({res.calibration})")
    return Row(onnx_path.stem, "qsim", y, res.float_.logits, res.int8.logits,
               res.float_.timing.per_image_ms, res.int8.timing.per_image_ms, f1, q1)


def _ort_eval(path, x, args, optimize=True):
    from qsim import evaluate

    sess = evaluate.ort_session(path, args.threads, optimize=optimize)
    name = sess.get_inputs()[0].name
    b = args.batch
    sess.run(None, {name: x[:b]})  # warm-up
    outs, times = [], []
    for i in range(0, len(x), b):
        t = time.perf_counter()
        outs.append(sess.run(None, {name: x[i:i + b]})[0])
        times.append((time.perf_counter() - t, len(outs[-1])))
    t1 = []
    for _ in range(args.batch1_repeat):
        t = time.perf_counter()
        sess.run(None, {name: x[:1]})
        t1.append(time.perf_counter() - t)
    return (np.concatenate(outs), _median_ms(times),
            min(t1) * 1000.0 if t1 else float("nan"))


def run_ort(onnx_path: Path, x, y, xc, work: Path, args, log):
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod,
                                          QuantFormat, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from qsim import evaluate

    class Reader(CalibrationDataReader):
        def __init__(self, name):
            self.batches = iter([{name: xc[i:i + 100]} for i in range(0, len(xc), 100)])

        def get_next(self):
            return next(self.batches, None)

    t0 = time.time()
    flog, fms, fms1 = _ort_eval(onnx_path, x, args)
    pre = work / f"{onnx_path.stem}.pre.onnx"
    note = ""
    try:
        quant_pre_process(str(onnx_path), str(pre))
    except Exception as e:  # noqa: BLE001 - the peer's own pre-processing
        pre, note = onnx_path, f"quant_pre_process failed ({type(e).__name__}), raw model"
    sess = evaluate.ort_session(onnx_path)
    in_name = sess.get_inputs()[0].name
    rows = []
    for meth in (CalibrationMethod.MinMax, CalibrationMethod.Entropy,
                 CalibrationMethod.Percentile):
        q = work / f"{onnx_path.stem}.{meth.name}.qdq.onnx"
        t1 = time.time()
        with contextlib.redirect_stdout(sys.stderr):  # its progress prints
            quantize_static(str(pre), str(q), Reader(in_name), quant_format=QuantFormat.QDQ,
                            per_channel=True, calibrate_method=meth)
        qlog, qms, qms1 = _ort_eval(q, x, args)
        log(f"  ORT {meth.name}: {time.time() - t1:.0f} s")
        rows.append(Row(onnx_path.stem, f"ORT QDQ {meth.name}", y, flog, qlog, fms, qms,
                        fms1, qms1, note))
    rows += run_ort_on_qsim_qdq(onnx_path, x, y, work, args, log, flog, fms, fms1)
    log(f"  ORT: {time.time() - t0:.0f} s")
    return rows


def run_ort_on_qsim_qdq(onnx_path: Path, x, y, work: Path, args, log, flog, fms, fms1):
    """ORT running qsim's scales: ``qsim export-onnx`` of the model with the
    statistics (table.json) and settings run_qsim quantized it with.  Rows:
    ``ORT qsim-QDQ`` (graph optimizations on: ORT's fused int8 kernels),
    ``ORT qsim-QDQ ref`` (optimizations off: every DequantizeLinear -> float
    op -> QuantizeLinear as ONNX defines it, the semantics of the file) and
    ``ORT qsim-QDQ w7`` (calibrated with ``weight-range-bits=7``: ORT's x86
    int8 kernels without VNNI saturate int16 pair sums on 8-bit weights,
    docs/Interop.md)."""
    from qsim import quantize
    from qsim.qdq import command

    table = work / "qsim" / "table.json"
    cal = quantize.with_unsigned(quantize.DEFAULT_UNSIGNED, args.calibrate_options)
    rows = []
    for tag, extra, optimize in (("", "", True), (" ref", "", False),
                                 (" w7", "weight-range-bits=7", True)):
        t1 = time.time()
        # ref runs the first file with the optimizations off.
        q = work / f"{onnx_path.stem}.qsim{extra and '.w7'}.qdq.onnx"
        if not q.is_file():
            passes = quantize.quantize_pipeline(
                table, args.method, False, 8.0, work / "qdq.report.json", "",
                " ".join(o for o in (cal, extra) if o))
            command.export_model(onnx_path, passes, q, work / f"qdq{extra and '.w7'}")
        qlog, qms, qms1 = _ort_eval(q, x, args, optimize=optimize)
        log(f"  ORT qsim-QDQ{tag}: {time.time() - t1:.0f} s")
        rows.append(Row(onnx_path.stem, f"ORT qsim-QDQ{tag}", y, flog, qlog, fms, qms,
                        fms1, qms1))
    return rows


def run_torch(onnx_path: Path, x, y, xc, work: Path, args, log):
    if not args.torch_python or not Path(args.torch_python).exists():
        log(f"  torch: {args.torch_python} not found, skipped")
        return None
    probe = subprocess.run([args.torch_python, "-c", "import torch, numpy"],
                           capture_output=True, text=True)
    if probe.returncode:
        log(f"  torch: not importable by {args.torch_python}, skipped")
        return None
    d = work / "torch"
    d.mkdir(exist_ok=True)
    export_graph(onnx_path, d)
    np.save(d / "test.npy", x)
    np.save(d / "calib.npy", xc)
    (d / "job.json").write_text(json.dumps({"threads": args.threads, "batch": args.batch,
                                            "repeat1": args.batch1_repeat}))
    t0 = time.time()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads))
    p = subprocess.run([args.torch_python, str(Path(__file__).resolve()), "--torch-worker",
                        str(d)], capture_output=True, text=True, env=env)
    if p.returncode:
        log(f"  torch worker failed:\n{p.stderr[-3000:]}")
        return None
    r = json.loads((d / "torch.json").read_text())
    log(f"  torch FX ({r['backend']}, torch {r['torch']}): {time.time() - t0:.0f} s")
    return Row(onnx_path.stem, f"torch FX {r['backend']}", y, np.load(d / "torch_float.npy"),
               np.load(d / "torch_int8.npy"), r["float_ms"], r["int8_ms"],
               r["float_ms_b1"], r["int8_ms_b1"])


def arbitrate(onnx_path: Path, x, ours: Row, other: Row, limit=50):
    """A note on the images where ``other``'s float class differs from
    qsim's: the float64 evaluation of the ONNX graph decides."""
    from qsim import evaluate

    idx = np.flatnonzero(ours.fpred != other.fpred)
    if len(idx) == 0:
        return None
    sub = idx[:limit]
    ref = evaluate.float64_logits(onnx_path, x[sub]).argmax(1)
    a = int((ours.fpred[sub] == ref).sum())
    b = int((other.fpred[sub] == ref).sum())
    who = ("qsim is right" if a > b else f"{other.engine} is right" if b > a
           else "neither side is consistently right")
    return (f"note: {ours.model}: {other.engine} float differs from qsim on {len(idx)} "
            f"images; float64 (onnx.reference) sides with qsim on {a} and with "
            f"{other.engine} on {b} of {len(sub)} checked: {who}")


def _f(v, fmt):
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, fmt)


def format_table(rows, batch):
    head = (f"{'model':<13} {'engine':<20} {'float':>7} {'int8':>7} {'drop':>6} "
            f"{'float ms':>8} {'int8 ms':>8} {'f/i8':>5} {'vs qsim':>7} "
            f"{'f ms b1':>8} {'i8 ms b1':>8}")
    sub = (f"{'':<13} {'':<20} {'top-1':>7} {'top-1':>7} {'(pt)':>6} "
           f"{'b' + str(batch):>8} {'b' + str(batch):>8} {'':>5} {'int8':>7} "
           f"{'':>8} {'':>8}")
    lines = [head, sub, "-" * len(head)]
    ours = {}
    for r in rows:
        if r.engine == "qsim":
            ours[r.model] = r
        q = ours.get(r.model)
        vs = (r.qms / q.qms) if q is not None and r.qms and q.qms else None
        lines.append(
            f"{r.model:<13} {r.engine:<20} {_f(r.ftop1 and 100 * r.ftop1, '6.2f')}% "
            f"{_f(r.qtop1 and 100 * r.qtop1, '6.2f')}% {_f(r.drop, '6.2f')} "
            f"{_f(r.fms, '8.3f')} {_f(r.qms, '8.3f')} "
            f"{_f(r.fms / r.qms if r.fms and r.qms else None, '5.2f')} "
            f"{_f(vs, '6.2f')}x {_f(r.fms1, '8.3f')} {_f(r.qms1, '8.3f')}")
    return "\n".join(lines)


def build_info():
    """The checkout's commit (``+dirty`` with uncommitted changes) and the
    time the qsim-opt used was built (``$QSIM_BUILD_DIR`` or build/): the
    int8 kernels change from commit to commit."""
    from qsim import hostinfo, tools

    opt = tools.build_dir() / "bin" / "qsim-opt"
    built = (time.strftime("%Y-%m-%d %H:%M", time.localtime(opt.stat().st_mtime))
             if opt.exists() else "?")
    return f"commit {hostinfo.git_commit()}, {opt} of {built}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="*", default=list(MODELS),
                    help=f"zoo models (default: {' '.join(MODELS)}) or .onnx paths")
    ap.add_argument("--limit", type=int, default=2000,
                    help="first N test images (default 2000; 10000 = all)")
    ap.add_argument("--calib", type=int, default=500,
                    help="calibration images, the same for every engine (default 500)")
    ap.add_argument("--threads", type=int, default=1, help="threads of every engine (default 1)")
    ap.add_argument("--batch", type=int, default=1000,
                    help="batch of the accuracy runs and the batched times (default 1000)")
    ap.add_argument("--batch1-repeat", type=int, default=200,
                    help="calls for the batch-1 latency (min of them; 0: skip)")
    ap.add_argument("--method", default="mse", help="qsim --method (default mse, as scripts/main.sh)")
    ap.add_argument("--calibrate-options", default="unsigned-activations",
                    help="qsim --calibrate-options (default: unsigned-activations, as "
                    "scripts/main.sh)")
    ap.add_argument("--torch-python", default="/usr/bin/python3",
                    help="a python with torch (default /usr/bin/python3; '' skips torch)")
    ap.add_argument("--no-ort", action="store_true", help="skip ONNX Runtime")
    ap.add_argument("--keep", type=Path, default=None, help="keep the work files here")
    ap.add_argument("--json", type=Path, default=None, help="write the rows as JSON")
    ap.add_argument("--torch-worker", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.torch_worker is not None:
        return torch_worker(args.torch_worker)

    sys.path.insert(0, str(ROOT / "python"))
    from qsim import datasets, hostinfo, quantize

    def log(s):
        print(s, file=sys.stderr, flush=True)

    x, y = datasets.load_fashion_mnist("test", limit=args.limit)
    xc = quantize.calibration_images(args.calib)
    load0 = os.getloadavg()[0]
    rows, notes = [], []
    t00 = time.time()
    ctx = (tempfile.TemporaryDirectory(prefix="qsim-peers-") if args.keep is None
           else None)
    base = Path(ctx.name) if ctx else args.keep
    try:
        for m in args.models:
            path = Path(m) if m.endswith(".onnx") else ZOO / f"{m}.onnx"
            work = base / path.stem
            work.mkdir(parents=True, exist_ok=True)
            log(f"{path.stem}:")
            ours = run_qsim(path, x, y, work / "qsim", args, log)
            mrows = [ours]
            if not args.no_ort:
                mrows += run_ort(path, x, y, xc, work, args, log)
            tr = run_torch(path, x, y, xc, work, args, log)
            if tr is not None:
                mrows.append(tr)
            seen = set()
            for r in mrows[1:]:
                key = r.engine.split()[0]
                if key in seen:
                    continue
                seen.add(key)
                n = arbitrate(path, x, ours, r)
                if n:
                    notes.append(n)
                elif r.ftop1 != ours.ftop1:
                    notes.append(f"note: {path.stem}: {r.engine} float top-1 differs "
                                 f"from qsim's with the same predictions?")
            rows += mrows
    finally:
        if ctx:
            ctx.cleanup()

    print(f"{time.strftime('%Y-%m-%d')}, {build_info()}")
    print(f"{hostinfo.cpu_description()}, {args.threads} thread(s), load average "
          f"{load0:.1f} at the start and {os.getloadavg()[0]:.1f} at the end of the run; "
          f"{len(y)} test images, {args.calib} calibration images (the same for every "
          f"engine); times in ms per image at batch {args.batch} (median of the batch "
          f"calls) and at batch 1 (min of {args.batch1_repeat} calls)")
    print(f"qsim: --method {args.method} --calibrate-options '{args.calibrate_options}', "
          f"per-tensor weights; ORT: quantize_static QDQ, per-channel, S8S8; "
          f"f/i8: float time / int8 time; vs qsim: int8 time / qsim's int8 time")
    print(format_table(rows, args.batch))
    for n in notes:
        print(n)
    agree = [r for r in rows if r.engine != "qsim"]
    if agree and not notes:
        print("float predictions: every engine predicts the same class as qsim on every image")
    log(f"total {time.time() - t00:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"rows": [r.as_dict() for r in rows], "notes": notes,
                                         "cpu": hostinfo.cpu_description(),
                                         "threads": args.threads,
                                         "build": build_info(),
                                         "limit": len(y), "calib": args.calib},
                                        indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
