"""Helpers shared by the ONNX importer tests: initializers, the onnxruntime
reference run, and the skip when the tools are not built."""

import numpy as np
import onnx
import pytest
from onnx import helper as h
from onnx import numpy_helper as nh

from qsim import tools


def init(name, arr):
    """An initializer; float64 data is stored as float32."""
    arr = np.asarray(arr)
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return nh.from_array(arr, name)


def model(nodes, inputs, outputs, inits=(), opset=13, check=False):
    """A one-graph model of the default domain at ``opset``."""
    g = h.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], ir_version=8)
    if check:
        onnx.checker.check_model(m)
    return m


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
