"""QDQ ONNX in (python/qsim/onnx_import/ops/quant.py): a model quantized by
onnxruntime's ``quantize_static`` (QDQ, per-channel weights, int8 or uint8
activations) imports with its scales as fixed ``qsim.sim_quantize``
parameters, and both its simulation (``--qsim-cpu-pipeline`` of the
import) and its realization (``--qsim-realize``, ``--convert-qsim-to-linalg``:
our int8 kernels) are compared with ONNX's reference evaluator
(onnx.reference) on the same images, in steps of the output's grid:

* simulated: within 1 step on every logit and equal on >= 97% of them
  (measured: 98.5%): both compute the float op in float32 and round half
  to even to the same grid, but the sums run in another order, so a value
  near a rounding boundary may land on the neighbour, and the difference
  travels to the logits;
* realized: within 1 step on every logit and equal on >= 97% of them
  (measured: 98.5%, the same logits as the simulation): the
  integer sums are exact, but the realized requantize is fixed point
  (docs/Numerics.md) where ONNX rounds the float32 result, so a value near
  a rounding boundary may round to the neighbour.

ONNX Runtime's own kernels are not the reference: its fused QLinearConv on
x86 without VNNI saturates (docs/Interop.md).
"""

import re

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from qsim import datasets, evaluate, onnx_import, quantize, tools  # noqa: E402

MODEL = tools.REPO_ROOT / "examples" / "zoo" / "resnet_v1.onnx"
IMAGES = 20


def _need():
    for t in ("qsim-opt", "qsim-run"):
        if tools.find_tool(t) is None:
            pytest.skip(f"{t} is not built")
    if not MODEL.is_file():
        pytest.skip(f"{MODEL} missing")
    try:
        datasets.load_fashion_mnist("test", limit=1)
    except datasets.DatasetError as e:
        pytest.skip(str(e))


def _ort_quantize(out, activation_type):
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)

    xc = quantize.calibration_images(20)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{"input": xc}])

        def get_next(self):
            return next(self.it, None)

    quantize_static(str(MODEL), str(out), Reader(), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=getattr(QuantType, activation_type),
                    weight_type=QuantType.QInt8)


def _reference(path, x):
    from onnx.reference import ReferenceEvaluator

    m = onnx.load(str(path))
    # onnx.reference implements QuantizeLinear/DequantizeLinear from opset
    # 19; their int8/uint8 semantics are those of opset 13.
    for o in m.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = max(o.version, 19)
    return ReferenceEvaluator(m).run(None, {"input": x})[0]


def _output_step(path):
    m = onnx.load(str(path))
    out = m.graph.output[0].name
    dq = next(n for n in m.graph.node if n.op_type == "DequantizeLinear"
              and n.output[0] == out)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    return float(inits[dq.input[1]])


@pytest.mark.parametrize("activation_type", ["QInt8", "QUInt8"])
def test_ort_quantized_model_runs_on_our_kernels(tmp_path, activation_type):
    _need()
    q = tmp_path / "ort.qdq.onnx"
    _ort_quantize(q, activation_type)
    mlir = onnx_import.import_onnx_file(str(q), batch=IMAGES)
    g = onnx.load(str(q)).graph
    consts = {i.name for i in g.initializer} | {n.output[0] for n in g.node
                                                if n.op_type == "Constant"}
    # A pair on a constant folds to the constant's quantized values.
    pairs = sum(n.op_type == "QuantizeLinear" and n.input[0] not in consts
                for n in g.node)
    assert mlir.count("qsim.sim_quantize") == pairs > 10
    # uint8 pairs become the same grid on int8 (zero point - 128).
    assert "<u8," not in mlir
    src = tmp_path / "imported.mlir"
    src.write_text(mlir)
    real = tmp_path / "realized.mlir"
    tools.run_tool("qsim-opt", [str(src), "--qsim-realize", "--canonicalize", "--cse",
                                "--convert-qsim-to-linalg", "--canonicalize", "-o",
                                str(real)], timeout=600)
    text = real.read_text()
    assert "qsim.sim_quantize" not in text and "xi8>" in text
    x, _ = datasets.load_fashion_mnist("test", limit=IMAGES)
    ref = _reference(q, x)
    step = _output_step(q)
    outs = {}
    for name, path in (("simulated", src), ("realized", real)):
        low = tmp_path / f"{name}.llvm.mlir"
        tools.run_tool("qsim-opt", [str(path), "--qsim-cpu-pipeline", "-o", str(low)],
                       timeout=600)
        outs[name] = evaluate.run_mlir_batched(low, x)[0]
    d_sim = np.abs(outs["simulated"] - ref) / step
    d_real = np.abs(outs["realized"] - ref) / step
    print(f"equal to onnx.reference: simulated {(d_sim < 1e-3).mean():.2%}, realized "
          f"{(d_real < 1e-3).mean():.2%}")
    for name, d, share in (("simulated", d_sim, 0.97), ("realized", d_real, 0.97)):
        assert d.max() <= 1 + 1e-3, f"{name}: {d.max()} steps from onnx.reference"
        assert (d < 1e-3).mean() >= share, f"{name}: equal on {(d < 1e-3).mean():.2%}"


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def _model(nodes, inits, out="y"):
    g = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(np.asarray(a), n) for n, a in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    return m


_S = {"s": np.float32(0.5), "z": np.int8(0), "s2": np.float32(0.25)}


def test_pair_imports_as_sim_quantize():
    m = _model([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quant"),
                helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], name="deq")],
               _S)
    text = onnx_import.import_onnx(m)
    assert 'qsim.sim_quantize %arg0 <s8, scale = 0.5> {kind = #qsim<kind activation>, ' \
        'point = "quant.out"}' in text


@pytest.mark.parametrize("nodes,inits,match", [
    ([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quant"),
      helper.make_node("DequantizeLinear", ["q", "s2", "z"], ["y"], name="deq")],
     _S, "node 'deq' .*read with scale 0.25 and zero point 0, not its producer's 0.5"),
    ([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quant"),
      helper.make_node("Cast", ["q"], ["y"], name="cast", to=TensorProto.FLOAT)],
     _S, "node 'quant' .*integer tensors are not imported"),
    ([helper.make_node("QuantizeLinear", ["x", "sv", "z"], ["q"], name="quant"),
      helper.make_node("DequantizeLinear", ["q", "sv", "z"], ["y"], name="deq")],
     {"sv": np.float32([0.5, 0.5, 0.5, 0.5]), "z": np.int8(0)},
     "node 'quant' .*per-axis parameters"),
    ([helper.make_node("QuantizeLinear", ["x", "s", "zi"], ["q"], name="quant"),
      helper.make_node("DequantizeLinear", ["q", "s", "zi"], ["y"], name="deq")],
     {"s": np.float32(0.5), "zi": np.int32(0)}, "node 'quant' .*only int8 and uint8"),
    ([helper.make_node("QuantizeLinear", ["x", "s0", "z"], ["q"], name="quant"),
      helper.make_node("DequantizeLinear", ["q", "s0", "z"], ["y"], name="deq")],
     {"s0": np.float32(0.0), "z": np.int8(0)}, "node 'quant' .*scale 0.0 must be positive"),
])
def test_bad_qdq_is_refused_by_name(nodes, inits, match):
    with pytest.raises(onnx_import.OnnxImportError, match=match):
        onnx_import.import_onnx(_model(nodes, inits))


# ---------------------------------------------------------------------------
# QOperator: QLinearConv, QLinearMatMul
# ---------------------------------------------------------------------------


def _qoperator_model():
    """x -> QuantizeLinear(u8) -> QLinearConv(int8 per-channel weights,
    int32 bias) -> QLinearMatMul(int8 constant) -> DequantizeLinear."""
    rng = np.random.default_rng(1)
    w = rng.integers(-127, 128, (4, 2, 3, 3)).astype(np.int8)
    ws = rng.uniform(0.002, 0.01, 4).astype(np.float32)
    b = rng.integers(-2000, 2000, 4).astype(np.int32)
    m = rng.integers(-127, 128, (6, 5)).astype(np.int8)
    inits = {"xs": np.float32(0.02), "xz": np.uint8(120), "w": w, "ws": ws,
             "wz": np.zeros(4, np.int8), "b": b, "ys": np.float32(0.05),
             "yz": np.uint8(128), "m": m, "ms": np.float32(0.01), "mz": np.int8(0),
             "zs": np.float32(0.25), "zz": np.int8(3)}
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q"),
        helper.make_node("QLinearConv", ["xq", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"],
                         ["yq"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("QLinearMatMul", ["yq", "ys", "yz", "m", "ms", "mz", "zs", "zz"],
                         ["zq"], name="mm"),
        helper.make_node("DequantizeLinear", ["zq", "zs", "zz"], ["z"], name="dq")]
    g = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2, 6, 6])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 4, 6, 5])],
        [numpy_helper.from_array(np.asarray(a), n) for n, a in inits.items()])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_qlinear_ops_realize_within_one_step(tmp_path):
    """QLinearConv and QLinearMatMul: dequantized constants and the float op
    between sim_quantize points; simulated and realized both within one
    output step of onnx.reference (which computes them in integers and
    rounds the float requantize).  The output scale keeps every value in
    range: onnx.reference's QLinearMatMul wraps out-of-range integers around
    instead of saturating as the operator's definition says (and qsim
    does)."""
    for t in ("qsim-opt", "qsim-run"):
        if tools.find_tool(t) is None:
            pytest.skip(f"{t} is not built")
    from onnx.reference import ReferenceEvaluator

    model = _qoperator_model()
    x = np.random.default_rng(2).uniform(-2, 3, (2, 2, 6, 6)).astype(np.float32)
    m19 = onnx.ModelProto()
    m19.CopyFrom(model)
    m19.opset_import[0].version = 19
    ref = ReferenceEvaluator(m19).run(None, {"x": x})[0]
    src = tmp_path / "q.mlir"
    src.write_text(onnx_import.import_onnx(model))
    text = src.read_text()
    # The three pairs, and the file's int8 weights as weight points (what
    # --qsim-realize needs to compute the conv and the matmul in integers).
    assert all(f'point = "{p}.out"' in text for p in ("q", "conv", "mm"))
    assert text.count("#qsim<kind weight>") == 2
    real = tmp_path / "r.mlir"
    tools.run_tool("qsim-opt", [str(src), "--qsim-realize", "--canonicalize", "--cse",
                                "--convert-qsim-to-linalg", "--canonicalize", "-o",
                                str(real)], timeout=600)
    assert "qsim.sim_quantize" not in real.read_text()
    assert re.search(r"= tosa\.conv2d .*-> tensor<[0-9x]+xi32>", real.read_text())
    for path in (src, real):
        low = tmp_path / f"{path.stem}.llvm.mlir"
        tools.run_tool("qsim-opt", [str(path), "--qsim-cpu-pipeline", "-o", str(low)],
                       timeout=600)
        ours = evaluate.run_mlir_batched(low, x)[0]
        d = np.abs(ours - ref) / 0.25
        assert d.max() <= 1 + 1e-3 and (d < 1e-3).mean() >= 0.97, (path.name, d.max())


def test_qlinear_params_must_match_the_producer():
    model = _qoperator_model()
    model.graph.node[1].input[1] = "ys"   # reads xq with the output's scale
    with pytest.raises(onnx_import.OnnxImportError,
                       match="node 'conv'.*input #0 'xq' is read with scale 0.05"):
        onnx_import.import_onnx(model)


# ---------------------------------------------------------------------------
# Integer tensors at the graph's boundary: exact, as ONNX defines them
# ---------------------------------------------------------------------------


def _boundary_model(node, inputs, outputs, inits, opset=13):
    g = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        [numpy_helper.from_array(np.asarray(a), n) for n, a in inits.items()])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _exact_against_reference(model, feed, tmp_path):
    if tools.find_tool("qsim-run") is None:
        pytest.skip("qsim-run is not built")
    from onnx.reference import ReferenceEvaluator

    m19 = onnx.ModelProto()  # onnx.reference implements these ops from opset 19
    m19.CopyFrom(model)
    m19.opset_import[0].version = 19
    want = ReferenceEvaluator(m19).run(None, feed)[0]
    text = onnx_import.import_onnx(model)
    assert "qsim.sim_quantize" not in text
    got = onnx_import.run_mlir(text, list(feed.values()), 1, workdir=str(tmp_path))[0]
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want), np.argwhere(got != want)
    return got


_U8, _I8, _F = TensorProto.UINT8, TensorProto.INT8, TensorProto.FLOAT


@pytest.mark.parametrize("zp", [np.uint8(7), np.int8(-3)])
def test_quantize_linear_to_a_graph_output_is_exact(zp, tmp_path):
    """Halfway quotients round to even, out-of-range ones saturate (not
    past the int32 range: onnx.reference casts to int32 first, which is
    undefined there)."""
    s = np.float32(0.5)
    x = np.concatenate([np.arange(-80, 80, dtype=np.float32) * np.float32(0.25),
                        np.float32([-1e6, 1e6, 0.0, -0.0])])[None]
    node = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], name="q")
    model = _boundary_model(node, [("x", _F, list(x.shape))],
                            [("y", _U8 if zp.dtype == np.uint8 else _I8, list(x.shape))],
                            {"s": s, "z": zp})
    got = _exact_against_reference(model, {"x": x}, tmp_path)
    assert got.min() == np.iinfo(zp.dtype).min and got.max() == np.iinfo(zp.dtype).max


def test_per_axis_quantize_and_dequantize_are_exact(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.uniform(-3, 3, (2, 3, 4)).astype(np.float32)
    inits = {"s": np.float32([0.02, 0.5, 0.1]), "z": np.uint8([0, 128, 250])}
    q = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], name="q", axis=1)
    _exact_against_reference(
        _boundary_model(q, [("x", _F, [2, 3, 4])], [("y", _U8, [2, 3, 4])], inits),
        {"x": x}, tmp_path)
    xi = rng.integers(-128, 128, (2, 3, 4)).astype(np.int8)
    dq = helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], name="dq", axis=2)
    _exact_against_reference(
        _boundary_model(dq, [("x", _I8, [2, 3, 4])], [("y", _F, [2, 3, 4])],
                        {"s": np.float32([0.3, 0.02, 1.5, 7.0]),
                         "z": np.int8([0, -128, 127, 5])}),
        {"x": xi}, tmp_path)


def test_qlinear_ops_on_graph_integers_are_exact(tmp_path):
    """ONNX's reference arithmetic: integer products, the float32
    requantize, round half to even, saturate."""
    rng = np.random.default_rng(4)
    a = rng.integers(0, 256, (2, 3, 8)).astype(np.uint8)
    b = rng.integers(0, 256, (2, 8, 5)).astype(np.uint8)
    mm = helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"],
                          ["y"], name="mm")
    inits = {"as": np.float32(0.02), "az": np.uint8(130), "bs": np.float32(0.03),
             "bz": np.uint8(120), "ys": np.float32(0.5), "yz": np.uint8(128)}
    got = _exact_against_reference(
        _boundary_model(mm, [("a", _U8, [2, 3, 8]), ("b", _U8, [2, 8, 5])],
                        [("y", _U8, [2, 3, 5])], inits, opset=10),
        {"a": a, "b": b}, tmp_path)
    assert 0 < got.min() and got.max() < 255  # the reference wraps out of range
    x = rng.integers(-128, 128, (1, 2, 5, 5)).astype(np.int8)
    conv = helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz",
                                            "b"], ["y"], name="conv", pads=[1, 1, 1, 1])
    inits = {"xs": np.float32(0.05), "xz": np.int8(-5),
             "w": rng.integers(-127, 128, (3, 2, 3, 3)).astype(np.int8),
             "ws": np.float32([0.01, 0.02, 0.005]), "wz": np.zeros(3, np.int8),
             "ys": np.float32(0.3), "yz": np.int8(10),
             "b": rng.integers(-500, 500, 3).astype(np.int32)}
    got = _exact_against_reference(
        _boundary_model(conv, [("x", _I8, [1, 2, 5, 5])], [("y", _I8, [1, 3, 5, 5])],
                        inits, opset=10),
        {"x": x}, tmp_path)
    assert len(np.unique(got)) > 10


def test_bad_boundary_integers_are_refused_by_name():
    add = helper.make_node("Add", ["x", "x"], ["y"], name="add")
    with pytest.raises(onnx_import.OnnxImportError,
                       match="graph input 'x' has element type UINT8; .*read only by "
                             "DequantizeLinear"):
        onnx_import.import_onnx(_boundary_model(add, [("x", _U8, [1, 4])],
                                                [("y", _U8, [1, 4])], {}))
    dq = helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], name="dq")
    with pytest.raises(onnx_import.OnnxImportError,
                       match="node 'dq'.*input #0 'x' is ui8, its zero point i8"):
        onnx_import.import_onnx(_boundary_model(
            dq, [("x", _U8, [1, 4])], [("y", _F, [1, 4])],
            {"s": np.float32(0.5), "z": np.int8(0)}))
    mm = helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"],
                          ["y"], name="mm")
    with pytest.raises(onnx_import.OnnxImportError,
                       match="node 'mm'.*integer accumulator can reach .* past 2\\*\\*24"):
        onnx_import.import_onnx(_boundary_model(
            mm, [("a", _U8, [1, 300]), ("b", _U8, [300, 2])], [("y", _U8, [1, 2])],
            {"as": np.float32(1), "az": np.uint8(0), "bs": np.float32(1),
             "bz": np.uint8(0), "ys": np.float32(1), "yz": np.uint8(0)}, opset=10))
