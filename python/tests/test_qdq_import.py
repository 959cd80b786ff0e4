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
     _S, "node 'quant' .*DequantizeLinear 'deq' does not use the same scale"),
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
