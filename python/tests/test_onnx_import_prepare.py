"""Model preparation before import (python/qsim/onnx_import/prepare.py):
``--input-shape``, the opset range, ONNX's strict shape inference, and
integer graph inputs; each user-facing error, through the API and the CLI."""

import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T  # noqa: E402
from onnx import helper as h  # noqa: E402
from onnx import numpy_helper as nh  # noqa: E402

from qsim import onnx_import as oi  # noqa: E402
from qsim import tools  # noqa: E402


def _conv_model(h_dim="H", w_dim="W", opset=13):
    """x [N, 3, H, W] (dynamic) -> Conv 3x3 -> Relu -> GlobalAveragePool."""
    rng = np.random.default_rng(0)
    w = nh.from_array(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), "w")
    nodes = [h.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             h.make_node("Relu", ["c"], ["r"], name="relu"),
             h.make_node("GlobalAveragePool", ["r"], ["y"], name="gap")]
    g = h.make_graph(nodes, "g",
                     [h.make_tensor_value_info("x", T.FLOAT, ["N", 3, h_dim, w_dim])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], [w])
    return h.make_model(g, opset_imports=[h.make_opsetid("", opset)], ir_version=8)


def _ort(model, feeds):
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(model.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def _require_tools():
    if tools.find_tool("qsim-run") is None:
        pytest.skip("build/bin/qsim-run is not built")


def test_parse_input_shapes():
    assert oi.parse_input_shapes(["x=1,3,224,224", "m=2x8"]) == {
        "x": [1, 3, 224, 224], "m": [2, 8]}
    assert oi.parse_input_shapes(["1,3,8,8"]) == {"": [1, 3, 8, 8]}


@pytest.mark.parametrize("spec,msg", [
    ("x=1,a,3", "expected NAME=D0,D1,... with integer dimensions"),
    ("x=1,0,3", "dimensions must be positive integers"),
    ("x=", "dimensions must be positive integers"),
])
def test_parse_input_shapes_errors(spec, msg):
    with pytest.raises(oi.OnnxImportError, match=msg):
        oi.parse_input_shapes([spec])


def test_parse_input_shapes_twice():
    with pytest.raises(oi.OnnxImportError, match="given twice for 'x'"):
        oi.parse_input_shapes(["x=1,2", "x=1,3"])


def test_dynamic_hw_needs_input_shape():
    with pytest.raises(oi.OnnxImportError) as e:
        oi.import_onnx(_conv_model())
    msg = str(e.value)
    assert "graph input 'x' has a dynamic dimension 2 ('H')" in msg
    assert "--input-shape x=" in msg


@pytest.mark.parametrize("shapes", [{"x": [2, 3, 10, 12]}, {"": [2, 3, 10, 12]}])
def test_input_shape_fixes_dynamic_dims(shapes, tmp_path):
    _require_tools()
    m = _conv_model()
    mlir = oi.import_onnx(m, input_shapes=shapes)
    assert "tensor<2x3x10x12xf32>" in mlir
    x = np.random.default_rng(1).normal(size=(2, 3, 10, 12)).astype(np.float32)
    (got,) = oi.run_mlir(mlir, [x], 1, workdir=str(tmp_path))
    (want,) = _ort(m, {"x": x})
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shapes,msg", [
    ({"img": [1, 3, 8, 8]}, "--input-shape names 'img', which is not a graph input "
                            "(inputs: x)"),
    ({"x": [1, 3, 8]}, "--input-shape x=1,3,8 has rank 3; the graph input has rank 4"),
    ({"x": [1, 4, 8, 8]}, "--input-shape x: dimension 1 is 4, but the model fixes it to 3"),
])
def test_input_shape_errors(shapes, msg):
    with pytest.raises(oi.OnnxImportError) as e:
        oi.import_onnx(_conv_model(), input_shapes=shapes)
    assert msg in str(e.value)


def test_unnamed_input_shape_needs_one_input():
    g = h.make_graph([h.make_node("Add", ["a", "b"], ["y"], name="add")], "g",
                     [h.make_tensor_value_info("a", T.FLOAT, [1, 4]),
                      h.make_tensor_value_info("b", T.FLOAT, [1, 4])],
                     [h.make_tensor_value_info("y", T.FLOAT, [1, 4])])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)], ir_version=8)
    with pytest.raises(oi.OnnxImportError,
                       match="without a name needs a model with one input; this one "
                             "has 2: a, b"):
        oi.import_onnx(m, input_shapes={"": [1, 4]})


def test_opset_too_new():
    m = _conv_model(8, 8)
    m.opset_import[0].version = 99
    with pytest.raises(oi.OnnxImportError, match=r"opset 99 is not supported \(default "
                                                 r"domain, 1\.\.21\)"):
        oi.import_onnx(m)


def test_shape_inference_names_the_node():
    """A graph ONNX calls inconsistent is refused even where no handler
    would notice: Add of [1, 4] and [1, 5] does not broadcast."""
    g = h.make_graph([h.make_node("Add", ["a", "b"], ["y"], name="the_add")], "g",
                     [h.make_tensor_value_info("a", T.FLOAT, [1, 4])],
                     [h.make_tensor_value_info("y", T.FLOAT, [1, 4])],
                     [nh.from_array(np.ones((1, 5), np.float32), "b")])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)], ir_version=8)
    with pytest.raises(oi.OnnxImportError) as e:
        oi.import_onnx(m)
    msg = str(e.value)
    assert "node 'the_add' (Add)" in msg


def test_shape_inference_error_format():
    from qsim.onnx_import.prepare import shape_inference_error
    err = shape_inference_error(RuntimeError(
        "[ShapeInferenceError] Inference error(s): (op_type:Softmax, node name: sm): "
        "[ShapeInferenceError] 'axis' must be in [-4 , 3]. Its actual value is: 7"))
    assert str(err) == ("node 'sm' (Softmax): ONNX shape inference failed: 'axis' must "
                        "be in [-4 , 3]. Its actual value is: 7")


def test_int64_input_embedding_and_mask(tmp_path):
    """A BERT-like front: int64 ids gather rows of a constant table, an
    int64 mask becomes an additive float mask; both inputs stay int64 in the
    function signature and qsim-run takes int64 .npy files."""
    _require_tools()
    rng = np.random.default_rng(3)
    table = nh.from_array(rng.normal(size=(50, 8)).astype(np.float32), "emb")
    nodes = [h.make_node("Gather", ["emb", "ids"], ["e"], name="gather"),
             h.make_node("Cast", ["mask"], ["mf"], name="cast", to=T.FLOAT),
             h.make_node("Unsqueeze", ["mf", "ax"], ["mu"], name="unsq"),
             h.make_node("Mul", ["e", "mu"], ["y"], name="mul")]
    g = h.make_graph(nodes, "g",
                     [h.make_tensor_value_info("ids", T.INT64, ["B", "S"]),
                      h.make_tensor_value_info("mask", T.INT64, ["B", "S"])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)],
                     [table, nh.from_array(np.array([2], np.int64), "ax")])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)], ir_version=8)
    mlir = oi.import_onnx(m, input_shapes={"ids": [2, 6], "mask": [2, 6]})
    assert "%arg0: tensor<2x6xi64>" in mlir and "%arg1: tensor<2x6xi64>" in mlir
    ids = rng.integers(0, 50, size=(2, 6)).astype(np.int64)
    mask = (rng.random((2, 6)) > 0.3).astype(np.int64)
    (got,) = oi.run_mlir(mlir, [ids, mask], 1, workdir=str(tmp_path))
    (want,) = _ort(m, {"ids": ids, "mask": mask})
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def _cli(args):
    return subprocess.run([sys.executable, "-m", "qsim.cli", *args],
                          capture_output=True, text=True)


def test_cli_input_shape(tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(_conv_model(), str(path))
    r = _cli(["import-onnx", str(path), "--input-shape", "x=1,3,16,20"])
    assert r.returncode == 0, r.stderr
    assert "tensor<1x3x16x20xf32>" in r.stdout
    r = _cli(["import-onnx", str(path), "--input-shape", "y=1,3,16,20"])
    assert r.returncode == 2
    assert r.stderr.startswith("qsim import-onnx: error: --input-shape names 'y'")
    assert "Traceback" not in r.stderr
    r = _cli(["import-onnx", str(path)])
    assert r.returncode == 2 and "--input-shape x=" in r.stderr


def test_scalar_constant_node_in_shape_chain(tmp_path):
    """PyTorch's ``x.view(x.size(0), -1)``: Shape -> Gather(scalar Constant
    node) -> Unsqueeze -> Concat -> Reshape folds to one static reshape; a
    scalar Constant must stay rank 0 for the Gather to drop the axis."""
    _require_tools()
    nodes = [h.make_node("Constant", [], ["zero"], name="zero",
                         value=nh.from_array(np.array(0, np.int64))),
             h.make_node("Constant", [], ["minus1"], name="minus1",
                         value=nh.from_array(np.array([-1], np.int64))),
             h.make_node("Constant", [], ["ax0"], name="ax0",
                         value=nh.from_array(np.array([0], np.int64))),
             h.make_node("Shape", ["x"], ["s"], name="shape"),
             h.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
             h.make_node("Unsqueeze", ["n", "ax0"], ["n1"], name="unsq"),
             h.make_node("Concat", ["n1", "minus1"], ["shp"], name="cat", axis=0),
             h.make_node("Reshape", ["x", "shp"], ["y"], name="view")]
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, ["N", 2, 3, 4])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)], ir_version=8)
    mlir = oi.import_onnx(m, batch=2)
    assert "tensor<2x24xf32>" in mlir and "tosa.gather" not in mlir
    x = np.random.default_rng(4).normal(size=(2, 2, 3, 4)).astype(np.float32)
    (got,) = oi.run_mlir(mlir, [x], 1, workdir=str(tmp_path))
    np.testing.assert_array_equal(got, x.reshape(2, -1))
