"""Bit-exactness against ONNX's own conformance data (libonnx-testdata).

Each quantized-operator node test is expressed in qsim/TOSA integer ops by
onnx_conformance.py (next to this file), compiled and run with qsim-run,
and its outputs must equal ONNX's expected outputs exactly (uint8 results
compared as bytes).
"""

import numpy as np
import pytest

import onnx_conformance as oc
from qsim import tools


def _available(name):
    return (oc.TESTDATA / name / "model.onnx").is_file()


@pytest.mark.parametrize("name", sorted(oc.CASES))
def test_conformance(name, tmp_path):
    if not _available(name):
        pytest.skip(f"{name} is not in {oc.TESTDATA} (libonnx-testdata)")
    if tools.find_tool("qsim-run") is None:
        pytest.skip("qsim-run is not built")
    actual, expected, mlir = oc.run_case(name, workdir=str(tmp_path))
    assert len(actual) == len(expected) > 0
    for got, want in zip(actual, expected):
        assert got.shape == want.shape, mlir
        if want.dtype == np.uint8:
            got = got.astype(np.int8).view(np.uint8)
        elif want.dtype == np.int8:
            got = got.astype(np.int8)
        else:
            got = got.astype(want.dtype)
        mismatch = np.flatnonzero(got.reshape(-1) != want.reshape(-1))
        assert mismatch.size == 0, (
            f"{mismatch.size} of {want.size} elements differ, first at "
            f"{mismatch[:5]}: got {got.reshape(-1)[mismatch[:5]]}, "
            f"want {want.reshape(-1)[mismatch[:5]]}\n{mlir}")
