"""Per-layer SQNR of ``qsim quantize`` (python/qsim/sqnr.py).

The tool-free helpers are tested on small inputs; the end-to-end part runs
``qsim quantize`` on a zoo model with 64 calibration and 64 test images
(about 30-40 s) and checks that:

* every layer's SQNR is finite, the printed list is the 5 worst, worst first;
* the module that returns the intermediate tensors computes the same int8
  logits as ``int8.mlir`` (the extra results changed nothing);
* a deliberately bad quantization (every activation range [-0.05, 0.05])
  has a lower SQNR than the calibrated one;
* the PNG is written, non-empty and byte-identical when written again.
"""

import contextlib
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

from qsim import datasets, points, quantize, sqnr, tools

MODEL = tools.REPO_ROOT / "examples" / "zoo" / "resnet_v1.onnx"
N = 64


def test_sqnr_db():
    assert sqnr.sqnr_db(100.0, 1.0) == pytest.approx(20.0)
    assert sqnr.sqnr_db(1.0, 0.0) == sqnr.MAX_DB
    assert sqnr.sqnr_db(0.0, 0.0) == sqnr.MAX_DB
    assert sqnr.sqnr_db(1.0, 10.0) == pytest.approx(-10.0)


def test_exposed_points_in_name_order(tmp_path):
    """The values sqnr measures come from --qsim-expose-points: results after
    the model's own, in point-name order, with the manifest saying which."""
    if tools.find_tool("qsim-opt") is None:
        pytest.skip("qsim-opt is not built")
    src = tmp_path / "m.mlir"
    src.write_text(
        "func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {\n"
        "  %0 = qsim.annotate %x input \"main.x\" : tensor<2xf32>\n"
        "  %1 = tosa.abs %0 : (tensor<2xf32>) -> tensor<2xf32>\n"
        "  %2 = qsim.annotate %1 activation \"/A.out\" : tensor<2xf32>\n"
        "  return %2 : tensor<2xf32>\n}\n")
    man = tmp_path / "m.json"
    tools.run_tool("qsim-opt", [str(src), sqnr._pipeline(
        [points.expose_pass("float", man)]), "-o", str(tmp_path / "o.mlir")])
    m = points.read_manifest(man)
    assert (m.function, m.results, m.arguments, m.value, m.feed) == ("main", 1, 1,
                                                                    "float", False)
    assert [(p.name, p.result, p.order, p.shape) for p in m.points] == [
        ("/A.out", 1, 1, (2,)), ("main.x", 2, 0, (2,))]
    with pytest.raises(ValueError, match="comma"):
        points.expose_pass("float", man, ["a,b"])


def test_worst_is_sorted():
    layers = [sqnr.LayerSqnr(f"/L{i}", "tosa.conv2d", "conv", (1,), signal=1.0,
                             noise=10 ** (-db / 10)) for i, db in enumerate([30, 20, 40, 20, 25])]
    res = sqnr.SqnrResult(layers, 1, np.zeros((1, 10)), np.zeros((1, 10)))
    assert [l.point for l in res.worst(3)] == ["/L1", "/L3", "/L4"]
    assert len(res.worst(10)) == 5


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    for tool in ("qsim-opt", "qsim-run", "qsim-collect"):
        if tools.find_tool(tool) is None:
            pytest.skip(f"{tool} is not built")
    if not MODEL.is_file():
        pytest.skip(f"{MODEL} missing")
    try:
        datasets.load_fashion_mnist("test", limit=1)
    except datasets.DatasetError as e:
        pytest.skip(str(e))
    work = tmp_path_factory.mktemp("sqnr")
    plot = work / "plot.png"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = quantize.main([str(MODEL), "--calib", str(N), "--limit", str(N),
                            "--batch", str(N), "--sqnr-images", str(N),
                            "--calibrate-options", "unsigned-activations",
                            "--keep", str(work / "keep"), "--plot", str(plot),
                            "--json", str(work / "r.json")])
    assert rc == 0, out.getvalue()
    return work, out.getvalue(), json.loads((work / "r.json").read_text())


def test_quantize_prints_the_worst_layers(run):
    _, text, res = run
    layers = res["sqnr"]
    assert res["sqnr_images"] == N and len(layers) >= 10
    assert all(math.isfinite(l["sqnr_db"]) for l in layers)
    assert res["sqnr_skipped"] == []
    # The instrumented int8 module is the int8 model.
    assert res["sqnr_int8_class_diffs"] == 0 and res["sqnr_int8_max_logit_diff"] == 0.0
    lines = text[text.index("worst 5 of"):].splitlines()[1:6]
    printed = [(l.split()[0], float(l.split()[-2])) for l in lines]
    assert [db for _, db in printed] == sorted(db for _, db in printed)
    want = sorted(layers, key=lambda l: l["sqnr_db"])[:5]
    assert [p for p, _ in printed] == [l["point"] for l in want]
    # A sound int8 ResNet keeps every layer well above 15 dB.
    assert min(l["sqnr_db"] for l in layers) > 15.0


def test_bad_quantization_has_lower_sqnr(run):
    work, _, res = run
    x, _ = datasets.load_fashion_mnist("test", limit=N)
    passes = quantize.quantize_pipeline(None, "max", False, 0.05, work / "bad.json")
    bad = sqnr.measure(MODEL, x, passes, work / "bad")
    good = {l["point"]: l["sqnr_db"] for l in res["sqnr"]}
    assert all(math.isfinite(l.db) for l in bad.layers)
    assert {l.point for l in bad.layers} == set(good)
    assert min(l.db for l in bad.layers) < min(good.values())
    assert np.mean([l.db for l in bad.layers]) < np.mean(list(good.values())) - 10
    assert sum(l.db < good[l.point] for l in bad.layers) >= 0.9 * len(good)


def test_plot_written_and_deterministic(run, tmp_path):
    work, text, res = run
    plot = work / "plot.png"
    assert f"per-layer SQNR plot: {plot}" in text
    data = plot.read_bytes()
    assert len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"
    layers = [sqnr.LayerSqnr(l["point"], l["op"], l["category"], (1,), signal=1.0,
                             noise=10 ** (-l["sqnr_db"] / 10)) for l in res["sqnr"]]
    again = sqnr.SqnrResult(layers, N, np.zeros((1, 10)), np.zeros((1, 10)))
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    sqnr.plot(again, a, title="t")
    sqnr.plot(again, b, title="t")
    assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 1000
