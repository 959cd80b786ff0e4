"""benchmarks/layer_profile.py: the location rewrite, the parsing of perf's
report and the build of the line-tabled libraries (perf itself is not run:
its sampling permission is the host's)."""

import json
import subprocess
import sys

import pytest

from qsim import tools

sys.path.insert(0, str(tools.REPO_ROOT / "benchmarks"))
import layer_profile as lp  # noqa: E402

QSIM_OPT = tools.find_tool("qsim-opt")


def test_locations_keep_their_names():
    text = ('%0 = tosa.add %a, %b : tensor<2xf32> loc("/block/Add")\n'
            'func.func @f(%x: tensor<2xf32> loc("input")) {\n')
    out = lp.with_line_locations(text)
    assert 'loc("/block/Add"("|block|Add":1:1))' in out
    assert 'loc("input"("input":1:1))' in out
    # No location is lost.
    assert out.count("loc(") == text.count("loc(")


def test_parse_srclines_sums_lines_of_a_node():
    report = """# comment
    40.00%  |a|Conv:1
    10.50%  |a|Conv:0
     5.25%  input|to_nhwc:1

    44.25%  |b|HardSwish:1
"""
    shares = lp.parse_srclines(report)
    assert shares == {"|a|Conv": 50.5, "input|to_nhwc": 5.25, "|b|HardSwish": 44.25}
    assert lp.op_kind("|a|Conv") == "Conv"
    assert lp.op_kind("input|to_nhwc") == "to_nhwc"


def test_quantize_pass_takes_the_outdir_table(tmp_path):
    report = {"settings": {"passes": [
        "--qsim-quantize=table=/elsewhere/table.json method=mse per-channel=true"]}}
    got = lp._quantize_pass(report, tmp_path / "table.json")
    assert got == f"--qsim-quantize=table={tmp_path / 'table.json'} method=mse per-channel=true"
    with pytest.raises(lp.ProfileError, match="no --qsim-quantize"):
        lp._quantize_pass({"settings": {"passes": ["--other"]}}, tmp_path)
    with pytest.raises(lp.ProfileError, match="settings.passes"):
        lp._quantize_pass({}, tmp_path)


def test_missing_outdir_files_are_named(tmp_path, capsys):
    (tmp_path / "report.json").write_text(json.dumps(
        {"inputs": [{"name": "x", "shape": [1, 4]}]}))
    assert lp.main([str(tmp_path), "--keep", str(tmp_path / "w")]) == 1
    err = capsys.readouterr().err
    assert "float.mlir does not exist" in err


@pytest.mark.skipif(QSIM_OPT is None, reason="qsim-opt not built")
def test_lowered_module_carries_node_lines(tmp_path):
    """The rewritten model still quantizes with its table (the point names
    come from the kept names) and the LLVM module's debug info names the
    nodes."""
    src = tmp_path / "m.mlir"
    src.write_text("""func.func @main(%x: tensor<1x4xf32> loc("input")) -> tensor<1x4xf32> {
  %c = "tosa.const"() <{values = dense<[[1.0, -2.0, 0.5, 3.0]]> : tensor<1x4xf32>}> : () -> tensor<1x4xf32> loc("/blk/c")
  %y = tosa.add %x, %c : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32> loc("/blk/Add")
  return %y : tensor<1x4xf32> loc("ret")
}
""")
    lines = tmp_path / "lines.mlir"
    lines.write_text(lp.with_line_locations(src.read_text()))
    out = subprocess.run([str(QSIM_OPT), str(lines), "--qsim-quantize=global-scale=4.0",
                          "--qsim-cpu-pipeline=threads=1",
                          "--ensure-debug-info-scope-on-llvm-func", "-mlir-print-debuginfo"],
                         capture_output=True, text=True, check=True).stdout
    assert '"|blk|Add":1:1' in out
    assert "llvm.func" in out and "#llvm.di_subprogram" in out


def _outdir(tmp_path, inputs):
    out = tmp_path / "out"
    out.mkdir(parents=True)
    (out / "report.json").write_text(json.dumps({"inputs": inputs}))
    return out


def test_bad_inputs_are_named(tmp_path, capsys):
    np = pytest.importorskip("numpy")
    assert lp.main([str(tmp_path / "nowhere")]) == 1
    assert "report.json does not exist" in capsys.readouterr().err

    out = _outdir(tmp_path, [])
    assert lp.main([str(out)]) == 1
    assert "lists no inputs" in capsys.readouterr().err

    out = _outdir(tmp_path / "a", [{"name": "ids", "shape": [1, 4], "dtype": "int64"},
                                   {"name": "mask", "shape": [1, 4], "dtype": "int64"}])
    assert lp.main([str(out)]) == 1
    assert "input 'ids' is int64: give samples with --input" in capsys.readouterr().err
    z = tmp_path / "x.npz"
    np.savez(z, ids=np.zeros((2, 4), np.int64))
    assert lp.main([str(out), "--input", str(z)]) == 1
    assert f"--input {z} has no array 'mask'" in capsys.readouterr().err

    out = _outdir(tmp_path / "b", [{"name": "x", "shape": [1, 3], "dtype": "float32"}])
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((2, 5), np.float32))
    assert lp.main([str(out), "--input", str(x), "--keep", str(tmp_path / "w")]) == 1
    assert "sample shape [1, 5] is not the model's [1, 3]" in capsys.readouterr().err


def test_missing_perf_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(lp.shutil, "which", lambda name: None)
    with pytest.raises(lp.ProfileError, match="perf .* is not installed"):
        lp.profile(tmp_path / "lib.so", tmp_path / "x.npz", ["x"], 1, tmp_path)
