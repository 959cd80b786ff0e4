"""ONNX importer: small models built with onnx.helper against onnxruntime,
batch-norm folding on and off, locations, and the error behaviour of the
importer and of ``qsim import-onnx``."""

import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T  # noqa: E402
from onnx import helper as h  # noqa: E402
from onnx import numpy_helper as nh  # noqa: E402

from qsim import cli  # noqa: E402
from qsim import onnx_import as oi  # noqa: E402
from qsim import tools  # noqa: E402
from onnx_helpers import init as _init, ort_run as _ort, require_tools as _require_tools  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def _model(nodes, inputs, outputs, inits, opset=13, name="g", check=True):
    g = h.make_graph(nodes, name, inputs, outputs, inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], ir_version=8)
    if check:
        onnx.checker.check_model(m)
    return m


def _bn(rng, prefix, c):
    return [_init(f"{prefix}.g", rng.uniform(0.5, 1.5, c)),
            _init(f"{prefix}.b", rng.normal(size=c)),
            _init(f"{prefix}.m", rng.normal(size=c) * 0.2),
            _init(f"{prefix}.v", rng.uniform(0.5, 2.0, c))]


def _bn_node(prefix, x, y):
    return h.make_node("BatchNormalization", [x] + [f"{prefix}.{s}" for s in "gbmv"],
                       [y], name=prefix)


def _compare(model, feeds, tmp_path, **kw):
    """Imports, verifies with qsim-opt, runs with qsim-run, compares with
    onnxruntime; returns the MLIR."""
    _require_tools()
    mlir = oi.import_onnx(model, **kw)
    tools.run_tool("qsim-opt", ["-", "-o", "/dev/null"], input=mlir)
    want = _ort(model, feeds)
    got = oi.run_mlir(mlir, list(feeds.values()), len(want), workdir=str(tmp_path))
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
    return mlir


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


def conv_bn_relu_pool_gemm(rng):
    inits = [_init("w1", rng.normal(size=(8, 3, 3, 3)) * 0.3),
             _init("b1", rng.normal(size=8)),
             *_bn(rng, "bn1", 8),
             _init("wf", rng.normal(size=(10, 8 * 4 * 4)) * 0.1),
             _init("bf", rng.normal(size=10))]
    nodes = [
        h.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1],
                    strides=[2, 2]),
        _bn_node("bn1", "c1", "n1"),
        h.make_node("Relu", ["n1"], ["r1"], name="relu1"),
        h.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2],
                    strides=[2, 2]),
        h.make_node("Flatten", ["p1"], ["f"], name="flatten"),
        h.make_node("Gemm", ["f", "wf", "bf"], ["y"], name="fc", transB=1),
    ]
    return _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, ["N", 3, 16, 16])],
                  [h.make_tensor_value_info("y", T.FLOAT, ["N", 10])], inits)


def residual_block(rng, c=8):
    inits = [_init("w1", rng.normal(size=(c, c, 3, 3)) * 0.2), *_bn(rng, "bn1", c),
             _init("w2", rng.normal(size=(c, c, 3, 3)) * 0.2), *_bn(rng, "bn2", c),
             _init("wf", rng.normal(size=(c, 10)) * 0.3), _init("bf", rng.normal(size=10))]
    nodes = [
        h.make_node("Conv", ["x", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1],
                    kernel_shape=[3, 3]),
        _bn_node("bn1", "c1", "n1"),
        h.make_node("Relu", ["n1"], ["r1"], name="relu1"),
        h.make_node("Conv", ["r1", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        _bn_node("bn2", "c2", "n2"),
        h.make_node("Add", ["n2", "x"], ["s"], name="add"),
        h.make_node("Relu", ["s"], ["r2"], name="relu2"),
        h.make_node("GlobalAveragePool", ["r2"], ["gap"], name="gap"),
        h.make_node("Flatten", ["gap"], ["f"], name="flatten"),
        h.make_node("MatMul", ["f", "wf"], ["mm"], name="fc"),
        h.make_node("Add", ["mm", "bf"], ["y"], name="fc_bias"),
        h.make_node("Softmax", ["y"], ["prob"], name="softmax"),
    ]
    return _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, ["N", c, 8, 8])],
                  [h.make_tensor_value_info("prob", T.FLOAT, ["N", 10])], inits)


def inverted_residual(rng, c=4, e=4):
    """MobileNetV2-style: 1x1 expand, depthwise 3x3, 1x1 project, ReLU6 as
    Clip with min/max initializers, residual add; a stride-2 depthwise after."""
    ce = c * e
    inits = [_init("we", rng.normal(size=(ce, c, 1, 1)) * 0.4), *_bn(rng, "bne", ce),
             _init("wd", rng.normal(size=(ce, 1, 3, 3)) * 0.4), *_bn(rng, "bnd", ce),
             _init("wp", rng.normal(size=(c, ce, 1, 1)) * 0.3), *_bn(rng, "bnp", c),
             _init("wd2", rng.normal(size=(2 * c, 1, 3, 3)) * 0.4),
             _init("bd2", rng.normal(size=2 * c)),
             _init("zero", np.array(0.0, np.float32)), _init("six", np.array(6.0, np.float32))]
    nodes = [
        h.make_node("Conv", ["x", "we"], ["e"], name="expand"), _bn_node("bne", "e", "en"),
        h.make_node("Clip", ["en", "zero", "six"], ["er"], name="relu6_1"),
        h.make_node("Conv", ["er", "wd"], ["d"], name="dw", group=ce, pads=[1, 1, 1, 1]),
        _bn_node("bnd", "d", "dn"),
        h.make_node("Clip", ["dn", "zero", "six"], ["dr"], name="relu6_2"),
        h.make_node("Conv", ["dr", "wp"], ["p"], name="project"),
        _bn_node("bnp", "p", "pn"),
        h.make_node("Add", ["x", "pn"], ["s"], name="residual"),
        # depthwise with multiplier 2, stride 2 on an odd extent (floor semantics)
        h.make_node("Conv", ["s", "wd2", "bd2"], ["y"], name="dw2", group=c,
                    kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    ]
    return _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, [1, c, 9, 9])],
                  [h.make_tensor_value_info("y", T.FLOAT, [1, 2 * c, 5, 5])], inits)


def layout_mix(rng, c=6):
    """NHWC broadcasting, channel concat, grouped conv, count_include_pad,
    a conv whose output has two users (BN not foldable), Reshape of NHWC."""
    inits = [_init("wg", rng.normal(size=(c, 2, 3, 3)) * 0.3),
             _init("bg", rng.normal(size=c)),
             *_bn(rng, "bn", c),
             _init("chan_scale", rng.normal(size=(c, 1, 1))),
             _init("chan_bias", rng.normal(size=(1, c, 1, 1))),
             _init("row", rng.normal(size=(7,))),
             _init("shape", np.array([0, -1, 4], np.int64))]
    nodes = [
        h.make_node("Conv", ["x", "wg", "bg"], ["g"], name="gconv", group=3,
                    pads=[1, 1, 1, 1]),
        _bn_node("bn", "g", "gn"),  # g also feeds 'skip' below: no folding
        h.make_node("Mul", ["gn", "chan_scale"], ["m"], name="scale"),
        h.make_node("Add", ["m", "chan_bias"], ["a"], name="shift"),
        h.make_node("Sub", ["a", "row"], ["a2"], name="row_sub"),
        h.make_node("Concat", ["a2", "g"], ["cat"], name="concat", axis=1),
        h.make_node("AveragePool", ["cat"], ["ap"], name="avgpool", kernel_shape=[3, 3],
                    pads=[1, 1, 1, 1], strides=[2, 2], count_include_pad=1),
        h.make_node("AveragePool", ["cat"], ["ap2"], name="avgpool_ceil",
                    kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
        h.make_node("Identity", ["ap"], ["ap_id"], name="identity"),
        h.make_node("Dropout", ["ap_id"], ["ap_d"], name="dropout"),
        h.make_node("Reshape", ["ap_d", "shape"], ["y"], name="reshape"),
    ]
    return _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, [2, c, 7, 7])],
                  [h.make_tensor_value_info("y", T.FLOAT, [2, 48, 4]),
                   h.make_tensor_value_info("ap2", T.FLOAT, [2, 2 * c, 4, 4])], inits)


def _x(rng, shape):
    return rng.normal(size=shape).astype(np.float32)


# ---------------------------------------------------------------------------
# Against onnxruntime
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fold", [True, False], ids=["fold", "nofold"])
def test_conv_bn_relu_pool_gemm(fold, tmp_path):
    rng = np.random.default_rng(1)
    m = conv_bn_relu_pool_gemm(rng)
    mlir = _compare(m, {"x": _x(rng, (3, 3, 16, 16))}, tmp_path, batch=3, fold_bn=fold)
    assert ('loc("bn1")' in mlir) != fold
    assert mlir.count("tosa.conv2d") == 1
    assert mlir.count("tosa.transpose %arg0") == 1  # the input is transposed once


@pytest.mark.parametrize("fold", [True, False], ids=["fold", "nofold"])
def test_residual_block(fold, tmp_path):
    rng = np.random.default_rng(2)
    m = residual_block(rng)
    mlir = _compare(m, {"x": _x(rng, (1, 8, 8, 8))}, tmp_path, fold_bn=fold)
    assert mlir.count("tosa.transpose %arg0") == 1
    assert ("tosa.mul" in mlir.split("loc(\"softmax/exp\")")[0]) != fold


@pytest.mark.parametrize("fold", [True, False], ids=["fold", "nofold"])
def test_inverted_residual_depthwise(fold, tmp_path):
    rng = np.random.default_rng(3)
    m = inverted_residual(rng)
    mlir = _compare(m, {"x": _x(rng, (1, 4, 9, 9))}, tmp_path, fold_bn=fold)
    assert mlir.count("tosa.depthwise_conv2d") == 2
    assert "min_val = 0.0000000000000000e+00 : f32, max_val = 6.0000000000000000e+00" in mlir


def test_layout_mix(tmp_path):
    rng = np.random.default_rng(4)
    m = layout_mix(rng)
    mlir = _compare(m, {"x": _x(rng, (2, 6, 7, 7))}, tmp_path)
    assert 'loc("bn")' in mlir  # not folded: the conv output has two users
    # group=3: one grouped convolution (constant weights)
    assert mlir.count("linalg.conv_2d_nhwgc_gfhwc") == 1
    assert "tosa.conv2d" not in mlir


def test_batch_option(tmp_path):
    rng = np.random.default_rng(5)
    m = conv_bn_relu_pool_gemm(rng)
    mlir = oi.import_onnx(m)
    assert "tensor<1x3x16x16xf32>" in mlir and "-> tensor<1x10xf32>" in mlir
    _compare(m, {"x": _x(rng, (5, 3, 16, 16))}, tmp_path, batch=5)


def test_locations_name_points(tmp_path):
    """ONNX node names become name locations, hence qsim-annotate points."""
    _require_tools()
    rng = np.random.default_rng(6)
    mlir = oi.import_onnx(conv_bn_relu_pool_gemm(rng))
    for name in ("conv1", "relu1", "pool1", "flatten", "fc", "w1", "x"):
        assert f'loc("{name}")' in mlir, name
    out = tools.run_tool("qsim-opt", ["-", "--qsim-annotate"], input=mlir)
    # The Gemm's output point is its bias add's: the product before the
    # bias has none (the bias joins the int32 accumulator).
    for point in ('"conv1.weight"', '"conv1.out"', '"relu1.out"', '"fc/bias.out"'):
        assert point in out, point
    assert '"fc.out"' not in out


def test_exact_constants():
    """Initializers are written bit for bit (hex), weights transposed."""
    w = np.array([[[[1.0, np.float32(1e-30)], [np.pi, -0.0]]]], np.float32)  # 1x1x2x2
    m = _model([h.make_node("Conv", ["x", "w"], ["y"], name="c")],
               [h.make_tensor_value_info("x", T.FLOAT, [1, 1, 2, 2])],
               [h.make_tensor_value_info("y", T.FLOAT, [1, 1, 1, 1])], [_init("w", w)])
    mlir = oi.import_onnx(m)
    assert tools.dense_hex(w.transpose(0, 2, 3, 1)) in mlir


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _one(op, attrs=None, inputs=("x",), shape=(1, 2, 4, 4), inits=(), dtype=T.FLOAT,
         name="the_node", opset=13):
    node = h.make_node(op, list(inputs), ["y"], name=name, **(attrs or {}))
    return _model([node], [h.make_tensor_value_info("x", dtype, list(shape))],
                  [h.make_tensor_value_info("y", dtype, None)], list(inits), opset=opset,
                  check=False)


def test_error_unsupported_op():
    with pytest.raises(oi.OnnxImportError, match=r"node 'the_node' \(Det\).*"
                       r"operator 'Det' is not supported"):
        oi.import_onnx(_one("Det"))


def test_error_unnamed_node_uses_output_name():
    m = _one("Det", name="")
    with pytest.raises(oi.OnnxImportError, match=r"node 'y' \(Det\)"):
        oi.import_onnx(m)


@pytest.mark.parametrize("op,attrs,attr", [
    ("MaxPool", {"kernel_shape": [2, 2], "dilations": [2, 2]}, "dilations"),
    ("MaxPool", {"kernel_shape": [2, 2], "storage_order": 1}, "storage_order"),
    ("Conv", {"auto_pad": "FOO"}, "auto_pad"),
    ("Softmax", {"axis": 7}, "axis"),
    ("Relu", {"bogus": 1}, "bogus"),
])
def test_error_unsupported_attribute(op, attrs, attr):
    inits, inputs = (), ("x",)
    if op == "Conv":
        inits, inputs = (_init("w", np.ones((2, 2, 1, 1))),), ("x", "w")
    with pytest.raises(oi.OnnxImportError) as exc:
        oi.import_onnx(_one(op, attrs, inputs=inputs, inits=inits))
    msg = str(exc.value)
    assert "node 'the_node'" in msg and f"({op})" in msg and f"attribute '{attr}'" in msg


def test_error_grouped_conv_mismatch():
    m = _one("Conv", {"group": 3}, inputs=("x", "w"),
             inits=(_init("w", np.ones((3, 1, 1, 1))),))
    with pytest.raises(oi.OnnxImportError, match="attribute 'group' = 3"):
        oi.import_onnx(m)


def test_error_missing_initializer():
    g = h.make_graph([h.make_node("Conv", ["x", "w"], ["y"], name="c")], "g",
                     [h.make_tensor_value_info("x", T.FLOAT, [1, 2, 4, 4])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
    with pytest.raises(oi.OnnxImportError, match=r"node 'c' \(Conv\): input 'w'.*"
                       r"missing initializer"):
        oi.import_onnx(m)


def test_error_dynamic_dims():
    with pytest.raises(oi.OnnxImportError, match="dynamic dimension 2"):
        oi.import_onnx(_one("Relu", shape=(1, 2, "H", 4)))
    # the batch dimension may be dynamic
    assert "tensor<4x2x4x4xf32>" in oi.import_onnx(_one("Relu", shape=("N", 2, 4, 4)),
                                                   batch=4)
    with pytest.raises(oi.OnnxImportError, match="static batch dimension 1"):
        oi.import_onnx(_one("Relu"), batch=8)


def test_error_dtypes():
    with pytest.raises(oi.OnnxImportError, match="element type UINT8"):
        oi.import_onnx(_one("Relu", dtype=T.UINT8))
    m = _one("Add", inputs=("x", "c"), inits=(nh.from_array(np.ones(4), "c"),))
    with pytest.raises(oi.OnnxImportError, match="initializer 'c' has dtype float64"):
        oi.import_onnx(m)


def test_error_runtime_reshape_shape():
    m = _model([h.make_node("Reshape", ["x", "s"], ["y"], name="r")],
               [h.make_tensor_value_info("x", T.FLOAT, [2, 3]),
                h.make_tensor_value_info("s", T.INT64, [2])],
               [h.make_tensor_value_info("y", T.FLOAT, [3, 2])], [])
    with pytest.raises(oi.OnnxImportError, match="must be a constant"):
        oi.import_onnx(m)
    assert oi.constant_operand_inputs(m) == ["s"]
    mlir = oi.import_onnx(m, bind={"s": np.array([3, 2], np.int64)})
    assert "-> tensor<3x2xf32>" in mlir


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------


def test_cli_import(tmp_path, capsys):
    rng = np.random.default_rng(7)
    f = tmp_path / "m.onnx"
    onnx.save(residual_block(rng), str(f))
    out = tmp_path / "m.mlir"
    assert cli.main(["import-onnx", str(f), "-o", str(out), "--batch", "2"]) == 0
    text = out.read_text()
    assert "func.func @main(%arg0: tensor<2x8x8x8xf32>" in text
    assert cli.main(["import-onnx", str(f), "--no-fold-bn", "--entry", "net"]) == 0
    assert "func.func @net(" in capsys.readouterr().out
    if tools.find_tool("qsim-opt") is not None:
        assert cli.main(["import-onnx", str(f), "--verify", "-o", str(out)]) == 0


def test_cli_error_exit_2(tmp_path):
    f = tmp_path / "bad.onnx"
    onnx.save(_one("Det"), str(f))
    proc = subprocess.run([sys.executable, "-m", "qsim.cli", "import-onnx", str(f)],
                          capture_output=True, text=True, cwd=str(tmp_path),
                          env=_env())
    assert proc.returncode == 2, proc.stderr
    assert "qsim import-onnx: error: node 'the_node' (Det)" in proc.stderr
    assert proc.stdout == ""
    proc = subprocess.run([sys.executable, "-m", "qsim.cli", "import-onnx",
                           str(tmp_path / "missing.onnx")], capture_output=True,
                          text=True, env=_env())
    assert proc.returncode == 2 and "cannot read ONNX model" in proc.stderr


def _env():
    import os
    from pathlib import Path
    env = dict(os.environ)
    py = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = py + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.mark.parametrize("cip", [0, 1])
@pytest.mark.parametrize("pads", [[0, 0, 0, 0], [1, 1, 1, 1], [1, 0, 2, 1]])
def test_avgpool_ceil_count_include_pad(cip, pads, tmp_path):
    """ceil_mode windows past the padding: the extra extent never counts;
    the ONNX pads count when count_include_pad=1. Checked against ONNX's
    reference evaluator (onnxruntime 1.23 divides by the full kernel area
    for count_include_pad=1 with ceil_mode, which PyTorch and the ONNX
    reference do not)."""
    _require_tools()
    from onnx.reference import ReferenceEvaluator
    m = _model([h.make_node("AveragePool", ["x"], ["y"], name="p", kernel_shape=[3, 3],
                            strides=[2, 2], pads=pads, ceil_mode=1,
                            count_include_pad=cip)],
               [h.make_tensor_value_info("x", T.FLOAT, [1, 2, 6, 7])],
               [h.make_tensor_value_info("y", T.FLOAT, None)], [], check=False)
    x = np.random.default_rng(8).normal(size=(1, 2, 6, 7)).astype(np.float32)
    want = ReferenceEvaluator(m).run(None, {"x": x})[0]
    got = oi.run_mlir(oi.import_onnx(m), [x], 1, workdir=str(tmp_path))[0]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
