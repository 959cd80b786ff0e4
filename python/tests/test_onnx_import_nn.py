"""ONNX importer: Resize/Upsample, ConvTranspose, reductions, Softmax and
LogSoftmax, LayerNormalization, InstanceNormalization, batched MatMul,
Einsum and GlobalMaxPool against onnxruntime on random data (on graph
inputs and on NHWC values produced by a Conv), and their import errors."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T  # noqa: E402
from onnx import helper as h  # noqa: E402

from qsim import onnx_import as oi  # noqa: E402
from qsim import tools  # noqa: E402
from onnx_helpers import init as _init, model as _model, ort_run as _ort  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def _vi(name, shape=None):
    return h.make_tensor_value_info(name, T.FLOAT, None if shape is None else list(shape))


def _reference(model, feeds):
    from onnx.reference import ReferenceEvaluator
    return ReferenceEvaluator(model).run(None, feeds)


def _compare(model, feeds, tmp_path, reference=False, **kw):
    """Imports, verifies with qsim-opt, runs with qsim-run and compares with
    onnxruntime (or ONNX's reference evaluator where onnxruntime is wrong;
    atol relative to the output's range); returns the MLIR."""
    if tools.find_tool("qsim-run") is None or tools.find_tool("qsim-opt") is None:
        pytest.skip("qsim-run / qsim-opt are not built")
    mlir = oi.import_onnx(model, **kw)
    tools.run_tool("qsim-opt", ["-", "-o", "/dev/null"], input=mlir)
    want = _reference(model, feeds) if reference else _ort(model, feeds)
    got = oi.run_mlir(mlir, list(feeds.values()), len(want), workdir=str(tmp_path))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        scale = max(1.0, float(np.abs(w).max()))
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL * scale)
    return mlir


def _x(rng, shape):
    return rng.normal(size=shape).astype(np.float32)


def _conv(rng, c_in, c_out, x="x", y="c"):
    """A 3x3 'same' Conv (its output is NHWC inside the importer)."""
    w = _init(f"{y}.w", rng.normal(size=(c_out, c_in, 3, 3)) * 0.3)
    b = _init(f"{y}.b", rng.normal(size=c_out) * 0.1)
    return h.make_node("Conv", [x, f"{y}.w", f"{y}.b"], [y], name=f"{y}_conv",
                       pads=[1, 1, 1, 1]), [w, b]


def _one(op, inputs, attrs=None, inits=(), opset=13, x_shape=(1, 2, 4, 4),
         extra_inputs=()):
    node = h.make_node(op, list(inputs), ["y"], name="the_node", **(attrs or {}))
    return _model([node], [_vi("x", x_shape)] + list(extra_inputs), [_vi("y")],
                  inits, opset=opset, check=False)


def _error(model, *parts, **kw):
    with pytest.raises(oi.OnnxImportError) as exc:
        oi.import_onnx(model, **kw)
    msg = str(exc.value)
    assert "node 'the_node'" in msg, msg
    for p in parts:
        assert p in msg, msg
    return msg


# ---------------------------------------------------------------------------
# Resize / Upsample
# ---------------------------------------------------------------------------


def _resize_model(rng, attrs, scales=None, sizes=None, shape=(1, 3, 5, 6), conv=False,
                  opset=13):
    inits, nodes = [], []
    src = "x"
    if conv:
        node, ws = _conv(rng, shape[1], shape[1])
        nodes.append(node)
        inits += ws
        src = "c"
    ins = [src, ""]
    if scales is not None:
        inits.append(_init("scales", np.array(scales, np.float32)))
        ins.append("scales")
    else:
        inits.append(_init("sizes", np.array(sizes, np.int64)))
        ins += ["", "sizes"]
    nodes.append(h.make_node("Resize", ins, ["y"], name="resize", **attrs))
    return _model(nodes, [_vi("x", shape)], [_vi("y")], inits, opset=opset)


RESIZE_X2 = [
    ("nearest", "half_pixel", "round_prefer_floor"),
    ("nearest", "half_pixel", "round_prefer_ceil"),
    ("nearest", "half_pixel", "floor"),
    ("nearest", "half_pixel", "ceil"),
    ("nearest", "asymmetric", "floor"),
    ("nearest", "asymmetric", "round_prefer_floor"),
    ("nearest", "asymmetric", "round_prefer_ceil"),
    ("nearest", "asymmetric", "ceil"),
    ("nearest", "align_corners", "round_prefer_floor"),
    ("nearest", "align_corners", "floor"),
    ("nearest", "pytorch_half_pixel", "round_prefer_floor"),
    ("linear", "half_pixel", None),
    ("linear", "pytorch_half_pixel", None),
    ("linear", "align_corners", None),
    ("linear", "asymmetric", None),
]


@pytest.mark.parametrize("conv", [False, True], ids=["input", "nhwc"])
@pytest.mark.parametrize("mode,coord,nearest", RESIZE_X2,
                         ids=["-".join(str(p) for p in c if p) for c in RESIZE_X2])
def test_resize_x2_is_tosa_resize(mode, coord, nearest, conv, tmp_path):
    rng = np.random.default_rng(1)
    attrs = {"mode": mode, "coordinate_transformation_mode": coord}
    if nearest:
        attrs["nearest_mode"] = nearest
    m = _resize_model(rng, attrs, scales=[1, 1, 2, 2], conv=conv)
    mlir = _compare(m, {"x": _x(rng, (1, 3, 5, 6))}, tmp_path)
    assert "tosa.resize" in mlir and "tosa.gather" not in mlir
    if conv:  # stays NHWC between the conv and the resize
        assert mlir.count("tosa.transpose") == 2, mlir


@pytest.mark.parametrize("mode,coord,scales,sizes", [
    ("nearest", "half_pixel", [1, 1, 3, 3], None),
    ("nearest", "asymmetric", [1, 1, 4, 2], None),
    ("linear", "half_pixel", [1, 1, 0.5, 0.5], None),
    ("nearest", "half_pixel", [1, 1, 0.5, 0.5], None),
    ("linear", "half_pixel", [1, 1, 1.5, 1.5], None),
    ("linear", "align_corners", None, [1, 3, 9, 11]),
    ("nearest", "half_pixel", None, [1, 3, 7, 4]),
    ("linear", "pytorch_half_pixel", None, [1, 3, 1, 3]),
    ("linear", "half_pixel", [1, 1, 2, 1], None),
])
def test_resize_ratios(mode, coord, scales, sizes, tmp_path):
    """Other ratios: tosa.resize where it samples exactly like ONNX, gathers
    otherwise; both must match."""
    rng = np.random.default_rng(2)
    attrs = {"mode": mode, "coordinate_transformation_mode": coord}
    m = _resize_model(rng, attrs, scales=scales, sizes=sizes, conv=True)
    _compare(m, {"x": _x(rng, (1, 3, 5, 6))}, tmp_path)


@pytest.mark.parametrize("attrs,shape,sizes", [
    ({"mode": "cubic"}, (1, 3, 5, 5), [1, 3, 8, 8]),
    ({"mode": "cubic", "cubic_coeff_a": -0.5, "exclude_outside": 1}, (1, 3, 5, 5),
     [1, 3, 8, 8]),
    ({"mode": "cubic", "coordinate_transformation_mode": "align_corners"}, (1, 3, 5, 5),
     [1, 3, 8, 8]),
    ({"mode": "linear"}, (1, 3, 5, 40), [1, 3, 8, 2]),
    ({"mode": "nearest"}, (1, 3, 5, 40), [1, 3, 8, 2]),
    ({"mode": "linear", "coordinate_transformation_mode": "align_corners"},
     (1, 3, 20, 5), [1, 3, 1, 10]),
], ids=["cubic", "cubic-exclude", "cubic-align", "linear-down20", "nearest-down20",
        "linear-to1"])
def test_resize_gather_decomposition(attrs, shape, sizes, tmp_path):
    """Resizes tosa.resize cannot express (cubic; a downscale by 20, beyond
    TOSA's d < 16 n; one output row from 20 rows, beyond its border range)
    are per-axis gathers and constant-weighted sums."""
    rng = np.random.default_rng(3)
    m = _resize_model(rng, attrs, sizes=sizes, shape=shape, conv=True)
    mlir = _compare(m, {"x": _x(rng, shape)}, tmp_path)
    assert "tosa.gather" in mlir and "tosa.resize" not in mlir


def test_resize_3d_and_channel_axis(tmp_path):
    """Resizing a 3-D tensor, and the channel axis of a 4-D one: gathers."""
    rng = np.random.default_rng(4)
    m = _resize_model(rng, {"mode": "linear"}, scales=[1, 1, 2.5], shape=(2, 3, 4))
    _compare(m, {"x": _x(rng, (2, 3, 4))}, tmp_path)
    m = _resize_model(rng, {"mode": "nearest"}, scales=[1, 2, 2, 2], conv=True)
    _compare(m, {"x": _x(rng, (1, 3, 5, 6))}, tmp_path)


def test_resize_opset18_axes(tmp_path):
    rng = np.random.default_rng(5)
    inits = [_init("sizes", np.array([10, 12], np.int64))]
    node = h.make_node("Resize", ["x", "", "", "sizes"], ["y"], name="resize",
                       mode="linear", axes=[2, 3])
    m = _model([node], [_vi("x", (1, 3, 5, 6))], [_vi("y")], inits, opset=18)
    mlir = _compare(m, {"x": _x(rng, (1, 3, 5, 6))}, tmp_path)
    assert "tosa.resize" in mlir


@pytest.mark.parametrize("opset,mode", [(9, "nearest"), (9, "linear"), (7, "nearest")])
def test_upsample(opset, mode, tmp_path):
    rng = np.random.default_rng(6)
    scales = [1.0, 1.0, 2.0, 3.0]
    if opset >= 9:
        inits = [_init("scales", np.array(scales, np.float32))]
        node = h.make_node("Upsample", ["x", "scales"], ["y"], name="up", mode=mode)
    else:
        inits = []
        node = h.make_node("Upsample", ["x"], ["y"], name="up", mode=mode, scales=scales)
    m = _model([node], [_vi("x", (1, 2, 3, 4))], [_vi("y")], inits, opset=opset)
    mlir = _compare(m, {"x": _x(rng, (1, 2, 3, 4))}, tmp_path)
    assert "tosa.resize" in mlir


def test_resize10(tmp_path):
    rng = np.random.default_rng(7)
    inits = [_init("scales", np.array([1, 1, 2, 2], np.float32))]
    node = h.make_node("Resize", ["x", "scales"], ["y"], name="rs", mode="nearest")
    m = _model([node], [_vi("x", (1, 2, 3, 4))], [_vi("y")], inits, opset=10)
    _compare(m, {"x": _x(rng, (1, 2, 3, 4))}, tmp_path)


def _resize_error_model(attrs=None, scales=(1, 1, 2, 2), opset=13, runtime_scales=False):
    inits, extra = [], []
    if runtime_scales:
        extra = [_vi("scales", (4,))]
    else:
        inits = [_init("scales", np.array(scales, np.float32))]
    return _one("Resize", ["x", "", "scales"], attrs or {}, inits, opset=opset,
                extra_inputs=extra)


@pytest.mark.parametrize("attrs,opset,parts", [
    ({"coordinate_transformation_mode": "tf_crop_and_resize"}, 13,
     ["attribute 'coordinate_transformation_mode'", "region of interest"]),
    ({"coordinate_transformation_mode": "tf_half_pixel_for_nn"}, 13,
     ["attribute 'coordinate_transformation_mode'"]),
    ({"mode": "area"}, 13, ["attribute 'mode'"]),
    ({"nearest_mode": "up"}, 13, ["attribute 'nearest_mode'"]),
    ({"antialias": 1, "mode": "linear"}, 18, ["attribute 'antialias'"]),
    ({"keep_aspect_ratio_policy": "not_larger"}, 18,
     ["attribute 'keep_aspect_ratio_policy'"]),
])
def test_resize_errors(attrs, opset, parts):
    _error(_resize_error_model(attrs, opset=opset), *parts)


def test_resize_errors_operands():
    _error(_resize_error_model(runtime_scales=True), "'scales'", "must be a constant")
    _error(_resize_error_model(scales=(1, 1, 2)), "'scales' has 3 values for 4 axes")
    _error(_resize_error_model(scales=(1, 1, -2, 2)), "must be positive")
    m = _one("Resize", ["x", "", "scales", "sizes"], {},
             [_init("scales", np.array([1, 1, 2, 2], np.float32)),
              _init("sizes", np.array([1, 2, 8, 8], np.int64))])
    _error(m, "exactly one of 'scales' and 'sizes'")
    m = _one("Resize", ["x", "scales"], {"mode": "nearest"},
             [_init("scales", np.array([1, 1, 0.5, 0.5], np.float32))], opset=10)
    _error(m, "nearest downsampling")
    m = _one("Upsample", ["x", "scales"], {"mode": "nearest"},
             [_init("scales", np.array([1, 1, 0.5, 0.5], np.float32))], opset=9)
    _error(m, "must be >= 1")


# ---------------------------------------------------------------------------
# ConvTranspose
# ---------------------------------------------------------------------------


CONVT = [
    dict(),
    dict(strides=[2, 2]),
    dict(strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
    dict(strides=[2, 3], pads=[0, 1, 2, 0]),
    dict(strides=[2, 2], pads=[3, 3, 4, 3]),  # pads >= kernel: a slice
    dict(strides=[2, 2], output_shape=[11, 12]),
    dict(strides=[2, 2], auto_pad="SAME_UPPER"),
    dict(strides=[2, 2], auto_pad="SAME_LOWER"),
    dict(strides=[1, 2], dilations=[2, 2]),
    dict(group=3, strides=[2, 2], pads=[1, 1, 1, 1]),
    dict(group=6, strides=[2, 2]),
]


@pytest.mark.parametrize("conv", [False, True], ids=["input", "nhwc"])
@pytest.mark.parametrize("attrs", CONVT, ids=[
    "plain", "s2", "s2p1op1", "s23asym", "bigpads", "output_shape", "same_upper",
    "same_lower", "dil2", "group3", "depthwise"])
def test_conv_transpose(attrs, conv, tmp_path):
    rng = np.random.default_rng(10)
    c, m, k = 6, 4, 3
    group = attrs.get("group", 1)
    inits = [_init("w", rng.normal(size=(c, m // 2 if group == 3 else
                                         (1 if group == c else m), k, k)) * 0.3),
             _init("b", rng.normal(size=(m // 2 * 3 if group == 3 else
                                         (c if group == c else m),)))]
    nodes = []
    src = "x"
    if conv:
        node, ws = _conv(rng, c, c)
        nodes.append(node)
        inits += ws
        src = "c"
    nodes.append(h.make_node("ConvTranspose", [src, "w", "b"], ["y"], name="deconv",
                             kernel_shape=[k, k], **attrs))
    model = _model(nodes, [_vi("x", (1, c, 5, 6))], [_vi("y")], inits)
    mlir = _compare(model, {"x": _x(rng, (1, c, 5, 6))}, tmp_path)
    assert "tosa.transpose_conv2d" in mlir


def test_conv_transpose_1d_and_runtime_weight(tmp_path):
    rng = np.random.default_rng(11)
    inits = [_init("w", rng.normal(size=(3, 2, 4)))]
    node = h.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv", strides=[2],
                       pads=[1, 2])
    m = _model([node], [_vi("x", (2, 3, 7))], [_vi("y")], inits)
    _compare(m, {"x": _x(rng, (2, 3, 7))}, tmp_path)
    for attrs in ({}, {"dilations": [2, 3]}):
        node = h.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv",
                           strides=[2, 2], pads=[1, 0, 0, 1], **attrs)
        m = _model([node], [_vi("x", (1, 3, 4, 5)), _vi("w", (3, 2, 3, 3))], [_vi("y")])
        _compare(m, {"x": _x(rng, (1, 3, 4, 5)), "w": _x(rng, (3, 2, 3, 3))}, tmp_path)


def test_conv_transpose_errors():
    w = _init("w", np.ones((2, 2, 3, 3), np.float32))
    _error(_one("ConvTranspose", ["x", "w"], {"group": 3}, [w]), "attribute 'group'")
    _error(_one("ConvTranspose", ["x", "w"], {"kernel_shape": [2, 2]}, [w]),
           "attribute 'kernel_shape'")
    _error(_one("ConvTranspose", ["x", "w"], {"output_padding": [-1, 0]}, [w]),
           "attribute 'output_padding'")
    _error(_one("ConvTranspose", ["x", "w"], {"auto_pad": "FOO"}, [w]),
           "attribute 'auto_pad'")
    w3 = _init("w", np.ones((2, 2, 3, 3, 3), np.float32))
    _error(_one("ConvTranspose", ["x", "w"], {}, [w3], x_shape=(1, 2, 4, 4, 4)),
           "only 1-D and 2-D")
    _error(_one("ConvTranspose", ["x", "w"], {"dilations": [2, 0]}, [w]),
           "attribute 'dilations'")
    _error(_one("ConvTranspose", ["x", "w"], {"pads": [3, 3, 3, 3]}, [w]),
           "output size")


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------


REDUCE_OPS = ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
              "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum",
              "ReduceLogSumExp"]


def _reduce_node(op, src, axes, keepdims, opset, name="reduce"):
    """A reduction node (+ its axes initializer when axes are an input)."""
    inits = []
    attrs = {"keepdims": keepdims}
    ins = [src]
    as_input = opset >= (13 if op == "ReduceSum" else 18)
    if axes is not None:
        if as_input:
            inits.append(_init(f"{name}.axes", np.array(axes, np.int64)))
            ins.append(f"{name}.axes")
        else:
            attrs["axes"] = axes
    return h.make_node(op, ins, ["y"], name=name, **attrs), inits


def _positive(op):
    # Log sums need positive sums; products stay moderate near 1.
    return op in ("ReduceLogSum", "ReduceProd")


@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("axes,keepdims", [([1], 1), ([0, 2], 0), (None, 1), ([-1], 0)])
def test_reduce_plain(op, axes, keepdims, tmp_path):
    rng = np.random.default_rng(20)
    node, inits = _reduce_node(op, "x", axes, keepdims, 13)
    m = _model([node], [_vi("x", (3, 4, 5))], [_vi("y")], inits)
    x = _x(rng, (3, 4, 5))
    if _positive(op):
        x = rng.uniform(0.5, 1.5, size=(3, 4, 5)).astype(np.float32)
    _compare(m, {"x": x}, tmp_path)


@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("axes,keepdims", [([2, 3], 1), ([2, 3], 0), ([1], 1), ([1], 0),
                                           ([1, 3], 0), ([-3, -2], 1)])
def test_reduce_nhwc(op, axes, keepdims, tmp_path):
    rng = np.random.default_rng(21)
    conv, inits = _conv(rng, 3, 4)
    nodes = [conv]
    src = "c"
    if _positive(op):  # sigmoid + 0.5 is in (0.5, 1.5)
        inits.append(_init("half", np.float32(0.5)))
        nodes += [h.make_node("Sigmoid", ["c"], ["sg"], name="sig"),
                  h.make_node("Add", ["sg", "half"], ["pos"], name="pos")]
        src = "pos"
    node, ax_inits = _reduce_node(op, src, axes, keepdims, 13)
    m = _model(nodes + [node], [_vi("x", (2, 3, 5, 6))], [_vi("y")], inits + ax_inits)
    mlir = _compare(m, {"x": _x(rng, (2, 3, 5, 6))}, tmp_path)
    if op == "ReduceMean" and axes == [2, 3]:
        assert "tosa.avg_pool2d" in mlir
    if keepdims:  # the reduction itself needs no transpose back to NCHW
        assert mlir.count("tosa.transpose") == 2, mlir


def test_se_block(tmp_path):
    """Squeeze-and-excitation: ReduceMean over H, W, 1x1 convs, Mul."""
    rng = np.random.default_rng(22)
    conv, inits = _conv(rng, 3, 8)
    inits += [_init("w1", rng.normal(size=(2, 8, 1, 1)) * 0.3),
              _init("w2", rng.normal(size=(8, 2, 1, 1)) * 0.3)]
    nodes = [conv,
             h.make_node("ReduceMean", ["c"], ["m"], name="squeeze", axes=[2, 3]),
             h.make_node("Conv", ["m", "w1"], ["e1"], name="fc1"),
             h.make_node("Relu", ["e1"], ["r1"], name="relu"),
             h.make_node("Conv", ["r1", "w2"], ["e2"], name="fc2"),
             h.make_node("Sigmoid", ["e2"], ["g"], name="gate"),
             h.make_node("Mul", ["c", "g"], ["y"], name="excite")]
    m = _model(nodes, [_vi("x", (1, 3, 6, 6))], [_vi("y")], inits)
    mlir = _compare(m, {"x": _x(rng, (1, 3, 6, 6))}, tmp_path)
    assert "tosa.avg_pool2d" in mlir and mlir.count("tosa.transpose") == 2


@pytest.mark.parametrize("op,opset", [("ReduceSum", 13), ("ReduceMean", 18),
                                      ("ReduceMax", 18)])
def test_reduce_axes_input(op, opset, tmp_path):
    rng = np.random.default_rng(23)
    node, inits = _reduce_node(op, "x", [0, -1], 0, opset)
    m = _model([node], [_vi("x", (3, 4, 5))], [_vi("y")], inits, opset=opset)
    _compare(m, {"x": _x(rng, (3, 4, 5))}, tmp_path)
    # Without axes: all axes, or the identity with noop_with_empty_axes.
    for noop in (0, 1):
        node = h.make_node(op, ["x"], ["y"], name="r", noop_with_empty_axes=noop)
        m = _model([node], [_vi("x", (3, 4, 5))], [_vi("y")], opset=opset)
        # onnxruntime 1.23 fails on noop_with_empty_axes without axes.
        _compare(m, {"x": _x(rng, (3, 4, 5))}, tmp_path, reference=bool(noop))


def test_reduce_errors():
    _error(_one("ReduceMean", ["x"], {"axes": [4]}), "axis 4 is out of range")
    _error(_one("ReduceMean", ["x"], {"axes": [1, 1]}), "repeat")
    _error(_one("ReduceMean", ["x"], {"keepdims": 0}), "scalar")
    _error(_one("ReduceMax", ["x"], {"bogus": 1}), "attribute 'bogus'")
    m = _one("ReduceSum", ["x", "axes"], {}, extra_inputs=[
        h.make_tensor_value_info("axes", T.INT64, [1])])
    _error(m, "'axes'", "must be a constant")


# ---------------------------------------------------------------------------
# Softmax / LogSoftmax
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("axis,opset", [(1, 13), (2, 13), (-1, 13), (0, 13), (1, 11),
                                        (2, 11), (3, 11)])
def test_softmax_nhwc(op, axis, opset, tmp_path):
    rng = np.random.default_rng(30)
    conv, inits = _conv(rng, 3, 4)
    node = h.make_node(op, ["c"], ["y"], name="sm", axis=axis)
    m = _model([conv, node], [_vi("x", (2, 3, 5, 6))], [_vi("y")], inits, opset=opset)
    mlir = _compare(m, {"x": _x(rng, (2, 3, 5, 6)) * 3}, tmp_path)
    assert mlir.count("tosa.transpose") == 2, mlir  # no NCHW round trip


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("axis,opset", [(1, 13), (-1, 13), (0, 13), (1, 11), (None, 11),
                                        (None, 13)])
def test_softmax_plain(op, axis, opset, tmp_path):
    rng = np.random.default_rng(31)
    attrs = {} if axis is None else {"axis": axis}
    node = h.make_node(op, ["x"], ["y"], name="sm", **attrs)
    m = _model([node], [_vi("x", (2, 3, 7))], [_vi("y")], opset=opset)
    _compare(m, {"x": _x(rng, (2, 3, 7)) * 5}, tmp_path)


def test_softmax_errors():
    _error(_one("LogSoftmax", ["x"], {"axis": 4}), "attribute 'axis'")
    _error(_one("Softmax", ["x"], {"axis": -5}), "attribute 'axis'")


# ---------------------------------------------------------------------------
# LayerNormalization / InstanceNormalization
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 1, 0])
@pytest.mark.parametrize("runtime", [False, True], ids=["const", "runtime"])
def test_layer_norm(axis, runtime, tmp_path):
    rng = np.random.default_rng(40)
    shape = (2, 5, 8)
    nshape = shape[axis:] if axis >= 0 else shape[axis:]
    scale, bias = rng.normal(size=nshape), rng.normal(size=nshape)
    node = h.make_node("LayerNormalization", ["x", "s", "b"], ["y"], name="ln",
                       axis=axis, epsilon=1e-3)
    feeds = {"x": _x(rng, shape) * 2 + 1}
    if runtime:
        m = _model([node], [_vi("x", shape), _vi("s", nshape), _vi("b", nshape)],
                   [_vi("y")], opset=17)
        feeds.update(s=scale.astype(np.float32), b=bias.astype(np.float32))
    else:
        m = _model([node], [_vi("x", shape)], [_vi("y")],
                   [_init("s", scale), _init("b", bias)], opset=17)
    _compare(m, feeds, tmp_path)


def test_layer_norm_outputs(tmp_path):
    """Mean and InvStdDev outputs; no bias."""
    rng = np.random.default_rng(41)
    node = h.make_node("LayerNormalization", ["x", "s"], ["y", "mean", "inv"],
                       name="ln", axis=-2)
    m = _model([node], [_vi("x", (3, 4, 6))], [_vi("y"), _vi("mean"), _vi("inv")],
               [_init("s", rng.normal(size=(4, 6)))], opset=17)
    _compare(m, {"x": _x(rng, (3, 4, 6))}, tmp_path)


@pytest.mark.parametrize("axis", [1, 2, 3])
def test_layer_norm_nhwc(axis, tmp_path):
    rng = np.random.default_rng(42)
    conv, inits = _conv(rng, 3, 4)
    nshape = (1, 4, 5, 6)[axis:]
    inits += [_init("s", rng.normal(size=nshape)), _init("b", rng.normal(size=nshape))]
    node = h.make_node("LayerNormalization", ["c", "s", "b"], ["y"], name="ln", axis=axis)
    m = _model([conv, node], [_vi("x", (1, 3, 5, 6))], [_vi("y")], inits, opset=17)
    mlir = _compare(m, {"x": _x(rng, (1, 3, 5, 6))}, tmp_path)
    assert mlir.count("tosa.transpose") == 2, mlir


@pytest.mark.skipif(not {"Div", "Pow", "Sqrt"} <= set(oi.SUPPORTED_OPS),
                    reason="Div/Pow/Sqrt are not supported yet")
def test_layer_norm_decomposed(tmp_path):
    """The form exporters emit: ReduceMean, Sub, Pow 2, ReduceMean, Add eps,
    Sqrt, Div, Mul, Add."""
    rng = np.random.default_rng(43)
    d = 8
    inits = [_init("two", np.float32(2.0)), _init("eps", np.float32(1e-5)),
             _init("g", rng.normal(size=d)), _init("b", rng.normal(size=d))]
    nodes = [h.make_node("ReduceMean", ["x"], ["mu"], name="mean", axes=[-1]),
             h.make_node("Sub", ["x", "mu"], ["xc"], name="sub"),
             h.make_node("Pow", ["xc", "two"], ["sq"], name="pow"),
             h.make_node("ReduceMean", ["sq"], ["var"], name="var", axes=[-1]),
             h.make_node("Add", ["var", "eps"], ["ve"], name="add_eps"),
             h.make_node("Sqrt", ["ve"], ["sd"], name="sqrt"),
             h.make_node("Div", ["xc", "sd"], ["n"], name="div"),
             h.make_node("Mul", ["n", "g"], ["ng"], name="mul"),
             h.make_node("Add", ["ng", "b"], ["y"], name="add")]
    m = _model(nodes, [_vi("x", (2, 5, d))], [_vi("y")], inits)
    _compare(m, {"x": _x(rng, (2, 5, d)) * 3 + 1}, tmp_path)


def test_layer_norm_errors():
    s = _init("s", np.ones(4, np.float32))
    _error(_one("LayerNormalization", ["x", "s"], {"stash_type": 11}, [s], opset=17),
           "attribute 'stash_type'")
    _error(_one("LayerNormalization", ["x", "s"], {"axis": 4}, [s], opset=17),
           "attribute 'axis'")
    s3 = _init("s", np.ones(3, np.float32))
    _error(_one("LayerNormalization", ["x", "s"], {}, [s3], opset=17),
           "does not broadcast")


@pytest.mark.parametrize("conv", [False, True], ids=["input", "nhwc"])
def test_instance_norm(conv, tmp_path):
    rng = np.random.default_rng(44)
    inits = [_init("s", rng.normal(size=4)), _init("b", rng.normal(size=4))]
    nodes = []
    src = "x"
    if conv:
        node, ws = _conv(rng, 4, 4)
        nodes.append(node)
        inits += ws
        src = "c"
    nodes.append(h.make_node("InstanceNormalization", [src, "s", "b"], ["y"], name="in",
                             epsilon=1e-3))
    m = _model(nodes, [_vi("x", (2, 4, 5, 6))], [_vi("y")], inits)
    _compare(m, {"x": _x(rng, (2, 4, 5, 6)) * 2}, tmp_path)
    node = h.make_node("InstanceNormalization", ["x", "s", "b"], ["y"], name="in")
    m = _model([node], [_vi("x", (2, 4, 7))], [_vi("y")], inits[:2])
    _compare(m, {"x": _x(rng, (2, 4, 7))}, tmp_path)


def test_instance_norm_errors():
    s = _init("s", np.ones(3, np.float32))
    b = _init("b", np.ones(3, np.float32))
    _error(_one("InstanceNormalization", ["x", "s", "b"], {}, [s, b]), "expected [2]")


# ---------------------------------------------------------------------------
# MatMul / Einsum
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sa,sb,const_b", [
    ((2, 3, 4, 5), (2, 3, 5, 4), False),   # attention scores
    ((2, 4, 5), (5, 6), True),             # weights
    ((4, 5), (3, 5, 6), False),            # A broadcast over B's batch
    ((4, 5), (3, 5, 6), True),
    ((2, 1, 4, 5), (1, 3, 5, 6), False),   # both broadcast
    ((3, 4, 5), (2, 1, 5, 6), False),
    ((5,), (2, 5, 3), False),
    ((2, 3, 5), (5,), False),
])
def test_matmul_batched(sa, sb, const_b, tmp_path):
    rng = np.random.default_rng(50)
    b = _x(rng, sb)
    node = h.make_node("MatMul", ["a", "b"], ["y"], name="mm")
    if const_b:
        m = _model([node], [_vi("a", sa)], [_vi("y")], [_init("b", b)])
        feeds = {"a": _x(rng, sa)}
    else:
        m = _model([node], [_vi("a", sa), _vi("b", sb)], [_vi("y")])
        feeds = {"a": _x(rng, sa), "b": b}
    _compare(m, feeds, tmp_path)


def test_matmul_errors():
    m = _model([h.make_node("MatMul", ["x", "b"], ["y"], name="the_node")],
               [_vi("x", (2, 3, 4)), _vi("b", (3, 4, 5))], [_vi("y")], check=False)
    _error(m, "do not broadcast")
    m = _model([h.make_node("MatMul", ["x", "b"], ["y"], name="the_node")],
               [_vi("x", (4,)), _vi("b", (4,))], [_vi("y")], check=False)
    _error(m, "scalar")


EINSUM = [
    ("bhid,bhjd->bhij", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("bhij,bhjd->bhid", [(2, 3, 4, 6), (2, 3, 6, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,jk->bki", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bkj->bi", [(2, 3, 4), (2, 5, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ijk->ki", [(2, 3, 4)]),
    ("ij->i", [(3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(eq, shapes, tmp_path):
    rng = np.random.default_rng(51)
    names = [f"x{i}" for i in range(len(shapes))]
    node = h.make_node("Einsum", names, ["y"], name="es", equation=eq)
    m = _model([node], [_vi(n, s) for n, s in zip(names, shapes)], [_vi("y")], opset=12)
    # onnxruntime 1.23 fails on 'ijk->ki' (a copy of the wrong size).
    _compare(m, {n: _x(rng, s) for n, s in zip(names, shapes)}, tmp_path,
             reference=eq == "ijk->ki")


@pytest.mark.parametrize("eq,shapes,part", [
    ("ii->i", [(3, 3)], "repeats an index"),
    ("i,i", [(3,), (3,)], "scalar"),
    ("ij,jk,kl->il", [(2, 2), (2, 2), (2, 2)], "only one or two"),
    ("ij,jk->ik", [(2, 3), (4, 5)], "broadcasting"),
    ("ijk->ij", [(2, 3)], "does not match"),
])
def test_einsum_errors(eq, shapes, part):
    names = ["x"] + [f"x{i}" for i in range(1, len(shapes))]
    node = h.make_node("Einsum", names, ["y"], name="the_node", equation=eq)
    m = _model([node], [_vi(n, s) for n, s in zip(names, shapes)], [_vi("y")],
               opset=12, check=False)
    _error(m, "attribute 'equation'", part)


# ---------------------------------------------------------------------------
# GlobalMaxPool
# ---------------------------------------------------------------------------


def test_global_max_pool(tmp_path):
    rng = np.random.default_rng(60)
    conv, inits = _conv(rng, 3, 4)
    node = h.make_node("GlobalMaxPool", ["c"], ["y"], name="gmp")
    m = _model([conv, node], [_vi("x", (2, 3, 5, 6))], [_vi("y")], inits)
    mlir = _compare(m, {"x": _x(rng, (2, 3, 5, 6))}, tmp_path)
    assert "tosa.max_pool2d" in mlir
    node = h.make_node("GlobalMaxPool", ["x"], ["y"], name="gmp")
    m = _model([node], [_vi("x", (2, 3, 7))], [_vi("y")])
    _compare(m, {"x": _x(rng, (2, 3, 7))}, tmp_path)


def test_global_max_pool_errors():
    _error(_one("GlobalMaxPool", ["x"], {}, x_shape=(2, 3)), "no spatial axes")


@pytest.mark.parametrize("group,cg,mg,stride,bn", [
    (8, 2, 2, 1, False), (16, 8, 8, 2, True), (12, 4, 2, 1, True), (4, 3, 2, 1, False)])
def test_grouped_conv_many_groups(group, cg, mg, stride, bn, tmp_path):
    """RegNet/ResNeXt-style grouped convolutions with constant weights: one
    upstream linalg.conv_2d_nhwgc_gfhwc whatever the group count (padding a
    tosa.pad before it, the bias a tosa.add after it); BN folded first."""
    rng = np.random.default_rng(group)
    c, m = group * cg, group * mg
    inits = [_init("w", rng.normal(size=(m, cg, 3, 3)) / 3),
             _init("b", rng.normal(size=m))]
    nodes = [h.make_node("Conv", ["x", "w", "b"], ["c"], name="gconv", group=group,
                         pads=[1, 1, 1, 1], strides=[stride, stride])]
    out = "c"
    if bn:
        inits += [_init("g", rng.uniform(0.5, 1.5, m)), _init("bb", rng.normal(size=m)),
                  _init("mu", rng.normal(size=m) * 0.2), _init("v", rng.uniform(0.5, 2, m))]
        nodes.append(h.make_node("BatchNormalization", ["c", "g", "bb", "mu", "v"], ["n"],
                                 name="bn"))
        out = "n"
    nodes.append(h.make_node("Relu", [out], ["y"], name="relu"))
    model = _model(nodes, [_vi("x", (1, c, 9, 9))], [_vi("y")], inits)
    mlir = _compare(model, {"x": _x(rng, (1, c, 9, 9))}, tmp_path)
    assert mlir.count("linalg.conv_2d_nhwgc_gfhwc") == 1, mlir
    assert "tosa.conv2d" not in mlir and "tosa.depthwise_conv2d" not in mlir
    assert "tosa.concat" not in mlir and "tosa.reduce_sum" not in mlir


def test_softmax_and_norms_stay_float(tmp_path):
    """The ops of a LayerNormalization and a Softmax carry qsim.keep_float
    (constants do not), --qsim-annotate leaves them float saying why, and
    the matmul between them is quantized."""
    import json

    rng = np.random.default_rng(44)
    nodes = [h.make_node("LayerNormalization", ["x", "s", "b"], ["l"], name="ln", axis=-1),
             h.make_node("MatMul", ["l", "w"], ["m"], name="mm"),
             h.make_node("Softmax", ["m"], ["y"], name="sm", axis=-1)]
    m = _model(nodes, [_vi("x", (1, 4, 8))], [_vi("y")],
               [_init("s", rng.normal(size=8)), _init("b", rng.normal(size=8)),
                _init("w", rng.normal(size=(8, 8)))], opset=17)
    text = oi.import_onnx(m)
    marked = [l for l in text.splitlines() if "qsim.keep_float" in l]
    assert any('"ln/rsqrt"' in l and 'qsim.keep_float = "LayerNormalization"' in l
               for l in marked), marked
    assert any('"sm/exp"' in l and 'qsim.keep_float = "Softmax"' in l for l in marked)
    assert not any("tosa.const" in l or "tosa.matmul" in l for l in marked)
    src = tmp_path / "m.mlir"
    src.write_text(text)
    report = tmp_path / "r.json"
    tools.run_tool("qsim-opt", [str(src), f"--qsim-annotate=report={report}", "-o",
                                str(tmp_path / "a.mlir")])
    ops = {o["point"]: o for f in json.loads(report.read_text())["functions"]
           for o in f["ops"]}
    # The quantizable ones (mul, add) say why they stay float.
    assert ops["ln/square"]["status"] == "float"
    assert "part of a LayerNormalization" in ops["ln/square"]["reason"]
    assert "part of a Softmax" in ops["sm"]["reason"]
    assert ops["mm"]["status"] == "quantized"
