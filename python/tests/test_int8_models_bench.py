"""Smoke test of benchmarks/int8_models.py: its pieces on made-up numbers,
its command line errors, and one real run on SqueezeNet 1.1 in --quick mode
whose table and JSON must have the right structure and sane values (a
finite SQNR above a floor, positive times).  The benchmark's targets
(speed-ups, ours vs ORT) are not asserted: they are what it measures.

Without build/models (set-up skipped) the real run skips, except under CI,
where a missing set is an error (as in test_real_models.py).
"""

import json
import math
import os
import sys

import numpy as np
import pytest

from qsim import tools

sys.path.insert(0, str(tools.REPO_ROOT / "benchmarks"))
import int8_models as im  # noqa: E402

MODEL = "squeezenet1_1"
SQNR_FLOOR_DB = 15.0


def test_sqnr_and_cosine():
    ref = np.array([3.0, -4.0], np.float32)
    # noise energy 0.25 against 25: 20 dB.
    assert im.sqnr_db(ref, ref + np.array([0.5, 0.0], np.float32)) == pytest.approx(20.0)
    assert im.sqnr_db(ref, ref) == math.inf
    assert im.cosine(ref, 2 * ref) == pytest.approx(1.0)
    assert im.cosine(ref, np.array([4.0, 3.0])) == pytest.approx(0.0, abs=1e-12)


def test_float_ops_counts_kinds():
    report = {"layers": [
        {"ops": [{"op": "tosa.sigmoid", "status": "float"},
                 {"op": "tosa.conv2d", "status": "int8"}]},
        {"ops": [{"op": "tosa.sigmoid", "status": "float"},
                 {"op": "tosa.reciprocal", "status": "float"}]}]}
    assert im.float_ops(report) == {"tosa.sigmoid": 2, "tosa.reciprocal": 1}
    assert list(im.float_ops(report)) == ["tosa.sigmoid", "tosa.reciprocal"]
    assert im.float_ops({"layers": []}) == {}


def test_time_rounds_interleaves_and_keeps_the_minimum():
    calls = []
    engines = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    ms = im.time_rounds(engines, 3)
    # One warm-up call each, then a then b in every round.
    assert calls == ["a", "b"] + ["a", "b"] * 3
    assert set(ms) == {"a", "b"} and all(v >= 0 for v in ms.values())


def test_targets_and_ratios():
    r = im.Result("resnet50", ours_int8_ms=10.0, ours_fp32_ms=20.0, ort_int8_ms=12.0)
    assert r.speedup == pytest.approx(2.0) and r.vs_ort_int8 == pytest.approx(10 / 12)
    assert r.targets() == {"int8 >= 1.8x fp32": True, "not slower than ORT int8": True}
    slow = im.Result("mobilenet_v3_small", ours_int8_ms=10.0, ours_fp32_ms=12.0,
                     ort_int8_ms=8.0)
    assert slow.targets() == {"int8 >= 1.4x fp32": False, "not slower than ORT int8": False}
    enc = im.Result("minilm", cosine=0.985)
    assert enc.targets() == {"cosine >= 0.99": False, "not slower than ORT int8": None}
    text = im.table([r, slow, enc])
    assert "MISS" in text and "2.00" in text and "0.9850" in text


@pytest.mark.parametrize("argv, code, msg", [
    (["--models", "no_such_model"], 2, "unknown model(s) no_such_model"),
])
def test_unknown_model_is_refused(capsys, tmp_path, argv, code, msg):
    if tools.find_tool("qsim-collect") is None:
        pytest.skip("qsim tools are not built")
    assert im.main(argv + ["--models-dir", str(tmp_path)]) == code
    assert msg in capsys.readouterr().err


def test_reuse_needs_keep(capsys):
    with pytest.raises(SystemExit) as e:
        im.main(["--reuse"])
    assert e.value.code == 2
    assert "--reuse needs --keep DIR" in capsys.readouterr().err


def test_quick_run_on_squeezenet(capsys, tmp_path, monkeypatch):
    if tools.find_tool("qsim-collect") is None or tools.find_tool("qsim-run") is None:
        pytest.skip("qsim tools are not built")
    d = im.models_dir()
    if not (d / f"{MODEL}.onnx").is_file():
        msg = f"{d / MODEL}.onnx is absent: set-up generates it (bash scripts/models/gen.sh)"
        if os.environ.get("CI"):
            pytest.fail(msg + "; CI runs set-up, so this is an error")
        pytest.skip(msg)
    pytest.importorskip("onnxruntime")
    out = tmp_path / "r.json"
    # ORT's quantizer writes scratch files to the working directory: the
    # benchmark gives it a folder of its own.
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert im.main(["--models", MODEL, "--quick", "--json", str(out), "--keep",
                    str(tmp_path / "work"), "--strict",
                    "--calibrate-options", "weight-range-bits=7"]) == 0
    assert not list(cwd.iterdir())
    assert not [p for p in (tmp_path / "work").iterdir() if p.name.startswith(".ort-")]
    printed = capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["threads"] == 1 and data["batch"] == 1 and data["runs"] == im.QUICK["runs"]
    assert data["calibration_samples"] == im.QUICK["calib"]
    assert data["calibrate_options"] == "weight-range-bits=7"
    settings = json.loads((tmp_path / "work" / f"{MODEL}.q" / "report.json").read_text())["settings"]
    assert "weight-range-bits=7" in settings["calibrate_options"]
    assert data["load_average_before"] and data["load_average_after"]
    (row,) = data["results"]
    assert row["name"] == MODEL and row["status"] == "ok", row["error"]
    # Accuracy: finite, and int8 tracks float on real images.
    for k in ("sqnr_db", "ort_sqnr_db"):
        assert math.isfinite(row[k]) and row[k] > SQNR_FLOOR_DB, (k, row[k])
    assert row["cosine"] is None
    for k in ("ours_int8_ms", "ours_fp32_ms", "ort_fp32_ms", "ort_int8_ms"):
        assert row[k] > 0, k
    assert row["speedup"] == pytest.approx(row["ours_fp32_ms"] / row["ours_int8_ms"])
    assert row["vs_ort_int8"] == pytest.approx(row["ours_int8_ms"] / row["ort_int8_ms"])
    assert row["ops_int8"] > 0 and row["ops_float"] == sum(row["float_op_kinds"].values())
    assert "not slower than ORT int8" in row["targets"]
    # The table: its header, one row for the model with its figures, the
    # targets and the load average.
    lines = printed.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("model "))
    for col in im.COLUMNS:
        assert col in lines[head]
    (mrow,) = [ln for ln in lines[head + 1:] if ln.startswith(MODEL)]
    assert f"{row['sqnr_db']:.1f} dB" in mrow and f"{row['ours_int8_ms']:.2f}" in mrow
    assert "targets:" in printed and "load average" in printed
    assert "calibrate options 'weight-range-bits=7'" in printed
    assert (tmp_path / "work" / f"{MODEL}.q" / "libmodel.so").is_file()


def test_a_model_that_fails_is_a_row_not_a_traceback(capsys, tmp_path):
    """A corrupt model: qsim quantize's message in the row, the other
    columns empty, exit status 0 (1 with --strict)."""
    if tools.find_tool("qsim-collect") is None:
        pytest.skip("qsim tools are not built")
    from qsim import datasets

    try:
        datasets.load_fashion_mnist("train", limit=1)
    except Exception as e:   # the images of the calibration samples
        pytest.skip(f"Fashion-MNIST not available: {e}")
    (tmp_path / "broken.onnx").write_bytes(b"not an onnx model")
    (tmp_path / "broken.json").write_text(json.dumps(
        {"name": "broken", "kind": "image classifier",
         "inputs": [{"name": "input", "shape": ["batch", 3, 224, 224], "dtype": "float32"}]}))
    argv = ["--models", "broken", "--models-dir", str(tmp_path), "--calib", "1", "--eval", "1",
            "--runs", "1", "--json", str(tmp_path / "r.json")]
    assert im.main(argv) == 0
    printed = capsys.readouterr().out
    (row,) = json.loads((tmp_path / "r.json").read_text())["results"]
    assert row["status"] == "failed" and "qsim quantize exited with status" in row["error"]
    assert "broken.onnx" in row["error"]
    assert row["ours_int8_ms"] is None and row["sqnr_db"] is None
    assert "Traceback" not in printed
    (line,) = [ln for ln in printed.splitlines() if ln.startswith("broken ")]
    assert "failed: qsim quantize" in line
    assert im.main(argv + ["--strict"]) == 1
