"""End-to-end smoke test on real data: a zoo model (examples/zoo) on the first
few hundred Fashion-MNIST test images, through ``qsim quantize``'s path
(import, quantize, lower, qsim-run).

Asserted against agreement, not a hard-coded accuracy:

* float, run by qsim-run, predicts the same class as onnxruntime on every
  image but at most one (float32 implementations sum in different orders; an
  image whose top-2 logits are within rounding may flip, which is rare), and
  its logits match within a float32 tolerance;
* int8 predicts the same class as float on >= 90% of the images.  A good
  int8 model agrees on ~99% of them (the top-1 drop of a well-calibrated CNN
  is well under a point); 90% leaves room for the build without statistics
  collection, where every activation range is one global scale, and still
  fails when quantization is broken (a wrong scale, shift or layout scrambles
  the logits: agreement falls to chance, ~10-20%).
"""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from qsim import datasets, evaluate, quantize, tools  # noqa: E402

ZOO = tools.REPO_ROOT / "examples" / "zoo"
MODEL = ZOO / "resnet_v1.onnx"
IMAGES = 300
BATCH = 300  # one qsim-run call each: every call JIT-compiles


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    if tools.find_tool("qsim-run") is None or tools.find_tool("qsim-opt") is None:
        pytest.skip("qsim-run / qsim-opt are not built")
    if not MODEL.is_file():
        pytest.skip(f"{MODEL} missing")
    try:
        datasets.load_fashion_mnist("test", limit=1)
    except datasets.DatasetError as e:
        pytest.skip(str(e))
    work = tmp_path_factory.mktemp("zoo")
    return quantize.quantize_and_evaluate(MODEL, work, calib=100, batch=BATCH,
                                          limit=IMAGES, log=lambda *_: None)


def test_float_agrees_with_onnxruntime(result):
    x, _ = datasets.load_fashion_mnist("test", limit=IMAGES)
    ref = evaluate.ort_logits(MODEL, x)
    ours = result.float_.logits
    assert ours.shape == ref.shape == (IMAGES, 10)
    np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-4)
    assert int((ours.argmax(1) != ref.argmax(1)).sum()) <= 1


def test_int8_agrees_with_float(result):
    assert result.quantized_ops > 0
    assert result.agreement >= 0.90, (
        f"int8 agrees with float on {100 * result.agreement:.1f}% of "
        f"{IMAGES} images ({result.calibration})")


def test_timings_reported(result):
    for r in (result.float_, result.int8):
        assert r.timing.calls == -(-IMAGES // BATCH)
        assert r.timing.per_image_ms > 0
    # The row under the two header lines: this model's figures.
    row = quantize.format_table([result]).splitlines()[2]
    assert row.split()[0] == result.model
    assert f"{100 * result.float_.top1:.2f}%" in row and f"{100 * result.int8.top1:.2f}%" in row
    assert f"{result.int8.timing.per_image_ms:.3f}" in row


# ---------------------------------------------------------------------------
# Helpers of the quantize command (no tools needed)
# ---------------------------------------------------------------------------


def test_calibration_batch_divides_the_sample_count():
    assert quantize._calib_batch(500) == 100
    assert quantize._calib_batch(64) == 64
    assert quantize._calib_batch(97) == 97
    assert quantize._calib_batch(1000, cap=300) == 250


def test_pipeline_options_reach_the_passes(tmp_path, monkeypatch):
    """quantize_pipeline's settings arrive in qsim-annotate and
    qsim-calibrate as --qsim-quantize expands them (a misspelled or dropped
    option fails here)."""
    monkeypatch.chdir(tmp_path)  # expanding the pipeline writes its report r.json
    from qsim import sqnr
    if tools.qsim_opt() is None:
        pytest.skip("qsim-opt is not built")
    passes = quantize.quantize_pipeline(Path("t.json"), "kl", True, 4.0, Path("r.json"),
                                        "skip-first-convs=1", "percentile=99.5 pow2")
    stages = sqnr.expand_passes(passes)
    assert [st.split("{")[0] for st in stages] == [
        "qsim-annotate", "qsim-calibrate", "qsim-fuse-lut", "qsim-realize", "canonicalize", "cse",
        "convert-qsim-to-linalg", "canonicalize"]
    ann, cal = stages[0].split(), stages[1].split()
    assert "report=r.json" in ann and "skip-first-convs=1" in ann
    for opt in ("table=t.json", "method=kl", "global-scale=4.000000e+00",
                "per-channel=true", "percentile=9.950000e+01", "pow2=true"):
        assert opt in cal, (opt, stages[1])
    no_table = sqnr.expand_passes(
        quantize.quantize_pipeline(None, "kl", False, 8.0, Path("r.json")))[1].split()
    assert "per-channel=false" in no_table and "method=max" in no_table


def test_missing_qsim_collect_is_an_error(tmp_path, monkeypatch):
    """No silent global-scale calibration: without qsim-collect qsim quantize
    stops with exit status 2 and names the tool."""
    import contextlib
    import io
    from qsim import cli, tools
    real = tools.find_tool
    monkeypatch.setattr(tools, "find_tool",
                        lambda name="qsim-opt": None if name == "qsim-collect" else real(name))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = cli.main(["quantize", str(ZOO / "resnet_v1.onnx"), "--dataset",
                       "fashion-mnist", "--calib", "10", "--limit", "10",
                       "--keep", str(tmp_path / "k")])
    assert rc == 2
    assert "qsim-collect not found" in err.getvalue()


def test_float64_reference_decides_differences():
    """The arbiter of float disagreements: the widened graph agrees with
    onnxruntime to float32 rounding, and a planted disagreement is found and
    decided against the planted class."""
    if not MODEL.is_file():
        pytest.skip(f"{MODEL} missing")
    try:
        x, _ = datasets.load_fashion_mnist("test", limit=8)
    except datasets.DatasetError as e:
        pytest.skip(str(e))
    ref = evaluate.ort_logits(MODEL, x)
    f64 = evaluate.float64_logits(MODEL, x)
    assert f64.dtype == np.float64
    np.testing.assert_allclose(f64, ref, rtol=1e-4, atol=1e-5)
    other = ref.argmax(1)
    other[3] = (other[3] + 1) % 10
    rows = evaluate.explain_differences(MODEL, x, ref, other)
    assert [r["image"] for r in rows] == [3]
    assert rows[0]["float64"] == rows[0]["ours"] == rows[0]["onnxruntime"] != rows[0]["PyTorch"]
