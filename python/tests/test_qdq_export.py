"""QDQ ONNX export (python/qsim/qdq, ``qsim export-onnx``).

On a zoo model (resnet_v1, 300 Fashion-MNIST test images, statistics of 100
training images, the defaults of ``qsim quantize``):

* every scale and zero point written equals the calibrated module's
  (``#qsim.params``, the ones int8.mlir is realized from) exactly in
  float32, and every activation scale is a threshold of table.json over 127
  (signed) or 255 (unsigned, zero point -128);
* ONNX Runtime running the QDQ file with its graph optimizations off (each
  DequantizeLinear -> float op -> QuantizeLinear as ONNX defines them)
  predicts the class our int8 predicts on >= 98% of the images and its
  top-1 is within 1 point (3 images of 300) of ours.  The two are not
  bit-identical: our requantize is fixed point and rounds the product once
  (docs/Numerics.md), ONNX computes the float op and rounds its float32
  result; and QDQ has no form for the points inside one ONNX node (Gemm's
  product before its bias), which ours rounds and ONNX does not.

Bad input is an error naming what is wrong, exit status 2 for the command.
"""

import json
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from qsim import cli, datasets, evaluate, quantize, tools  # noqa: E402
from qsim.qdq import command, export, points  # noqa: E402

MODEL = tools.REPO_ROOT / "examples" / "zoo" / "resnet_v1.onnx"
IMAGES = 300


def _need_tools():
    if tools.find_tool("qsim-opt") is None or tools.find_tool("qsim-run") is None:
        pytest.skip("qsim-opt / qsim-run are not built")


def _passes(table, report, calibrate_options=""):
    return quantize.quantize_pipeline(
        table, quantize.DEFAULT_METHOD, quantize.DEFAULT_PER_CHANNEL, 8.0, report, "",
        quantize.with_unsigned(quantize.DEFAULT_UNSIGNED, calibrate_options))


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    _need_tools()
    if not MODEL.is_file():
        pytest.skip(f"{MODEL} missing")
    try:
        datasets.load_fashion_mnist("test", limit=1)
    except datasets.DatasetError as e:
        pytest.skip(str(e))
    work = tmp_path_factory.mktemp("qdq")
    res = quantize.quantize_and_evaluate(MODEL, work, calib=100, batch=IMAGES,
                                         limit=IMAGES, log=lambda *_: None)
    out = work / "model.qdq.onnx"
    exp = command.export_model(MODEL, _passes(work / "table.json", work / "r.json"), out,
                               work / "export")
    cal = points.parse_points((work / "export" / "export.calibrated.mlir").read_text())
    return work, res, out, exp, cal


def _inits(path):
    m = onnx.load(str(path))
    return m, {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}


def test_scales_are_the_calibrated_ones(zoo):
    work, _, out, exp, cal = zoo
    m, inits = _inits(out)
    acts = 0
    for name, tensor in exp.mapped.items():
        p = cal[name]
        s = inits[f"{tensor}/qsim/scale"]
        z = inits[f"{tensor}/qsim/zero_point"]
        np.testing.assert_array_equal(s.reshape(-1), np.float32(p.scales), err_msg=name)
        np.testing.assert_array_equal(z.reshape(-1), p.zero_points, err_msg=name)
        acts += p.kind in ("input", "activation")
    assert acts >= 20
    # Every Conv reads a dequantized int8 weight and an int32 bias.
    ops = [n.op_type for n in m.graph.node]
    assert ops.count("QuantizeLinear") == acts
    for n in m.graph.node:
        if n.op_type == "Conv":
            assert n.input[1].endswith("/qsim/dequantized")
            assert inits[n.input[1].replace("dequantized", "quantized")].dtype == np.int8
            assert inits[n.input[2].replace("dequantized", "quantized")].dtype == np.int32


def test_max_scales_are_the_tables(zoo):
    """With ``--method max`` every activation scale is a point's max |x| in
    table.json over 127 (signed) or 255 (unsigned, zero point -128): a
    point shares the scale of the point it passes through (a ReLU, a
    pool), so it is some point's, and the conv's own is its own.  (The
    table's mse thresholds are recomputed by --qsim-calibrate from the
    histogram, so only max is an exact relation.)"""
    work = zoo[0]
    table = {p["name"]: p for p in json.loads((work / "table.json").read_text())["points"]}
    passes = quantize.quantize_pipeline(work / "table.json", "max", False, 8.0,
                                        work / "rmax.json", "",
                                        quantize.with_unsigned(True, ""))
    exp = command.export_model(MODEL, passes, work / "max.qdq.onnx", work / "exportmax")
    _, inits = _inits(work / "max.qdq.onnx")
    maxes = [max(abs(p["min"]), abs(p["max"])) for p in table.values()]
    checked = 0
    for name, tensor in exp.mapped.items():
        if name not in table:
            continue
        s = float(inits[f"{tensor}/qsim/scale"])
        z = int(inits[f"{tensor}/qsim/zero_point"])
        assert z in (0, -128)
        div = 127.0 if z == 0 else 255.0
        assert any(abs(np.float32(t / div) - s) <= 1e-6 * s for t in maxes), (
            f"{name}: scale {s} is no table max / {div}")
        checked += 1
    conv = "/stem/stem.0/Conv.out"
    t = max(abs(table[conv]["min"]), abs(table[conv]["max"]))
    assert abs(inits[f"{exp.mapped[conv]}/qsim/scale"] - np.float32(t / 127)) <= 1e-6 * t
    assert checked >= 20


def test_points_without_qdq_form_are_listed(zoo):
    _, _, _, exp, cal = zoo
    assert set(exp.mapped) | set(exp.internal) == set(cal)
    # The product before the bias has no point (the bias joins the int32
    # accumulator); the bias add's point has no QDQ form of its own.
    assert "/fc/Gemm.out" not in cal
    assert "/fc/Gemm/bias.out" in exp.internal
    assert exp.mapped["/fc/Gemm/reshape_out.out"] == "logits"


def test_onnxruntime_agrees_with_our_int8(zoo):
    _, res, out, _, _ = zoo
    x, y = datasets.load_fashion_mnist("test", limit=IMAGES)
    sess = evaluate.ort_session(out, optimize=False)
    logits = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    ours = res.int8.predictions
    theirs = logits.argmax(1)
    agree = float((theirs == ours).mean())
    assert agree >= 0.98, f"ORT on the QDQ model agrees with our int8 on {agree:.1%}"
    assert abs(float((theirs == y).mean()) - res.int8.top1) <= 0.01


def test_weight_range_bits_7_lifts_the_saturation_note(zoo):
    work, _, _, exp, _ = zoo
    assert exp.max_weight_int == 127 and exp.saturation_risk
    exp7 = command.export_model(MODEL, _passes(work / "table.json", work / "r7.json",
                                               "weight-range-bits=7"),
                                work / "m7.qdq.onnx", work / "export7")
    assert 0 < exp7.max_weight_int <= 63 and not exp7.saturation_risk


# ---------------------------------------------------------------------------
# Small models and bad input (no data set needed)
# ---------------------------------------------------------------------------


def _conv_bn_model(opset=17):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    bn = [rng.uniform(0.5, 1.5, 4).astype(np.float32), rng.standard_normal(4).astype(np.float32),
          rng.standard_normal(4).astype(np.float32), rng.uniform(0.5, 2, 4).astype(np.float32)]
    inits = [numpy_helper.from_array(a, n) for a, n in
             zip([w, b, *bn], ["w", "b", "g", "beta", "mean", "var"])]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["y0"],
                              name="bn"),
             helper.make_node("Relu", ["y0"], ["y"], name="relu")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 2, 5, 5])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, [1, 4, 5, 5])], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8  # what the onnxruntime of the venv reads
    return model, w, b, bn


def test_batchnorm_folded_as_the_importer_folds(tmp_path):
    _need_tools()
    model, w, b, (g, beta, mean, var) = _conv_bn_model()
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    res = command.export_model(path, quantize.quantize_pipeline(
        None, "max", True, 8.0, tmp_path / "r.json"), tmp_path / "q.onnx", tmp_path)
    m, inits = _inits(tmp_path / "q.onnx")
    assert "BatchNormalization" not in [n.op_type for n in m.graph.node]
    scale = g.astype(np.float64) / np.sqrt((var + np.float32(1e-5)).astype(np.float64))
    wf = (w.astype(np.float64) * scale.reshape(-1, 1, 1, 1)).astype(np.float32)
    q = inits["w/qsim/quantized"].astype(np.float32)
    s = inits["w/qsim/scale"]
    assert s.shape == (4,)                       # per channel, axis 0
    np.testing.assert_allclose(q * s.reshape(-1, 1, 1, 1), wf, atol=float(s.max()) / 2 + 1e-7)
    assert np.abs(q).max() == 127
    assert res.mapped["relu.out"] == "y" and res.mapped["conv.out"] == "y0"
    # ORT takes it.
    sess = evaluate.ort_session(tmp_path / "q.onnx", optimize=False)
    out = sess.run(None, {"x": np.ones((1, 2, 5, 5), np.float32)})[0]
    assert out.shape == (1, 4, 5, 5)


def test_grouped_conv_scales_per_group(tmp_path):
    """A grouped convolution's weight scales are per group (qsim-annotate's
    axis 0 of [G, M/G, KH, KW, C/G]); the export writes them per output
    channel, each channel its group's, and ORT runs the file."""
    _need_tools()
    rng = np.random.default_rng(3)
    group, cg, mg = 4, 4, 2
    w = (rng.standard_normal((group * mg, cg, 3, 3)) *
         np.repeat(rng.uniform(0.2, 2, group), mg).reshape(-1, 1, 1, 1)).astype(np.float32)
    b = rng.standard_normal(group * mg).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="gconv", group=group,
                            pads=[1, 1, 1, 1])
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 5, 5])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              ir_version=8)
    path = tmp_path / "g.onnx"
    onnx.save(model, str(path))
    command.export_model(path, quantize.quantize_pipeline(
        None, "max", True, 8.0, tmp_path / "r.json"), tmp_path / "q.onnx", tmp_path)
    _, inits = _inits(tmp_path / "q.onnx")
    s = inits["w/qsim/scale"]
    assert s.shape == (group * mg,)
    per_group = s.reshape(group, mg)
    assert (per_group == per_group[:, :1]).all()
    np.testing.assert_allclose(per_group[:, 0], np.abs(w).reshape(group, -1).max(1) / 127,
                               rtol=1e-6)
    sess = evaluate.ort_session(tmp_path / "q.onnx", optimize=False)
    out = sess.run(None, {"x": rng.standard_normal((1, 16, 5, 5)).astype(np.float32)})[0]
    assert out.shape == (1, 8, 5, 5) and np.isfinite(out).all()


def _qp(name, kind="activation", bits=8, scales=(0.5,), zps=(0,), axis=None,
        rounding="half_to_even"):
    return points.QPoint(name, kind, 0, bits, True, list(scales), list(zps), axis,
                         False, rounding)


def test_export_errors_name_the_problem():
    model, *_ = _conv_bn_model()
    with pytest.raises(export.ExportError, match="'relu.out'.*4 bits"):
        export.export_qdq(model, {"relu.out": _qp("relu.out", bits=4)})
    with pytest.raises(export.ExportError, match="'relu.out'.*half_away"):
        export.export_qdq(model, {"relu.out": _qp("relu.out", rounding="half_away")})
    old, *_ = _conv_bn_model(opset=11)
    with pytest.raises(export.ExportError, match="opset is 11"):
        export.export_qdq(old, {"relu.out": _qp("relu.out")})
    with pytest.raises(export.ExportError, match="'conv.weight': 3 scales for axis 0"):
        export.export_qdq(model, {"conv.weight": _qp("conv.weight", "weight",
                                                     scales=(1, 1, 1), zps=(0, 0, 0),
                                                     axis=0)})


def test_parse_points():
    text = '''
    %4 = "qsim.sim_quantize"(%3) <{kind = #qsim<kind weight>, params = #qsim.params<s8, scales = [0.5, 2.500000e-01], axis = 0>, point = "a/b.weight", rounding = #qsim<rounding half_to_even>}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %5 = "qsim.sim_quantize"(%4) <{kind = #qsim<kind activation>, params = #qsim.params<s8, scale = 0.0214054845, zero_point = -128>, point = "a/b.out", rounding = #qsim<rounding half_to_even>}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
    '''
    ps = points.parse_points(text)
    assert list(ps) == ["a/b.weight", "a/b.out"]
    w, a = ps["a/b.weight"], ps["a/b.out"]
    assert (w.kind, w.scales, w.zero_points, w.axis) == ("weight", [0.5, 0.25], [0, 0], 0)
    assert (a.scales, a.zero_points, a.axis, a.order) == ([0.0214054845], [-128], None, 1)
    with pytest.raises(ValueError, match="no qsim.sim_quantize"):
        points.parse_points("module {}")


def test_cli_bad_input(tmp_path, capsys):
    _need_tools()
    assert cli.main(["export-onnx", str(tmp_path)]) == 2
    assert "has no report.json" in capsys.readouterr().err
    model, *_ = _conv_bn_model()
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    assert cli.main(["export-onnx", str(path), "-o", str(tmp_path / "q.onnx")]) == 2
    assert "needs --table and -o" in capsys.readouterr().err
    assert cli.main(["export-onnx", str(path), "--table", str(tmp_path / "none.json"),
                     "-o", str(tmp_path / "q.onnx")]) == 2
    assert "none.json' does not exist" in capsys.readouterr().err
    assert cli.main(["export-onnx", str(tmp_path / "missing.onnx")]) == 2
    assert "missing.onnx' does not exist" in capsys.readouterr().err


def test_exported_model_imports_back(zoo, tmp_path):
    """The exported file through the QDQ importer (python/qsim/onnx_import/
    ops/quant.py): its simulation is within one output step of
    onnx.reference on every logit (measured: equal on all)."""
    from onnx.reference import ReferenceEvaluator

    from qsim import onnx_import

    _, _, out, exp, _ = zoo
    x, _ = datasets.load_fashion_mnist("test", limit=20)
    src = tmp_path / "back.mlir"
    src.write_text(onnx_import.import_onnx_file(str(out), batch=20))
    low = tmp_path / "back.llvm.mlir"
    tools.run_tool("qsim-opt", [str(src), "--qsim-cpu-pipeline", "-o", str(low)],
                   timeout=600)
    ours = evaluate.run_mlir_batched(low, x)[0]
    m = onnx.load(str(out))
    for o in m.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = max(o.version, 19)   # onnx.reference's Q/DQ
    ref = ReferenceEvaluator(m).run(None, {"input": x})[0]
    _, inits = _inits(out)
    step = float(inits[f"{exp.mapped['/fc/Gemm/reshape_out.out']}/qsim/scale"])
    d = np.abs(ours - ref) / step
    assert d.max() <= 1 + 1e-3 and (d < 1e-3).mean() >= 0.97


def test_point_belongs_to_the_longest_node_name():
    """``r/x.out`` is node ``r/x``'s output, not a point inside node ``r``."""
    nodes = [helper.make_node("Relu", ["x"], ["t"], name="r"),
             helper.make_node("Relu", ["t"], ["y"], name="r/x")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 4])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    pts = {"r.out": _qp("r.out", scales=(0.5,)), "r/x.out": _qp("r/x.out", scales=(0.25,))}
    pts["r/x.out"].order = 1
    res = export.export_qdq(model, pts)
    assert res.mapped == {"r.out": "t", "r/x.out": "y"} and not res.internal


def test_cli_outdir(zoo, tmp_path, capsys):
    """``qsim export-onnx OUTDIR`` reads the model and settings from
    report.json (as ``qsim quantize`` writes them) and the table beside it:
    the same file as the library call with those settings."""
    work, _, out, _, _ = zoo
    d = tmp_path / "out"
    d.mkdir()
    (d / "table.json").write_text((work / "table.json").read_text())
    (d / "report.json").write_text(json.dumps({"model": str(MODEL), "settings": {
        "method": quantize.DEFAULT_METHOD, "per_channel": quantize.DEFAULT_PER_CHANNEL,
        "global_scale": 8.0, "annotate_options": "",
        "calibrate_options": quantize.with_unsigned(quantize.DEFAULT_UNSIGNED, "")}}))
    assert cli.main(["export-onnx", str(d)]) == 0
    assert "points as QDQ" in capsys.readouterr().out
    _, a = _inits(d / "model.qdq.onnx")
    _, b = _inits(out)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
