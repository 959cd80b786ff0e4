"""The realization check (python/qsim/check_realize.py, qsim check-realize).

On a zoo model (resnet_v1, 8 Fashion-MNIST images, a global activation
scale) the realized integer program keeps the contract at every point: its
integers are those the simulated quantize computes from the same inputs,
or one step away where the float32 simulation of a convolution's sum lands
on the other side of a rounding tie; adds, pools and clamps are exact.  A
realization made wrong on purpose (one requantize multiplier scaled by
1.25) is reported at the point that requantize produces, and no earlier.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qsim import check_realize, datasets, evaluate, points, tools

MODEL = tools.REPO_ROOT / "examples" / "zoo" / "resnet_v1.onnx"
N = 8
# Realize only (no canonicalization or lowering): the requantize ops stay
# visible for the fault injection.
PASSES = ["--qsim-annotate", "--qsim-calibrate=global-scale=4.0", "--qsim-realize"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    for tool in ("qsim-opt", "qsim-run"):
        if tools.find_tool(tool) is None:
            pytest.skip(f"{tool} is not built")
    if not MODEL.is_file():
        pytest.skip(f"{MODEL} missing")
    try:
        x, _ = datasets.load_fashion_mnist("test", limit=N)
    except datasets.DatasetError as e:
        pytest.skip(str(e))
    work = tmp_path_factory.mktemp("check")
    fmlir = work / "float.mlir"
    evaluate.import_model(MODEL, N, fmlir)
    forms = check_realize.prepare(fmlir, PASSES, work)
    return work, fmlir, x, forms


def test_realization_keeps_the_contract(setup):
    work, _, x, forms = setup
    res = check_realize.compare(*forms, [x], work / "ok")
    assert res.ok, res.first.describe()
    assert res.samples == N and len(res.points) >= 20
    assert all(c.elements > 0 and c.max_diff <= 1 for c in res.points)
    # Only sums computed in float32 by the simulation can sit on a tie.
    man = points.read_manifest(forms[1])
    off = [c.point for c in res.points if c.differing]
    assert all("Conv" in p or "Gemm" in p for p in off), off
    # Bit for bit demanded: the same differences now fail, at the first one.
    strict = check_realize.compare(*forms, [x], work / "strict", tolerance=0)
    assert strict.ok == (not off)
    if off:
        assert strict.first.point == off[0]
        assert abs(strict.first.simulated - strict.first.realized) == 1
    assert [p.name for p in man.points] == sorted(p.name for p in man.points)


def test_wrong_multiplier_is_reported_at_its_point(setup):
    work, _, x, (sim, sman, real, rman) = setup
    text = real.read_text()
    # The first requantize with one multiplier: the first conv's output.
    m = re.search(r'"qsim\.requantize"\(%\S+\) <\{[^}]*multiplier = array<i32: (\d+)>', text)
    assert m, "no per-tensor requantize in the realized module"
    bad = text[:m.start(1)] + str(int(m.group(1)) * 5 // 4) + text[m.end(1):]
    broken = work / "broken.mlir"
    broken.write_text(bad)
    res = check_realize.compare(sim, sman, broken, rman, [x], work / "broken")
    assert not res.ok
    # The point is the one that requantize defines: the value it produces
    # is dequantized into that point's result.
    value = re.match(r"\s*(%\S+) = ", text[text.rfind("\n", 0, m.start()):].lstrip("\n"))
    assert value
    ret = re.search(r'"func\.return"\((.*?)\) : ', text).group(1).split(", ")
    man = points.read_manifest(rman)
    names = {p.result: p.name for p in man.points}
    deq = re.findall(r'(%\S+) = "qsim\.dequantize"\(' + re.escape(value.group(1)) + r"\)",
                     text)
    want = {names[i] for i, v in enumerate(ret) if v in deq and i in names}
    assert res.first.point in want, (res.first.point, want)
    assert abs(res.first.simulated - res.first.realized) > 1
    c = next(c for c in res.points if c.point == res.first.point)
    assert c.beyond > 0 and c.max_diff > 1
    # Every point before it in program order is still within the contract.
    for earlier in res.points[:res.points.index(c)]:
        assert earlier.beyond == 0, earlier


def test_cli(setup, tmp_path):
    work, fmlir, x, _ = setup
    data = tmp_path / "x.npy"
    np.save(data, x[:2])
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "qsim.cli", "check-realize", str(fmlir), "--data",
           str(data), "--global-scale", "4", "--json", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "0 beyond" in proc.stdout
    r = json.loads(out.read_text())
    assert r["ok"] and r["samples"] == 2 and r["tolerance"] == 1 and r["first_mismatch"] is None
    bad = subprocess.run(cmd[:4] + [str(tmp_path / "nope.mlir"), "--data", str(data)],
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert "qsim check-realize: error: model" in bad.stderr and "nope.mlir" in bad.stderr
    assert "Traceback" not in bad.stderr
    neg = subprocess.run(cmd[:7] + ["--tolerance", "-1"], capture_output=True, text=True)
    assert neg.returncode == 2 and "--tolerance must be >= 0" in neg.stderr
