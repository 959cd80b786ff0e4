"""Bad input to ``qsim import-onnx`` and ``qsim quantize``, run as the user
runs them: ``python -m qsim.cli`` in a subprocess.

Each case is a model and data written into tmp_path and a command line; each
must end with an exit status from 1 to 127, ``error:`` and the words that
name the culprit (file, node, op, input, sample) on stderr, and no Python
traceback anywhere.  Model cases fail before any tool runs; data cases are
found after the import, so they need build/bin/qsim-opt and qsim-collect.
``--skip-nonfinite`` is checked end to end: the statistics are those of the
finite samples only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

from qsim import tools  # noqa: E402

PYTHON_DIR = Path(__file__).resolve().parents[1]


def qsim(*argv, cwd: Path):
    """(status, stdout, stderr) of ``python -m qsim.cli ARGV``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(PYTHON_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]))
    proc = subprocess.run([sys.executable, "-m", "qsim.cli", *map(str, argv)],
                          capture_output=True, text=True, cwd=str(cwd), env=env,
                          timeout=600)
    return proc.returncode, proc.stdout, proc.stderr


def expect_error(cwd: Path, argv, *needles):
    rc, out, err = qsim(*argv, cwd=cwd)
    assert 1 <= rc <= 127, (rc, out, err)
    assert "Traceback" not in out + err, err
    assert "error:" in err and "importer bug" not in err, err
    for n in needles:
        assert n in err, (n, err)
    return err


def need_tools():
    for t in ("qsim-opt", "qsim-collect"):
        if tools.find_tool(t) is None:
            pytest.skip(f"{t} is not built")


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


def one_node(path: Path, op="Relu", shape=("N", 4), opset=17, name="/act/Op") -> Path:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    g = helper.make_graph([helper.make_node(op, ["x"], ["y"], name=name)], "g", [x], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.save(m, str(path))
    return path


def image_model(path: Path) -> Path:
    """One 4-D float input (N, 3, 8, 8), as image folders feed."""
    return one_node(path, shape=("N", 3, 8, 8))


def unsupported_op() -> str:
    from qsim import onnx_import
    op = next((o for o in ("Det", "Round", "Sign", "Mish", "Hardmax")
               if o not in onnx_import.SUPPORTED_OPS), None)
    if op is None:
        pytest.skip("every candidate op is supported")
    return op


# Each model case: what to write (into the folder), the command's extra
# words, and what the message must name.
def _missing(d):
    return d / "missing.onnx", ["missing.onnx", "does not exist"]


def _empty(d):
    (d / "empty.onnx").write_bytes(b"")
    return d / "empty.onnx", ["empty.onnx", "is empty"]


def _corrupt(d):
    (d / "corrupt.onnx").write_bytes(b"\x08\x07garbage\xff\xff\xff" * 10)
    return d / "corrupt.onnx", ["corrupt.onnx", "cannot read ONNX model"]


def _text(d):
    (d / "notes.onnx").write_text("these are not weights\n")
    return d / "notes.onnx", ["notes.onnx"]


def _truncated(d):
    good = one_node(d / "good.onnx").read_bytes()
    (d / "cut.onnx").write_bytes(good[:len(good) // 2])
    return d / "cut.onnx", ["cut.onnx"]


def _directory(d):
    (d / "dir.onnx").mkdir()
    return d / "dir.onnx", ["dir.onnx", "directory"]


def _no_graph(d):
    # A well-formed ModelProto without a graph: protobuf parses it, and
    # without a check it imports as a function that returns nothing.
    m = onnx.ModelProto()
    m.ir_version = 8
    m.opset_import.append(helper.make_opsetid("", 17))
    (d / "nograph.onnx").write_bytes(m.SerializeToString())
    return d / "nograph.onnx", ["nograph.onnx", "no ONNX graph"]


def _unsupported_op(d):
    op = unsupported_op()
    return (one_node(d / "odd.onnx", op=op, name="/odd/Op"),
            ["/odd/Op", op, "not supported"])


def _opset_99(d):
    return one_node(d / "future.onnx", opset=99), ["opset 99"]


def _zero_batch(d):
    return one_node(d / "zero.onnx", shape=(0, 4)), ["'x'", "dimension 0", "size 0"]


def _zero_inner(d):
    return one_node(d / "zero1.onnx", shape=("N", 0)), ["'x'", "dimension 1", "size 0"]


MODEL_CASES = {
    "missing": _missing, "empty": _empty, "corrupt": _corrupt, "text": _text,
    "truncated": _truncated, "directory": _directory, "no_graph": _no_graph,
    "unsupported_op": _unsupported_op, "opset_99": _opset_99,
    "zero_batch": _zero_batch, "zero_inner_dim": _zero_inner,
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_bad_model_import_onnx(case, tmp_path):
    model, needles = MODEL_CASES[case](tmp_path)
    # --verify: a model that imports as nothing must fail before qsim-opt
    # sees it (qsim-opt's refusal would be reported as an importer bug).
    expect_error(tmp_path, ["import-onnx", model, "--verify", "-o", tmp_path / "out.mlir"],
                 *needles)
    assert not (tmp_path / "out.mlir").exists()


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_bad_model_quantize(case, tmp_path):
    model, needles = MODEL_CASES[case](tmp_path)
    np.save(tmp_path / "x.npy", np.ones((8, 4), np.float32))
    if case.startswith("zero"):
        need_tools()  # found by the import, after the tools are looked for
    expect_error(tmp_path, ["quantize", model, "--calib-data", tmp_path / "x.npy",
                            "-o", tmp_path / "o"], *needles)
    assert not (tmp_path / "o" / "int8.mlir").exists()


@pytest.mark.parametrize("spec, needles", [
    ("x=0,4", ["x=0,4", "positive"]),
    ("x=-1,4", ["x=-1,4", "positive"]),
    ("x=a,4", ["x=a,4", "integer"]),
    ("x=2,4,5", ["x=2,4,5", "rank 3", "rank 2"]),
    ("y=2,4", ["'y'", "not a graph input", "inputs: x"]),
])
def test_bad_input_shape(spec, needles, tmp_path):
    model = one_node(tmp_path / "m.onnx")
    expect_error(tmp_path, ["import-onnx", model, "--input-shape", spec], *needles)
    need_tools()  # qsim quantize looks for its tools before it imports
    np.save(tmp_path / "x.npy", np.ones((8, 4), np.float32))
    expect_error(tmp_path, ["quantize", model, "--calib-data", tmp_path / "x.npy",
                            "--input-shape", spec, "-o", tmp_path / "o"], *needles)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def _nan_npy(d):
    a = np.random.default_rng(0).random((20, 4), np.float32)
    a[3, 1] = np.nan
    np.save(d / "nan.npy", a)
    return d / "nan.npy", [], ["nan.npy", "sample 3", "'x'", "NaN", "--skip-nonfinite"]


def _nan_npy_used_as_is(d):
    # With nothing held back the .npy goes to qsim-collect as it is; the
    # NaN is still reported here, naming the sample.
    path, _, needles = _nan_npy(d)
    return path, ["--holdout", "0"], needles


def _inf_npz(d):
    a = np.random.default_rng(0).random((20, 4), np.float32)
    a[5, 0] = -np.inf
    np.savez(d / "inf.npz", x=a)
    return d / "inf.npz", [], ["inf.npz", "sample 5", "'x'", "infinity"]


def _nan_generator(d):
    (d / "gen.py").write_text(
        "import numpy as np\n"
        "def data():\n"
        "    for i in range(10):\n"
        "        a = np.ones((1, 4), np.float32)\n"
        "        if i == 7:\n"
        "            a[0, 2] = float('nan')\n"
        "        yield a\n")
    return d / "gen.py", [], ["gen.py", "item 7", "sample 7", "'x'", "NaN"]


def _all_nonfinite(d):
    # Every sample bad: nothing left to skip to.
    np.save(d / "allnan.npy", np.full((5, 4), np.nan, np.float32))
    return d / "allnan.npy", ["--skip-nonfinite"], ["allnan.npy", "every one", "5 sample"]


def _int_dtype(d):
    np.save(d / "int.npy", np.arange(80).reshape(20, 4))
    return d / "int.npy", [], ["int.npy", "'x'", "float32", "int64"]


def _strings(d):
    np.save(d / "str.npy", np.array([["a"] * 4] * 20))
    return d / "str.npy", [], ["str.npy", "'x'", "float32"]


def _objects(d):
    np.save(d / "obj.npy", np.array([None] * 20, dtype=object), allow_pickle=True)
    return d / "obj.npy", [], ["obj.npy"]


def _rank(d):
    np.save(d / "rank.npy", np.ones((20, 4, 1), np.float32))
    return d / "rank.npy", [], ["rank.npy", "'x'", "(4,)", "(20, 4, 1)"]


def _shape(d):
    np.save(d / "shape.npy", np.ones((20, 5), np.float32))
    return d / "shape.npy", [], ["shape.npy", "'x'", "(4,)", "(20, 5)"]


def _no_samples(d):
    np.save(d / "none.npy", np.ones((0, 4), np.float32))
    return d / "none.npy", [], ["none.npy", "no sample"]


def _empty_npz(d):
    np.savez(d / "empty.npz")
    return d / "empty.npz", [], ["empty.npz", "no array", "'x'"]


def _npz_other_name(d):
    np.savez(d / "two.npz", a=np.ones((4, 4), np.float32), b=np.ones((4, 4), np.float32))
    return d / "two.npz", [], ["two.npz", "'x'", "'a'", "'b'"]


def _empty_file(d):
    (d / "empty.npy").write_bytes(b"")
    return d / "empty.npy", [], ["empty.npy", "empty file"]


def _garbage_npy(d):
    (d / "junk.npy").write_bytes(b"nope")
    return d / "junk.npy", [], ["junk.npy", "cannot read"]


def _truncated_npy(d):
    np.save(d / "cut.npy", np.ones((20, 4), np.float32))
    data = (d / "cut.npy").read_bytes()
    (d / "cut.npy").write_bytes(data[:len(data) - 40])
    return d / "cut.npy", [], ["cut.npy", "truncated"]


def _unknown_suffix(d):
    (d / "data.txt").write_text("1 2 3 4\n")
    return d / "data.txt", [], ["data.txt", ".npy", ".npz"]


def _missing_data(d):
    return d / "nothere.npy", [], ["nothere.npy", "does not exist"]


def _folder_for_a_2d_input(d):
    (d / "imgs").mkdir()
    return d / "imgs", [], ["'x'", "4-D"]


def _python_no_function(d):
    (d / "gen.py").write_text("def data():\n    yield [1.0, 2.0, 3.0, 4.0]\n")
    return Path(f"{d / 'gen.py'}:nosuch"), [], ["gen.py", "'nosuch'"]


def _python_wrong_shape(d):
    (d / "gen.py").write_text(
        "import numpy as np\ndef data():\n    yield np.ones((3,), np.float32)\n")
    return d / "gen.py", [], ["gen.py", "item 0", "'x'"]


DATA_CASES = {
    "nan_npy": _nan_npy, "nan_npy_used_as_is": _nan_npy_used_as_is, "inf_npz": _inf_npz,
    "nan_generator": _nan_generator, "all_nonfinite_skipped": _all_nonfinite,
    "int_dtype": _int_dtype, "strings": _strings, "objects": _objects, "rank": _rank,
    "shape": _shape, "no_samples": _no_samples, "empty_npz": _empty_npz,
    "npz_other_names": _npz_other_name, "empty_file": _empty_file,
    "garbage_npy": _garbage_npy, "truncated_npy": _truncated_npy,
    "unknown_suffix": _unknown_suffix, "missing_data": _missing_data,
    "folder_for_a_2d_input": _folder_for_a_2d_input,
    "python_no_function": _python_no_function, "python_wrong_shape": _python_wrong_shape,
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_bad_data(case, tmp_path):
    need_tools()
    model = one_node(tmp_path / "m.onnx")
    data, extra, needles = DATA_CASES[case](tmp_path)
    expect_error(tmp_path, ["quantize", model, "--calib-data", data, *extra,
                            "--sqnr-images", "0", "-o", tmp_path / "o"], *needles)
    assert not (tmp_path / "o" / "int8.mlir").exists()


def test_folder_without_images(tmp_path):
    need_tools()
    model = image_model(tmp_path / "img.onnx")
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "readme.txt").write_text("no pictures here\n")
    expect_error(tmp_path, ["quantize", model, "--calib-data", tmp_path / "imgs",
                            "-o", tmp_path / "o"], "imgs", "holds no image files",
                 "1 other file")


def test_skip_nonfinite_option_outside_user_data(tmp_path):
    model = one_node(tmp_path / "fashion.onnx", shape=("N", 1, 28, 28))
    expect_error(tmp_path, ["quantize", model, "--dataset", "fashion-mnist",
                            "--skip-nonfinite"], "--skip-nonfinite", "--calib-data")


@pytest.mark.parametrize("route", ["npy", "npz", "py"])
def test_skip_nonfinite(route, tmp_path):
    """The statistics leave out exactly the non-finite samples; the count
    is printed and recorded."""
    need_tools()
    model = one_node(tmp_path / "m.onnx")
    x = np.random.default_rng(1).uniform(-1, 1, (16, 4)).astype(np.float32)
    x[2, 0], x[9, 3], x[10, 1] = np.nan, np.inf, 50.0  # 50: in a skipped sample too
    x[10, 2] = -np.inf
    if route == "npy":
        data = tmp_path / "x.npy"
        np.save(data, x)
    elif route == "npz":
        data = tmp_path / "x.npz"
        np.savez(data, x=x)
    else:
        np.save(tmp_path / "src.npy", x)
        data = tmp_path / "x.py"
        data.write_text("import numpy as np\n"
                        "def data():\n"
                        f"    yield from np.load({str(tmp_path / 'src.npy')!r})\n")
    rc, out, err = qsim("quantize", model, "--calib-data", data, "--skip-nonfinite",
                        "--holdout", "0", "--sqnr-images", "0", "-o", tmp_path / "o",
                        cwd=tmp_path)
    assert rc == 0, err
    assert "Traceback" not in out + err
    assert "3 sample(s) with NaN or infinity skipped" in out + err
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["calibration"]["skipped_nonfinite"] == 3
    assert report["calibration"]["samples"] == 13
    table = json.loads((tmp_path / "o" / "table.json").read_text())
    assert table["samples"] == 13
    point = next(p for p in table["points"] if p["name"] == "main.arg0")
    finite = np.delete(x, [2, 9, 10], axis=0)
    assert point["min"] == float(finite.min()) and point["max"] == float(finite.max())


def test_compare_nonfinite(tmp_path):
    """qsim compare on data with a NaN: an error naming the sample, or the
    sample left out with --skip-nonfinite."""
    need_tools()
    if tools.find_tool("qsim-run") is None:
        pytest.skip("qsim-run is not built")
    model = one_node(tmp_path / "m.onnx")
    x = np.random.default_rng(2).uniform(-1, 1, (12, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    rc, out, err = qsim("quantize", model, "--calib-data", tmp_path / "x.npy",
                        "--sqnr-images", "0", "-o", tmp_path / "o", cwd=tmp_path)
    assert rc == 0, err
    x[4, 2] = np.nan
    np.save(tmp_path / "nan.npy", x)
    expect_error(tmp_path, ["compare", tmp_path / "o", "--data", tmp_path / "nan.npy"],
                 "nan.npy", "sample 4", "'x'", "--skip-nonfinite")
    rc, out, err = qsim("compare", tmp_path / "o", "--data", tmp_path / "nan.npy",
                        "--skip-nonfinite", "--json", "-", cwd=tmp_path)
    assert rc == 0 and "Traceback" not in out + err, err
    res = json.loads(out)
    assert res["samples"] == 11
