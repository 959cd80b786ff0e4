"""ONNX importer: elementwise ops and activations against onnxruntime.

Each op runs on random data twice: on a 4-D tensor produced by a Conv (so
it meets a value stored NHWC, and must keep that layout) and on plain 2-D /
3-D graph inputs.  Binary ops also run with numpy broadcasting (constant
and runtime operands of lower rank, on the NHWC path too), comparisons,
logic, Where and Cast with int64/int32/bool tensors (an attention-mask
chain as BERT exports it), the exactness of the hard-swish forms, and every
error the handlers raise.
"""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T  # noqa: E402
from onnx import helper as h  # noqa: E402

from qsim import onnx_import as oi  # noqa: E402
from qsim import tools  # noqa: E402
import onnx_helpers  # noqa: E402
from onnx_helpers import init as _init, ort_run as _ort, require_tools as _require_tools  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5
NP_TYPE = {np.dtype(np.float32): T.FLOAT, np.dtype(np.int64): T.INT64,
           np.dtype(np.int32): T.INT32, np.dtype(np.bool_): T.BOOL}


def _vi(name, arr_or_type, shape=None):
    if isinstance(arr_or_type, np.ndarray):
        return h.make_tensor_value_info(name, NP_TYPE[arr_or_type.dtype],
                                        list(arr_or_type.shape))
    return h.make_tensor_value_info(name, arr_or_type, shape)


def _model(nodes, inputs, outputs, inits=(), opset=17, check=False):
    return onnx_helpers.model(nodes, inputs, outputs, inits, opset, check)


def _run(model, feeds, tmp_path, **kw):
    """(MLIR, qsim-run's outputs, onnxruntime's outputs); the MLIR verified
    by qsim-opt."""
    _require_tools()
    mlir = oi.import_onnx(model, **kw)
    tools.run_tool("qsim-opt", ["-", "-o", "/dev/null"], input=mlir)
    want = _ort(model, feeds)
    got = oi.run_mlir(mlir, list(feeds.values()), len(want), workdir=str(tmp_path))
    return mlir, got, want


def _compare(model, feeds, tmp_path, exact=False, **kw):
    mlir, got, want = _run(model, feeds, tmp_path, **kw)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape,
                                                          w.dtype)
        if exact or w.dtype != np.float32:
            np.testing.assert_array_equal(g, w)
        else:
            finite = w[np.isfinite(w)]
            scale = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL * scale)
    return mlir


def _conv_model(nodes, out, inits=(), opset=17, cin=3, cout=4, hw=6, extra_inputs=()):
    """x -> Conv (3x3, pad 1) -> 'c' -> nodes -> out."""
    rng = np.random.default_rng(1)
    inits = [_init("w", rng.normal(size=(cout, cin, 3, 3)) * 0.5),
             _init("bias", rng.normal(size=cout)), *inits]
    conv = h.make_node("Conv", ["x", "w", "bias"], ["c"], name="conv",
                       pads=[1, 1, 1, 1])
    return _model([conv, *nodes],
                  [_vi("x", T.FLOAT, [1, cin, hw, hw]), *extra_inputs],
                  [_vi(out, T.FLOAT, None)], inits, opset=opset)


def _transposes(mlir):
    return mlir.count("tosa.transpose")


# ---------------------------------------------------------------------------
# Unary ops and activations
# ---------------------------------------------------------------------------

#: (op, attrs, opset, domain): domain 'pos' feeds |x| + 0.1.
UNARY = [
    ("Sigmoid", {}, 17, None),
    ("Tanh", {}, 17, None),
    ("Exp", {}, 17, None),
    ("Erf", {}, 17, None),
    ("Log", {}, 17, "pos"),
    ("Floor", {}, 17, None),
    ("Ceil", {}, 17, None),
    ("Abs", {}, 17, None),
    ("Neg", {}, 17, None),
    ("Reciprocal", {}, 17, "pos"),
    ("Sqrt", {}, 17, "pos"),
    ("Relu", {}, 17, None),
    ("HardSigmoid", {}, 17, None),
    ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}, 17, None),
    ("HardSwish", {}, 17, None),
    ("LeakyRelu", {}, 17, None),
    ("LeakyRelu", {"alpha": 0.3}, 17, None),
    ("LeakyRelu", {"alpha": 1.7}, 17, None),
    ("LeakyRelu", {"alpha": -0.5}, 17, None),
    ("Elu", {}, 17, None),
    ("Elu", {"alpha": 0.4}, 17, None),
    ("Selu", {}, 17, None),
    ("Selu", {"alpha": 1.2, "gamma": 0.8}, 17, None),
    ("Softplus", {}, 17, None),
    ("Softsign", {}, 17, None),
    ("Gelu", {}, 20, None),
    ("Gelu", {"approximate": "tanh"}, 20, None),
]
UNARY_IDS = [f"{op}-{'-'.join(f'{k}={v}' for k, v in a.items()) or 'default'}"
             for op, a, _, _ in UNARY]


def _domain_nodes(domain, src):
    if domain != "pos":
        return [], src
    return [h.make_node("Abs", [src], ["abs_in"], name="abs_in"),
            h.make_node("Add", ["abs_in", "tenth"], ["pos_in"], name="pos_in")], "pos_in"


@pytest.mark.parametrize("op,attrs,opset,domain", UNARY, ids=UNARY_IDS)
def test_unary_after_conv(op, attrs, opset, domain, tmp_path):
    """On the NHWC output of a Conv: the op keeps the layout (the only
    transposes are the input's to NHWC and the result's back)."""
    pre, src = _domain_nodes(domain, "c")
    nodes = pre + [h.make_node(op, [src], ["y"], name="op", **attrs)]
    m = _conv_model(nodes, "y", [_init("tenth", np.float32(0.1))], opset=opset)
    x = np.random.default_rng(2).normal(size=(1, 3, 6, 6)).astype(np.float32)
    mlir = _compare(m, {"x": x}, tmp_path)
    assert _transposes(mlir) == 2, mlir


@pytest.mark.parametrize("shape", [(3, 7), (2, 3, 5)])
@pytest.mark.parametrize("op,attrs,opset,domain", UNARY, ids=UNARY_IDS)
def test_unary_plain(op, attrs, opset, domain, shape, tmp_path):
    pre, src = _domain_nodes(domain, "x")
    nodes = pre + [h.make_node(op, [src], ["y"], name="op", **attrs)]
    m = _model(nodes, [_vi("x", T.FLOAT, list(shape))], [_vi("y", T.FLOAT, None)],
               [_init("tenth", np.float32(0.1))], opset=opset)
    x = (np.random.default_rng(3).normal(size=shape) * 3).astype(np.float32)
    mlir = _compare(m, {"x": x}, tmp_path)
    assert "tosa.transpose" not in mlir


def test_unary_extremes(tmp_path):
    """Large magnitudes: no overflow in the decompositions (softplus,
    sigmoid, selu, elu, gelu), zero and negative zero for sqrt."""
    x = np.array([[-100.0, -30.0, -5.0, -0.0, 0.0, 1e-3, 5.0, 30.0, 100.0, 80.0]],
                 np.float32)
    for op, attrs, opset in [("Softplus", {}, 17), ("Sigmoid", {}, 17),
                             ("Selu", {}, 17), ("Elu", {}, 17), ("Gelu", {}, 20),
                             ("Gelu", {"approximate": "tanh"}, 20),
                             ("Softsign", {}, 17), ("Tanh", {}, 17)]:
        m = _model([h.make_node(op, ["x"], ["y"], name="op", **attrs)],
                   [_vi("x", x)], [_vi("y", T.FLOAT, None)], opset=opset)
        _compare(m, {"x": x}, tmp_path)
    ax = np.abs(x)
    ax[0, 3] = -0.0
    m = _model([h.make_node("Sqrt", ["x"], ["y"], name="op")], [_vi("x", ax)],
               [_vi("y", T.FLOAT, None)])
    _compare(m, {"x": ax}, tmp_path)


def test_integer_unary(tmp_path):
    """Abs and Neg on int64 / int32 tensors."""
    for dt in (np.int64, np.int32):
        x = np.random.default_rng(4).integers(-50, 50, size=(3, 5)).astype(dt)
        m = _model([h.make_node("Abs", ["x"], ["a"], name="abs"),
                    h.make_node("Neg", ["x"], ["n"], name="neg")],
                   [_vi("x", x)], [_vi("a", NP_TYPE[np.dtype(dt)], None),
                                   _vi("n", NP_TYPE[np.dtype(dt)], None)])
        _compare(m, {"x": x}, tmp_path)


# ---------------------------------------------------------------------------
# Hard-swish forms
# ---------------------------------------------------------------------------


def test_hardswish_forms_exact(tmp_path):
    """HardSwish and x * HardSigmoid(x) (alpha 1/6) match onnxruntime bit
    for bit; x * Clip(x + 3, 0, 6) / 6 divides by 6 as a multiplication by
    float32(1/6), which may differ in the last bit only."""
    x = (np.random.default_rng(5).normal(size=(1, 3, 16, 16)) * 4).astype(np.float32)
    plain = _model([h.make_node("HardSwish", ["x"], ["y"], name="hswish")],
                   [_vi("x", x)], [_vi("y", T.FLOAT, None)], opset=14)
    _compare(plain, {"x": x}, tmp_path, exact=True)
    hsig = _model([h.make_node("HardSigmoid", ["x"], ["s"], name="hsig",
                               alpha=1.0 / 6.0),
                   h.make_node("Mul", ["x", "s"], ["y"], name="mul")],
                  [_vi("x", x)], [_vi("y", T.FLOAT, None)])
    _compare(hsig, {"x": x}, tmp_path, exact=True)
    clip = _model([h.make_node("Add", ["x", "three"], ["a"], name="add3"),
                   h.make_node("Clip", ["a", "zero", "six"], ["c"], name="clip"),
                   h.make_node("Mul", ["x", "c"], ["m"], name="mul"),
                   h.make_node("Div", ["m", "six"], ["y"], name="div6")],
                  [_vi("x", x)], [_vi("y", T.FLOAT, None)],
                  [_init("three", np.float32(3)), _init("zero", np.float32(0)),
                   _init("six", np.float32(6))])
    _, got, want = _run(clip, {"x": x}, tmp_path)
    np.testing.assert_array_max_ulp(got[0], want[0], maxulp=1)


# ---------------------------------------------------------------------------
# Binary ops with broadcasting
# ---------------------------------------------------------------------------

BINARY = ["Add", "Sub", "Mul", "Div", "Max", "Min", "Pow"]


def _operand(op, rng, shape, is_b):
    if op == "Pow" and not is_b:
        return (np.abs(rng.normal(size=shape)) + 0.5).astype(np.float32)
    if op == "Pow":
        return rng.uniform(-2, 2, size=shape).astype(np.float32)
    if op == "Div" and is_b:
        return (rng.choice([-1, 1], size=shape) * rng.uniform(0.5, 2, size=shape)) \
            .astype(np.float32)
    return rng.normal(size=shape).astype(np.float32)


#: (shape of a, shape of b).
BCAST = [((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 1)),
         ((3, 1), (2, 1, 5)), ((4,), (2, 3, 4)), ((2, 3, 4), ())]


#: Graph inputs are ranked: a scalar b is a constant only.
BCAST_CASES = [pytest.param(a, b, const, id=f"{a}x{b}-{'const' if const else 'runtime'}")
               for a, b in BCAST for const in (False, True) if const or b]


@pytest.mark.parametrize("sa,sb,const_b", BCAST_CASES)
@pytest.mark.parametrize("op", BINARY)
def test_binary_broadcast(op, sa, sb, const_b, tmp_path):
    rng = np.random.default_rng(6)
    a = _operand(op, rng, sa, False)
    b = _operand(op, rng, sb, True)
    inputs, inits, feeds = [_vi("a", a)], [], {"a": a}
    if const_b:
        inits.append(_init("b", b))
    else:
        inputs.append(_vi("b", b))
        feeds["b"] = b
    m = _model([h.make_node(op, ["a", "b"], ["y"], name="op")], inputs,
               [_vi("y", T.FLOAT, None)], inits)
    _compare(m, feeds, tmp_path)


#: 4-D NCHW conv output [1, 4, 6, 6] with: per-channel constant, runtime
#: [1, 4, 1, 1], runtime 4-D plain, constant last-dim vector, constant
#: scalar, and the conv output on the left or right.
NHWC_CASES = [("const", (4, 1, 1), False), ("runtime", (1, 4, 1, 1), False),
              ("runtime", (1, 4, 6, 6), True), ("const", (6,), True),
              ("const", (), False), ("const", (1, 4, 6, 6), True)]


@pytest.mark.parametrize("swap", [False, True], ids=["conv_left", "conv_right"])
@pytest.mark.parametrize("kind,shape,_", NHWC_CASES,
                         ids=[f"{k}{list(s)}" for k, s, _ in NHWC_CASES])
@pytest.mark.parametrize("op", BINARY)
def test_binary_nhwc(op, kind, shape, _, swap, tmp_path):
    """Broadcasting against a Conv output keeps NHWC: at most the input's,
    the result's and a runtime 4-D plain operand's transposes."""
    rng = np.random.default_rng(7)
    other = _operand(op, rng, shape, not swap)
    if op == "Pow" and not swap:
        # conv output as the base: make it positive first.
        pre = [h.make_node("Abs", ["c"], ["ca"], name="abs"),
               h.make_node("Add", ["ca", "half"], ["cb"], name="pos")]
        src = "cb"
    elif op == "Div" and swap:
        pre = [h.make_node("Abs", ["c"], ["ca"], name="abs"),
               h.make_node("Add", ["ca", "half"], ["cb"], name="pos")]
        src = "cb"
    else:
        pre, src = [], "c"
    ins = ["o", src] if swap else [src, "o"]
    inits = [_init("half", np.float32(0.5))]
    extra, feeds = (), {}
    if kind == "const":
        inits.append(_init("o", other))
    else:
        extra = (_vi("o", other),)
    m = _conv_model(pre + [h.make_node(op, ins, ["y"], name="op")], "y", inits,
                    extra_inputs=extra)
    x = rng.normal(size=(1, 3, 6, 6)).astype(np.float32)
    feeds = {"x": x}
    if kind != "const":
        feeds["o"] = other
    mlir = _compare(m, feeds, tmp_path)
    plain_4d = kind == "runtime" and len(shape) == 4
    assert _transposes(mlir) == 2 + plain_4d, mlir


def test_div_forms(tmp_path):
    """Runtime divisor (x * reciprocal(y)), a constant divisor (a constant
    reciprocal, exact for powers of two) and 1 / y (reciprocal alone, exact)."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(4, 8)).astype(np.float32)
    y = rng.uniform(0.5, 3, size=(4, 8)).astype(np.float32)
    m = _model([h.make_node("Div", ["one", "y"], ["r"], name="inv"),
                h.make_node("Div", ["x", "four"], ["q"], name="quarter")],
               [_vi("x", x), _vi("y", y)], [_vi("r", T.FLOAT, None),
                                            _vi("q", T.FLOAT, None)],
               [_init("one", np.float32(1)), _init("four", np.float32(4))])
    mlir = _compare(m, {"x": x, "y": y}, tmp_path, exact=True)
    assert "tosa.reciprocal" in mlir and mlir.count("tosa.mul") == 1
    m = _model([h.make_node("Div", ["x", "y"], ["q"], name="div")],
               [_vi("x", x), _vi("y", y)], [_vi("q", T.FLOAT, None)])
    _, got, want = _run(m, {"x": x, "y": y}, tmp_path)
    np.testing.assert_array_max_ulp(got[0], want[0], maxulp=2)


def test_integer_div_truncates(tmp_path):
    for dt in (np.int64, np.int32):
        a = np.array([[7, -7, 7, -7, 0, 9, -9, 100]], dt)
        b = np.array([[2, 2, -2, -2, 3, 4, 4, 7]], dt)
        m = _model([h.make_node("Div", ["a", "b"], ["y"], name="div"),
                    h.make_node("Div", ["a", "three"], ["z"], name="div3")],
                   [_vi("a", a), _vi("b", b)],
                   [_vi("y", NP_TYPE[np.dtype(dt)], None),
                    _vi("z", NP_TYPE[np.dtype(dt)], None)],
                   [_init("three", np.array(3, dt))])
        _compare(m, {"a": a, "b": b}, tmp_path)


@pytest.mark.parametrize("e", [2.0, 0.5, 1.0, 3.0, -1.0, 1.5])
def test_pow_constant_exponent(e, tmp_path):
    x = (np.abs(np.random.default_rng(9).normal(size=(3, 8))) + 0.1).astype(np.float32)
    x[0, :3] = [0.0, 1.0, 4.0]
    m = _model([h.make_node("Pow", ["x", "e"], ["y"], name="pow")], [_vi("x", x)],
               [_vi("y", T.FLOAT, None)], [_init("e", np.float32(e))])
    mlir = _compare(m, {"x": x}, tmp_path, exact=e in (1.0, 2.0))
    assert ("tosa.pow" in mlir) == (e not in (2.0, 0.5, 1.0))


def test_pow_exponent_shapes_and_types(tmp_path):
    """A uniform constant exponent larger than x broadcasts x (tosa.pow);
    integer exponents (constant or runtime) are converted to float32."""
    x = np.array([[1.5, 2.0, 3.0]], np.float32)
    m = _model([h.make_node("Pow", ["x", "e"], ["y"], name="pow")], [_vi("x", x)],
               [_vi("y", T.FLOAT, None)], [_init("e", np.full((2, 3), 2, np.float32))])
    _compare(m, {"x": x}, tmp_path)
    for dt in (np.int64, np.int32):
        e = np.array([[2, 3, -1]], dt)
        m = _model([h.make_node("Pow", ["x", "e"], ["y"], name="pow")],
                   [_vi("x", x), _vi("e", e)], [_vi("y", T.FLOAT, None)], opset=15)
        _compare(m, {"x": x, "e": e}, tmp_path)
        m = _model([h.make_node("Pow", ["x", "e"], ["y"], name="pow")], [_vi("x", x)],
                   [_vi("y", T.FLOAT, None)], [_init("e", e)], opset=15)
        _compare(m, {"x": x}, tmp_path)


def test_max_min_variadic(tmp_path):
    rng = np.random.default_rng(10)
    a = rng.normal(size=(2, 3, 4)).astype(np.float32)
    b = rng.normal(size=(3, 1)).astype(np.float32)
    c = rng.normal(size=(4,)).astype(np.float32)
    for op in ("Max", "Min"):
        m = _model([h.make_node(op, ["a", "b", "c"], ["y"], name="three"),
                    h.make_node(op, ["a"], ["z"], name="one")],
                   [_vi("a", a), _vi("b", b)],
                   [_vi("y", T.FLOAT, None), _vi("z", T.FLOAT, None)], [_init("c", c)])
        _compare(m, {"a": a, "b": b}, tmp_path)
    ai = rng.integers(-9, 9, size=(2, 5)).astype(np.int64)
    bi = rng.integers(-9, 9, size=(5,)).astype(np.int64)
    m = _model([h.make_node("Max", ["a", "b"], ["y"], name="maxi"),
                h.make_node("Min", ["a", "b"], ["z"], name="mini")],
               [_vi("a", ai), _vi("b", bi)],
               [_vi("y", T.INT64, None), _vi("z", T.INT64, None)])
    _compare(m, {"a": ai, "b": bi}, tmp_path)


def test_integer_arithmetic(tmp_path):
    rng = np.random.default_rng(11)
    for dt in (np.int64, np.int32):
        a = rng.integers(-1000, 1000, size=(2, 3, 4)).astype(dt)
        b = rng.integers(-1000, 1000, size=(3, 1)).astype(dt)
        nodes = [h.make_node(op, ["a", "b"], [op.lower()], name=op)
                 for op in ("Add", "Sub", "Mul")]
        nodes.append(h.make_node("Add", ["a", "k"], ["addk"], name="addk"))
        m = _model(nodes, [_vi("a", a), _vi("b", b)],
                   [_vi(n.output[0], NP_TYPE[np.dtype(dt)], None) for n in nodes],
                   [_init("k", np.array(5, dt))])
        _compare(m, {"a": a, "b": b}, tmp_path)


def test_legacy_broadcast_attribute(tmp_path):
    """Opset 6 Div/Add with broadcast=1 and axis (onnxruntime has no
    kernels for them: numpy gives the expected values)."""
    _require_tools()
    rng = np.random.default_rng(12)
    x = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    b = rng.uniform(1, 2, size=(3, 4)).astype(np.float32)
    c = rng.normal(size=(5,)).astype(np.float32)
    m = _model([h.make_node("Div", ["x", "b"], ["d"], name="div", broadcast=1, axis=1),
                h.make_node("Add", ["d", "c"], ["y"], name="add", broadcast=1)],
               [_vi("x", x)], [_vi("y", T.FLOAT, None)],
               [_init("b", b), _init("c", c)], opset=6)
    got = oi.run_mlir(oi.import_onnx(m), [x], 1, workdir=str(tmp_path))[0]
    np.testing.assert_allclose(got, x / b.reshape(1, 3, 4, 1) + c, rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------
# Comparisons, logic, Where
# ---------------------------------------------------------------------------

COMPARE = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"]


@pytest.mark.parametrize("dt", [np.float32, np.int64, np.int32])
def test_comparisons(dt, tmp_path):
    rng = np.random.default_rng(13)
    a = rng.integers(-3, 3, size=(2, 3, 4)).astype(dt)  # many equal pairs
    b = rng.integers(-3, 3, size=(3, 4)).astype(dt)
    nodes = [h.make_node(op, ["a", "b"], [op], name=op) for op in COMPARE]
    nodes += [h.make_node(op, ["a", "k"], [op + "_k"], name=op + "_k")
              for op in COMPARE]
    m = _model(nodes, [_vi("a", a), _vi("b", b)],
               [_vi(n.output[0], T.BOOL, None) for n in nodes],
               [_init("k", np.array(1, dt))])
    _compare(m, {"a": a, "b": b}, tmp_path)


def test_logic(tmp_path):
    rng = np.random.default_rng(14)
    a = rng.integers(0, 2, size=(3, 4)).astype(bool)
    b = rng.integers(0, 2, size=(2, 3, 4)).astype(bool)
    nodes = [h.make_node("And", ["a", "b"], ["and"], name="and"),
             h.make_node("Or", ["a", "b"], ["or"], name="or"),
             h.make_node("Xor", ["a", "b"], ["xor"], name="xor"),
             h.make_node("Not", ["a"], ["not"], name="not"),
             h.make_node("Equal", ["a", "b"], ["eq"], name="eq"),
             h.make_node("And", ["a", "t"], ["and_c"], name="and_c")]
    m = _model(nodes, [_vi("a", a), _vi("b", b)],
               [_vi(n.output[0], T.BOOL, None) for n in nodes],
               [_init("t", np.array([True, False, True, True]))])
    _compare(m, {"a": a, "b": b}, tmp_path)


def test_compare_and_where_after_conv(tmp_path):
    """Greater / Where on NHWC values stay NHWC; the condition and the
    branches broadcast (a per-channel constant, a scalar)."""
    ch = np.array([0.5, -0.5, 0.0, 1.0], np.float32).reshape(4, 1, 1)
    nodes = [h.make_node("Greater", ["c", "ch"], ["g"], name="gt"),
             h.make_node("Where", ["g", "c", "minus"], ["y"], name="where")]
    m = _conv_model(nodes, "y", [_init("ch", ch), _init("minus", np.float32(-1))])
    x = np.random.default_rng(15).normal(size=(1, 3, 6, 6)).astype(np.float32)
    mlir = _compare(m, {"x": x}, tmp_path)
    assert _transposes(mlir) == 2, mlir


def test_nhwc_non_float_outputs(tmp_path):
    """bool and int32 values stored NHWC go back to NCHW as graph outputs."""
    nodes = [h.make_node("Greater", ["c", "zero"], ["g"], name="gt"),
             h.make_node("Less", ["c", "one"], ["l"], name="lt"),
             h.make_node("Xor", ["g", "l"], ["sel"], name="xor"),
             h.make_node("Cast", ["c"], ["i"], name="to_int", to=T.INT32)]
    rng = np.random.default_rng(20)
    inits = [_init("w", rng.normal(size=(4, 3, 3, 3))),
             _init("zero", np.zeros((4, 1, 1), np.float32)),
             _init("one", np.float32(1))]
    conv = h.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1])
    m = _model([conv, *nodes], [_vi("x", T.FLOAT, [1, 3, 6, 6])],
               [_vi("sel", T.BOOL, None), _vi("i", T.INT32, None)], inits)
    x = (rng.normal(size=(1, 3, 6, 6)) * 3).astype(np.float32)
    mlir = _compare(m, {"x": x}, tmp_path)
    assert _transposes(mlir) == 3, mlir


def test_where_bool_branches(tmp_path):
    """onnxruntime has no bool Where kernel: numpy gives the expected value."""
    _require_tools()
    rng = np.random.default_rng(21)
    c, x, y = (rng.integers(0, 2, size=(3, 4)).astype(bool) for _ in range(3))
    m = _model([h.make_node("Where", ["c", "x", "y"], ["z"], name="where")],
               [_vi("c", c), _vi("x", x), _vi("y", y)], [_vi("z", T.BOOL, None)])
    got = oi.run_mlir(oi.import_onnx(m), [c, x, y], 1, workdir=str(tmp_path))[0]
    np.testing.assert_array_equal(got, np.where(c, x, y))


@pytest.mark.parametrize("consts", ["", "c", "x", "y", "xy", "cy"])
def test_where_operands(consts, tmp_path):
    """Any operand may be a constant; condition [3, 1], x [4], y [2, 3, 4]."""
    rng = np.random.default_rng(16)
    vals = {"c": rng.integers(0, 2, size=(3, 1)).astype(bool),
            "x": rng.normal(size=(4,)).astype(np.float32),
            "y": rng.normal(size=(2, 3, 4)).astype(np.float32)}
    inputs = [_vi(k, v) for k, v in vals.items() if k not in consts]
    inits = [_init(k, v) for k, v in vals.items() if k in consts]
    m = _model([h.make_node("Where", ["c", "x", "y"], ["z"], name="where")], inputs,
               [_vi("z", T.FLOAT, None)], inits)
    _compare(m, {k: v for k, v in vals.items() if k not in consts}, tmp_path)


def test_where_integers(tmp_path):
    rng = np.random.default_rng(17)
    c = rng.integers(0, 2, size=(2, 5)).astype(bool)
    x = rng.integers(-9, 9, size=(2, 5)).astype(np.int64)
    m = _model([h.make_node("Where", ["c", "x", "k"], ["z"], name="where")],
               [_vi("c", c), _vi("x", x)], [_vi("z", T.INT64, None)],
               [_init("k", np.array(-1, np.int64))])
    _compare(m, {"c": c, "x": x}, tmp_path)


# ---------------------------------------------------------------------------
# Cast and the attention-mask chain
# ---------------------------------------------------------------------------

CAST_SRC = {
    "float": np.array([[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.7, 0.7, 0.0, -0.0, 3.99,
                        -3.99, 1e9, -1e9, 7.0, 100.5]], np.float32),
    "int64": np.array([[-3, 0, 5, 2**40, -2**40, 1, 2**31 + 5, 7]], np.int64),
    "int32": np.array([[-3, 0, 5, 7, -2**31, 1]], np.int32),
    "bool": np.array([[True, False, True, False]]),
}
CAST_TO = {"FLOAT": T.FLOAT, "INT32": T.INT32, "INT64": T.INT64, "BOOL": T.BOOL}


@pytest.mark.parametrize("to", list(CAST_TO))
@pytest.mark.parametrize("src", list(CAST_SRC))
def test_cast(src, to, tmp_path):
    """float -> int truncates toward zero (not tosa.cast's rounding),
    int64 -> int32 wraps, x -> bool is x != 0."""
    x = CAST_SRC[src]
    if src == "float" and to == "INT32":
        x = x[:, :14]  # 1e9 fits int32, 100.5 does too; keep 7.0 out of it
    m = _model([h.make_node("Cast", ["x"], ["y"], name="cast", to=CAST_TO[to])],
               [_vi("x", x)], [_vi("y", CAST_TO[to], None)])
    _compare(m, {"x": x}, tmp_path)


def test_cast_after_conv_and_castlike(tmp_path):
    nodes = [h.make_node("Mul", ["c", "ten"], ["s"], name="scale"),
             h.make_node("Cast", ["s"], ["i"], name="to_int", to=T.INT32),
             h.make_node("Cast", ["i"], ["f"], name="to_float", to=T.FLOAT),
             h.make_node("CastLike", ["f", "like"], ["y"], name="castlike")]
    m = _conv_model(nodes, "y", [_init("ten", np.float32(10)),
                                 _init("like", np.zeros(1, np.float32))])
    x = np.random.default_rng(18).normal(size=(1, 3, 6, 6)).astype(np.float32)
    mlir = _compare(m, {"x": x}, tmp_path)
    assert _transposes(mlir) == 2, mlir


def _mask_model(variant):
    """BERT-style additive attention mask on scores [2, 4, 8, 8]."""
    shape = _init("mshape", np.array([2, 1, 1, 8], np.int64))
    if variant == "cast_sub_mul":
        nodes = [h.make_node("Reshape", ["mask", "mshape"], ["m4"], name="unsq"),
                 h.make_node("Cast", ["m4"], ["mf"], name="cast", to=T.FLOAT),
                 h.make_node("Sub", ["one", "mf"], ["inv"], name="sub"),
                 h.make_node("Mul", ["inv", "big"], ["add_mask"], name="mul")]
        inits = [_init("one", np.float32(1)), _init("big", np.float32(-10000))]
    elif variant == "int_sub":
        nodes = [h.make_node("Sub", ["ione", "mask"], ["inv_i"], name="sub"),
                 h.make_node("Reshape", ["inv_i", "mshape"], ["m4"], name="unsq"),
                 h.make_node("Cast", ["m4"], ["mf"], name="cast", to=T.FLOAT),
                 h.make_node("Mul", ["mf", "big"], ["add_mask"], name="mul")]
        inits = [_init("ione", np.array(1, np.int64)), _init("big", np.float32(-1e4))]
    else:  # equal_where
        nodes = [h.make_node("Equal", ["mask", "izero"], ["pad"], name="eq"),
                 h.make_node("Reshape", ["pad", "mshape"], ["p4"], name="unsq"),
                 h.make_node("Where", ["p4", "neg", "fzero"], ["add_mask"], name="where")]
        inits = [_init("izero", np.array(0, np.int64)),
                 _init("neg", np.float32(np.finfo(np.float32).min)),
                 _init("fzero", np.float32(0))]
    nodes += [h.make_node("Add", ["scores", "add_mask"], ["s"], name="add"),
              h.make_node("Softmax", ["s"], ["p"], name="softmax", axis=-1)]
    return _model(nodes, [_vi("scores", T.FLOAT, [2, 4, 8, 8]),
                          _vi("mask", T.INT64, [2, 8])],
                  [_vi("p", T.FLOAT, None)], inits + [shape])


@pytest.mark.parametrize("variant", ["cast_sub_mul", "int_sub", "equal_where"])
def test_attention_mask_int64(variant, tmp_path):
    rng = np.random.default_rng(19)
    scores = rng.normal(size=(2, 4, 8, 8)).astype(np.float32)
    mask = np.array([[1] * 8, [1] * 5 + [0] * 3], np.int64)
    _compare(_mask_model(variant), {"scores": scores, "mask": mask}, tmp_path)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _err(nodes, inputs, outputs, inits=(), opset=17):
    return _model(nodes, inputs, outputs, inits, opset=opset, check=False)


def _raises(model, *parts):
    with pytest.raises(oi.OnnxImportError) as exc:
        oi.import_onnx(model)
    msg = str(exc.value)
    for p in parts:
        assert p in msg, msg


def test_error_dtype_not_supported():
    m = _err([h.make_node("Sigmoid", ["x"], ["y"], name="sig")],
             [_vi("x", T.INT64, [2, 3])], [_vi("y", T.INT64, None)])
    _raises(m, "node 'sig' (Sigmoid)", "input #0 'x' has dtype int64",
            "Sigmoid supports float32 only")
    m = _err([h.make_node("Add", ["x", "x"], ["y"], name="add")],
             [_vi("x", T.BOOL, [2, 3])], [_vi("y", T.BOOL, None)])
    _raises(m, "node 'add' (Add)", "has dtype bool")
    m = _err([h.make_node("Where", ["x", "x", "x"], ["y"], name="where")],
             [_vi("x", T.FLOAT, [2, 3])], [_vi("y", T.FLOAT, None)])
    _raises(m, "node 'where' (Where)", "input #0 'x' has dtype float32",
            "Where supports bool only")
    m = _err([h.make_node("Not", ["x"], ["y"], name="not")],
             [_vi("x", T.FLOAT, [2, 3])], [_vi("y", T.BOOL, None)])
    _raises(m, "node 'not' (Not)", "Not supports bool only")


def test_error_pow_integer_base():
    m = _err([h.make_node("Pow", ["x", "x"], ["y"], name="pow")],
             [_vi("x", T.INT64, [3])], [_vi("y", T.INT64, None)], opset=15)
    _raises(m, "node 'pow' (Pow)", "input #0 'x' has dtype int64",
            "Pow supports float32 only")


def test_error_mixed_dtypes():
    m = _err([h.make_node("Where", ["c", "x", "i"], ["y"], name="where")],
             [_vi("c", T.BOOL, [3]), _vi("x", T.FLOAT, [3]), _vi("i", T.INT64, [3])],
             [_vi("y", T.FLOAT, None)])
    _raises(m, "node 'where' (Where)", "inputs have different dtypes (#1 float32, "
            "#2 int64)")
    m = _err([h.make_node("Add", ["x", "i"], ["y"], name="add")],
             [_vi("x", T.FLOAT, [3]), _vi("i", T.INT64, [3])], [_vi("y", T.FLOAT, None)])
    _raises(m, "node 'add' (Add)", "inputs have different dtypes (#0 float32, #1 int64)")


def test_error_shapes_do_not_broadcast():
    m = _err([h.make_node("Max", ["x", "x", "z"], ["y"], name="max")],
             [_vi("x", T.FLOAT, [2, 3]), _vi("z", T.FLOAT, [4])],
             [_vi("y", T.FLOAT, None)])
    _raises(m, "node 'max' (Max)", "shapes [2, 3], [2, 3], [4] do not broadcast")


def test_error_variadic_without_inputs():
    m = _err([h.make_node("Min", [], ["y"], name="min")], [_vi("x", T.FLOAT, [3])],
             [_vi("y", T.FLOAT, None)])
    _raises(m, "node 'min' (Min)", "Min-13 takes at least 1 inputs, got 0")


def test_error_cast_target():
    m = _err([h.make_node("Cast", ["x"], ["y"], name="cast", to=T.DOUBLE)],
             [_vi("x", T.FLOAT, [2, 3])], [_vi("y", T.DOUBLE, None)])
    _raises(m, "node 'cast' (Cast)", "attribute 'to' = 'DOUBLE'",
            "only FLOAT, INT32, INT64 and BOOL")


def test_error_integer_division_by_zero():
    m = _err([h.make_node("Div", ["x", "z"], ["y"], name="div")],
             [_vi("x", T.INT64, [3])], [_vi("y", T.INT64, None)],
             [_init("z", np.array([1, 0, 2], np.int64))])
    _raises(m, "node 'div' (Div)", "integer division by a constant zero")


def test_error_gelu_approximate():
    m = _err([h.make_node("Gelu", ["x"], ["y"], name="gelu", approximate="erf")],
             [_vi("x", T.FLOAT, [2, 3])], [_vi("y", T.FLOAT, None)], opset=20)
    _raises(m, "node 'gelu' (Gelu)", "attribute 'approximate' = 'erf'")


def test_error_prelu_slope_not_unidirectional():
    m = _err([h.make_node("PRelu", ["x", "s"], ["y"], name="prelu")],
             [_vi("x", T.FLOAT, [3, 1])], [_vi("y", T.FLOAT, None)],
             [_init("s", np.ones((3, 4), np.float32))])
    _raises(m, "node 'prelu' (PRelu)", "slope of shape [3, 4] does not broadcast",
            "[3, 1]")


def test_error_non_finite_alpha():
    m = _err([h.make_node("LeakyRelu", ["x"], ["y"], name="lrelu", alpha=float("inf"))],
             [_vi("x", T.FLOAT, [2, 3])], [_vi("y", T.FLOAT, None)])
    _raises(m, "node 'lrelu' (LeakyRelu)", "attribute 'alpha' = inf",
            "must be a finite float")


def test_error_legacy_broadcast_axis():
    m = _err([h.make_node("Add", ["x", "b"], ["y"], name="add", broadcast=1, axis=3)],
             [_vi("x", T.FLOAT, [2, 3, 4])], [_vi("y", T.FLOAT, None)],
             [_init("b", np.ones((3, 4), np.float32))], opset=6)
    _raises(m, "node 'add' (Add)", "attribute 'axis' = 3", "out of range")


def test_error_unknown_attribute():
    m = _err([h.make_node("Elu", ["x"], ["y"], name="elu", beta=1.0)],
             [_vi("x", T.FLOAT, [2, 3])], [_vi("y", T.FLOAT, None)])
    _raises(m, "node 'elu' (Elu)", "attribute 'beta'")
