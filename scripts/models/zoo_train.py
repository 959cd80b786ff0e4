"""Trains the Fashion-MNIST model zoo with PyTorch and exports it as ONNX.

Not needed in CI: the exported models are committed under examples/zoo/.
Runs with Debian's PyTorch and the system Python (the project's venv has no
torch)::

    apt-get install -y --no-install-recommends python3-torch python3-numpy
    /usr/bin/python3 scripts/models/zoo_train.py                 # every model
    /usr/bin/python3 scripts/models/zoo_train.py resnet_v1 --epochs 3

For each model it writes ``examples/zoo/<name>.onnx`` (opset 17, dynamic
batch axis ``N``) and ``examples/zoo/<name>.json`` with the float test
accuracy PyTorch computed (and PyTorch's predicted class of every test
image, as a string of digits, so differences can be located without torch).

Model contract (docs/Zoo.md): one NCHW float32 input ``N x 1 x 28 x 28`` of
raw pixels in ``[0, 1]``; the normalisation ``(x - mean) * (1 / std)`` is
the model's first op (Sub, Mul: the importer has no Div); one output of 10
logits.  Only operators of the ONNX importer are used: flattening is
``torch.flatten`` (ONNX Flatten), not ``x.view(x.size(0), -1)`` (Shape +
Gather).

Deterministic: fixed seeds, one thread, deterministic algorithms, the same
shuffling order from a numpy generator; a rerun with the same PyTorch build
gives the same weights.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "python") not in sys.path:  # run with the system python
    sys.path.insert(0, str(REPO_ROOT / "python"))

from qsim import datasets  # noqa: E402

ZOO_DIR = REPO_ROOT / "examples" / "zoo"

#: Fashion-MNIST training set statistics of x / 255.
MEAN, STD = 0.2860, 0.3530
OPSET = 17


class Normalize(nn.Module):
    """``(x - MEAN) * (1 / STD)``: exports as Sub + Mul with scalar constants."""

    def forward(self, x):
        return (x - MEAN) * (1.0 / STD)


def conv_bn(cin, cout, k=3, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout))


# ---------------------------------------------------------------------------
# ResNet v1: basic blocks (conv-BN-ReLU-conv-BN, add, ReLU)
# ---------------------------------------------------------------------------


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.conv2 = conv_bn(cout, cout, 3, 1)
        self.shortcut = (conv_bn(cin, cout, 1, stride)
                         if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        y = F.relu(self.conv1(x))
        y = self.conv2(y)
        return F.relu(y + self.shortcut(x))


class ResNetV1(nn.Module):
    def __init__(self, widths=(16, 24, 48)):
        super().__init__()
        w0, w1, w2 = widths
        self.norm = Normalize()
        self.stem = conv_bn(1, w0, 3, 1)
        self.layer1 = BasicBlock(w0, w1, 2)   # 28 -> 14
        self.layer2 = BasicBlock(w1, w1, 1)
        self.layer3 = BasicBlock(w1, w2, 2)   # 14 -> 7
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(w2, 10)

    def forward(self, x):
        x = F.relu(self.stem(self.norm(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


# ---------------------------------------------------------------------------
# ResNet v2: pre-activation blocks (BN-ReLU-conv-BN-ReLU-conv, add)
# ---------------------------------------------------------------------------


class PreActBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = (nn.Conv2d(cin, cout, 1, stride, bias=False)
                         if stride != 1 or cin != cout else None)

    def forward(self, x):
        a = F.relu(self.bn1(x))
        # He et al. 2016: a projection shortcut takes the pre-activated input.
        sc = self.shortcut(a) if self.shortcut is not None else x
        y = self.conv1(a)
        y = self.conv2(F.relu(self.bn2(y)))
        return y + sc


class ResNetV2(nn.Module):
    def __init__(self, widths=(16, 24, 48)):
        super().__init__()
        w0, w1, w2 = widths
        self.norm = Normalize()
        self.stem = nn.Conv2d(1, w0, 3, 1, 1, bias=False)
        self.layer1 = PreActBlock(w0, w1, 2)
        self.layer2 = PreActBlock(w1, w1, 1)
        self.layer3 = PreActBlock(w1, w2, 2)
        self.bn = nn.BatchNorm2d(w2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(w2, 10)

    def forward(self, x):
        x = self.stem(self.norm(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.relu(self.bn(x))
        return self.fc(torch.flatten(self.pool(x), 1))


# ---------------------------------------------------------------------------
# MobileNetV2-style: inverted residuals, depthwise 3x3, ReLU6, linear bottleneck
# ---------------------------------------------------------------------------


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.body = nn.Sequential(
            conv_bn(cin, hidden, 1), nn.ReLU6(),
            conv_bn(hidden, hidden, 3, stride, groups=hidden), nn.ReLU6(),
            conv_bn(hidden, cout, 1))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.use_res else y


class MobileNetV2(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = Normalize()
        self.stem = nn.Sequential(conv_bn(1, 16, 3, 1), nn.ReLU6())
        self.blocks = nn.Sequential(
            InvertedResidual(16, 16, 2, 4),   # 28 -> 14
            InvertedResidual(16, 16, 1, 4),
            InvertedResidual(16, 32, 2, 4),   # 14 -> 7
            InvertedResidual(32, 32, 1, 4))
        self.head = nn.Sequential(conv_bn(32, 128, 1), nn.ReLU6())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(self.norm(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


# ---------------------------------------------------------------------------
# VGG-style: conv-ReLU stacks, max pools, two fully connected layers, no BN
# ---------------------------------------------------------------------------


class VGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = Normalize()

        def conv(cin, cout):
            return [nn.Conv2d(cin, cout, 3, 1, 1), nn.ReLU()]

        self.features = nn.Sequential(
            *conv(1, 16), *conv(16, 16), nn.MaxPool2d(2),     # 28 -> 14
            *conv(16, 32), *conv(32, 32), nn.MaxPool2d(2),    # 14 -> 7
            *conv(32, 64), nn.MaxPool2d(2))                   # 7 -> 3
        self.classifier = nn.Sequential(
            nn.Linear(64 * 3 * 3, 128), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(128, 10))

    def forward(self, x):
        x = self.features(self.norm(x))
        return self.classifier(torch.flatten(x, 1))


MODELS = {
    "resnet_v1": (ResNetV1, "ResNet v1, basic blocks (16-24-24-48), BN, ReLU"),
    "resnet_v2": (ResNetV2, "ResNet v2, pre-activation blocks (16-24-24-48)"),
    "mobilenet_v2": (MobileNetV2, "MobileNetV2-style, inverted residuals "
                     "(expand 4), depthwise 3x3, ReLU6"),
    "vgg": (VGG, "VGG-style, 5 convs + 2 FC, max pools, no batch norm"),
}


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------


def evaluate(model, x, y, batch=500):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            preds.append(model(torch.from_numpy(x[i:i + batch])).argmax(1).numpy())
    pred = np.concatenate(preds)
    return pred, int((pred == y).sum())


def train(name, epochs, batch, lr, seed, log=print):
    ctor, desc = MODELS[name]
    torch.manual_seed(seed)
    model = ctor()
    nparams = sum(p.numel() for p in model.parameters())
    xtr, ytr = datasets.load_fashion_mnist("train")
    xte, yte = datasets.load_fashion_mnist("test")
    steps = epochs * ((len(xtr) + batch - 1) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    rng = np.random.default_rng(seed)
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        order = rng.permutation(len(xtr))
        total, seen = 0.0, 0
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            xb, yb = torch.from_numpy(xtr[idx]), torch.from_numpy(ytr[idx])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
            seen += len(idx)
        _, correct = evaluate(model, xte, yte)
        log(f"{name}: epoch {ep + 1}/{epochs} loss {total / seen:.4f} "
            f"test top-1 {correct / len(yte):.4f} ({time.time() - t0:.0f} s)")
    train_s = time.time() - t0
    pred, correct = evaluate(model, xte, yte)
    info = {
        "model": name,
        "description": desc,
        "params": nparams,
        "input": "input: float32 [N, 1, 28, 28], raw pixels / 255",
        "output": "logits: float32 [N, 10]",
        "opset": OPSET,
        "test_images": int(len(yte)),
        "float_correct": correct,
        "float_top1": correct / len(yte),
        "training": {"epochs": epochs, "batch": batch, "optimizer": "AdamW",
                     "max_lr": lr, "weight_decay": 1e-4, "schedule": "OneCycle",
                     "seed": seed, "threads": torch.get_num_threads(),
                     "seconds": round(train_s, 1), "augmentation": "none"},
        "torch_version": torch.__version__,
        "predictions": "".join(str(int(p)) for p in pred),
    }
    return model, info


def export(model, name, out_dir):
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.onnx"
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), str(path),
                      opset_version=OPSET, input_names=["input"],
                      output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", default=list(MODELS),
                    help=f"models to train (default: all of {', '.join(MODELS)})")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ZOO_DIR)
    args = ap.parse_args(argv)
    for m in args.models:
        if m not in MODELS:
            ap.error(f"unknown model {m!r} (known: {', '.join(MODELS)})")
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    for name in args.models:
        model, info = train(name, args.epochs, args.batch, args.lr, args.seed,
                            log=lambda s: print(s, flush=True))
        path = export(model, name, args.out)
        (args.out / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n")
        print(f"{name}: {info['params']} parameters, float top-1 "
              f"{info['float_top1']:.4f}, wrote {path} "
              f"({path.stat().st_size} bytes)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
