"""ONNX importer against ONNX's own conformance data (libonnx-testdata).

Every test of ``node/``, ``pytorch-converted/`` and ``pytorch-operator/``
whose graph uses only operators the importer supports (``SUPPORTED_OPS``,
found by scanning the models, so new Debian data is picked up) is imported,
run with ``qsim-run`` and compared with the expected outputs in float within
ONNX's backend-test tolerance (rtol 1e-3) with atol 1e-5.

Tests whose dtype, attribute or shape the importer does not support are in
``UNSUPPORTED`` with the reason: for those the importer must raise
``OnnxImportError`` with a message containing the reason, and the test is
reported as skipped with it.  A test that is not listed there must import
and pass; a listed test that starts importing fails (so the list stays
honest).

Operands the importer needs as constants (Reshape's shape, Clip's bounds,
Dropout's ratio / training_mode, quantization scales and zero points,
QLinearConv's weights) and rank-0 inputs (qsim-run takes ranked tensors
only) are bound to the test data as constants (``bind=``); every other
input is a runtime argument (int8/uint8 ones of the quantization ops
included).  ``test_bound_constants`` runs the
conv, conv-transpose, gemm, matmul and batch-, layer- and instance-norm
node tests a second time with all inputs but the first bound, so the
constant paths (weights transposed or dilated at import, batch norm folded
to per-channel constants) meet the same data.
"""

import os
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import numpy_helper  # noqa: E402

from qsim import onnx_import as oi  # noqa: E402
from qsim import tools  # noqa: E402

ROOT = Path(os.environ.get("QSIM_ONNX_TESTDATA_ROOT", "/usr/share/libonnx-testdata/data"))
SUITES = ("node", "pytorch-converted", "pytorch-operator")
RTOL, ATOL = 1e-3, 1e-5

_DTYPE = "only FLOAT (float32) inputs are supported"
_3D = "only 1-D and 2-D"
_TRAIN = "only inference"
_CAST_TO = "only FLOAT, INT32, INT64 and BOOL are supported"
#: integer Pow would need exact integer powers; float32 is inexact past 2**24
_INT_BASE = "Pow supports float32 only"
_CONST_INT64 = "(op_type:Constant): output has unsupported type tensor(int64)"
#: test -> why it is not supported (a substring of the importer's error).
UNSUPPORTED = {
    "node/test_add_uint8": _DTYPE,
    "node/test_sub_uint8": _DTYPE,
    "node/test_mul_uint8": _DTYPE,
    "node/test_cast_BFLOAT16_to_FLOAT": _DTYPE,
    "node/test_cast_DOUBLE_to_FLOAT": _DTYPE,
    "node/test_cast_DOUBLE_to_FLOAT16": _DTYPE,
    "node/test_cast_FLOAT16_to_DOUBLE": _DTYPE,
    "node/test_cast_FLOAT16_to_FLOAT": _DTYPE,
    "node/test_cast_STRING_to_FLOAT": _DTYPE,
    "node/test_cast_FLOAT_to_BFLOAT16": _CAST_TO,
    "node/test_cast_FLOAT_to_DOUBLE": _CAST_TO,
    "node/test_cast_FLOAT_to_FLOAT16": _CAST_TO,
    "node/test_cast_FLOAT_to_STRING": _CAST_TO,
    "node/test_castlike_BFLOAT16_to_FLOAT": _DTYPE,
    "node/test_castlike_BFLOAT16_to_FLOAT_expanded": _DTYPE,
    "node/test_castlike_DOUBLE_to_FLOAT": _DTYPE,
    "node/test_castlike_DOUBLE_to_FLOAT_expanded": _DTYPE,
    "node/test_castlike_DOUBLE_to_FLOAT16": _DTYPE,
    "node/test_castlike_DOUBLE_to_FLOAT16_expanded": _DTYPE,
    "node/test_castlike_FLOAT16_to_DOUBLE": _DTYPE,
    "node/test_castlike_FLOAT16_to_DOUBLE_expanded": _DTYPE,
    "node/test_castlike_FLOAT16_to_FLOAT": _DTYPE,
    "node/test_castlike_FLOAT16_to_FLOAT_expanded": _DTYPE,
    "node/test_castlike_FLOAT_to_BFLOAT16": _DTYPE,
    "node/test_castlike_FLOAT_to_BFLOAT16_expanded": _DTYPE,
    "node/test_castlike_FLOAT_to_DOUBLE": _DTYPE,
    "node/test_castlike_FLOAT_to_DOUBLE_expanded": _DTYPE,
    "node/test_castlike_FLOAT_to_FLOAT16": _DTYPE,
    "node/test_castlike_FLOAT_to_FLOAT16_expanded": _DTYPE,
    "node/test_castlike_FLOAT_to_STRING": _DTYPE,
    "node/test_castlike_FLOAT_to_STRING_expanded": _DTYPE,
    "node/test_castlike_STRING_to_FLOAT": _DTYPE,
    "node/test_castlike_STRING_to_FLOAT_expanded": _DTYPE,
    "node/test_div_uint8": _DTYPE,
    "node/test_max_float16": _DTYPE,
    "node/test_max_float64": _DTYPE,
    "node/test_max_int16": _DTYPE,
    "node/test_max_int8": _DTYPE,
    "node/test_max_uint16": _DTYPE,
    "node/test_max_uint32": _DTYPE,
    "node/test_max_uint64": _DTYPE,
    "node/test_max_uint8": _DTYPE,
    "node/test_min_float16": _DTYPE,
    "node/test_min_float64": _DTYPE,
    "node/test_min_int16": _DTYPE,
    "node/test_min_int8": _DTYPE,
    "node/test_min_uint16": _DTYPE,
    "node/test_min_uint32": _DTYPE,
    "node/test_min_uint64": _DTYPE,
    "node/test_min_uint8": _DTYPE,
    "node/test_pow_types_float32_uint32": _DTYPE,
    "node/test_pow_types_float32_uint64": _DTYPE,
    "node/test_pow_types_float": _INT_BASE,
    "node/test_pow_types_int32_float32": _INT_BASE,
    "node/test_pow_types_int32_int32": _INT_BASE,
    "node/test_pow_types_int64_float32": _INT_BASE,
    "node/test_pow_types_int64_int64": _INT_BASE,
    "node/test_clip_default_int8_inbounds": _DTYPE,
    "node/test_clip_default_int8_max": _DTYPE,
    "node/test_clip_default_int8_min": _DTYPE,
    "node/test_maxpool_2d_uint8": _DTYPE,
    "pytorch-operator/test_operator_add_broadcast": _DTYPE,
    "pytorch-operator/test_operator_add_size1_broadcast": _DTYPE,
    "pytorch-operator/test_operator_add_size1_right_broadcast": _DTYPE,
    "pytorch-operator/test_operator_add_size1_singleton_broadcast": _DTYPE,
    "pytorch-operator/test_operator_addconstant": _DTYPE,
    "node/test_identity_opt": "is not a tensor",
    "node/test_identity_sequence": "is not a tensor",
    "node/test_averagepool_3d_default": _3D,
    "node/test_maxpool_3d_default": _3D,
    "pytorch-converted/test_AvgPool3d": _3D,
    "pytorch-converted/test_AvgPool3d_stride": _3D,
    "pytorch-converted/test_AvgPool3d_stride1_pad0_gpu_input": _3D,
    "pytorch-converted/test_MaxPool3d": _3D,
    "pytorch-converted/test_MaxPool3d_stride": _3D,
    "pytorch-converted/test_MaxPool3d_stride_padding": _3D,
    "pytorch-converted/test_Conv3d": _3D,
    "pytorch-converted/test_Conv3d_dilated": _3D,
    "pytorch-converted/test_Conv3d_dilated_strided": _3D,
    "pytorch-converted/test_Conv3d_groups": _3D,
    "pytorch-converted/test_Conv3d_no_bias": _3D,
    "pytorch-converted/test_Conv3d_stride": _3D,
    "pytorch-converted/test_Conv3d_stride_padding": _3D,
    "node/test_maxpool_2d_dilations": "attribute 'dilations'",
    "pytorch-converted/test_MaxPool1d_stride_padding_dilation": "attribute 'dilations'",
    "pytorch-converted/test_MaxPool2d_stride_padding_dilation": "attribute 'dilations'",
    "node/test_maxpool_with_argmax_2d_precomputed_pads": "output #1",
    "node/test_maxpool_with_argmax_2d_precomputed_strides": "attribute 'storage_order'",
    "node/test_dropout_default_mask": "output #1",
    "node/test_dropout_default_mask_ratio": "output #1",
    "node/test_batchnorm_epsilon_training_mode": "attribute 'training_mode'",
    "node/test_batchnorm_example_training_mode": "attribute 'training_mode'",
    "node/test_training_dropout": _TRAIN,
    "node/test_training_dropout_default": _TRAIN,
    "node/test_training_dropout_default_mask": _TRAIN,
    "node/test_training_dropout_mask": _TRAIN,
    "node/test_training_dropout_zero_ratio": _TRAIN,
    "node/test_training_dropout_zero_ratio_mask": _TRAIN,
    "node/test_reshape_allowzero_reordered": "zero-sized inputs",
    "node/test_slice_start_out_of_bounds": "zero-sized tensors",
    "node/test_split_zero_size_splits": "zero-sized inputs",
    # opset 6 models whose int64 Constant that opset's Constant (float types
    # only) does not allow: ONNX's shape inference refuses them
    "pytorch-converted/test_PixelShuffle": _CONST_INT64,
    "pytorch-operator/test_operator_repeat": _CONST_INT64,
    "pytorch-operator/test_operator_repeat_dim_overflow": _CONST_INT64,
    "node/test_size": "is a scalar",
    "node/test_size_example": "is a scalar",
    "node/test_convtranspose_3d": _3D,
    # float64 data
    "node/test_einsum_batch_diagonal": _DTYPE,
    "node/test_einsum_batch_matmul": _DTYPE,
    "node/test_einsum_inner_prod": _DTYPE,
    "node/test_einsum_sum": _DTYPE,
    "node/test_einsum_transpose": _DTYPE,
    "node/test_reduce_log_sum_exp_default_axes_keepdims_example": _DTYPE,
    "node/test_reduce_log_sum_exp_default_axes_keepdims_random": _DTYPE,
    "node/test_reduce_log_sum_exp_do_not_keepdims_example": _DTYPE,
    "node/test_reduce_log_sum_exp_do_not_keepdims_random": _DTYPE,
    "node/test_reduce_log_sum_exp_keepdims_example": _DTYPE,
    "node/test_reduce_log_sum_exp_keepdims_random": _DTYPE,
    "node/test_reduce_log_sum_exp_negative_axes_keepdims_example": _DTYPE,
    "node/test_reduce_log_sum_exp_negative_axes_keepdims_random": _DTYPE,
    "node/test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn":
        "attribute 'coordinate_transformation_mode' = 'tf_half_pixel_for_nn'",
    "node/test_resize_tf_crop_and_resize": "cropping to a region of interest",
}


def _discover():
    """Test names (``suite/test_x``) whose ops are all supported."""
    supported = set(oi.SUPPORTED_OPS)
    found = []
    for suite in SUITES:
        d = ROOT / suite
        if not d.is_dir():
            continue
        for t in sorted(d.iterdir()):
            f = t / "model.onnx"
            if not f.is_file():
                continue
            try:
                model = onnx.load(str(f), load_external_data=False)
            except Exception:  # noqa: BLE001 - unreadable models are not ours
                continue
            ops = {n.op_type for n in model.graph.node}
            if ops and ops <= supported and ops != {"Constant"}:
                found.append(f"{suite}/{t.name}")
    return found


CASES = _discover()


def _read(ds: Path, pattern: str):
    files = sorted(ds.glob(pattern), key=lambda p: int(p.stem.split("_")[1]))
    out = []
    for f in files:
        t = onnx.TensorProto()
        t.ParseFromString(f.read_bytes())
        out.append(numpy_helper.to_array(t))
    return out


def _load(name: str):
    d = ROOT / name
    model = onnx.load(str(d / "model.onnx"))
    inits = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    sets = []
    for ds in sorted(d.glob("test_data_set_*")):
        try:
            sets.append((_read(ds, "input_*.pb"), _read(ds, "output_*.pb")))
        except Exception:  # noqa: BLE001 - optional/sequence data: not tensors
            sets.append(None)
    return model, names, sets


def _check(name, model, names, sets, tmp_path, bind_extra=()):
    need = set(oi.constant_operand_inputs(model)) | set(bind_extra)
    assert sets, f"{name}: no test data set (nothing would be compared)"
    for k, data in enumerate(sets):
        assert data is not None, f"{name}: unreadable test data set {k}"
        ins, outs = data
        feed = dict(zip(names, ins))
        bind = {n: a for n, a in feed.items() if n in need or a.ndim == 0}
        mlir = oi.import_onnx(model, bind=bind)
        args = [feed[n] for n in names if n not in bind]
        got = oi.run_mlir(mlir, args, len(outs), workdir=str(tmp_path))
        for i, (g, w) in enumerate(zip(got, outs)):
            assert g.shape == w.shape, f"output {i}: shape {g.shape} != {w.shape}\n{mlir}"
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{name} data set {k} output {i}")


def _require_tools():
    if tools.find_tool("qsim-run") is None:
        pytest.skip("qsim-run is not built")


def test_testdata_found():
    if not ROOT.is_dir():
        pytest.skip(f"{ROOT} missing (install libonnx-testdata)")
    assert len(CASES) > 100, CASES
    missing = sorted(set(UNSUPPORTED) - set(CASES))
    assert not missing, f"UNSUPPORTED names no discovered test: {missing}"


@pytest.mark.parametrize("name", CASES)
def test_conformance(name, tmp_path):
    model, names, sets = _load(name)
    if name in UNSUPPORTED:
        reason = UNSUPPORTED[name]
        with pytest.raises(oi.OnnxImportError) as exc:
            first = sets[0] if sets and sets[0] is not None else ([], [])
            feed = dict(zip(names, first[0]))
            bind = {n: a for n, a in feed.items()
                    if n in oi.constant_operand_inputs(model) or a.ndim == 0}
            oi.import_onnx(model, bind=bind)
        assert reason in str(exc.value), str(exc.value)
        pytest.skip(f"unsupported: {exc.value}")
    _require_tools()
    _check(name, model, names, sets, tmp_path)


BOUND_CASES = [n for n in CASES if n.startswith("node/") and n not in UNSUPPORTED
               and any(n.split("/")[1].startswith(p) for p in
                       ("test_basic_conv", "test_conv_", "test_gemm", "test_matmul",
                        "test_batchnorm", "test_convtranspose", "test_layer_normalization",
                        "test_instancenorm"))]


@pytest.mark.parametrize("name", BOUND_CASES)
def test_bound_constants(name, tmp_path):
    """Same data with every input but the first a constant."""
    _require_tools()
    model, names, sets = _load(name)
    _check(name, model, names, sets, tmp_path, bind_extra=names[1:])
