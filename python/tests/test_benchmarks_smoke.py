"""Smoke test of the building blocks of benchmarks/cpu_kernels.py and
benchmarks/cpu_models.py on tiny shapes: every assertion is about
correctness (generated modules compute what they should, the loop parser
finds the right loop, the models build and agree), never about timings.
"""

import sys

import numpy as np
import pytest

from qsim import hostinfo, tools

for _p in ("benchmarks", "scripts/models"):
    sys.path.insert(0, str(tools.REPO_ROOT / _p))
import cpu_kernels as ck  # noqa: E402


@pytest.fixture(scope="module")
def qtools():
    t = ck.Tools(tools.build_dir() / "bin")
    if not t.qsim_opt.is_file() or not t.qsim_run.is_file():
        pytest.skip("qsim-opt / qsim-run are not built")
    return t


@pytest.fixture(scope="module")
def caps(qtools):
    return ck.probe(qtools)


@pytest.mark.parametrize("name", sorted(ck.PEAK_KINDS))
def test_peak_module_computes_its_chains(qtools, tmp_path, name):
    kind = ck.PEAK_KINDS[name]
    feats = hostinfo.features()
    if not all(feats[n] for n in kind.needs):
        pytest.skip(f"host lacks {kind.needs}")
    iters, unroll = 3, 2
    data = ck.peak_input(kind)
    src, low = tmp_path / "p.mlir", tmp_path / "p.llvm.mlir"
    src.write_text(ck.peak_module(kind, iters, unroll))
    ck.compile_module(qtools, src, low, "default")
    np.save(tmp_path / "in.npy", data)
    ck.time_module(qtools, low, [tmp_path / "in.npy"], 1, tmp_path / "out.npy")
    ref = ck.peak_reference(kind, data, iters, unroll)
    got = np.load(tmp_path / "out.npy").view(ref.dtype)[:len(ref)]
    if kind.dtype == "int8":
        np.testing.assert_array_equal(got, ref)
    else:
        np.testing.assert_allclose(got, ref, rtol=1e-5)


TINY = [
    ck.Kernel("conv3x3", "conv", 7, 5, 6, 3, 1),
    ck.Kernel("conv3x3s2", "conv", 8, 5, 6, 3, 2),
    ck.Kernel("conv1x1", "conv", 5, 16, 8, 1, 1),
    ck.Kernel("conv3x3relu", "conv", 7, 8, 16, 3, 1, relu_in=True),
    ck.Kernel("dw", "dw", 7, 6, 6, 3, 1),
    ck.Kernel("dws2", "dw", 8, 6, 6, 3, 2),
    ck.Kernel("gemm", "gemm", 8, 32, 16),
]


@pytest.mark.parametrize("dtype", ["int8", "fp32"])
@pytest.mark.parametrize("kr", TINY, ids=lambda k: k.name)
def test_kernel_module_matches_numpy(qtools, caps, tmp_path, kr, dtype):
    w = ck.kernel_weights(kr, dtype)
    x = ck.kernel_input(kr, dtype)
    assert kr.macs > 0 and x.shape == ck.kernel_input_shape(kr)
    ref = ck.kernel_reference(kr, dtype, x, w)
    assert ref.shape == ck.kernel_output_shape(kr)
    src = tmp_path / "k.mlir"
    src.write_text(ck.kernel_module(kr, dtype, w))
    np.save(tmp_path / "x.npy", x)
    for variant in caps.variants():
        low = tmp_path / f"k.{variant}.llvm.mlir"
        ck.compile_module(qtools, src, low, variant)
        ck.time_module(qtools, low, [tmp_path / "x.npy"], 1, tmp_path / "y.npy")
        y = np.load(tmp_path / "y.npy")
        if dtype == "int8":
            np.testing.assert_array_equal(y, ref, err_msg=variant)
        else:
            np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5, err_msg=variant)


def test_kernel_shapes_are_tosa_valid():
    # Stride-2 convs on even inputs drop the padding the last window never
    # reaches (TOSA needs exact division); the output size is PyTorch's.
    for kr in ck.KERNELS:
        if kr.kind != "gemm":
            assert (kr.h - 1 + kr.pad + kr.pad_end - (kr.k - 1)) % kr.s == 0
            assert kr.out_hw == (kr.h + 2 * kr.pad - kr.k) // kr.s + 1


ASM = """\
f:
\tvpxor\t%xmm0, %xmm0, %xmm0
.LBB0_1:                                # =>This Loop Header: Depth=1
\tvpmovsxbw\t(%rdi), %ymm1
.LBB0_2:                                # =>This Inner Loop Header: Depth=2
\tvpmaddwd\t%ymm1, %ymm2, %ymm3
\tvpaddd\t%ymm3, %ymm0, %ymm0
\tvpmaddwd\t%ymm1, %ymm4, %ymm3
\taddq\t$1, %rax
\tjne\t.LBB0_2
\tvpextrb\t$0, %xmm0, %eax
\tjmp\t.LBB0_1
.LBB0_3:
\tvpmulld\t%ymm0, %ymm1, %ymm2
\tvpmaddwd\t%ymm1, %ymm2, %ymm3
\tjne\t.LBB0_3
\tretq
"""


def test_hottest_loop_parser():
    rep = ck.hottest_dot_loop(ASM, ("vpmaddwd",))
    assert rep.found and rep.label == ".LBB0_2"
    assert rep.dots == {"vpmaddwd": 2} and rep.bad == {} and rep.passed
    # The VNNI guard wants vpdpbusd.
    assert not ck.hottest_dot_loop(ASM, ("vpdpbusd",)).passed
    # A loop with a forbidden instruction fails.
    bad = ASM.replace("\taddq\t$1, %rax\n", "\tvpmulld\t%ymm0, %ymm1, %ymm2\n")
    rep = ck.hottest_dot_loop(bad, ("vpmaddwd",))
    assert rep.label == ".LBB0_2" and rep.bad == {"vpmulld": 1} and not rep.passed
    # No dot instruction in any loop.
    none = ck.hottest_dot_loop("f:\n\tvpmaddwd %ymm1, %ymm2, %ymm3\n\tretq\n")
    assert not none.found and not none.passed


def test_guard_sees_vpmaddwd_in_the_peak_loop(qtools, tmp_path):
    if qtools.llvm("mlir-translate") is None or qtools.llvm("llc") is None \
            or qtools.llvm("opt") is None:
        pytest.skip("mlir-translate / opt / llc not installed")
    kind = ck.PEAK_KINDS["pmaddwd256"]
    src, low = tmp_path / "p.mlir", tmp_path / "p.llvm.mlir"
    src.write_text(ck.peak_module(kind, 8, 2))
    ck.compile_module(qtools, src, low, "default")
    # haswell: a fixed AVX2 CPU, whatever the host.
    rep = ck.hottest_dot_loop(ck.llvm_asm(qtools, low, "haswell", tmp_path), ("vpmaddwd",))
    assert rep.passed, rep.describe()
    assert rep.dots["vpmaddwd"] == kind.chains * 2


# ---------------------------------------------------------------------------
# cpu_models building blocks
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_resnet(tmp_path_factory):
    onnx = pytest.importorskip("onnx")
    import resnet50

    d = tmp_path_factory.mktemp("r50")
    m = resnet50.build_resnet50(width=0.125, depth=(1, 1, 1, 1), image=32, classes=10)
    path = d / "tiny.onnx"
    onnx.save(m, str(path))
    return path, m


def test_resnet50_full_shape_and_folding():
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    import resnet50

    # The real thing: the layer count and the MACs of torchvision's ResNet-50.
    full = resnet50.build_resnet50()
    convs = [n for n in full.graph.node if n.op_type == "Conv"]
    assert len(convs) == 53
    assert abs(resnet50.count_macs(full) - 4.09e9) < 0.02e9
    # Folded BN computes the same function as the BN nodes.
    kw = dict(width=0.125, depth=(1, 2, 1, 1), image=32, classes=10)
    a = resnet50.build_resnet50(**kw)
    b = resnet50.build_resnet50(fold_bn=True, **kw)
    assert not any(n.op_type == "BatchNormalization" for n in b.graph.node)
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    ya, yb = (ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
              .run(None, {"input": x})[0] for m in (a, b))
    assert ya.shape == (2, 10)
    np.testing.assert_allclose(ya, yb, rtol=1e-4, atol=1e-4)


def test_mobilenetv2_shape(tmp_path):
    """The MobileNetV2-shaped graph: torchvision's 52 convolutions (17
    depthwise), 10 residual adds, 0.30 GMAC; a tiny one runs in ORT
    (cpu_models.py compares our outputs with ORT's)."""
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    import resnet50

    full = resnet50.build_mobilenetv2()
    convs = [n for n in full.graph.node if n.op_type == "Conv"]
    assert len(convs) == 52
    dw = [n for n in convs if any(a.name == "group" and a.i > 1 for a in n.attribute)]
    assert len(dw) == 17
    assert sum(n.op_type == "Add" for n in full.graph.node) == 10
    assert abs(resnet50.count_macs(full) - 0.3e9) < 0.01e9
    tiny = resnet50.build_mobilenetv2(width=0.25, image=32, classes=10)
    path = tmp_path / "tiny_mbv2.onnx"
    onnx.save(tiny, str(path))
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    want = ort.InferenceSession(tiny.SerializeToString(),
                                providers=["CPUExecutionProvider"]).run(
                                    None, {"input": x})[0]
    assert want.shape == (2, 10) and np.isfinite(want).all()


def test_models_blocks_on_a_tiny_resnet(qtools, caps, tiny_resnet, tmp_path):
    pytest.importorskip("onnxruntime")
    import cpu_models as cm
    from qsim import evaluate

    path, _ = tiny_resnet
    x = cm.random_inputs((3, 32, 32), 2, 1)
    calib = cm.random_inputs((3, 32, 32), 2, 0)
    variant = caps.variants()[-1]
    # Ours, fp32: agrees with ORT fp32.
    fl = tmp_path / "float.mlir"
    evaluate.import_model(path, 2, fl)
    low = tmp_path / "float.llvm.mlir"
    ck.compile_module(qtools, fl, low, variant)
    ours = cm.time_ours(qtools, low, x, tmp_path, target_s=0.0)
    ms, ref = cm.time_ort(evaluate.ort_session(path), x, target_s=0.0)
    assert ours.output.shape == ref.shape == (2, 10) and ms > 0 and ours.ms_per_image > 0
    np.testing.assert_allclose(ours.output, ref, rtol=1e-3, atol=1e-4)
    # Ours, int8 (global scale, no statistics): runs and tracks fp32.
    i8 = tmp_path / "int8.mlir"
    cm.ours_quantize(path, fl, i8, None, tmp_path)
    low8 = tmp_path / "int8.llvm.mlir"
    ck.compile_module(qtools, i8, low8, variant)
    ours8 = cm.time_ours(qtools, low8, x, tmp_path, target_s=0.0)
    assert ours8.output.shape == (2, 10) and np.isfinite(ours8.output).all()
    # ORT int8: QDQ model runs and tracks fp32.
    q = tmp_path / "ort.int8.onnx"
    cm.ort_quantize(path, q, calib)
    _, y8 = cm.time_ort(evaluate.ort_session(q), x, target_s=0.0)
    assert y8.shape == (2, 10)
    assert cm.cosine(y8, ref) > 0.9


def test_models_interleaved_rounds(qtools, caps, tiny_resnet, tmp_path):
    """bench_model with two rounds: every measurement is taken in each round
    (the minimum kept), and the row says so."""
    pytest.importorskip("onnxruntime")
    import cpu_models as cm

    path, _ = tiny_resnet
    calib = cm.random_inputs((3, 32, 32), 2, 0)
    x = cm.random_inputs((3, 32, 32), 1, 1)
    calls = {"ours": 0, "ort": 0}
    time_ours, time_ort = cm.time_ours, cm.time_ort

    def count(who, f):
        def g(*a, **k):
            calls[who] += 1
            return f(*a, **k)
        return g

    cm.time_ours, cm.time_ort = count("ours", time_ours), count("ort", time_ort)
    try:
        rows = cm.bench_model("tiny", path, calib, x, [1], qtools,
                              caps.variants()[-1], tmp_path, 0.0, "uint8",
                              lambda *_: None, rounds=2)
    finally:
        cm.time_ours, cm.time_ort = time_ours, time_ort
    (row,) = rows
    assert calls == {"ours": 4, "ort": 4}
    for v in (row.ours_fp32, row.ours_int8, row.ort_fp32, row.ort_int8):
        assert v is not None and v > 0
    assert "times: minimum of 2 interleaved rounds" in row.notes
    assert row.checks["ours fp32 vs ORT fp32 max rel err"] < 1e-3


def test_guard_on_a_forced_vnni_kernel(qtools, caps, tmp_path):
    # With a qsim-opt whose micro-kernels can be forced to VNNI, the guard
    # finds vpdpbusd in the hot loop of an int8 conv compiled for znver5
    # (code for inspection: it does not run on a host without VNNI).
    if not caps.forced_vnni:
        pytest.skip("no microkernels= value forces the VNNI path")
    if qtools.llvm("mlir-translate") is None or qtools.llvm("llc") is None \
            or qtools.llvm("opt") is None:
        pytest.skip("mlir-translate / opt / llc not installed")
    kr = ck.Kernel("conv", "conv", 8, 32, 32, 3, 1)
    src, low = tmp_path / "k.mlir", tmp_path / "k.llvm.mlir"
    src.write_text(ck.kernel_module(kr, "int8"))
    ck.compile_module(qtools, src, low, caps.forced_vnni)
    rep = ck.hottest_dot_loop(ck.llvm_asm(qtools, low, "znver5", tmp_path), ("vpdpbusd",))
    assert rep.passed, rep.describe()


def test_models_threads_sweep(qtools, caps, tiny_resnet, tmp_path):
    """bench_model over threads 1 and 2: a row per count, our modules lowered
    once with threads=0 and run with --num-threads (so the same bits at
    both counts), and the scaling table compares each count with one."""
    pytest.importorskip("onnxruntime")
    import cpu_models as cm

    path, _ = tiny_resnet
    calib = cm.random_inputs((3, 32, 32), 2, 0)
    x = cm.random_inputs((3, 32, 32), 1, 1)
    seen = []
    time_ours = cm.time_ours

    def spy(tools, module, x, work, target_s, threads=None):
        seen.append((module.name, threads))
        assert "omp.parallel" in module.read_text() or threads is None
        return time_ours(tools, module, x, work, target_s, threads)

    # Every loop of the tiny model parallel, so that the team is sized.
    cm.time_ours, extra, ck.EXTRA_OPTIONS = spy, ck.EXTRA_OPTIONS, "min-parallel-work=1"
    try:
        rows = cm.bench_model("tiny", path, calib, x, [1], qtools, caps.variants()[-1],
                              tmp_path, 0.0, "uint8", lambda *_: None, rounds=1,
                              threads=(1, 2))
    finally:
        cm.time_ours, ck.EXTRA_OPTIONS = time_ours, extra
    assert [r.threads for r in rows] == [1, 2]
    assert sorted(t for _, t in seen) == [1, 1, 2, 2]
    for r in rows:
        for v in (r.ours_fp32, r.ours_int8, r.ort_fp32, r.ort_int8):
            assert v is not None and v > 0
        assert not any("bits differ" in k for k in r.checks), r.notes
    text = cm.scaling_table(rows)
    one, two = text.splitlines()[2:4]
    assert one.split()[:3] == ["tiny", "1", "1"] and two.split()[:3] == ["tiny", "1", "2"]
    assert one.split()[3:7] == ["1.00"] * 4
    assert float(two.split()[3]) == pytest.approx(rows[0].ours_fp32 / rows[1].ours_fp32,
                                                 abs=0.006)
