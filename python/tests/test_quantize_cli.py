"""``qsim quantize`` on a user's own model and data, and ``qsim compare``.

Small models built with onnx.helper (a conv + relu + gemm on N x 3 x 16 x 16;
a two-input model with an int64 index input feeding a Gather), data written
into tmp_path: an .npy, an .npz, PNG images written with Pillow, a Python
file.  End to end (needs build/bin/qsim-opt, qsim-run, qsim-collect):

* every data route writes float.mlir, int8.mlir, table.json, report.json,
  sqnr.json and sqnr.png; the JSON files parse, report.json lists the int8
  layers, the SQNR values are finite;
* the statistics come from exactly the calibration samples: the input
  point's min/max in table.json equal numpy's over the samples that were not
  held back (for images: over an independent Pillow/numpy preprocessing);
* ``qsim compare``: a module against itself gives 120 dB (no error), cosine
  1 and full top-1 agreement; float against int8 gives a finite SQNR, the
  same figures at another batch (``--batch``).

Errors, each exit status 2 with a message naming the file, node or input
and no traceback (most need no tools): an op the importer does not take, a
missing, empty or corrupt model file, an image that cannot be decoded, data
of the wrong shape or dtype, an empty folder, an npz without an input, a
Python data file that raises.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from qsim import calibdata, cli, quantize, sqnr, tools  # noqa: E402

TOOLS = ("qsim-opt", "qsim-run", "qsim-collect")


def need_tools():
    for t in TOOLS:
        if tools.find_tool(t) is None:
            pytest.skip(f"{t} is not built")


# ---------------------------------------------------------------------------
# Models and data
# ---------------------------------------------------------------------------


def save(model, path: Path) -> Path:
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def tiny_model(path: Path, batch="N") -> Path:
    """Conv 3->4 (3x3, stride 2) + ReLU + Flatten + Gemm 256->10, batch N
    (or a fixed ``batch``)."""
    r = np.random.default_rng(0)
    inits = [numpy_helper.from_array(r.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32), "W"),
             numpy_helper.from_array(r.normal(0, 0.1, 4).astype(np.float32), "B"),
             numpy_helper.from_array(r.normal(0, 0.1, (10, 256)).astype(np.float32), "G"),
             numpy_helper.from_array(np.zeros(10, np.float32), "GB")]
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], name="/conv/Conv",
                              pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="/Flatten"),
             helper.make_node("Gemm", ["f", "G", "GB"], ["y"], name="/fc/Gemm", transB=1)]
    g = helper.make_graph(nodes, "tiny",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                         [batch, 3, 16, 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 10])],
                          inits)
    return save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


def two_input_model(path: Path) -> Path:
    """x float (N, 3, 16, 16) through conv/relu/pool, ids int64 (N, 4)
    through an embedding Gather + mean, concatenated into a Gemm."""
    r = np.random.default_rng(1)
    inits = [numpy_helper.from_array(r.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32), "W"),
             numpy_helper.from_array(r.normal(0, 0.1, 4).astype(np.float32), "B"),
             numpy_helper.from_array(r.normal(0, 1, (50, 8)).astype(np.float32), "E"),
             numpy_helper.from_array(r.normal(0, 0.3, (10, 12)).astype(np.float32), "G"),
             numpy_helper.from_array(np.zeros(10, np.float32), "GB")]
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], name="/conv/Conv",
                              pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
             helper.make_node("GlobalAveragePool", ["r"], ["p"], name="/pool/GAP"),
             helper.make_node("Flatten", ["p"], ["pf"], name="/Flatten"),
             helper.make_node("Gather", ["E", "ids"], ["e"], name="/emb/Gather"),
             helper.make_node("ReduceMean", ["e"], ["em"], name="/emb/Mean", axes=[1],
                              keepdims=0),
             helper.make_node("Concat", ["pf", "em"], ["cat"], name="/Concat", axis=1),
             helper.make_node("Gemm", ["cat", "G", "GB"], ["y"], name="/fc/Gemm", transB=1)]
    g = helper.make_graph(nodes, "two",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                         ["N", 3, 16, 16]),
                           helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
                          inits)
    return save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


def images(folder: Path, n: int, seed: int = 0):
    """``n`` RGB PNGs of slightly different sizes (about 20 x 24)."""
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    r = np.random.default_rng(seed)
    out = []
    for i in range(n):
        arr = r.integers(0, 256, (20 + i % 3, 24 + i % 2, 3), dtype=np.uint8)
        p = folder / f"img{i:02d}.png"
        Image.fromarray(arr).save(p)
        out.append(p)
    return out


def run_cli(argv):
    """``qsim`` in-process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


def check_outdir(out: Path, n_cal: int, held: int):
    for f in ("float.mlir", "int8.mlir", "table.json", "report.json", "sqnr.json",
              "sqnr.png"):
        assert (out / f).is_file(), f
    table = json.loads((out / "table.json").read_text())
    assert table["schema"] == "qsim-calibration-table/1" and table["samples"] == n_cal
    report = json.loads((out / "report.json").read_text())
    int8 = [l["layer"] for l in report["layers"] if l["status"] == "int8"]
    assert "/conv/Conv" in int8 and report["summary"]["layers_int8"] == len(int8) > 0
    assert report["calibration"]["samples"] == n_cal
    assert report["calibration"]["held_back"] == held
    assert report["annotate"]["schema"] == "qsim-annotate-report/1"
    sq = json.loads((out / "sqnr.json").read_text())
    assert sq["samples"] == held and sq["layers"]
    assert all(math.isfinite(l["sqnr_db"]) for l in sq["layers"])
    # The Gemm is measured at its bias add (the product before it has no point).
    assert {l["point"] for l in sq["layers"]} >= {"/conv/Conv", "/fc/Gemm/bias"}
    (o,) = sq["outputs"]
    assert o["name"] == "y" and math.isfinite(o["sqnr_db"]) and o["sqnr_db"] > 10
    assert (out / "sqnr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return table, report, sq


def input_point(table, name="main.arg0"):
    """The statistics of a point (default: the first graph input)."""
    return next(p for p in table["points"] if p["name"] == name)


# ---------------------------------------------------------------------------
# End to end: the data routes
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def npy_run(tmp_path_factory):
    need_tools()
    d = tmp_path_factory.mktemp("npy")
    model = tiny_model(d / "tiny.onnx")
    x = np.random.default_rng(5).uniform(-0.5, 1.5, (12, 3, 16, 16)).astype(np.float32)
    x[11, 1, 2, 3] = 4.0   # the held-back sample: its max must not be seen
    np.save(d / "x.npy", x)
    rc, out, err = run_cli(["quantize", model, "--calib-data", d / "x.npy",
                            "--input-shape", "x=1,3,16,16", "-o", d / "out",
                            "--json", d / "res.json"])
    assert rc == 0, err
    return d, x, out


def test_npy_route(npy_run):
    d, x, out = npy_run
    table, report, sq = check_outdir(d / "out", 11, 1)
    # The statistics are those of the 11 calibration samples, not of the
    # held-back last one.
    p = input_point(table)
    assert p["min"] == float(x[:11].min()) and p["max"] == float(x[:11].max()) < 4.0
    assert report["inputs"] == [{"name": "x", "shape": [1, 3, 16, 16], "dtype": "float32"}]
    assert report["settings"]["method"] == quantize.DEFAULT_METHOD
    assert "unsigned-activations" in report["settings"]["calibrate_options"]
    assert "tensor<1x3x16x16xf32>" in (d / "out" / "int8.mlir").read_text()
    assert "worst" in out and "wrote float.mlir, int8.mlir" in out
    res = json.loads((d / "res.json").read_text())
    assert res["summary"]["ops_int8"] > 0


def test_compare_outdir(npy_run, tmp_path):
    d, x, _ = npy_run
    rc, out, err = run_cli(["compare", d / "out", "--data", d / "x.npy", "--limit", "3",
                            "--json", tmp_path / "c.json"])
    assert rc == 0, err
    res = json.loads((tmp_path / "c.json").read_text())
    (o,) = res["outputs"]
    assert res["samples"] == 3 and res["batch"] == 1 and o["name"] == "y"
    assert math.isfinite(o["sqnr_db"]) and 10 < o["sqnr_db"] < sqnr.MAX_DB
    assert 0.99 < o["cosine_mean"] <= 1.0 and o["top1_agreement"] is not None
    assert "SQNR dB" in out
    # The same modules at batch 4: the same figures.
    rc, out, err = run_cli(["compare", d / "out", "--data", d / "x.npy", "--limit", "3",
                            "--batch", "4", "--json", "-"])
    assert rc == 0, err
    again = json.loads(out)
    assert again["batch"] == 4
    assert again["outputs"][0]["sqnr_db"] == pytest.approx(o["sqnr_db"], abs=1e-6)


def test_compare_identical_modules(npy_run):
    d, _, _ = npy_run
    f = d / "out" / "float.mlir"
    rc, out, err = run_cli(["compare", f, f, "--data", d / "x.npy", "--limit", "2",
                            "--json", "-"])
    assert rc == 0, err
    (o,) = json.loads(out)["outputs"]
    assert o["sqnr_db"] >= sqnr.MAX_DB and o["max_abs_diff"] == 0.0
    assert o["cosine"] == 1.0 and o["cosine_min"] == 1.0 and o["top1_agreement"] == 1.0


def test_npz_two_inputs_one_int64(tmp_path):
    need_tools()
    model = two_input_model(tmp_path / "two.onnx")
    r = np.random.default_rng(2)
    x = r.uniform(0, 1, (10, 3, 16, 16)).astype(np.float32)
    ids = r.integers(0, 50, (10, 4)).astype(np.int64)
    np.savez(tmp_path / "d.npz", ids=ids, x=x)
    rc, out, err = run_cli(["quantize", model, "--calib-data", tmp_path / "d.npz",
                            "--holdout", "2", "-o", tmp_path / "out"])
    assert rc == 0, err
    table, report, _ = check_outdir(tmp_path / "out", 8, 2)
    assert [(i["name"], i["dtype"]) for i in report["inputs"]] == [("x", "float32"),
                                                                  ("ids", "int64")]
    p = input_point(table)
    assert p["min"] == float(x[:8].min()) and p["max"] == float(x[:8].max())
    # The embedding rows that the calibration ids (int64) picked.
    E = numpy_helper.to_array(next(i for i in onnx.load(str(model)).graph.initializer
                                   if i.name == "E"))
    rows = E[ids[:8]]
    # The gather's own output feeds only float ops (the reshape after it
    # stays float): its rows are seen summed, at the mean's sum.
    assert not any(q["name"].startswith("/emb/Gather") for q in table["points"])
    g = next(q for q in table["points"] if q["name"] == "/emb/Mean/sum.out")
    sums = rows.sum(axis=1)
    assert g["min"] == pytest.approx(float(sums.min()), rel=1e-6)
    assert g["max"] == pytest.approx(float(sums.max()), rel=1e-6)
    rc, out, err = run_cli(["compare", tmp_path / "out", "--data", tmp_path / "d.npz",
                            "--json", "-"])
    assert rc == 0, err
    assert math.isfinite(json.loads(out)["outputs"][0]["sqnr_db"])


def _reference_image(path, resize_short, crop, mean, std):
    """Pillow resize of the shorter side, centre crop, (x/255 - mean)/std,
    CHW: written out here independently of calibdata."""
    from PIL import Image
    img = Image.open(path).convert("RGB")
    w, h = img.size
    if w <= h:
        size = (resize_short, int(resize_short * h / w))
    else:
        size = (int(resize_short * w / h), resize_short)
    img = img.resize(size, Image.Resampling.BILINEAR)
    w, h = img.size
    top, left = int(round((h - crop) / 2.0)), int(round((w - crop) / 2.0))
    a = np.asarray(img.crop((left, top, left + crop, top + crop)), np.float32) / 255.0
    return ((a - np.float32(mean)) / np.float32(std)).transpose(2, 0, 1)


def test_image_folder_with_preprocess(tmp_path):
    need_tools()
    model = tiny_model(tmp_path / "tiny.onnx")
    files = images(tmp_path / "imgs" / "sub", 7)
    (tmp_path / "imgs" / "README.txt").write_text("not an image")
    rc, out, err = run_cli(["quantize", model, "--calib-data", tmp_path / "imgs",
                            "--preprocess", "resize=18 crop=16", "--preprocess",
                            "mean=0.5,0.5,0.5 std=0.25", "-o", tmp_path / "out"])
    assert rc == 0, err
    table, report, _ = check_outdir(tmp_path / "out", 6, 1)
    ref = np.stack([_reference_image(f, 18, 16, 0.5, 0.25) for f in files[:6]])
    p = input_point(table)
    assert p["min"] == pytest.approx(float(ref.min()), abs=1e-6)
    assert p["max"] == pytest.approx(float(ref.max()), abs=1e-6)
    assert "centre crop 16x16" in report["calibration"]["preprocess"]
    # compare OUTDIR on the folder takes the recorded preprocessing.
    rc, out, err = run_cli(["compare", tmp_path / "out", "--data", tmp_path / "imgs",
                            "--limit", "2", "--json", "-"])
    assert rc == 0, err
    assert json.loads(out)["samples"] == 2


def test_python_file_route(tmp_path):
    need_tools()
    model = tiny_model(tmp_path / "tiny.onnx")
    (tmp_path / "gen.py").write_text(
        "import numpy as np\n"
        "def helper():\n"
        "    pass\n"
        "def samples(inputs):\n"
        "    shape = inputs['x'].sample_shape\n"
        "    r = np.random.default_rng(7)\n"
        "    for i in range(4):\n"
        "        yield r.uniform(0, 2, (3, *shape))   # float64 batches of 3\n"
        "    yield {'x': r.uniform(0, 2, shape)}       # one sample\n")
    rc, out, err = run_cli(["quantize", model, "--calib-data", f"{tmp_path / 'gen.py'}:samples",
                            "--holdout", "3", "-o", tmp_path / "out"])
    assert rc == 0, err
    table, _, _ = check_outdir(tmp_path / "out", 10, 3)
    r = np.random.default_rng(7)
    want = np.concatenate([r.uniform(0, 2, (3, 3, 16, 16)) for _ in range(4)]
                          + [r.uniform(0, 2, (1, 3, 16, 16))]).astype(np.float32)
    p = input_point(table)
    assert p["min"] == float(want[:10].min()) and p["max"] == float(want[:10].max())


def test_model_with_a_fixed_batch(tmp_path):
    """Batch 2 fixed by the model: 7 calibration samples are cut to 6, the
    one held-back sample is padded to a call of 2."""
    need_tools()
    model = tiny_model(tmp_path / "b2.onnx", batch=2)
    x = np.random.default_rng(6).uniform(0, 1, (8, 3, 16, 16)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    rc, out, err = run_cli(["quantize", model, "--calib-data", tmp_path / "x.npy",
                            "--holdout", "1", "-o", tmp_path / "out"])
    assert rc == 0, err
    table, report, sq = check_outdir(tmp_path / "out", 6, 1)
    assert report["calibration"]["batch"] == 2 and report["dynamic_batch"] is False
    p = input_point(table)
    assert p["min"] == float(x[:6].min()) and p["max"] == float(x[:6].max())
    assert sq["outputs"][0]["shape"] == [1, 10]


# ---------------------------------------------------------------------------
# Data routes without tools
# ---------------------------------------------------------------------------


def spec(name="x", shape=(1, 3, 16, 16), dtype=np.float32):
    return calibdata.InputSpec(name, tuple(shape), np.dtype(dtype))


def test_python_dicts_and_int_conversion(tmp_path):
    (tmp_path / "d.py").write_text(
        "import numpy as np\n"
        "def data():\n"
        "    for i in range(3):\n"
        "        yield {'ids': np.arange(4, dtype=np.int32) + i, 'x': np.full((2,), i, np.float64)}\n")
    specs = [spec("x", (1, 2)), spec("ids", (1, 4), np.int64)]
    src = calibdata.open_source(tmp_path / "d.py", specs, tmp_path)
    assert src.count == 3
    got = src.get(0, 3)
    assert got["ids"].dtype == np.int64 and got["ids"].tolist()[2] == [2, 3, 4, 5]
    assert got["x"].dtype == np.float32 and got["x"][:, 0].tolist() == [0, 1, 2]
    paths = calibdata.write_npy(src, 1, 3, {"x": tmp_path / "x.npy", "ids": tmp_path / "i.npy"},
                                chunk=1)
    assert np.load(paths["ids"]).tolist() == [[1, 2, 3, 4], [2, 3, 4, 5]]


def test_npy_of_the_right_dtype_is_used_without_a_copy(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((5, 3, 16, 16), np.float32))
    src = calibdata.open_source(tmp_path / "x.npy", [spec()], tmp_path)
    assert calibdata.write_npy(src, 0, 5, {"x": tmp_path / "c.npy"}) == {"x": tmp_path / "x.npy"}
    out = calibdata.write_npy(src, 0, 4, {"x": tmp_path / "c.npy"}, chunk=3)
    assert out == {"x": tmp_path / "c.npy"} and np.load(out["x"]).shape == (4, 3, 16, 16)


def test_torchvision_preset(tmp_path):
    from PIL import Image
    arr = np.random.default_rng(3).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    Image.fromarray(arr).save(tmp_path / "a.png")
    pre = calibdata.parse_preprocess(["torchvision"])
    x = calibdata.preprocess_image(tmp_path / "a.png", spec(shape=(1, 3, 224, 224)), pre)
    ref = _reference_image(tmp_path / "a.png", 256, 224, (0.485, 0.456, 0.406),
                           (0.229, 0.224, 0.225))
    assert x.shape == (3, 224, 224) and x.dtype == np.float32
    np.testing.assert_allclose(x, ref, rtol=1e-6, atol=1e-6)


def test_paddleocr_preset(tmp_path):
    from PIL import Image
    arr = np.random.default_rng(4).integers(0, 256, (32, 100, 3), dtype=np.uint8)
    Image.fromarray(arr).save(tmp_path / "t.png")
    pre = calibdata.parse_preprocess(["paddleocr"])
    x = calibdata.preprocess_image(tmp_path / "t.png", spec(shape=(1, 3, 48, 320)), pre)
    assert x.shape == (3, 48, 320)
    w = math.ceil(48 * 100 / 32)   # the height fixed, the ratio kept: 150
    img = Image.fromarray(arr).resize((w, 48), Image.Resampling.BILINEAR)
    ref = ((np.asarray(img, np.float32)[:, :, ::-1] / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
    np.testing.assert_allclose(x[:, :, :w], ref, rtol=1e-6, atol=1e-6)
    assert not x[:, :, w:].any()   # padded with 0 after normalisation
    nhwc = calibdata.preprocess_image(tmp_path / "t.png", spec(shape=(1, 48, 320, 3)),
                                      calibdata.parse_preprocess(["paddleocr layout=nhwc"]))
    np.testing.assert_array_equal(nhwc, x.transpose(1, 2, 0))


def test_output_stats():
    r = np.random.default_rng(0)
    f = r.normal(size=(6, 10))
    st = quantize.OutputStats("y")
    st.update(f, f)
    d = st.as_dict()
    assert d["sqnr_db"] == sqnr.MAX_DB and d["cosine"] == 1.0 and d["top1_agreement"] == 1.0
    noise = r.normal(size=f.shape) * 0.01
    st = quantize.OutputStats("y")
    st.update(f[:4], f[:4] + noise[:4])
    st.update(f[4:], f[4:] + noise[4:])   # accumulated over batches
    want = 10 * np.log10((f ** 2).sum() / (noise ** 2).sum())
    assert st.sqnr_db == pytest.approx(want, rel=1e-9)
    st = quantize.OutputStats("h")
    st.update(np.array([[[1.0, 0.0]]]), np.array([[[0.0, 1.0]]]))
    d = st.as_dict()
    assert d["cosine"] == 0.0 and d["top1_agreement"] is None   # not (N, C)


# ---------------------------------------------------------------------------
# Errors: exit status 2, a message naming the culprit, no traceback
# ---------------------------------------------------------------------------


def expect_error(argv, *needles):
    rc, out, err = run_cli(argv)
    assert rc == 2, (rc, out, err)
    assert "error:" in err and "Traceback" not in err + out, err
    for n in needles:
        assert n in err, (n, err)
    return err


def unsupported_op_model(path: Path):
    from qsim import onnx_import
    op = next((o for o in ("Round", "Sign", "Mish", "Shrink", "Hardmax")
               if o not in onnx_import.SUPPORTED_OPS), None)
    if op is None:
        pytest.skip("every candidate op is supported")
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="/relu/Relu"),
             helper.make_node(op, ["r"], ["y"], name="/odd/Op")]
    g = helper.make_graph(nodes, "odd",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8])])
    return save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path), op


def test_error_unknown_op(tmp_path):
    model, op = unsupported_op_model(tmp_path / "odd.onnx")
    np.save(tmp_path / "x.npy", np.zeros((4, 8), np.float32))
    expect_error(["quantize", model, "--calib-data", tmp_path / "x.npy", "-o", tmp_path / "o"],
                 "/odd/Op", op, "not supported")


def test_error_unknown_op_process_exit_status(tmp_path):
    """The installed command: status 2 and no traceback at process level."""
    model, op = unsupported_op_model(tmp_path / "odd.onnx")
    np.save(tmp_path / "x.npy", np.zeros((4, 8), np.float32))
    proc = subprocess.run([sys.executable, "-m", "qsim.cli", "quantize", str(model),
                           "--calib-data", str(tmp_path / "x.npy"), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True,
                          cwd=str(Path(__file__).resolve().parents[1]))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "/odd/Op" in proc.stderr


def test_error_model_files(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((4, 3, 16, 16), np.float32))
    data = ["--calib-data", tmp_path / "x.npy", "-o", tmp_path / "o"]
    expect_error(["quantize", tmp_path / "missing.onnx", *data], "missing.onnx",
                 "does not exist")
    (tmp_path / "empty.onnx").write_bytes(b"")
    expect_error(["quantize", tmp_path / "empty.onnx", *data], "empty.onnx", "is empty")
    (tmp_path / "corrupt.onnx").write_bytes(bytes(range(256)) * 3)
    expect_error(["quantize", tmp_path / "corrupt.onnx", *data], "corrupt.onnx")
    good = tiny_model(tmp_path / "good.onnx").read_bytes()
    (tmp_path / "cut.onnx").write_bytes(good[:len(good) // 2])
    expect_error(["quantize", tmp_path / "cut.onnx", *data], "cut.onnx")


def test_error_undecodable_image(tmp_path):
    model = tiny_model(tmp_path / "tiny.onnx")
    images(tmp_path / "imgs", 3)
    (tmp_path / "imgs" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    err = expect_error(["quantize", model, "--calib-data", tmp_path / "imgs",
                        "-o", tmp_path / "o"], "broken.jpg", "cannot decode")
    assert "img00" not in err


def test_error_wrong_shape_and_dtype(tmp_path):
    model = tiny_model(tmp_path / "tiny.onnx")
    np.save(tmp_path / "shape.npy", np.zeros((4, 3, 8, 8), np.float32))
    expect_error(["quantize", model, "--calib-data", tmp_path / "shape.npy",
                  "-o", tmp_path / "o"], "shape.npy", "'x'", "(3, 16, 16)", "(4, 3, 8, 8)")
    np.save(tmp_path / "ints.npy", np.zeros((4, 3, 16, 16), np.int64))
    expect_error(["quantize", model, "--calib-data", tmp_path / "ints.npy",
                  "-o", tmp_path / "o"], "ints.npy", "'x'", "float32", "int64")
    model2 = two_input_model(tmp_path / "two.onnx")
    np.savez(tmp_path / "f.npz", x=np.zeros((4, 3, 16, 16), np.float32),
             ids=np.zeros((4, 4), np.float32))
    expect_error(["quantize", model2, "--calib-data", tmp_path / "f.npz",
                  "-o", tmp_path / "o"], "f.npz", "'ids'", "int64", "float32")
    np.save(tmp_path / "nan.npy", np.full((4, 3, 16, 16), np.nan, np.float32))
    expect_error(["quantize", model, "--calib-data", tmp_path / "nan.npy",
                  "-o", tmp_path / "o"], "nan.npy", "NaN")


def test_error_empty_folder(tmp_path):
    model = tiny_model(tmp_path / "tiny.onnx")
    (tmp_path / "none").mkdir()
    expect_error(["quantize", model, "--calib-data", tmp_path / "none", "-o", tmp_path / "o"],
                 "none", "holds no image files")


def test_error_npz_missing_input(tmp_path):
    model = two_input_model(tmp_path / "two.onnx")
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 3, 16, 16), np.float32),
             mask=np.zeros((4, 4), np.int64))
    expect_error(["quantize", model, "--calib-data", tmp_path / "d.npz", "-o", tmp_path / "o"],
                 "d.npz", "'ids'", "'mask'")


def test_error_python_file_raises(tmp_path):
    model = tiny_model(tmp_path / "tiny.onnx")
    (tmp_path / "late.py").write_text(
        "import numpy as np\n"
        "def data():\n"
        "    yield np.zeros((3, 16, 16), np.float32)\n"
        "    raise OSError('camera unplugged')\n")
    expect_error(["quantize", model, "--calib-data", tmp_path / "late.py", "-o", tmp_path / "o"],
                 "late.py:4", "OSError", "camera unplugged")
    (tmp_path / "early.py").write_text("import numpy as np\nSCALE = 1 / 0\n")
    expect_error(["quantize", model, "--calib-data", tmp_path / "early.py", "-o", tmp_path / "o"],
                 "early.py:2", "ZeroDivisionError")
    (tmp_path / "junk.py").write_text("def data():\n    yield 'a string'\n")
    expect_error(["quantize", model, "--calib-data", tmp_path / "junk.py", "-o", tmp_path / "o"],
                 "junk.py", "'x'")


def test_error_usage(tmp_path):
    model = tiny_model(tmp_path / "tiny.onnx")
    np.save(tmp_path / "x.npy", np.zeros((4, 3, 16, 16), np.float32))
    expect_error(["quantize", model], "tiny.onnx", "--calib-data")
    expect_error(["quantize", model, "--calib-data", tmp_path / "x.npy"], "-o OUTDIR")
    expect_error(["quantize", model, "--calib-data", tmp_path / "x.npy", "--preprocess",
                  "sharpen=2", "-o", tmp_path / "o"], "sharpen")
    expect_error(["quantize", model, "--calib-data", tmp_path / "nothere.npy",
                  "-o", tmp_path / "o"], "nothere.npy", "does not exist")
    expect_error(["compare", tmp_path, "--data", tmp_path / "x.npy"], "float.mlir")


def test_threads_option(npy_run, tmp_path):
    """--threads 1 against the default (the host's cores): the statistics run
    gives the same table; the library reports how it was compiled."""
    d, x, _ = npy_run
    rc, out, err = run_cli(["quantize", d / "tiny.onnx", "--calib-data", d / "x.npy",
                            "--input-shape", "x=1,3,16,16", "-o", tmp_path / "out",
                            "--sqnr-samples", "0", "--threads", "1"])
    assert rc == 0, err

    def statistics(path):
        t = json.loads(path.read_text())
        for p in t["points"]:
            p.pop("location")   # names the temporary work folder
        return t

    assert statistics(tmp_path / "out" / "table.json") == statistics(d / "out" / "table.json")
    import qsim

    assert qsim.load(tmp_path / "out" / "libmodel.so").compiled_threads == 1
    expect_error(["quantize", d / "tiny.onnx", "--calib-data", d / "x.npy", "--input-shape",
                  "x=1,3,16,16", "-o", tmp_path / "o2", "--threads", "-1"], "--threads")


# ---------------------------------------------------------------------------
# SmoothQuant (--smooth, --qsim-smooth-activations)
# ---------------------------------------------------------------------------


def layer_norm_model(path: Path) -> Path:
    """LayerNormalization whose scale makes channel 0 twenty times wider
    than the others (a transformer's outlier feature), then MatMul + Add +
    Relu + MatMul: x (N, 6, 8) -> y (N, 6, 4)."""
    r = np.random.default_rng(2)
    scale = np.ones(8, np.float32)
    scale[0] = 20.0
    inits = [numpy_helper.from_array(scale, "s"),
             numpy_helper.from_array(r.normal(0, 0.1, 8).astype(np.float32), "b"),
             numpy_helper.from_array(r.normal(0, 0.3, (8, 16)).astype(np.float32), "W1"),
             numpy_helper.from_array(r.normal(0, 0.1, 16).astype(np.float32), "B1"),
             numpy_helper.from_array(r.normal(0, 0.3, (16, 4)).astype(np.float32), "W2")]
    nodes = [helper.make_node("LayerNormalization", ["x", "s", "b"], ["n"],
                              name="/ln/LayerNormalization", axis=-1),
             helper.make_node("MatMul", ["n", "W1"], ["h"], name="/fc1/MatMul"),
             helper.make_node("Add", ["h", "B1"], ["hb"], name="/fc1/Add"),
             helper.make_node("Relu", ["hb"], ["a"], name="/relu/Relu"),
             helper.make_node("MatMul", ["a", "W2"], ["y"], name="/fc2/MatMul")]
    g = helper.make_graph(nodes, "ln",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 6, 4])],
                          inits)
    return save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


def quantize_each(model: Path, seed: int, flags, tmp_path: Path):
    """``qsim quantize --per-channel FLAG`` of ``model`` (input x (1, 6, 8))
    on 40 normal samples, for each flag: yields the flag, OUTDIR, stdout and
    report.json."""
    x = np.random.default_rng(seed).normal(0, 1, (40, 6, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    for flag in flags:
        out = tmp_path / flag.strip("-")
        rc, stdout, err = run_cli(["quantize", model, "--calib-data", tmp_path / "x.npy",
                                   "--input-shape", "x=1,6,8", "--per-channel", flag,
                                   "-o", out])
        assert rc == 0, err
        yield flag, out, stdout, json.loads((out / "report.json").read_text())


def test_smooth_layer_norm_outliers(tmp_path):
    """With per-channel weights, the layer norm's output reaches the matmul
    divided per channel (the factors folded into W1) and is calibrated
    again: the int8 output's SQNR beats that of --no-smooth."""
    need_tools()
    model = layer_norm_model(tmp_path / "ln.onnx")
    sqnr_db = {}
    for flag, out, stdout, report in quantize_each(model, 3, ("--smooth", "--no-smooth"),
                                                   tmp_path):
        points = {p["name"] for p in json.loads((out / "table.json").read_text())["points"]}
        smoothed = {p for p in points if p.endswith("/smooth.out")}
        if flag == "--smooth":
            assert smoothed == {"/ln/LayerNormalization/smooth.out"}, points
            first = json.loads((out / "smooth.table.json").read_text())["points"]
            assert not any(p["name"].endswith("/smooth.out") for p in first)
            assert report["settings"]["smooth_alpha"] == quantize.DEFAULT_SMOOTH_ALPHA
            assert any("--qsim-smooth-activations" in p for p in report["settings"]["passes"])
            assert "smoothing: 1 activation(s) scaled" in stdout
        else:
            assert not smoothed and not (out / "smooth.table.json").exists()
            assert report["settings"]["smooth_alpha"] is None
        (o,) = json.loads((out / "sqnr.json").read_text())["outputs"]
        sqnr_db[flag] = o["sqnr_db"]
    assert sqnr_db["--smooth"] > sqnr_db["--no-smooth"] + 3, sqnr_db
    # compare --batch rebuilds int8.mlir with the smoothing: the same figures.
    figures = []
    for extra in ([], ["--batch", "4"]):
        rc, out, err = run_cli(["compare", tmp_path / "smooth", "--data", tmp_path / "x.npy",
                                "--limit", "8", "--json", "-", *extra])
        assert rc == 0, err
        figures.append(json.loads(out)["outputs"][0]["sqnr_db"])
    assert figures[1] == pytest.approx(figures[0], abs=1e-6)


def gelu_ffn_model(path: Path) -> Path:
    """MatMul + Add, GELU (x * 0.5 * (1 + erf(x / sqrt 2)), as exporters
    write it), MatMul: x (N, 6, 8) -> y (N, 6, 4). Column 0 of W1 is twelve
    times larger, so the GELU's output has one outlier channel."""
    r = np.random.default_rng(4)
    w1 = r.normal(0, 0.3, (8, 16)).astype(np.float32)
    w1[:, 0] *= 12.0
    inits = [numpy_helper.from_array(w1, "W1"),
             numpy_helper.from_array(r.normal(0, 0.1, 16).astype(np.float32), "B1"),
             numpy_helper.from_array(np.array(math.sqrt(2.0), np.float32), "sqrt2"),
             numpy_helper.from_array(np.array(1.0, np.float32), "one"),
             numpy_helper.from_array(np.array(0.5, np.float32), "half"),
             numpy_helper.from_array(r.normal(0, 0.3, (16, 4)).astype(np.float32), "W2")]
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h"], name="/fc1/MatMul"),
             helper.make_node("Add", ["h", "B1"], ["hb"], name="/fc1/Add"),
             helper.make_node("Div", ["hb", "sqrt2"], ["d"], name="/act/Div"),
             helper.make_node("Erf", ["d"], ["e"], name="/act/Erf"),
             helper.make_node("Add", ["e", "one"], ["e1"], name="/act/Add"),
             helper.make_node("Mul", ["hb", "e1"], ["m"], name="/act/Mul"),
             helper.make_node("Mul", ["m", "half"], ["g"], name="/act/Mul_1"),
             helper.make_node("MatMul", ["g", "W2"], ["y"], name="/fc2/MatMul")]
    g = helper.make_graph(nodes, "ffn",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 6, 4])],
                          inits)
    return save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


def test_gelu_output_on_the_unsigned_grid(tmp_path):
    """A GELU's output reaches -0.17 below zero only: with
    --unsigned-activations its grid is [-0.17, T] with a zero point, not
    [-T, T], and the int8 output's SQNR gains. The GELU is smoothed by no
    per-channel factor (its output is an int8 table's)."""
    need_tools()
    model = gelu_ffn_model(tmp_path / "ffn.onnx")
    sqnr_db = {}
    flags = ("--unsigned-activations", "--no-unsigned-activations")
    for flag, out, stdout, report in quantize_each(model, 5, flags, tmp_path):
        assert report["summary"]["ops_float"] == 0, quantize.format_report(report)
        assert "smoothing: no float-produced activation" in stdout
        (o,) = json.loads((out / "sqnr.json").read_text())["outputs"]
        sqnr_db[flag] = o["sqnr_db"]
    assert sqnr_db["--unsigned-activations"] > sqnr_db["--no-unsigned-activations"] + 1, sqnr_db


def test_smooth_without_candidates(npy_run, tmp_path):
    """A CNN has no float-produced activation before a matmul: --smooth
    leaves the table and the passes as they are."""
    d, _, _ = npy_run
    rc, out, err = run_cli(["quantize", d / "tiny.onnx", "--calib-data", d / "x.npy",
                            "--input-shape", "x=1,3,16,16", "--per-channel", "-o",
                            tmp_path / "out", "--sqnr-samples", "0"])
    assert rc == 0, err
    assert "smoothing: no float-produced activation" in out
    assert not (tmp_path / "out" / "smooth.table.json").exists()
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert not any("--qsim-smooth-activations" in p for p in report["settings"]["passes"])


def test_error_smooth_alpha(tmp_path):
    model = tiny_model(tmp_path / "tiny.onnx")
    np.save(tmp_path / "x.npy", np.zeros((4, 3, 16, 16), np.float32))
    for bad in ("1.5", "-0.1", "nan"):
        expect_error(["quantize", model, "--calib-data", tmp_path / "x.npy", "-o",
                      tmp_path / "o", "--smooth-alpha", bad], "--smooth-alpha", "[0, 1]")


def test_error_calib_data_options_on_the_demo(tmp_path):
    """Options of --calib-data given to the Fashion-MNIST demo are errors
    that name them, not ignored."""
    r = np.random.default_rng(4)
    inits = [numpy_helper.from_array(r.normal(0, 0.1, (10, 784)).astype(np.float32), "G"),
             numpy_helper.from_array(np.zeros(10, np.float32), "GB")]
    nodes = [helper.make_node("Flatten", ["x"], ["f"], name="/Flatten"),
             helper.make_node("Gemm", ["f", "G", "GB"], ["y"], name="/fc/Gemm", transB=1)]
    g = helper.make_graph(nodes, "fashion",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                         ["N", 1, 28, 28])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
                          inits)
    model = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]),
                 tmp_path / "fashion.onnx")
    for extra, name in ((["--smooth"], "--smooth"), (["--smooth-alpha", "0.5"], "--smooth-alpha"),
                        (["--threads", "1"], "--threads")):
        expect_error(["quantize", model, *extra], name, "applies to --calib-data")


def test_count_in_file_across_chunks(tmp_path):
    """The chunked count of the smoothing marks equals str.count whatever
    the chunk size, matches across chunk borders included."""
    import random
    r = random.Random(0)
    f = tmp_path / "f.mlir"
    for _ in range(500):
        text = "".join(r.choice("ab") for _ in range(r.randint(0, 40)))
        needle = "".join(r.choice("ab") for _ in range(r.randint(1, 4)))
        f.write_text(text)
        for chunk in (1, 2, 3, 7, 64):
            assert quantize._count_in_file(f, needle, chunk) == text.count(needle), \
                (text, needle, chunk)
