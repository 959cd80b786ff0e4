"""ONNX importer: shape and data-movement ops (Transpose, Squeeze,
Unsqueeze, Slice, Split, Pad, Gather, Expand, Tile, DepthToSpace,
SpaceToDepth, and Reshape/Flatten/Concat on integer values) against
onnxruntime, on plain 2-D/3-D/4-D values and on NHWC values (the output of a
Conv or of a GlobalAveragePool), and the importer's errors for them."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T  # noqa: E402
from onnx import helper as h  # noqa: E402
from onnx import numpy_helper as nh  # noqa: E402

from qsim import onnx_import as oi  # noqa: E402
from qsim import tools  # noqa: E402
from onnx_helpers import ort_run as _ort, require_tools as _require_tools  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5
I64_MAX = np.iinfo(np.int64).max
I64_MIN = np.iinfo(np.int64).min


def _model(nodes, inputs, outputs, inits, opset=13):
    g = h.make_graph(nodes, "g", inputs, outputs, inits)
    # Outputs have no declared shape: ONNX's (strict) shape inference in the
    # importer and onnxruntime check the graph, not onnx.checker.
    return h.make_model(g, opset_imports=[h.make_opsetid("", opset)], ir_version=8)


def _compare(model, feeds, tmp_path, **kw):
    """Imports, verifies with qsim-opt, runs with qsim-run and compares every
    output with onnxruntime (integers exactly); returns the MLIR."""
    _require_tools()
    mlir = oi.import_onnx(model, **kw)
    tools.run_tool("qsim-opt", ["-", "-o", "/dev/null"], input=mlir)
    want = _ort(model, feeds)
    args = [feeds[i.name] for i in model.graph.input if i.name in feeds]
    got = oi.run_mlir(mlir, args, len(want), workdir=str(tmp_path))
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"output {k}: {g.shape} != {w.shape}\n{mlir}"
        assert g.dtype == w.dtype, f"output {k}: {g.dtype} != {w.dtype}"
        if w.dtype.kind == "f":
            span = float(np.abs(w).max()) if w.size else 0.0
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL * max(span, 1.0),
                                       err_msg=f"output {k}\n{mlir}")
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"output {k}")
    return mlir


def _const(name, arr):
    return nh.from_array(np.asarray(arr), name)


# Sources of the operand "t": a graph input in ONNX layout, a Conv output
# (NHWC inside the importer) or a GlobalAveragePool output (NHWC, H = W = 1).
SOURCES = ("plain", "nhwc", "gap")


def _one_op(src, shape, op, attrs=None, consts=(), n_out=1, opset=13, rng=None):
    """A model computing ``op(t, *consts)`` where t has logical ``shape``;
    ``consts``: (name, array) initializers, or None for an omitted input.
    Returns (model, feeds)."""
    rng = rng or np.random.default_rng(0)
    nodes, inits = [], []
    if src == "plain":
        x_shape = list(shape)
        t = "x"
    else:
        n, c, hh, ww = shape
        x_shape = [n, 3, hh, ww] if src == "nhwc" else [n, 3, 5, 4]
        inits.append(_const("w", (rng.normal(size=(c, 3, 1, 1)) * 0.5).astype(np.float32)))
        inits.append(_const("b", rng.normal(size=c).astype(np.float32)))
        nodes.append(h.make_node("Conv", ["x", "w", "b"], ["conv"], name="conv"))
        t = "conv"
        if src == "gap":
            nodes.append(h.make_node("GlobalAveragePool", ["conv"], ["gap"], name="gap"))
            t = "gap"
    ins = [t]
    for item in consts:
        if item is None:
            ins.append("")
        else:
            name, arr = item
            inits.append(_const(name, arr))
            ins.append(name)
    outs = [f"y{i}" for i in range(n_out)]
    nodes.append(h.make_node(op, ins, outs, name="the_op", **(attrs or {})))
    x = rng.normal(size=x_shape).astype(np.float32)
    m = _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, x_shape)],
               [h.make_tensor_value_info(o, T.FLOAT, None) for o in outs], inits,
               opset=opset)
    return m, {"x": x}


def _i64(*xs):
    return np.array(xs, np.int64)


def _op_lines(mlir, name="the_op"):
    """The ops the node named ``name`` emitted."""
    return [ln for ln in mlir.splitlines()
            if f'loc("{name}")' in ln or f'loc("{name}/' in ln]


# ---------------------------------------------------------------------------
# Transpose
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("src,shape,perm", [
    ("plain", (3, 4), None),
    ("plain", (2, 3, 4), [1, 0, 2]),
    ("plain", (2, 3, 4, 5), [0, 3, 1, 2]),
    ("nhwc", (1, 4, 5, 6), [0, 2, 3, 1]),
    ("nhwc", (1, 4, 5, 6), [0, 1, 3, 2]),
    ("nhwc", (2, 4, 5, 6), [3, 2, 1, 0]),
    ("nhwc", (1, 4, 5, 6), [0, 1, 2, 3]),
])
def test_transpose(src, shape, perm, tmp_path):
    attrs = {} if perm is None else {"perm": perm}
    m, feeds = _one_op(src, shape, "Transpose", attrs)
    mlir = _compare(m, feeds, tmp_path)
    n_transposes = sum("tosa.transpose" in ln for ln in _op_lines(mlir))
    # NCHW -> NHWC of an NHWC value and NHWC -> NCHW of a plain value are
    # the importer's own layouts: no data moves.  The others are one op.
    free = (src == "nhwc" and perm in ([0, 2, 3, 1], [0, 1, 2, 3])) or \
        (src == "plain" and perm == [0, 3, 1, 2])
    assert n_transposes == (0 if free else 1), mlir


def test_transpose_channels_last_model(tmp_path):
    """An NHWC graph input transposed to NCHW for a Conv and the result back
    to NHWC: the Conv reads the input as it is and its result is the output,
    no transpose at all."""
    rng = np.random.default_rng(1)
    nodes = [h.make_node("Transpose", ["x"], ["t"], name="to_nchw", perm=[0, 3, 1, 2]),
             h.make_node("Conv", ["t", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             h.make_node("Transpose", ["c"], ["y"], name="to_nhwc", perm=[0, 2, 3, 1])]
    m = _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, [1, 6, 5, 3])],
               [h.make_tensor_value_info("y", T.FLOAT, None)],
               [_const("w", rng.normal(size=(4, 3, 3, 3)).astype(np.float32))])
    mlir = _compare(m, {"x": rng.normal(size=(1, 6, 5, 3)).astype(np.float32)},
                    tmp_path)
    assert "tosa.transpose" not in mlir, mlir  # the weights' transpose folds


# ---------------------------------------------------------------------------
# Squeeze / Unsqueeze
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("opset", [11, 13])
@pytest.mark.parametrize("src,shape,axes", [
    ("plain", (3, 1, 4), [1]),
    ("plain", (1, 3, 1, 4), None),
    ("plain", (1, 3, 1), [-1, 0]),
    ("gap", (2, 6, 1, 1), [2, 3]),
    ("gap", (1, 6, 1, 1), None),
    ("nhwc", (1, 4, 1, 5), [2]),
])
def test_squeeze(src, shape, axes, opset, tmp_path):
    if axes is None:
        attrs, consts = {}, ()
    elif opset < 13:
        attrs, consts = {"axes": axes}, ()
    else:
        attrs, consts = {}, [("axes", _i64(*axes))]
    m, feeds = _one_op(src, shape, "Squeeze", attrs, consts, opset=opset)
    mlir = _compare(m, feeds, tmp_path)
    if src == "gap":  # [N, 1, 1, C] holds the NCHW element order already
        assert "tosa.transpose" not in "\n".join(_op_lines(mlir)), mlir


@pytest.mark.parametrize("opset", [11, 13])
@pytest.mark.parametrize("src,shape,axes", [
    ("plain", (3, 4), [0]),
    ("plain", (3, 4), [-1, 1]),
    ("plain", (2, 3, 4), [4, 0]),
    ("gap", (2, 6, 1, 1), [1]),
    ("nhwc", (1, 4, 3, 5), [-1]),
])
def test_unsqueeze(src, shape, axes, opset, tmp_path):
    if opset < 13:
        attrs, consts = {"axes": axes}, ()
    else:
        attrs, consts = {}, [("axes", _i64(*axes))]
    m, feeds = _one_op(src, shape, "Unsqueeze", attrs, consts, opset=opset)
    _compare(m, feeds, tmp_path)


# ---------------------------------------------------------------------------
# Slice
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("src,shape,starts,ends,axes,steps", [
    ("plain", (6, 7), [1, 2], [5, 6], None, None),
    ("plain", (6, 7), [-4], [I64_MAX], [1], None),
    ("plain", (2, 9, 5), [1, 0], [8, -1], [1, 2], [3, 2]),
    ("plain", (2, 9, 5), [8, -2], [0, I64_MIN], [1, -1], [-2, -1]),
    ("plain", (2, 9, 5), [-1], [-10], [1], [-4]),
    ("plain", (10,), [0], [10], [0], [4]),  # 3 elements: padded to 12
    ("nhwc", (1, 8, 6, 7), [2], [6], [1], None),
    ("nhwc", (2, 8, 6, 7), [0, 1, 6], [8, 6, 0], [1, 2, 3], [3, 2, -2]),
    ("nhwc", (1, 4, 6, 7), [-1, 1], [-100, 7], [-1, -2], [-1, 1]),
])
def test_slice(src, shape, starts, ends, axes, steps, tmp_path):
    consts = [("starts", _i64(*starts)), ("ends", _i64(*ends)),
              None if axes is None else ("axes", _i64(*axes))]
    if steps is not None:
        consts.append(("steps", _i64(*steps)))
    if axes is None:
        consts = consts[:2]
    m, feeds = _one_op(src, shape, "Slice", {}, consts)
    mlir = _compare(m, feeds, tmp_path)
    if src == "nhwc":  # sliced in NHWC, no layout change
        assert "tosa.transpose" not in "\n".join(_op_lines(mlir)), mlir
    assert 'loc("the_op")' in mlir


def test_slice_opset9_attributes(tmp_path):
    m, feeds = _one_op("nhwc", (1, 6, 5, 5), "Slice",
                       {"starts": [1, -3], "ends": [5, 1000], "axes": [1, 3]}, opset=9)
    _compare(m, feeds, tmp_path)


# ---------------------------------------------------------------------------
# Split
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("src,shape,axis,split,n_out,opset", [
    ("plain", (6, 4), 0, None, 3, 13),
    ("plain", (2, 7, 3), 1, [2, 4, 1], 3, 13),
    ("plain", (2, 7, 3), -2, [3, 4], 2, 11),
    ("nhwc", (1, 8, 3, 3), 1, None, 2, 13),
    ("nhwc", (1, 6, 5, 3), 2, [1, 4], 2, 13),
    ("plain", (7, 3), 0, "num_outputs", 3, 18),  # 3, 3, 1
    ("nhwc", (1, 5, 3, 3), 1, "num_outputs", 2, 18),
])
def test_split(src, shape, axis, split, n_out, opset, tmp_path):
    attrs, consts = {"axis": axis}, ()
    if split == "num_outputs":
        attrs["num_outputs"] = n_out
    elif split is not None and opset < 13:
        attrs["split"] = split
    elif split is not None:
        consts = [("split", _i64(*split))]
    m, feeds = _one_op(src, shape, "Split", attrs, consts, n_out=n_out, opset=opset)
    mlir = _compare(m, feeds, tmp_path)
    if src == "nhwc":
        assert "tosa.transpose" not in "\n".join(_op_lines(mlir)), mlir


# ---------------------------------------------------------------------------
# Pad
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("src,shape,pads", [
    ("plain", (3, 5), [1, 2, 2, 0]),
    ("plain", (2, 4, 5), [0, 1, 0, 0, 2, 3]),
    ("plain", (2, 4, 5), [0, -1, 2, 0, 1, -2]),
    ("nhwc", (1, 4, 5, 6), [0, 0, 1, 2, 0, 0, 3, 1]),
    ("nhwc", (1, 4, 5, 6), [0, 1, 1, 0, 0, 2, 0, 3]),
])
def test_pad(src, shape, pads, mode, tmp_path):
    consts = [("pads", _i64(*pads))]
    if mode == "constant":
        consts.append(("value", np.array(-1.5, np.float32)))
    m, feeds = _one_op(src, shape, "Pad", {"mode": mode}, consts)
    mlir = _compare(m, feeds, tmp_path)
    if src == "nhwc":  # pads remapped to NHWC
        assert "tosa.transpose" not in "\n".join(_op_lines(mlir)), mlir
    assert 'loc("the_op")' in mlir


def test_pad_default_value_and_axes(tmp_path):
    m, feeds = _one_op("nhwc", (1, 4, 5, 6), "Pad", {},
                       [("pads", _i64(2, 1, 0, 3)), None, ("axes", _i64(-1, 1))],
                       opset=18)
    _compare(m, feeds, tmp_path)


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
def test_pad_opset10_attributes(mode, tmp_path):
    m, feeds = _one_op("nhwc", (1, 3, 4, 5), "Pad",
                       {"mode": mode, "pads": [0, 0, 1, 2, 0, 1, 2, 1], "value": 0.25},
                       opset=10)
    _compare(m, feeds, tmp_path)


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
def test_pad_int32(mode, tmp_path):
    x = np.arange(12, dtype=np.int32).reshape(3, 4) * 7 - 20
    nodes = [h.make_node("Pad", ["x", "pads", "v"], ["y"], name="p", mode=mode)]
    m = _model(nodes, [h.make_tensor_value_info("x", T.INT32, [3, 4])],
               [h.make_tensor_value_info("y", T.INT32, None)],
               [_const("pads", _i64(1, 2, 1, 1)), _const("v", np.array(-9, np.int32))])
    _compare(m, {"x": x}, tmp_path)


# ---------------------------------------------------------------------------
# Gather
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("src,shape,axis,indices", [
    ("plain", (5, 4), 0, [4, 0, 0, -1]),
    ("plain", (2, 6, 3), 1, 2),  # scalar index drops the axis
    ("plain", (2, 6, 3), -1, [[0, 2], [1, 1]]),
    ("plain", (2, 9, 3), 1, [8, 1, 5, 3, 0, 7, 2]),  # many runs: tosa.gather
    ("nhwc", (1, 8, 4, 5), 1, [2, 3, 4, 0]),
    ("nhwc", (1, 8, 4, 5), 2, -1),
    ("nhwc", (2, 9, 4, 5), 1, [8, 1, 5, 3, 0, 7]),
    ("gap", (2, 6, 1, 1), 1, [[5, 0, 1], [2, 2, 3]]),
])
def test_gather_constant_indices(src, shape, axis, indices, tmp_path):
    m, feeds = _one_op(src, shape, "Gather", {"axis": axis},
                       [("idx", np.array(indices, np.int64))])
    mlir = _compare(m, feeds, tmp_path)
    runs = 1 + sum(b != a + 1 for a, b in zip(np.ravel(indices), np.ravel(indices)[1:]))
    assert ("tosa.gather" in mlir) == (runs > 4), mlir


@pytest.mark.parametrize("idx_type", [T.INT64, T.INT32])
def test_gather_embedding(idx_type, tmp_path):
    """BERT-style word embeddings: runtime [batch, seq] ids into a constant
    [vocab, hidden] table, one tosa.gather; negative ids count from the end."""
    rng = np.random.default_rng(2)
    table = rng.normal(size=(50, 16)).astype(np.float32)
    np_t = np.int64 if idx_type == T.INT64 else np.int32
    ids = rng.integers(-50, 50, size=(2, 7)).astype(np_t)
    nodes = [h.make_node("Gather", ["table", "ids"], ["e"], name="embed"),
             h.make_node("Add", ["e", "pos"], ["y"], name="add_pos")]
    m = _model(nodes, [h.make_tensor_value_info("ids", idx_type, ["N", 7])],
               [h.make_tensor_value_info("y", T.FLOAT, None)],
               [_const("table", table),
                _const("pos", rng.normal(size=(7, 16)).astype(np.float32))])
    mlir = _compare(m, {"ids": ids}, tmp_path, batch=2)
    assert mlir.count("tosa.gather") == 1
    assert ("tosa.cast" in mlir) == (idx_type == T.INT64)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_gather_runtime_indices_runtime_data(axis, tmp_path):
    rng = np.random.default_rng(3)
    shape = [3, 4, 5]
    k = shape[axis]
    nodes = [h.make_node("Gather", ["x", "i"], ["y"], name="g", axis=axis)]
    m = _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, shape),
                       h.make_tensor_value_info("i", T.INT64, [2, 3])],
               [h.make_tensor_value_info("y", T.FLOAT, None)], [])
    _compare(m, {"x": rng.normal(size=shape).astype(np.float32),
                 "i": rng.integers(-k, k, size=(2, 3)).astype(np.int64)}, tmp_path)


# ---------------------------------------------------------------------------
# Expand / Tile
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("src,shape,target", [
    ("plain", (3, 1), [2, 3, 4]),
    ("plain", (2, 1, 4), [1, 3, 1]),
    ("plain", (2, 3), [2, 3]),
    ("gap", (1, 6, 1, 1), [2, 1, 3, 4]),
    ("nhwc", (1, 4, 1, 5), [1, 4, 3, 5]),
    ("gap", (1, 6, 1, 1), [2, 1, 6, 1, 1]),
])
def test_expand(src, shape, target, tmp_path):
    m, feeds = _one_op(src, shape, "Expand", {}, [("shape", _i64(*target))])
    mlir = _compare(m, feeds, tmp_path)
    if src != "plain" and len(target) == 4:
        assert "tosa.transpose" not in "\n".join(_op_lines(mlir)), mlir
    assert "tosa.tile" in mlir or target == list(shape)


@pytest.mark.parametrize("src,shape,reps", [
    ("plain", (2, 3), [3, 2]),
    ("plain", (2, 1, 3), [1, 4, 1]),
    ("nhwc", (1, 3, 4, 5), [2, 1, 1, 3]),
    ("nhwc", (1, 3, 4, 5), [1, 1, 1, 1]),
])
def test_tile(src, shape, reps, tmp_path):
    m, feeds = _one_op(src, shape, "Tile", {}, [("reps", _i64(*reps))])
    mlir = _compare(m, feeds, tmp_path)
    if src == "nhwc":
        assert "tosa.transpose" not in "\n".join(_op_lines(mlir)), mlir


# ---------------------------------------------------------------------------
# DepthToSpace / SpaceToDepth
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("src", ["plain", "nhwc"])
@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space(src, mode, tmp_path):
    m, feeds = _one_op(src, (2, 12, 3, 4), "DepthToSpace",
                       {"blocksize": 2, "mode": mode})
    mlir = _compare(m, feeds, tmp_path)
    if src == "nhwc":  # one 6-D transpose, the result stays NHWC
        assert sum("tosa.transpose" in ln for ln in _op_lines(mlir)) == 1, mlir


@pytest.mark.parametrize("src", ["plain", "nhwc"])
def test_space_to_depth(src, tmp_path):
    m, feeds = _one_op(src, (2, 3, 6, 4), "SpaceToDepth", {"blocksize": 2})
    mlir = _compare(m, feeds, tmp_path)
    if src == "nhwc":
        assert sum("tosa.transpose" in ln for ln in _op_lines(mlir)) == 1, mlir


def test_depth_to_space_then_conv(tmp_path):
    """Sub-pixel upsampling: conv, DepthToSpace, conv; all in NHWC."""
    rng = np.random.default_rng(4)
    nodes = [h.make_node("Conv", ["x", "w1"], ["c1"], name="c1", pads=[1, 1, 1, 1]),
             h.make_node("DepthToSpace", ["c1"], ["d"], name="d2s", blocksize=2,
                         mode="CRD"),
             h.make_node("Conv", ["d", "w2"], ["y"], name="c2", pads=[1, 1, 1, 1])]
    m = _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 4, 5])],
               [h.make_tensor_value_info("y", T.FLOAT, None)],
               [_const("w1", (rng.normal(size=(8, 3, 3, 3)) * 0.3).astype(np.float32)),
                _const("w2", (rng.normal(size=(2, 2, 3, 3)) * 0.3).astype(np.float32))])
    mlir = _compare(m, {"x": rng.normal(size=(1, 3, 4, 5)).astype(np.float32)}, tmp_path)
    # input to NHWC, the 6-D shuffle, output to NCHW; weights fold
    assert mlir.count("tosa.transpose %") == 3, mlir


# ---------------------------------------------------------------------------
# Reshape / Flatten / Concat: integer values, NHWC without transposes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("elt", [T.INT64, T.INT32])
def test_integer_reshape_flatten_concat(elt, tmp_path):
    np_t = np.int64 if elt == T.INT64 else np.int32
    nodes = [h.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
             h.make_node("Concat", ["r", "extra"], ["c"], name="concat", axis=1),
             h.make_node("Flatten", ["c"], ["y"], name="flatten", axis=1),
             h.make_node("Transpose", ["c"], ["t"], name="transpose", perm=[1, 0, 2]),
             h.make_node("Slice", ["t", "st", "en"], ["s"], name="slice")]
    m = _model(nodes, [h.make_tensor_value_info("x", elt, [2, 3, 4])],
               [h.make_tensor_value_info("y", elt, None),
                h.make_tensor_value_info("s", elt, None)],
               [_const("shape", _i64(2, 4, 3)),
                _const("extra", np.arange(6, dtype=np_t).reshape(2, 1, 3)),
                _const("st", _i64(1)), _const("en", _i64(4))])
    x = np.random.default_rng(5).integers(-1000, 1000, size=(2, 3, 4)).astype(np_t)
    _compare(m, {"x": x}, tmp_path)


def test_flatten_after_global_pool_has_no_transpose(tmp_path):
    m, feeds = _one_op("gap", (2, 6, 1, 1), "Flatten", {"axis": 1})
    mlir = _compare(m, feeds, tmp_path)
    assert "tosa.transpose %" not in mlir.split('loc("gap")')[1], mlir


def test_pytorch_shape_chain_folds(tmp_path):
    """x.view(x.size(0), -1) as PyTorch exports it: Shape -> Gather ->
    Unsqueeze -> Concat -> Reshape folds to one static reshape."""
    rng = np.random.default_rng(6)
    nodes = [h.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             h.make_node("Shape", ["c"], ["s"], name="shape"),
             h.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
             h.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="unsqueeze"),
             h.make_node("Concat", ["n1", "minus1"], ["target"], name="concat", axis=0),
             h.make_node("Reshape", ["c", "target"], ["y"], name="view"),
             h.make_node("Cast", ["s"], ["sf"], name="cast", to=T.FLOAT),
             h.make_node("ConstantOfShape", ["n1"], ["ones"], name="cos",
                         value=nh.from_array(np.array([1.0], np.float32))),
             h.make_node("Range", ["r0", "n", "r1"], ["rng"], name="range"),
             h.make_node("Cast", ["rng"], ["rngf"], name="cast2", to=T.FLOAT),
             h.make_node("Mul", ["ones", "rngf"], ["z0"], name="mul"),
             h.make_node("Concat", ["z0", "sf"], ["z"], name="concat2", axis=0)]
    m = _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, ["N", 3, 4, 4])],
               [h.make_tensor_value_info("y", T.FLOAT, None),
                h.make_tensor_value_info("z", T.FLOAT, None)],
               [_const("w", rng.normal(size=(5, 3, 1, 1)).astype(np.float32)),
                _const("zero", np.array(0, np.int64)),
                _const("ax", _i64(0)), _const("minus1", _i64(-1)),
                _const("r0", np.array(0, np.int64)), _const("r1", np.array(1, np.int64))])
    mlir = _compare(m, {"x": rng.normal(size=(3, 3, 4, 4)).astype(np.float32)},
                    tmp_path, batch=3)
    assert "-> tensor<3x80xf32>" in mlir and "?" not in mlir
    assert "tosa.gather" not in mlir


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _err(model, match, **kw):
    with pytest.raises(oi.OnnxImportError, match=match) as exc:
        oi.import_onnx(model, **kw)
    return str(exc.value)


def test_error_runtime_slice_start():
    nodes = [h.make_node("Slice", ["x", "s", "e"], ["y"], name="sl")]
    m = _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, [4, 5]),
                       h.make_tensor_value_info("s", T.INT64, [1])],
               [h.make_tensor_value_info("y", T.FLOAT, None)], [_const("e", _i64(3))])
    _err(m, r"node 'sl' \(Slice\): input #1 's' must be a constant")
    assert oi.constant_operand_inputs(m) == ["s"]
    # computed at runtime by another node
    nodes = [h.make_node("Cast", ["f"], ["s"], name="cast", to=T.INT64)] + nodes
    m = _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, [4, 5]),
                       h.make_tensor_value_info("f", T.FLOAT, [1])],
               [h.make_tensor_value_info("y", T.FLOAT, None)], [_const("e", _i64(3))])
    _err(m, r"node 'sl' \(Slice\): input #1 's' must be a constant")


def test_error_runtime_pad_amount():
    nodes = [h.make_node("Pad", ["x", "p"], ["y"], name="pad")]
    m = _model(nodes, [h.make_tensor_value_info("x", T.FLOAT, [4, 5]),
                       h.make_tensor_value_info("p", T.INT64, [4])],
               [h.make_tensor_value_info("y", T.FLOAT, None)], [])
    _err(m, r"node 'pad' \(Pad\): input #1 'p' must be a constant")
    mlir = oi.import_onnx(m, bind={"p": _i64(1, 0, 0, 2)})
    assert "-> tensor<5x7xf32>" in mlir


def _bad(op, shape, match, attrs=None, consts=(), opset=13, n_out=1):
    """A case of ``test_error_bad_operands``: ``op`` on an input of
    ``shape`` with initializers ``consts`` ((name, array), or None for an
    omitted input) must fail with ``match``."""
    return pytest.param(op, shape, match, attrs or {}, consts, opset, n_out,
                        id=f"{op}-{match[:40]}")


@pytest.mark.parametrize("op,shape,match,attrs,consts,opset,n_out", [
    _bad("Transpose", (2, 3, 4),
         r"attribute 'perm' = \[0, 0, 1\] is not supported: not a permutation",
         {"perm": [0, 0, 1]}),
    _bad("Squeeze", (2, 3, 4), "cannot squeeze axis 1 of extent 3",
         consts=[("a", _i64(1))]),
    _bad("Squeeze", (2, 3, 4), "axes 5 is out of range for rank 3",
         consts=[("a", _i64(5))]),
    _bad("Squeeze", (2, 1, 4), r"axes \[1, 1\] repeat an axis",
         consts=[("a", _i64(1, -2))]),
    _bad("Squeeze", (1,), r"squeezing \[1\] gives a scalar"),
    _bad("Squeeze", (2, 1), r"input #1 \(axes\) has dtype float32; expected int64",
         consts=[("a", np.array([1.0], np.float32))]),
    _bad("Unsqueeze", (2, 3), r"axes \[0, 0\] repeat an axis",
         consts=[("a", _i64(0, -4))]),
    _bad("Unsqueeze", (2, 3), "Unsqueeze-13 takes 2 inputs, got 1"),
    _bad("Slice", (5, 4), "zero-sized tensors are not supported",
         consts=[("s", _i64(3)), ("e", _i64(3))]),
    _bad("Slice", (5, 4), "step 0 on axis 0",
         consts=[("s", _i64(0)), ("e", _i64(3)), ("a", _i64(0)), ("st", _i64(0))]),
    _bad("Slice", (5, 4), r"axes \[1, 1\] repeat an axis",
         consts=[("s", _i64(0, 1)), ("e", _i64(3, 2)), ("a", _i64(1, -1))]),
    _bad("Slice", (5, 4), "differ in length",
         consts=[("s", _i64(0, 1)), ("e", _i64(3))]),
    _bad("Slice", (5, 4), "Slice-13 takes 3 to 5 inputs, got 1"),
    _bad("Split", (2, 4), r"split \[1, 2\] does not divide extent 4 of axis 1 into 2",
         {"axis": 1}, [("s", _i64(1, 2))], n_out=2),
    _bad("Split", (2, 4), r"split \[4, 0\] of axis 1: zero-sized tensors",
         {"axis": 1}, [("s", _i64(4, 0))], n_out=2),
    _bad("Split", (3, 4), "extent 3 of axis 0 does not split into 2 equal parts",
         n_out=2),
    _bad("Split", (3, 4), "attribute 'num_outputs' = 3 is not supported: the node has 2",
         {"num_outputs": 3}, opset=18, n_out=2),
    _bad("Split", (2, 4), r"split \[1, 1, 0\] of axis 0: zero-sized tensors",
         {"num_outputs": 3}, opset=18, n_out=3),
    _bad("Split", (2, 4), "both 'split' and 'num_outputs' are given",
         {"num_outputs": 2}, [("s", _i64(1, 1))], opset=18, n_out=2),
    _bad("Pad", (3, 3), "attribute 'mode' = 'wrap' is not supported", {"mode": "wrap"},
         [("p", _i64(1, 1, 1, 1))], opset=19),
    _bad("Pad", (3, 3),
         r"reflect pads \(3, 0\) of axis 1 need an extent greater than the pads, got 3",
         {"mode": "reflect"}, [("p", _i64(0, 3, 0, 0))]),
    _bad("Pad", (3, 3), "leave axis 1 empty: zero-sized tensors",
         consts=[("p", _i64(0, -3, 0, 0))]),
    _bad("Pad", (3, 3), "should have 4 values", consts=[("p", _i64(0, 1, 0))]),
    _bad("Pad", (3, 3), "Pad-13 takes 2 to 3 inputs, got 1"),
    _bad("Pad", (3, 3), "attribute 'pads' is required but missing", opset=10),
    _bad("Pad", (3, 3), "constant_value has 2 elements",
         consts=[("p", _i64(0, 1, 0, 0)), ("v", np.zeros(2, np.float32))]),
    _bad("Pad", (3, 3), r"axes \[1, 1\] repeat an axis",
         consts=[("p", _i64(0, 1, 0, 0)), None, ("a", _i64(1, -1))], opset=18),
    _bad("Gather", (3, 4), "index 4 is out of range for axis 1 of extent 4", {"axis": 1},
         [("i", _i64(0, 4))]),
    _bad("Gather", (3, 4), "attribute 'axis' = 2 is not supported: out of range for rank 2",
         {"axis": 2}, [("i", _i64(0))]),
    _bad("Gather", (4,), "the result is a scalar",
         consts=[("i", np.array(1, np.int64))]),
    _bad("Gather", (4, 2), "indices have element type f32",
         consts=[("i", np.array([1.0], np.float32))]),
    _bad("Expand", (3, 4), r"shape \[3, 4\] does not broadcast",
         consts=[("s", _i64(2, 3))]),
    _bad("Expand", (1, 4), r"expanding to \[0, 4\]: zero-sized tensors",
         consts=[("s", _i64(0, 4))]),
    _bad("Expand", (1, 4), "Expand-13 takes 2 inputs, got 1"),
    _bad("Tile", (3, 4), "repeats must be positive", consts=[("r", _i64(2, 0))]),
    _bad("Tile", (3, 4), r"repeats \[2\] should have 2 values", consts=[("r", _i64(2))]),
    _bad("Tile", (3, 4), "Tile before opset 6", consts=[("r", _i64(2)), ("a", _i64(0))],
         opset=5),
    _bad("DepthToSpace", (1, 6, 2, 2),
         "attribute 'blocksize' = 2 is not supported: 6 channels", {"blocksize": 2}),
    _bad("DepthToSpace", (1, 8, 2, 2), "attribute 'mode' = 'XYZ'",
         {"blocksize": 2, "mode": "XYZ"}),
    _bad("DepthToSpace", (1, 8, 2, 2), "attribute 'blocksize' is required but missing"),
    _bad("DepthToSpace", (1, 8, 2, 2), "attribute 'blocksize' = 0 is not supported: must",
         {"blocksize": 0}),
    _bad("SpaceToDepth", (1, 2, 3, 4), "spatial extent 3x4 is not a multiple",
         {"blocksize": 2}),
    _bad("SpaceToDepth", (2, 4, 4), "expected a 4-D", {"blocksize": 2}),
    _bad("Concat", (2, 3), r"inputs have different element types \['f32', 'i64'\]",
         {"axis": 0}, [("c", np.ones((1, 3), np.int64))]),
])
def test_error_bad_operands(op, shape, match, attrs, consts, opset, n_out):
    ins = ["x"] + ["" if c is None else c[0] for c in consts]
    nodes = [h.make_node(op, ins, [f"y{i}" for i in range(n_out)], name="bad", **attrs)]
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, list(shape))],
                     [h.make_tensor_value_info(f"y{i}", T.FLOAT, None)
                      for i in range(n_out)],
                     [_const(*c) for c in consts if c is not None])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], ir_version=9)
    msg = _err(m, match)
    assert msg.startswith(f"node 'bad' ({op})"), msg
