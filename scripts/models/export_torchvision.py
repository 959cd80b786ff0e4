#!/usr/bin/python3
"""Exports torchvision image classifiers with random weights to ONNX.

Run with Debian's Python (python3-torch 1.13, python3-torchvision 0.14):

    /usr/bin/python3 scripts/models/export_torchvision.py --out build/models \
        [--seed 0] [--generator HASH] [name ...]

For each model: build it with ``weights=None`` (nothing is downloaded) after
``torch.manual_seed(seed)``, make its activations look like a trained
model's, check every module's output range, and write

* ``<out>/<name>.onnx``: ``torch.onnx.export``, opset 17, input ``input``
  ``[batch, 3, 224, 224]`` (dynamic batch), output ``logits [batch, 1000]``;
* ``<out>/.work/<name>.export.json``: what was done and the range check;
* ``<out>/.work/<name>.check.npz``: two evaluation images and torch's
  logits on them, which scripts/models/finish.py compares with
  onnxruntime before it writes ``<out>/<name>.json``.

Realistic activations: a randomly initialised network with BatchNorm in
eval mode normalises with mean 0 / variance 1, which are not the statistics
of its inputs, so activations shrink or grow layer after layer.  Here every
BatchNorm gets the statistics of its own input over 16 coloured
Fashion-MNIST images (scripts/models/inputs.py), in one eval-mode forward
pass in which a pre-hook sets each layer's statistics just before it runs,
so that each layer sees its predecessors already calibrated (training-mode
passes with a cumulative average normalise each layer with per-batch
statistics instead, and leave networks with squeeze-excitation far more
sensitive to a few images; docs/Models.md).  Every Linear layer gets
variance-preserving weights, N(0, 1/fan_in).  ConvNeXt has LayerNorm
instead of BatchNorm, which needs no statistics; its convolutions get
variance-preserving weights too and its layer scale a trained-like 0.1
instead of 1e-6, so that the residual branches contribute.  Finally the
classifier (the last Linear or Conv2d) is scaled so that a typical
calibration image (the median) has logits with a standard deviation of 2,
about what trained ImageNet classifiers show.

Range check (fails the export): on the evaluation images, every module's
floating-point output must be finite, have a standard deviation above 1e-3
and below 1e3, and the logits a standard deviation above 0.1.

Determinism: the statistics and the classifier scale are computed in
float64 and rounded to a 12-bit grid (round_stats), far coarser than
float64's summation-order noise, so threads and SIMD width do not change
them; with the same seed and the same torch the .onnx file is
byte-identical (scripts/models/gen.sh --verify).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torchvision
import torchvision.models as tvm

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inputs  # noqa: E402

OPSET = 17

#: name -> (constructor keyword arguments, family)
MODELS = {
    "mobilenet_v3_small": ({}, "bn"),
    "mobilenet_v3_large": ({}, "bn"),
    "efficientnet_b0": ({}, "bn"),
    "shufflenet_v2_x1_0": ({}, "bn"),
    "resnet50": ({}, "bn"),
    "regnet_y_400mf": ({}, "bn"),
    "squeezenet1_1": ({}, "plain"),
    "densenet121": ({}, "bn"),
    "googlenet": ({"aux_logits": False, "transform_input": False,
                   "init_weights": True}, "bn"),
    "convnext_tiny": ({"layer_scale": 0.1}, "ln"),
}

CALIB_IMAGES = 16          # one eval-mode pass sets the BN statistics
SCALE_IMAGES = 4           # models without BN: images that set the classifier scale
EVAL_IMAGES = 2            # range check and the ORT comparison
LOGITS_STD = 2.0
MIN_STD, MAX_STD, MIN_LOGITS_STD = 1e-3, 1e3, 0.1
ROUND_BITS = 12


class ExportError(RuntimeError):
    pass


def round_bits(a: np.ndarray, bits: int = ROUND_BITS) -> np.ndarray:
    """``a`` rounded to ``bits`` significant bits."""
    m, e = np.frexp(np.asarray(a, np.float64))
    return np.ldexp(np.round(m * (1 << bits)) / (1 << bits), e)


def round_sig(x: float, bits: int = ROUND_BITS) -> float:
    return float(np.float32(round_bits(np.array([x]), bits)[0]))


def round_stats(mean: np.ndarray, var: np.ndarray, eps: float):
    """BatchNorm statistics on a grid that summation-order noise cannot move:
    the variance to ROUND_BITS significant bits, the mean to a power-of-two
    step of 2**-ROUND_BITS of its channel's standard deviation (so a mean
    that is zero up to rounding noise becomes exactly zero)."""
    var = round_bits(np.maximum(var, 0.0))
    step = np.exp2(np.floor(np.log2(np.sqrt(var + eps))) - ROUND_BITS)
    return np.round(mean / step) * step, var


def build(name: str, seed: int) -> torch.nn.Module:
    kwargs, family = MODELS[name]
    torch.manual_seed(seed)
    model = getattr(tvm, name)(weights=None, **kwargs)
    # Variance-preserving weights, N(0, 1/fan_in), for every Linear layer
    # (torchvision starts some at std 0.01, a from-scratch training recipe
    # that leaves e.g. MobileNetV3's hidden head layer tiny and linear) and,
    # in ConvNeXt, every Conv2d too (instead of std 0.02), so that each
    # block's branch is as strong as its input, as in a trained ConvNeXt.
    g = torch.Generator().manual_seed(seed + 1)
    for m in model.modules():
        if isinstance(m, torch.nn.Linear) or (family == "ln" and isinstance(m, torch.nn.Conv2d)):
            fan_in = m.weight[0].numel()
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) / math.sqrt(fan_in))
                if m.bias is not None:
                    m.bias.zero_()
    return model.eval()


def calibrate_bn(model: torch.nn.Module, calib: np.ndarray):
    """Sets every BatchNorm's running statistics to the mean and variance of
    its input in the eval-mode network over ``calib``, in one forward pass:
    a pre-hook sets them just before the layer runs, so each layer sees its
    predecessors already calibrated.  Returns (number of BN modules, the
    pass's output: the calibrated model's logits on ``calib``)."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    calls = {id(bn): 0 for bn in bns}

    def pre(bn, args):
        x = args[0].detach().double()
        dims = [d for d in range(x.dim()) if d != 1]
        mean, var = round_stats(x.mean(dims).numpy(), x.var(dims, unbiased=False).numpy(),
                                bn.eps)
        with torch.no_grad():
            bn.running_mean.copy_(torch.from_numpy(mean))
            bn.running_var.copy_(torch.from_numpy(var))
        calls[id(bn)] += 1

    handles = [bn.register_forward_pre_hook(pre) for bn in bns]
    try:
        model.eval()
        with torch.no_grad():
            y = model(torch.from_numpy(calib))
    finally:
        for h in handles:
            h.remove()
    if any(c != 1 for c in calls.values()):
        raise ExportError("a BatchNorm module ran more or less than once per forward pass; "
                          "its statistics would be ambiguous")
    return len(bns), y


def classifier(model: torch.nn.Module):
    last = None
    for n, m in model.named_modules():
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
            last = (n, m)
    return last


def scale_classifier(model: torch.nn.Module, logits: torch.Tensor) -> float:
    """Scales the classifier so that the median over images of the per-image
    logits std of ``logits`` (the model's output on the calibration images)
    becomes LOGITS_STD; every torchvision head is positively homogeneous in
    the classifier.  The median, not the std over all: a few images that the
    random network amplifies would otherwise set the scale for all."""
    std = float(logits.double().std(dim=1).median())
    if not math.isfinite(std) or std <= 0:
        raise ExportError(f"logits std {std} before scaling the classifier")
    s = round_sig(LOGITS_STD / std)
    _, layer = classifier(model)
    with torch.no_grad():
        layer.weight.mul_(s)
        if layer.bias is not None:
            layer.bias.mul_(s)
    return s


def range_check(name: str, model: torch.nn.Module, x: np.ndarray):
    """Forward hooks on every module: finite outputs, std in
    (MIN_STD, MAX_STD); logits std > MIN_LOGITS_STD.  Returns (logits,
    figures); raises ExportError listing the offending modules."""
    rows = []

    def hook(mod_name):
        def f(_m, _i, out):
            if isinstance(out, torch.Tensor) and out.is_floating_point() and out.numel() > 1:
                o = out.detach().double()
                finite = bool(torch.isfinite(o).all())
                rows.append((mod_name or "<model>", type(_m).__name__, finite,
                             float(o.std()) if finite else float("nan"),
                             float(o.abs().max()) if finite else float("inf")))
        return f

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules()]
    try:
        with torch.no_grad():
            y = model(torch.from_numpy(x))
    finally:
        for h in handles:
            h.remove()
    bad = [r for r in rows if not r[2] or not (MIN_STD < r[3] < MAX_STD)]
    logits_std = float(y.double().std())
    if bad or not logits_std > MIN_LOGITS_STD:
        lines = [f"  {n} ({t}): finite={fi} std={s:.3g} max|x|={a:.3g}"
                 for n, t, fi, s, a in bad[:20]]
        raise ExportError(
            f"{name}: activations out of range ({len(bad)} of {len(rows)} module "
            f"outputs; limits: finite, {MIN_STD} < std < {MAX_STD}; logits std "
            f"{logits_std:.3g}, needs > {MIN_LOGITS_STD}):\n" + "\n".join(lines))
    lo = min(rows, key=lambda r: r[3])
    hi = max(rows, key=lambda r: r[3])
    big = max(rows, key=lambda r: r[4])
    figures = {
        "module_outputs": len(rows),
        "min_std": {"value": lo[3], "module": lo[0], "type": lo[1]},
        "max_std": {"value": hi[3], "module": hi[0], "type": hi[1]},
        "max_abs": {"value": big[4], "module": big[0], "type": big[1]},
        "logits_std": logits_std,
        "logits_std_per_image": [float(v) for v in y.double().std(dim=1)],
        "logits_min": float(y.min()), "logits_max": float(y.max()),
        "limits": {"min_std": MIN_STD, "max_std": MAX_STD,
                   "min_logits_std": MIN_LOGITS_STD},
    }
    return y.numpy(), figures


def export_bytes(model: torch.nn.Module, x: np.ndarray) -> bytes:
    buf = io.BytesIO()
    torch.onnx.export(model, torch.from_numpy(x[:1]), buf, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      do_constant_folding=True)
    return buf.getvalue()


def export_one(name: str, out: Path, seed: int, calib: np.ndarray, xeval: np.ndarray,
               generator: str) -> None:
    t0 = time.time()
    model = build(name, seed)
    family = MODELS[name][1]
    # Statistics and the classifier scale in float64 (see the module
    # docstring), the rest in float32 as the model will run.
    model.double()
    calib64 = calib.astype(np.float64)
    if family == "bn":
        nbn, logits = calibrate_bn(model, calib64)
    else:
        nbn = 0
        with torch.no_grad():
            logits = model(torch.from_numpy(calib64[:SCALE_IMAGES]))
    scale = scale_classifier(model, logits)
    model.float()
    logits, figures = range_check(name, model, xeval)
    data = export_bytes(model, xeval)
    work = out / ".work"
    work.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.onnx").write_bytes(data)
    np.savez(work / f"{name}.check.npz", input=xeval, logits=logits)
    info = {
        "name": name,
        "kind": "image classifier",
        "source": f"torchvision {torchvision.__version__} models.{name}(weights=None"
                  + "".join(f", {k}={v!r}" for k, v in MODELS[name][0].items()) + ")",
        "seed": seed,
        "torch": torch.__version__,
        "opset": OPSET,
        "generator": generator,
        "inputs": [{"name": "input", "shape": ["batch", 3, 224, 224], "dtype": "float32"}],
        "outputs": [{"name": "logits", "shape": ["batch", 1000], "dtype": "float32"}],
        "import_shapes": {"input": [1, 3, 224, 224]},
        "calibration": {
            "batchnorm_modules": nbn,
            "images": int(len(calib)) if nbn else 0,
            "method": "sequential: each BN's statistics are those of its input in the "
                      "eval-mode network, set by a pre-hook in one forward pass (float64, "
                      "rounded to a 12-bit grid)",
            "data": "Fashion-MNIST train images 0..%d, coloured, 224x224, ImageNet "
                    "normalization (scripts/models/inputs.py, seed %d)" % (len(calib) - 1, seed),
        },
        "classifier": {"module": classifier(model)[0], "scale": scale,
                       "target_logits_std": LOGITS_STD},
        "range_check": dict(figures, images="Fashion-MNIST test images 0..%d (seed 1)"
                            % (len(xeval) - 1)),
        "sha256": hashlib.sha256(data).hexdigest(),
        "export_seconds": round(time.time() - t0, 1),
    }
    info["init"] = ("torchvision's, then Linear%s weights N(0, 1/fan_in), biases 0%s "
                    "(torch.Generator seed %d)" % (
                        " and Conv2d" if family == "ln" else "",
                        ", layer_scale 0.1" if family == "ln" else "", seed + 1))
    (work / f"{name}.export.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"[models] {name}: {len(data) / 1e6:.1f} MB, {nbn} BatchNorm calibrated, "
          f"classifier x{scale:.4g}, logits std {figures['logits_std']:.3g}, min module "
          f"std {figures['min_std']['value']:.3g} ({figures['min_std']['module']}), "
          f"{time.time() - t0:.0f} s", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"default: all of {', '.join(MODELS)}")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--generator", default="", help="hash recorded in the JSON")
    ap.add_argument("--threads", type=int,
                    default=int(os.environ.get("QSIM_MODELS_THREADS", "0")) or
                    min(4, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    names = args.names or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    calib = inputs.images("train", range(CALIB_IMAGES), args.seed)
    xeval = inputs.eval_images(EVAL_IMAGES)
    failed = []
    for name in names:
        try:
            export_one(name, args.out, args.seed, calib, xeval, args.generator)
        except ExportError as e:
            print(f"[models] {name}: EXPORT FAILED: {e}", file=sys.stderr, flush=True)
            failed.append(name)
    if failed:
        print(f"[models] failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
