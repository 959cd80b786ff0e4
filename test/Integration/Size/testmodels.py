"""Synthetic float models as TOSA MLIR text, for the size tests here.

`resnet18` emits a ResNet-18-shaped graph (conv 7x7/2, max pool, four stages
of two basic blocks with 1x1 downsampling shortcuts, global average pool,
fully connected) in NHWC with deterministic pseudo-random weights. Weights
are splat constants with a distinct value per layer: the graph's shape and
op count are what matter for the size test, and the text stays small. The
downsampling shortcuts are 3x3/2 convolutions (TOSA requires strides to
divide the padded extent exactly).

Usage: python testmodels.py resnet18 [--size 32] [--classes 1000]
"""

import argparse
import random
import sys


class _Writer:
    def __init__(self, seed):
        self.lines = []
        self.n = 0
        self.rng = random.Random(seed)

    def val(self):
        self.n += 1
        return f"%v{self.n}"

    def emit(self, text):
        self.lines.append("  " + text)

    def const(self, shape, value=None):
        if value is None:
            value = round(self.rng.uniform(-0.05, 0.05), 6) or 0.001
        v = self.val()
        t = "tensor<" + "x".join(str(d) for d in shape) + "xf32>"
        self.emit(f'{v} = "tosa.const"() <{{values = dense<{value}> : {t}}}> : () -> {t}')
        return v


def _t(shape):
    return "tensor<" + "x".join(str(d) for d in shape) + "xf32>"


def resnet18(size=32, classes=1000, seed=0):
    w = _Writer(seed)
    zp = w.const([1], 0.0)
    shape = [1, size, size, 3]

    def conv(x, shape, cout, k, stride, pads, name):
        # pads = (top/left, bottom/right); TOSA wants exact stride division.
        cin = shape[3]
        wt = w.const([cout, k, k, cin])
        b = w.const([cout])
        pt, pb = pads
        assert (shape[1] - 1 + pt + pb - (k - 1)) % stride == 0
        oh = (shape[1] - 1 + pt + pb - (k - 1)) // stride + 1
        out = [1, oh, oh, cout]
        v = w.val()
        w.emit(
            f"{v} = tosa.conv2d {x}, {wt}, {b}, {zp}, {zp} {{acc_type = f32, "
            f"dilation = array<i64: 1, 1>, pad = array<i64: {pt}, {pb}, {pt}, {pb}>, "
            f"stride = array<i64: {stride}, {stride}>}} : ({_t(shape)}, "
            f"{_t([cout, k, k, cin])}, {_t([cout])}, tensor<1xf32>, tensor<1xf32>) "
            f'-> {_t(out)} loc("{name}")')
        return v, out

    def relu(x, shape, name):
        v = w.val()
        w.emit(f"{v} = tosa.clamp {x} {{min_val = 0.0 : f32, max_val = 3.4028235e+38 : f32}} "
               f': ({_t(shape)}) -> {_t(shape)} loc("{name}")')
        return v

    x, shape = conv("%arg0", shape, 64, 7, 2, (3, 2), "conv1")
    x = relu(x, shape, "relu1")
    v = w.val()
    oh = shape[1] // 2
    out = [1, oh, oh, 64]
    w.emit(f"{v} = tosa.max_pool2d {x} {{kernel = array<i64: 3, 3>, pad = array<i64: 1, 0, 1, 0>, "
           f'stride = array<i64: 2, 2>}} : ({_t(shape)}) -> {_t(out)} loc("maxpool")')
    x, shape = v, out
    for stage, cout in enumerate([64, 128, 256, 512], start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            name = f"layer{stage}.{block}"
            pads = (1, 0) if stride == 2 else (1, 1)
            y, s1 = conv(x, shape, cout, 3, stride, pads, name + ".conv1")
            y = relu(y, s1, name + ".relu1")
            y, s2 = conv(y, s1, cout, 3, 1, (1, 1), name + ".conv2")
            if stride != 1 or shape[3] != cout:
                # A 3x3/2 shortcut: a 1x1/2 conv cannot divide an even size
                # exactly under TOSA's rule, and the op count is the same.
                sc, _ = conv(x, shape, cout, 3, stride, (1, 0),
                             name + ".downsample")
            else:
                sc = x
            v = w.val()
            w.emit(f"{v} = tosa.add {y}, {sc} : ({_t(s2)}, {_t(s2)}) -> {_t(s2)} "
                   f'loc("{name}.add")')
            x = relu(v, s2, name + ".relu2")
            shape = s2
    v = w.val()
    k = shape[1]
    w.emit(f"{v} = tosa.avg_pool2d {x}, {zp}, {zp} {{acc_type = f32, kernel = array<i64: {k}, {k}>, "
           f"pad = array<i64: 0, 0, 0, 0>, stride = array<i64: {k}, {k}>}} : ({_t(shape)}, "
           f'tensor<1xf32>, tensor<1xf32>) -> {_t([1, 1, 1, 512])} loc("avgpool")')
    s = w.val()
    w.emit(f"{s} = tosa.const_shape {{values = dense<[1, 1, 512]> : tensor<3xindex>}} : () -> !tosa.shape<3>")
    f = w.val()
    w.emit(f"{f} = tosa.reshape {v}, {s} : ({_t([1, 1, 1, 512])}, !tosa.shape<3>) -> "
           f'{_t([1, 1, 512])} loc("flatten")')
    fcw = w.const([1, 512, classes])
    o = w.val()
    w.emit(f"{o} = tosa.matmul {f}, {fcw}, {zp}, {zp} : ({_t([1, 1, 512])}, "
           f"{_t([1, 512, classes])}, tensor<1xf32>, tensor<1xf32>) -> "
           f'{_t([1, 1, classes])} loc("fc")')
    w.emit(f"return {o} : {_t([1, 1, classes])}")
    head = (f"func.func @resnet18(%arg0: {_t([1, size, size, 3])}) -> "
            f"{_t([1, 1, classes])} {{")
    return "\n".join([head] + w.lines + ["}"]) + "\n"


MODELS = {"resnet18": resnet18}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", choices=sorted(MODELS))
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    sys.stdout.write(MODELS[a.model](size=a.size, classes=a.classes, seed=a.seed))


if __name__ == "__main__":
    main()
