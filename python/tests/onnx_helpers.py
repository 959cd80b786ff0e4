"""Helpers shared by the ONNX importer tests: initializers, the onnxruntime
reference run, and the skip when the tools are not built."""

import numpy as np
import pytest
from onnx import numpy_helper as nh

from qsim import tools


def init(name, arr):
    """An initializer; float64 data is stored as float32."""
    arr = np.asarray(arr)
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return nh.from_array(arr, name)


def ort_run(model, feeds):
    """onnxruntime's outputs with graph optimizations off (the reference)."""
    ort = pytest.importorskip("onnxruntime")
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def require_tools():
    if tools.find_tool("qsim-run") is None or tools.find_tool("qsim-opt") is None:
        pytest.skip("qsim-run / qsim-opt are not built")
