"""The ONNX importer on every fuzz reproducer under test/fuzz/crashes/onnx:
each must import or end with a plain :class:`OnnxImportError` -- never another
exception, never :class:`OnnxImportBug` (an unexpected exception the importer
caught) -- and the error names the node (or, for a model-level fault, the
value or the model).  The reproducers that crashed (SIGSEGV, SIGFPE) or hung ONNX's own
shape inference run in a child process with a time limit, so that a regression
fails this test instead of killing pytest."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from qsim.onnx_import import OnnxImportBug, OnnxImportError, import_onnx_file

REPO = Path(__file__).resolve().parents[2]
CASES = sorted((REPO / "test" / "fuzz" / "crashes" / "onnx").glob("*.onnx"))
NAMES_WHAT = re.compile(r"node '[^']*' \(\w+\)|graph (input|output) '|initializer '|"
                        r"the ONNX checker refuses the model|model file '")


def _outcome(path: Path):
    try:
        import_onnx_file(path)
        return None
    except OnnxImportError as e:
        return e


def test_reproducers_exist():
    assert len(CASES) >= 80


def _in_child(p: Path) -> bool:
    return any(k in p.name for k in ("-segv-", "-fpe-", "-hang-"))


@pytest.mark.parametrize("path", [p for p in CASES if not _in_child(p)],
                         ids=lambda p: p.stem)
def test_reproducer_gives_clean_error(path):
    err = _outcome(path)
    if err is None:
        return
    assert not isinstance(err, OnnxImportBug), str(err)
    assert type(err) is OnnxImportError
    assert NAMES_WHAT.search(str(err)), str(err)


CHILD = """
import sys
from qsim.onnx_import import OnnxImportBug, OnnxImportError, import_onnx_file
try:
    import_onnx_file(sys.argv[1])
    print("IMPORTED")
except OnnxImportBug as e:
    print("BUG", e)
except OnnxImportError as e:
    print("ERROR", e)
"""


@pytest.mark.parametrize("path", [p for p in CASES if _in_child(p)], ids=lambda p: p.stem)
def test_onnx_inference_hazard_refused(path):
    r = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                       text=True, timeout=60, cwd=REPO,
                       env={"PYTHONPATH": str(REPO / "python"), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("ERROR "), r.stdout + r.stderr[-2000:]
    assert NAMES_WHAT.search(r.stdout), r.stdout


def test_handler_exception_becomes_bug_naming_node(monkeypatch):
    """An unexpected exception in a handler reaches the user as an
    OnnxImportBug naming the node and op, with the original as its cause."""
    import onnx
    from onnx import TensorProto as T, helper as h

    import qsim.onnx_import as oi

    def broken(self, node, ins):
        raise KeyError("boom")

    monkeypatch.setattr(oi._Importer, "op_Relu", broken)
    g = h.make_graph([h.make_node("Relu", ["x"], ["y"], name="r1")], "g",
                     [h.make_tensor_value_info("x", T.FLOAT, [1, 4])],
                     [h.make_tensor_value_info("y", T.FLOAT, [1, 4])])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    with pytest.raises(OnnxImportBug) as exc:
        oi.import_onnx(m)
    msg = str(exc.value)
    assert msg.startswith("node 'r1' (Relu): internal importer error"), msg
    assert "KeyError: 'boom'" in msg
    assert isinstance(exc.value.__cause__, KeyError)
