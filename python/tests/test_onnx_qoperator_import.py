"""QOperator ONNX in (python/qsim/onnx_import/ops/quant.py): models that
onnxruntime's ``quantize_static(..., quant_format=QuantFormat.QOperator)``
writes, with its ``com.microsoft`` ops (QLinearAdd, QLinearMul,
QLinearGlobalAveragePool, QGemm) next to the standard QLinearConv,
QuantizeLinear, DequantizeLinear and MaxPool on integers.

Each zoo model is quantized by onnxruntime (8 calibration images, uint8
activations, int8 per-channel weights), imported, realized
(``--qsim-realize``: every QLinearConv and QGemm must become an integer
contraction, i32 accumulator) and run on 64 Fashion-MNIST test images; its
logits are compared with onnxruntime's, in steps of the output grid:

* 7-bit weights (``reduce_range=True``) against onnxruntime running the
  same QOperator file: top-1 equal on >= 98% of the images, every logit
  within 2 steps, equal on >= 95% of them.  Measured (x86 AVX2, no VNNI):
  top-1 100% on all four; max 1 step; equal on 99.7% (resnet_v1), 99.8%
  (resnet_v2), 98.6% (mobilenet_v2), 100% (vgg).  One step is a rounding
  tie decided the other way (our requantize is fixed point, onnxruntime's
  float; sums in another order), which can move a later layer's result by
  one more step: hence 2, not 1.
* 8-bit weights (onnxruntime's default, as in the issue's reproduction):
  onnxruntime's own QLinearConv/QGemm kernels on x86 without VNNI saturate
  their int16 pair sums (docs/Interop.md), so they are no reference there
  (measured: top-1 equal on only 87.5-95% of the images, logits up to 153
  steps apart).  The reference is onnxruntime running the QDQ file the same
  calibration gives (same scales), with graph optimizations off (each op in
  float on dequantized values, i.e. the file's semantics): top-1 >= 98%,
  every logit within 3 steps.  Measured: top-1 100%, max 1 step (resnet_v1,
  mobilenet_v2, vgg; equal on 98.8-99.8%) and 2 steps (resnet_v2, equal on
  69.5%: it keeps three BatchNormalizations in float between pairs; which
  layer's ties differ was not traced), hence 3 and an equal share of 50%.
"""

import re

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxruntime.quantization")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from qsim import datasets, evaluate, onnx_import, tools  # noqa: E402

ZOO = tools.REPO_ROOT / "examples" / "zoo"
IMAGES = 64
MS = "com.microsoft"


def _need_tools():
    for t in ("qsim-opt", "qsim-run"):
        if tools.find_tool(t) is None:
            pytest.skip(f"{t} is not built")


def _need(name):
    _need_tools()
    if not (ZOO / f"{name}.onnx").is_file():
        pytest.skip(f"{ZOO / name}.onnx missing")
    try:
        datasets.load_fashion_mnist("test", limit=1)
    except datasets.DatasetError as e:
        pytest.skip(str(e))


def _quantize(pre, out, fmt, reduce_range):
    """onnxruntime's static quantization of ``pre`` as in the issue: 8
    calibration images, one per call, uint8 activations, int8 per-channel
    weights."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)

    xc = np.random.default_rng(0).uniform(0, 1, (8, 1, 28, 28)).astype(np.float32)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{"input": xc[i:i + 1]} for i in range(8)])

        def get_next(self):
            return next(self.it, None)

    quantize_static(str(pre), str(out), Reader(), quant_format=getattr(QuantFormat, fmt),
                    per_channel=True, reduce_range=reduce_range,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)


def _preprocessed(name, tmp_path):
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = tmp_path / f"{name}.pre.onnx"
    quant_pre_process(str(ZOO / f"{name}.onnx"), str(pre))
    return pre


def _realized_logits(path, x, tmp_path):
    """Import at batch len(x), --qsim-realize (the QDQ import tests'
    pipeline), lower and run: (logits, realized MLIR text)."""
    src = tmp_path / f"{path.stem}.mlir"
    src.write_text(onnx_import.import_onnx_file(str(path), batch=len(x)))
    real = tmp_path / f"{path.stem}.realized.mlir"
    tools.run_tool("qsim-opt", [str(src), "--qsim-realize", "--canonicalize", "--cse",
                                "--convert-qsim-to-linalg", "--canonicalize", "-o",
                                str(real)], timeout=600)
    low = tmp_path / f"{path.stem}.llvm.mlir"
    tools.run_tool("qsim-opt", [str(real), "--qsim-cpu-pipeline", "-o", str(low)],
                   timeout=600)
    return evaluate.run_mlir_batched(low, x)[0], real.read_text()


def _output_step(path):
    g = onnx.load(str(path)).graph
    dq = next(n for n in g.node if n.op_type == "DequantizeLinear"
              and n.output[0] == g.output[0].name)
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    return float(inits[dq.input[1]])


def _ort(path, x, optimize=True):
    so = ort.SessionOptions()
    if not optimize:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    s = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    return s.run(None, {s.get_inputs()[0].name: x})[0]


def _check_realized(path, text):
    """Every QLinearConv and QGemm became an integer contraction."""
    ops = onnx_import.op_counts(str(path))
    assert ops.get(f"{MS}.QGemm", 0) >= 1 and ops.get(f"{MS}.QLinearMul", 0) >= 1
    assert "qsim.sim_quantize" not in text
    want = ops.get("QLinearConv", 0) + ops.get(f"{MS}.QGemm", 0)
    got = len(re.findall(r"= tosa\.(?:conv2d|depthwise_conv2d|matmul) .*-> "
                         r"tensor<[0-9x]+xi32>", text))
    assert got == want, f"{got} of {want} QLinearConv/QGemm realized on integers"


def _compare(ours, ref, step, max_steps, equal_share, what):
    d = np.abs(ours - ref) / step
    top1 = float((ours.argmax(1) == ref.argmax(1)).mean())
    print(f"{what}: top-1 equal {top1:.2%}, max {d.max():.3f} steps, equal on "
          f"{(d < 1e-3).mean():.2%}")
    assert top1 >= 0.98, f"{what}: top-1 equal on {top1:.2%}"
    assert d.max() <= max_steps + 1e-3, f"{what}: {d.max()} steps apart"
    assert (d < 1e-3).mean() >= equal_share, f"{what}: equal on {(d < 1e-3).mean():.2%}"


ZOO_MODELS = ["resnet_v1", "resnet_v2", "mobilenet_v2", "vgg"]


@pytest.mark.parametrize("name", ZOO_MODELS)
def test_ort_qoperator_zoo_model_matches_onnxruntime(name, tmp_path):
    _need(name)
    pre = _preprocessed(name, tmp_path)
    q = tmp_path / f"{name}.qop7.onnx"
    _quantize(pre, q, "QOperator", reduce_range=True)
    x, _ = datasets.load_fashion_mnist("test", limit=IMAGES)
    ours, text = _realized_logits(q, x, tmp_path)
    _check_realized(q, text)
    _compare(ours, _ort(q, x), _output_step(q), 2, 0.95, f"{name} 7-bit vs ORT")


@pytest.mark.parametrize("name", ZOO_MODELS)
def test_ort_qoperator_8bit_weights_match_the_files_semantics(name, tmp_path):
    _need(name)
    pre = _preprocessed(name, tmp_path)
    q, qdq = tmp_path / f"{name}.qop.onnx", tmp_path / f"{name}.qdq.onnx"
    _quantize(pre, q, "QOperator", reduce_range=False)
    _quantize(pre, qdq, "QDQ", reduce_range=False)
    assert _output_step(q) == _output_step(qdq)
    x, _ = datasets.load_fashion_mnist("test", limit=IMAGES)
    ours, text = _realized_logits(q, x, tmp_path)
    _check_realized(q, text)
    _compare(ours, _ort(qdq, x, optimize=False), _output_step(q), 3, 0.5,
             f"{name} 8-bit vs ORT on the QDQ twin, unfused")


# ---------------------------------------------------------------------------
# Hand-built models: QGemm's attributes, errors
# ---------------------------------------------------------------------------


def _model(nodes, inputs, outputs, inits, ms=True):
    g = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        [numpy_helper.from_array(np.asarray(a), n) for n, a in inits.items()])
    ops = [helper.make_opsetid("", 13)] + ([helper.make_opsetid(MS, 1)] if ms else [])
    m = helper.make_model(g, opset_imports=ops)
    m.ir_version = 8
    return m


_F, _U8 = TensorProto.FLOAT, TensorProto.UINT8


def _qgemm_model(alpha, trans_b):
    """x -> QuantizeLinear(u8) -> QGemm(int8 per-column B, int32 C, alpha)
    -> y (u8, dequantized) and QGemm without y_scale -> z (float)."""
    rng = np.random.default_rng(5)
    # |B| <= 63: onnxruntime's u8 x s8 pair sums do not saturate on AVX2.
    b = rng.integers(-63, 64, (5, 8) if trans_b else (8, 5)).astype(np.int8)
    inits = {"xs": np.float32(0.03), "xz": np.uint8(100), "b": b,
             "bs": rng.uniform(0.005, 0.02, 5).astype(np.float32),
             "bz": np.zeros(5, np.int8), "c": rng.integers(-3000, 3000, 5).astype(np.int32),
             "ys": np.float32(0.04), "yz": np.uint8(120)}
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q"),
             helper.make_node("QGemm", ["xq", "xs", "xz", "b", "bs", "bz", "c", "ys", "yz"],
                              ["yq"], name="gemm", domain=MS, alpha=alpha, transB=trans_b),
             helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"], name="dq"),
             helper.make_node("QGemm", ["xq", "xs", "xz", "b", "bs", "bz", "c"], ["z"],
                              name="gemm_f", domain=MS, alpha=alpha, transB=trans_b)]
    return _model(nodes, [("x", _F, [6, 8])], [("y", _F, [6, 5]), ("z", _F, [6, 5])], inits)


@pytest.mark.parametrize("alpha,trans_b", [(1.0, 1), (0.5, 0)])
def test_qgemm_matches_onnxruntime(alpha, trans_b, tmp_path):
    """alpha scales the product and the bias (onnxruntime's kernel:
    alpha * a_scale * b_scale * (A'B' + C)); without y_scale the output is
    float.  The realized int8 matmul: the quantized output within one step,
    the float output within float32 rounding of onnxruntime's."""
    _need_tools()
    model = _qgemm_model(alpha, trans_b)
    x = np.random.default_rng(6).uniform(-1, 4, (6, 8)).astype(np.float32)
    ref = ort.InferenceSession(model.SerializeToString(),
                               providers=["CPUExecutionProvider"]).run(None, {"x": x})
    src = tmp_path / "g.mlir"
    src.write_text(onnx_import.import_onnx(model))
    real = tmp_path / "r.mlir"
    tools.run_tool("qsim-opt", [str(src), "--qsim-realize", "--canonicalize", "--cse",
                                "--convert-qsim-to-linalg", "--canonicalize", "-o",
                                str(real)], timeout=600)
    text = real.read_text()
    assert "qsim.sim_quantize" not in text
    # (One matmul: --cse merges the two QGemms' identical products.)
    assert re.search(r"= tosa\.matmul .*-> tensor<[0-9x]+xi32>", text)
    assert not re.search(r"= tosa\.matmul .*-> tensor<[0-9x]+xf32>", text)
    low = tmp_path / "r.llvm.mlir"
    tools.run_tool("qsim-opt", [str(real), "--qsim-cpu-pipeline", "-o", str(low)],
                   timeout=600)
    y, z = onnx_import.run_mlir(low.read_text(), [x], 2, workdir=str(tmp_path))
    d = np.abs(y - ref[0]) / 0.04
    assert d.max() <= 1 + 1e-3 and (d < 1e-3).mean() >= 0.9, d.max()
    assert 0 < (ref[0] / 0.04 + 120).min() and (ref[0] / 0.04 + 120).max() < 255
    np.testing.assert_allclose(z, ref[1], rtol=1e-5, atol=1e-4 * np.abs(ref[1]).max())


def _unsupported_ms_model():
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q"),
             helper.make_node("QLinearSoftmax", ["xq", "s", "z", "s", "z"], ["yq"],
                              name="softmax", domain=MS, axis=-1, opset=13),
             helper.make_node("DequantizeLinear", ["yq", "s", "z"], ["y"], name="dq")]
    return _model(nodes, [("x", _F, [1, 4])], [("y", _F, [1, 4])],
                  {"s": np.float32(0.1), "z": np.uint8(0)})


def test_unimplemented_com_microsoft_op_is_refused_by_name():
    with pytest.raises(onnx_import.OnnxImportError,
                       match=r"^node 'softmax' \(QLinearSoftmax\): operator "
                             r"'com\.microsoft\.QLinearSoftmax' is not supported "
                             r"\(supported in domain 'com\.microsoft': QGemm, QLinearAdd, "
                             r"QLinearGlobalAveragePool, QLinearMul\)$"):
        onnx_import.import_onnx(_unsupported_ms_model())
    # Other domains keep their message.
    m = _unsupported_ms_model()
    m.graph.node[1].domain = "ai.onnx.contrib"
    m.opset_import[1].domain = "ai.onnx.contrib"
    with pytest.raises(onnx_import.OnnxImportError,
                       match=r"^operator set domain 'ai\.onnx\.contrib' is not supported$"):
        onnx_import.import_onnx(m)


def _add_model(consumer):
    """x -> QuantizeLinear -> QLinearAdd(x, x) -> ``consumer`` nodes."""
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q"),
             helper.make_node("QLinearAdd", ["xq", "s", "z", "xq", "s", "z", "s2", "z"],
                              ["aq"], name="add", domain=MS)] + consumer
    return _model(nodes, [("x", _F, [1, 2, 4, 4])], [("y", _F, None)],
                  {"s": np.float32(0.1), "s2": np.float32(0.2), "z": np.uint8(3)})


@pytest.mark.parametrize("consumer,match", [
    ([helper.make_node("Cast", ["aq"], ["y"], name="cast", to=TensorProto.FLOAT)],
     r"node 'add' \(QLinearAdd\): its integers must feed .* only \(node 'cast' \(Cast\) "
     r"reads them\); integer tensors are not imported"),
    # A shape-only op passes the pair on; what reads its integers is checked too.
    ([helper.make_node("MaxPool", ["aq"], ["mq"], name="pool", kernel_shape=[2, 2]),
      helper.make_node("Cast", ["mq"], ["y"], name="cast", to=TensorProto.FLOAT)],
     r"node 'pool' \(MaxPool\): its integers must feed .* only \(node 'cast' \(Cast\) "
     r"reads them\)"),
    ([helper.make_node("Flatten", ["aq"], ["y"], name="flat")],
     r"node 'flat' \(Flatten\): its integers must feed .* only \(they are a graph "
     r"output\)"),
])
def test_integers_read_by_other_ops_are_refused_by_name(consumer, match):
    with pytest.raises(onnx_import.OnnxImportError, match=match):
        onnx_import.import_onnx(_add_model(consumer))


def test_pass_through_ops_keep_the_pair():
    """MaxPool / Flatten of a pair's integers: the float op, then the same
    point again; the DequantizeLinear after them reads the pair's
    parameters."""
    m = _add_model([
        helper.make_node("MaxPool", ["aq"], ["mq"], name="pool", kernel_shape=[2, 2]),
        helper.make_node("Flatten", ["mq"], ["fq"], name="flat"),
        helper.make_node("DequantizeLinear", ["fq", "s2", "z"], ["y"], name="dq")])
    text = onnx_import.import_onnx(m)
    for point in ("add", "pool", "flat"):
        assert re.search(r"qsim.sim_quantize %\w+ <s8, scale = 0.2\d*, zero_point = -125> "
                         rf'{{kind = #qsim<kind activation>, point = "{point}.out"}}', text)
    m.graph.node[-1].input[1] = "s"
    with pytest.raises(onnx_import.OnnxImportError,
                       match=r"node 'dq'.*input #0 'fq' is read with scale 0.1"):
        onnx_import.import_onnx(m)


def test_qlinear_global_average_pool_channels_last_is_refused():
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q"),
             helper.make_node("QLinearGlobalAveragePool", ["xq", "s", "z", "s", "z"],
                              ["pq"], name="gap", domain=MS, channels_last=1),
             helper.make_node("DequantizeLinear", ["pq", "s", "z"], ["y"], name="dq")]
    m = _model(nodes, [("x", _F, [1, 4, 4, 2])], [("y", _F, None)],
               {"s": np.float32(0.1), "z": np.uint8(0)})
    with pytest.raises(onnx_import.OnnxImportError,
                       match=r"node 'gap' \(QLinearGlobalAveragePool\): attribute "
                             r"'channels_last' = 1 is not supported"):
        onnx_import.import_onnx(m)


def test_pair_read_in_another_layout_realizes_every_conv(tmp_path):
    """A pair in NCHW read by two QLinearConvs, the second strided 1x1 (a
    crop before it): the layout transpose the first emits, cached for the
    second, and the crop get the pair's point again, so both convolutions
    realize on integers."""
    _need_tools()
    rng = np.random.default_rng(7)
    inits = {"xs": np.float32(0.02), "xz": np.uint8(120), "ys": np.float32(0.05),
             "yz": np.uint8(128)}
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q")]
    for k, stride in ((0, 1), (1, 2)):
        inits.update({f"w{k}": rng.integers(-127, 128, (4, 2, 1, 1)).astype(np.int8),
                      f"ws{k}": rng.uniform(0.002, 0.01, 4).astype(np.float32),
                      f"wz{k}": np.zeros(4, np.int8)})
        nodes += [helper.make_node("QLinearConv", ["xq", "xs", "xz", f"w{k}", f"ws{k}",
                                                   f"wz{k}", "ys", "yz"], [f"y{k}q"],
                                   name=f"conv{k}", strides=[stride, stride]),
                  helper.make_node("DequantizeLinear", [f"y{k}q", "ys", "yz"], [f"y{k}"],
                                   name=f"dq{k}")]
    m = _model(nodes, [("x", _F, [1, 2, 6, 6])], [("y0", _F, None), ("y1", _F, None)],
               inits, ms=False)
    src = tmp_path / "two.mlir"
    src.write_text(onnx_import.import_onnx(m))
    real = tmp_path / "two.realized.mlir"
    tools.run_tool("qsim-opt", [str(src), "--qsim-realize", "--canonicalize", "--cse",
                                "-o", str(real)], timeout=600)
    convs = re.findall(r"= tosa\.conv2d .*-> (tensor<[0-9x]+x[if]32>)", real.read_text())
    assert len(convs) == 2 and all(t.endswith("xi32>") for t in convs), convs
