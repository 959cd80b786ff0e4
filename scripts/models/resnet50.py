"""A random-weight ResNet-50-shaped ONNX graph (benchmark workload).

``build_resnet50()`` returns an ``onnx.ModelProto`` with the layer shapes
of torchvision's ResNet-50 (v1.5: the stride of a downsampling bottleneck
is on its 3x3 conv): stem conv 7x7/2 (64) + BN + ReLU, max pool 3x3/2,
bottleneck stages of [3, 4, 6, 3] blocks (1x1, 3x3, 1x1 with expansion 4,
widths 64, 128, 256, 512; a 1x1 projection + BN on the first block of each
stage), residual adds, ReLU, global average pool, flatten, FC 1000.

Weights are random but deterministic (``seed``): He-normal convs, BN with
gamma in [0.5, 1] (the last BN of each residual branch in [0.1, 0.3], so
the activations stay bounded through 16 residual adds without training),
beta, mean and variance of moderate size. ``fold_bn=False`` keeps
``BatchNormalization`` nodes (the importer folds them into the convs);
``fold_bn=True`` writes the folded conv weights and biases instead.

``width`` scales every channel count, ``depth`` gives the blocks per stage
and ``image`` the input resolution, so the smoke test can build the same
graph tiny. Input ``input``: ``N x 3 x image x image`` float32 (batch
dynamic, ``N``); output ``logits``: ``N x classes``. Opset 17, IR version 8
(what onnxruntime 1.23 and the importer read).

    python scripts/models/resnet50.py out.onnx [--width 1.0] [--depth 3,4,6,3] [--image 224]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = ["RESNET50_DEPTH", "MOBILENETV2_BLOCKS", "build_resnet50",
           "build_mobilenetv2", "count_macs", "main"]

RESNET50_DEPTH = (3, 4, 6, 3)
_WIDTHS = (64, 128, 256, 512)
_EXPANSION = 4


def _ch(c: int, width: float) -> int:
    return max(4, int(round(c * width)))


class _Builder:
    def __init__(self, seed: int, fold_bn: bool):
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.rng = np.random.default_rng(seed)
        self.fold_bn = fold_bn
        self.nodes: List = []
        self.inits: List = []
        self.n = 0
        self.macs = 0

    def name(self, what: str) -> str:
        self.n += 1
        return f"{what}_{self.n}"

    def init(self, name: str, arr: np.ndarray) -> str:
        self.inits.append(self.numpy_helper.from_array(arr, name))
        return name

    def conv_bn(self, x: str, cin: int, cout: int, k: int, stride: int, hw: int,
                relu: Union[bool, str], gamma: Tuple[float, float] = (0.5, 1.0),
                group: int = 1) -> Tuple[str, int]:
        """conv (no bias) + BN (+ ReLU, or ReLU6 with relu="relu6"); returns
        (output, output hw). ``group`` = cin = cout: depthwise."""
        pad = k // 2
        hout = (hw + 2 * pad - k) // stride + 1
        cpg = cin // group
        self.macs += hout * hout * cout * cpg * k * k
        conv = self.name("conv")
        w = (self.rng.standard_normal((cout, cpg, k, k)) *
             np.sqrt(2.0 / (cpg * k * k))).astype(np.float32)
        g = self.rng.uniform(*gamma, cout).astype(np.float32)
        b = self.rng.uniform(-0.1, 0.1, cout).astype(np.float32)
        mean = self.rng.uniform(-0.1, 0.1, cout).astype(np.float32)
        var = self.rng.uniform(0.5, 1.5, cout).astype(np.float32)
        attrs = dict(kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)
        if group != 1:
            attrs["group"] = group
        if self.fold_bn:
            s = g / np.sqrt(var + 1e-5)
            wf = (w * s[:, None, None, None]).astype(np.float32)
            bf = (b - mean * s).astype(np.float32)
            self.nodes.append(self.helper.make_node(
                "Conv", [x, self.init(conv + ".weight", wf), self.init(conv + ".bias", bf)],
                [conv], name=conv, **attrs))
            y = conv
        else:
            self.nodes.append(self.helper.make_node(
                "Conv", [x, self.init(conv + ".weight", w)], [conv], name=conv, **attrs))
            bn = self.name("bn")
            self.nodes.append(self.helper.make_node(
                "BatchNormalization",
                [conv, self.init(bn + ".gamma", g), self.init(bn + ".beta", b),
                 self.init(bn + ".mean", mean), self.init(bn + ".var", var)],
                [bn], name=bn, epsilon=1e-5))
            y = bn
        if relu == "relu6":
            y = self.relu6(y)
        elif relu:
            y = self.relu(y)
        return y, hout

    def relu6(self, x: str) -> str:
        lo, hi = self.name("zero"), self.name("six")
        for n, v in ((lo, 0.0), (hi, 6.0)):
            self.nodes.append(self.helper.make_node(
                "Constant", [], [n], name=n,
                value=self.numpy_helper.from_array(np.array(v, np.float32), n)))
        r = self.name("relu6")
        self.nodes.append(self.helper.make_node("Clip", [x, lo, hi], [r], name=r))
        return r

    def relu(self, x: str) -> str:
        r = self.name("relu")
        self.nodes.append(self.helper.make_node("Relu", [x], [r], name=r))
        return r

    def add(self, a: str, b: str) -> str:
        r = self.name("add")
        self.nodes.append(self.helper.make_node("Add", [a, b], [r], name=r))
        return r

    def classifier_model(self, x: str, cin: int, classes: int, name: str,
                         batch: Union[int, str], image: int, doc: str):
        """Global average pool, flatten and FC on `x`, then the checked
        model (input ``input``, output ``logits``); the doc string ends with
        the MAC count that :func:`count_macs` reads."""
        from onnx import TensorProto, checker

        helper = self.helper
        gap = self.name("gap")
        self.nodes.append(helper.make_node("GlobalAveragePool", [x], [gap], name=gap))
        fl = self.name("flatten")
        self.nodes.append(helper.make_node("Flatten", [gap], [fl], name=fl, axis=1))
        fcw = (self.rng.standard_normal((classes, cin)) / np.sqrt(cin)).astype(np.float32)
        fcb = self.rng.uniform(-0.1, 0.1, classes).astype(np.float32)
        self.macs += cin * classes
        self.nodes.append(helper.make_node(
            "Gemm", [fl, self.init("fc.weight", fcw), self.init("fc.bias", fcb)],
            ["logits"], name="fc", transB=1))
        graph = helper.make_graph(
            self.nodes, name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                           [batch, 3, image, image])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, classes])],
            initializer=self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                  producer_name=f"qsim.{name}")
        model.ir_version = 8
        model.doc_string = f"{doc}, {self.macs} MACs per image"
        checker.check_model(model)
        return model


def build_resnet50(width: float = 1.0, depth: Sequence[int] = RESNET50_DEPTH,
                   image: int = 224, classes: int = 1000, seed: int = 0,
                   fold_bn: bool = False, batch: Union[int, str] = "N"):
    """The ONNX model (see the module docstring); ``batch`` is the input's
    first dimension (``"N"``: dynamic)."""
    from onnx import helper

    if len(depth) != 4 or min(depth) < 1:
        raise ValueError("depth: four stages of at least one block each")
    b = _Builder(seed, fold_bn)
    stem = _ch(64, width)
    x, hw = b.conv_bn("input", 3, stem, 7, 2, image, relu=True)
    mp = b.name("maxpool")
    b.nodes.append(helper.make_node("MaxPool", [x], [mp], name=mp, kernel_shape=[3, 3],
                                    strides=[2, 2], pads=[1, 1, 1, 1]))
    x, hw, cin = mp, (hw + 2 - 3) // 2 + 1, stem
    for stage, (blocks, w0) in enumerate(zip(depth, _WIDTHS)):
        mid, cout = _ch(w0, width), _ch(w0, width) * _EXPANSION
        for i in range(blocks):
            stride = 2 if (stage > 0 and i == 0) else 1
            y, _ = b.conv_bn(x, cin, mid, 1, 1, hw, relu=True)
            y, hout = b.conv_bn(y, mid, mid, 3, stride, hw, relu=True)
            y, _ = b.conv_bn(y, mid, cout, 1, 1, hout, relu=False, gamma=(0.1, 0.3))
            if i == 0:
                sc, _ = b.conv_bn(x, cin, cout, 1, stride, hw, relu=False)
            else:
                sc = x
            x, hw, cin = b.relu(b.add(y, sc)), hout, cout
    return b.classifier_model(x, cin, classes, "resnet50", batch, image,
                              f"random-weight ResNet-50 shape: width {width}, depth "
                              f"{list(depth)}, image {image}, seed {seed}")


#: torchvision MobileNetV2 inverted-residual settings (t, c, n, s).
MOBILENETV2_BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                      (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def build_mobilenetv2(width: float = 1.0, image: int = 224, classes: int = 1000,
                      seed: int = 0, batch: Union[int, str] = "N"):
    """A random-weight MobileNetV2-shaped ONNX graph (torchvision's layers:
    stem 3x3/2 (32), inverted residual blocks MOBILENETV2_BLOCKS (1x1
    expand + ReLU6, depthwise 3x3 + ReLU6, 1x1 project, residual add where
    the shape allows), 1x1 to 1280 + ReLU6, global average pool, FC);
    BN nodes kept (the importer folds them), weights as in
    :func:`build_resnet50`. About 0.3 GMAC at 224 x 224."""
    b = _Builder(seed, fold_bn=False)
    cin = _ch(32, width)
    x, hw = b.conv_bn("input", 3, cin, 3, 2, image, relu="relu6")
    for t, c, n, s in MOBILENETV2_BLOCKS:
        cout = _ch(c, width)
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            y = x
            if t != 1:
                y, _ = b.conv_bn(y, cin, hidden, 1, 1, hw, relu="relu6")
            y, hout = b.conv_bn(y, hidden, hidden, 3, stride, hw, relu="relu6",
                                group=hidden)
            y, _ = b.conv_bn(y, hidden, cout, 1, 1, hout, relu=False, gamma=(0.1, 0.3))
            if stride == 1 and cin == cout:
                y = b.add(y, x)
            x, hw, cin = y, hout, cout
    last = _ch(1280, width) if width > 1.0 else 1280
    x, hw = b.conv_bn(x, cin, last, 1, 1, hw, relu="relu6")
    cin = last
    return b.classifier_model(x, cin, classes, "mobilenetv2", batch, image,
                              f"random-weight MobileNetV2 shape: width {width}, "
                              f"image {image}, seed {seed}")


def count_macs(model) -> Optional[int]:
    """MACs per image recorded by :func:`build_resnet50` in the doc string."""
    import re

    m = re.search(r"(\d+) MACs per image", model.doc_string or "")
    return int(m.group(1)) if m else None


def _depth(text: str) -> Tuple[int, ...]:
    parts = [int(p) for p in text.split(",")]
    return tuple(parts * 4) if len(parts) == 1 else tuple(parts)


def main(argv: Optional[List[str]] = None) -> int:
    import onnx

    p = argparse.ArgumentParser(prog="scripts/models/resnet50.py",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("output", type=Path)
    p.add_argument("--width", type=float, default=1.0, help="channel multiplier (1.0)")
    p.add_argument("--depth", type=_depth, default=RESNET50_DEPTH,
                   help="blocks per stage, 'a,b,c,d' or one number for all (3,4,6,3)")
    p.add_argument("--image", type=int, default=224, help="input resolution (224)")
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fold-bn", action="store_true", help="fold BN into the conv weights")
    a = p.parse_args(argv)
    m = build_resnet50(a.width, a.depth, a.image, a.classes, a.seed, a.fold_bn)
    onnx.save(m, str(a.output))
    print(f"{a.output}: {m.doc_string}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
