"""``qsim compile``: a model as a shared library with the C ABI of
qsim_model.h (docs/Deploy.md), and ``qsim.load`` calling it.

The library computes the same bits as ``qsim-run`` (the JIT) on the same
input, for a float model, int8 models (int8 and float I/O), an ONNX model
and a function with several results; it needs no MLIR or LLVM at run time;
the C example (examples/c) builds against it and runs; bad input is a clean
error.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qsim
from qsim import tools
from qsim.deploy import compile as deploy_compile
from qsim.deploy.library import LibraryError, ModelInputError

REPO = Path(__file__).resolve().parents[2]
PYTHON_DIR = REPO / "python"
SMALL_CNN = REPO / "examples" / "models" / "small_cnn.mlir"
LLVM_BIN = Path(os.environ.get("QSIM_LLVM_BIN") or deploy_compile.DEFAULT_LLVM_BIN)

pytestmark = [
    pytest.mark.skipif(tools.find_tool("qsim-opt") is None
                       or tools.find_tool("qsim-run") is None,
                       reason="qsim-opt / qsim-run are not built"),
    pytest.mark.skipif(not all((LLVM_BIN / t).is_file() for t in
                               ("mlir-translate", "opt", "llc", "clang", "llvm-nm")),
                       reason=f"LLVM 22 tools are not in {LLVM_BIN}"),
]


def qsim_cli(*args, cwd=None):
    """``python -m qsim.cli ARGS``: the command as a user runs it."""
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    return subprocess.run([sys.executable, "-m", "qsim.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd)


def compile_ok(model, lib, *args):
    proc = qsim_cli("compile", model, "-o", lib, *args)
    assert proc.returncode == 0, proc.stderr
    assert lib.is_file() and (lib.parent / "qsim_model.h").is_file()
    return proc


def compile_error(tmp_path, model, *args):
    """Runs a compile that must fail: exit status 2, one clean message."""
    proc = qsim_cli("compile", model, "-o", tmp_path / "bad.so", *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("qsim compile: error: "), proc.stderr
    assert not (tmp_path / "bad.so").exists()
    return proc.stderr


def qsim_run(mlir, inputs, tmp_path, n_out=1, extra=()):
    args = [str(mlir)]
    for i, x in enumerate(inputs):
        np.save(tmp_path / f"in{i}.npy", x)
        args.append(f"--input={tmp_path / f'in{i}.npy'}")
    args += [f"--output={tmp_path / f'out{j}.npy'}" for j in range(n_out)]
    tools.run_tool("qsim-run", [*args, *extra])
    return [np.load(tmp_path / f"out{j}.npy") for j in range(n_out)]


def quantize(src, dst, int_io):
    tools.run_tool("qsim-opt", [str(src), f"--qsim-quantize=global-scale=4.0 "
                                f"int-io={'true' if int_io else 'false'}", "-o", str(dst)])
    return dst


@pytest.fixture(scope="module")
def cnn_lib(tmp_path_factory):
    d = tmp_path_factory.mktemp("cnn")
    compile_ok(SMALL_CNN, d / "libcnn.so")
    return d / "libcnn.so"


# ---------------------------------------------------------------------------
# Same bits as qsim-run
# ---------------------------------------------------------------------------


def test_float_model_same_bits_as_qsim_run(cnn_lib, tmp_path):
    m = qsim.load(cnn_lib)
    assert m.inputs == [((1, 8, 8, 3), np.dtype(np.float32))]
    assert m.outputs == [((1, 1, 10), np.dtype(np.float32))]
    for seed in range(3):
        x = np.random.RandomState(seed).randn(1, 8, 8, 3).astype(np.float32)
        y = m(x)
        (ref,) = qsim_run(SMALL_CNN, [x], tmp_path)
        assert y.dtype == ref.dtype and y.shape == ref.shape
        assert np.array_equal(y, ref), (y, ref)
    # Repeated calls on one input give the same result (no state kept).
    assert np.array_equal(m(x), y)


@pytest.mark.parametrize("int_io", [True, False], ids=["int8-io", "float-io"])
def test_int8_model_same_bits_as_qsim_run(tmp_path, int_io):
    q = quantize(SMALL_CNN, tmp_path / "int8.mlir", int_io)
    lib = tmp_path / "libint8.so"
    compile_ok(q, lib)
    m = qsim.load(lib)
    dtype = np.int8 if int_io else np.float32
    assert m.inputs == [((1, 8, 8, 3), np.dtype(dtype))]
    rng = np.random.RandomState(7)
    for _ in range(3):
        x = (rng.randint(-128, 128, (1, 8, 8, 3)).astype(np.int8) if int_io
             else rng.randn(1, 8, 8, 3).astype(np.float32))
        y = m(x)
        (ref,) = qsim_run(q, [x], tmp_path)
        assert y.dtype == ref.dtype == np.dtype(dtype)
        assert np.array_equal(y, ref)
    assert np.unique(y).size > 1  # not a constant output


MULTI = """
func.func @multi(%x: tensor<2x3xf32>, %n: tensor<4xi32>)
    -> (tensor<3x2xf32>, tensor<2x3xf32>, tensor<4xi32>, tensor<4xf32>, tensor<2x3xf32>) {
  %c = "tosa.const"() <{values = dense<[1.5, -2.0, 0.25, 8.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %t = tosa.transpose %x {perms = array<i32: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %n, %n, %s : (tensor<4xi32>, tensor<4xi32>, tensor<1xi8>) -> tensor<4xi32>
  return %t, %x, %m, %c, %x : tensor<3x2xf32>, tensor<2x3xf32>, tensor<4xi32>, tensor<4xf32>, tensor<2x3xf32>
}
"""


def test_several_results_aliases_and_constants(tmp_path):
    """Results that are a transposed view, the input itself (twice), a
    constant and a computed value: all copied out, none freed twice (the
    call is repeated), the caller's input untouched."""
    src = tmp_path / "multi.mlir"
    src.write_text(MULTI)
    lib = tmp_path / "libmulti.so"
    compile_ok(src, lib)
    m = qsim.load(lib)
    assert [s for s, _ in m.outputs] == [(3, 2), (2, 3), (4,), (4,), (2, 3)]
    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    n = np.array([3, -7, 40000, 1], dtype=np.int32)
    keep = x.copy(), n.copy()
    for _ in range(3):
        got = m(x, n)
    assert np.array_equal(x, keep[0]) and np.array_equal(n, keep[1])
    ref = qsim_run(src, [x, n], tmp_path, n_out=5)
    for g, r in zip(got, ref):
        assert g.dtype == r.dtype and np.array_equal(g, r)
    assert np.array_equal(got[0], x.T) and np.array_equal(got[2], n * n)
    assert np.array_equal(got[3], np.array([1.5, -2.0, 0.25, 8.0], np.float32))


SCALAR_BOOL_U8 = """
func.func @r(%x: tensor<4xf32>, %u: tensor<2xui8>) -> (tensor<f32>, tensor<4xi1>, tensor<2xui8>) {
  %c2 = arith.constant 2 : index
  %e = tensor.extract %x[%c2] : tensor<4xf32>
  %s = tensor.from_elements %e : tensor<f32>
  %z = arith.constant dense<0.0> : tensor<4xf32>
  %b = arith.cmpf ogt, %x, %z : tensor<4xf32>
  return %s, %b, %u : tensor<f32>, tensor<4xi1>, tensor<2xui8>
}
"""


def test_rank0_bool_and_unsigned_tensors(tmp_path):
    src = tmp_path / "r.mlir"
    src.write_text(SCALAR_BOOL_U8)
    lib = tmp_path / "libr.so"
    compile_ok(src, lib)
    m = qsim.load(lib)
    assert m.outputs == [((), np.dtype(np.float32)), ((4,), np.dtype(bool)),
                         ((2,), np.dtype(np.uint8))]
    x = np.array([1.0, -2.0, 3.5, -4.0], np.float32)
    u = np.array([200, 7], np.uint8)
    got = m(x, u)
    ref = qsim_run(src, [x, u], tmp_path, n_out=3)
    for g, r in zip(got, ref):
        assert g.dtype == r.dtype and g.shape == r.shape and np.array_equal(g, r)
    assert got[0] == np.float32(3.5) and got[1].tolist() == [True, False, True, False]


def test_onnx_model_same_bits_as_qsim_run(tmp_path):
    onnx_model = REPO / "examples" / "zoo" / "resnet_v1.onnx"
    pytest.importorskip("onnx")
    lib = tmp_path / "libresnet.so"
    compile_ok(onnx_model, lib)
    mlir = tmp_path / "resnet.mlir"
    proc = qsim_cli("import-onnx", onnx_model, "-o", mlir)
    assert proc.returncode == 0, proc.stderr
    m = qsim.load(lib)
    ((shape, dtype),) = m.inputs
    x = np.random.RandomState(3).rand(*shape).astype(dtype)
    (ref,) = qsim_run(mlir, [x], tmp_path)
    assert np.array_equal(m(x), ref)


def test_lowered_module_is_taken_as_it_is(tmp_path, cnn_lib):
    lowered = tmp_path / "cnn.llvm.mlir"
    tools.run_tool("qsim-opt", [str(SMALL_CNN), "--qsim-cpu-pipeline", "-o", str(lowered)])
    lib = tmp_path / "liblowered.so"
    compile_ok(lowered, lib)
    x = np.random.RandomState(5).randn(1, 8, 8, 3).astype(np.float32)
    assert np.array_equal(qsim.load(lib)(x), qsim.load(cnn_lib)(x))


def test_target_cpu_x86_64_v3_runs_here(tmp_path):
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    lib = tmp_path / "libv3.so"
    out = compile_ok(SMALL_CNN, lib, "--target-cpu", "x86-64-v3").stdout
    assert "target-cpu x86-64-v3, micro-kernels avx2" in out
    if not all(re.search(rf"\b{f}\b", flags) for f in ("avx2", "fma", "bmi2", "movbe")):
        pytest.skip("this CPU is not x86-64-v3")
    x = np.random.RandomState(9).randn(1, 8, 8, 3).astype(np.float32)
    (ref,) = qsim_run(SMALL_CNN, [x], tmp_path,
                      extra=["--pipeline-options=microkernels=avx2"])
    assert np.array_equal(qsim.load(lib)(x), ref)


def test_target_cpu_x86_64_v4_picks_avx512(tmp_path):
    lib = tmp_path / "libv4.so"
    out = compile_ok(SMALL_CNN, lib, "--target-cpu", "x86-64-v4").stdout
    assert "micro-kernels avx512" in out and "avx512-vnni" not in out
    # The AVX-512 code is in the library (it runs only on such a CPU).
    dis = subprocess.run([str(LLVM_BIN / "llvm-objdump"), "-d", str(lib)],
                         capture_output=True, text=True).stdout
    assert re.search(r"%zmm\d", dis)


def test_int8_target_cpus(tmp_path):
    """znver4 gets the AVX-512 VNNI kernels (vpdpbusd in the library);
    baseline x86-64 gets plain loops, which run here and give the int8
    model's bits (the kernels are bit-identical to the loops)."""
    q = quantize(SMALL_CNN, tmp_path / "int8.mlir", True)
    vnni = tmp_path / "libvnni.so"
    assert "micro-kernels avx512-vnni" in compile_ok(q, vnni, "--target-cpu", "znver4").stdout
    dis = subprocess.run([str(LLVM_BIN / "llvm-objdump"), "-d", str(vnni)],
                         capture_output=True, text=True).stdout
    assert "vpdpbusd" in dis
    base = tmp_path / "libbase.so"
    assert "micro-kernels none" in compile_ok(q, base, "--target-cpu", "x86-64").stdout
    x = np.random.RandomState(2).randint(-128, 128, (1, 8, 8, 3)).astype(np.int8)
    (ref,) = qsim_run(q, [x], tmp_path)
    assert np.array_equal(qsim.load(base)(x), ref)


# ---------------------------------------------------------------------------
# The library: no MLIR at run time, its exports, its version
# ---------------------------------------------------------------------------


def test_no_mlir_or_llvm_at_run_time(cnn_lib):
    ldd = subprocess.run(["ldd", str(cnn_lib)], capture_output=True, text=True)
    assert ldd.returncode == 0, ldd.stderr
    assert "libc.so" in ldd.stdout
    assert not re.search(r"libMLIR|libLLVM|libmlir_", ldd.stdout), ldd.stdout
    nm = subprocess.run([str(LLVM_BIN / "llvm-nm"), "-D", "--defined-only",
                         "--format=just-symbols", str(cnn_lib)],
                        capture_output=True, text=True)
    exported = set(nm.stdout.split())
    assert exported and all(s.startswith("qsim_model_") for s in exported), exported
    assert {"qsim_model_run", "qsim_model_version", "qsim_model_input_shape"} <= exported


def test_version_string(cnn_lib):
    import hashlib

    v = qsim.load(cnn_lib).version
    digest = hashlib.sha256(SMALL_CNN.read_bytes()).hexdigest()
    host = re.search(r"Host CPU:\s*(\S+)", subprocess.run(
        [str(LLVM_BIN / "llc"), "--version"], capture_output=True, text=True).stdout).group(1)
    assert v.startswith(f"qsim {qsim.__version__} (commit ")
    assert f"sha256:{digest}" in v and "entry small_cnn" in v
    assert f"target-cpu {host};" in v and "microkernels auto" in v


def test_deterministic(tmp_path, cnn_lib):
    again = tmp_path / "libcnn.so"
    compile_ok(SMALL_CNN, again)
    assert again.read_bytes() == cnn_lib.read_bytes()


# ---------------------------------------------------------------------------
# The C example
# ---------------------------------------------------------------------------


def test_c_example_builds_and_runs(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if shutil.which("make") is None or cc is None:
        pytest.skip("make or a C compiler is missing")
    build = tmp_path / "build"
    qsim_cmd = f"{sys.executable} -m qsim.cli"
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.run(["make", "-C", str(REPO / "examples" / "c"), f"BUILD={build}",
                           f"QSIM={qsim_cmd}", f"MODEL={SMALL_CNN}", f"CC={cc}",
                           "CFLAGS=-O2 -Wall -Wextra -Werror -std=c11"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    x = np.random.RandomState(11).randn(1, 8, 8, 3).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    run = subprocess.run([str(build / "run_model"), "--output", str(tmp_path / "y.npy"),
                          str(tmp_path / "x.npy")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "output #0: shape (1, 1, 10) dtype <f4:" in run.stdout
    (ref,) = qsim_run(SMALL_CNN, [x], tmp_path)
    y = np.load(tmp_path / "y.npy")
    assert y.dtype == ref.dtype and np.array_equal(y, ref)
    # The printed values are the output's.
    printed = [float(v) for v in run.stdout.split("<f4:")[1].split()[:10]]
    assert np.array_equal(np.float32(printed), ref.reshape(-1))
    # An input of the wrong shape is refused by name.
    np.save(tmp_path / "bad.npy", np.zeros((1, 8, 8, 4), np.float32))
    bad = subprocess.run([str(build / "run_model"), str(tmp_path / "bad.npy")],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "bad.npy" in bad.stderr and "(1, 8, 8, 3)" in bad.stderr


def test_c_example_entry_named_main(tmp_path):
    """A model whose entry is @main links into a program with its own main
    (the library keeps the model's symbols internal); without input files
    the program fills the input with its fixed pattern."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if shutil.which("make") is None or cc is None:
        pytest.skip("make or a C compiler is missing")
    src = tmp_path / "main.mlir"
    src.write_text(SMALL_CNN.read_text().replace("@small_cnn(", "@main("))
    build = tmp_path / "build"
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.run(["make", "-C", str(REPO / "examples" / "c"), f"BUILD={build}",
                           f"QSIM={sys.executable} -m qsim.cli", f"MODEL={src}", f"CC={cc}"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = subprocess.run([str(build / "run_model"), "--output", str(tmp_path / "y.npy")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "entry main;" in run.stdout
    k = np.arange(1 * 8 * 8 * 3)
    x = ((k % 17).astype(np.float32) / np.float32(16) - np.float32(0.5)).reshape(1, 8, 8, 3)
    (ref,) = qsim_run(src, [x], tmp_path)
    assert np.array_equal(np.load(tmp_path / "y.npy"), ref)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_wrapper_checks_inputs(cnn_lib):
    m = qsim.load(cnn_lib)
    with pytest.raises(ModelInputError, match=r"input #0 has shape \(1, 8, 8, 4\), "
                       r"the model expects \(1, 8, 8, 3\)"):
        m(np.zeros((1, 8, 8, 4), np.float32))
    with pytest.raises(ModelInputError, match=r"input #0 has dtype float64, the model "
                       r"expects float32"):
        m(np.zeros((1, 8, 8, 3)))
    with pytest.raises(ModelInputError, match=r"takes 1 input\(s\).*got 2"):
        m(np.zeros((1, 8, 8, 3), np.float32), np.zeros(1, np.float32))
    with pytest.raises(ModelInputError, match=r"input #0 is a list"):
        m([[0.0]])


def test_load_errors(tmp_path):
    with pytest.raises(LibraryError, match="no such file"):
        qsim.load(tmp_path / "missing.so")
    (tmp_path / "junk.so").write_bytes(b"not an ELF file")
    with pytest.raises(LibraryError, match="cannot load"):
        qsim.load(tmp_path / "junk.so")
    libm = Path("/lib/x86_64-linux-gnu/libm.so.6")
    if libm.exists():
        with pytest.raises(LibraryError, match="not a library made by qsim compile"):
            qsim.load(libm)


def test_error_missing_llc(tmp_path):
    tools_dir = tmp_path / "llvm-bin"
    tools_dir.mkdir()
    for t in ("mlir-translate", "opt", "clang", "llvm-nm"):
        (tools_dir / t).symlink_to(LLVM_BIN / t)
    err = compile_error(tmp_path, SMALL_CNN, "--llvm-bin", tools_dir)
    assert f"llc not found in {tools_dir}" in err


def test_error_unknown_target_cpu(tmp_path):
    err = compile_error(tmp_path, SMALL_CNN, "--target-cpu", "pentium9000")
    assert "unknown --target-cpu 'pentium9000'" in err
    err = compile_error(tmp_path, SMALL_CNN, "--target-cpu", "native;rm")
    assert "unknown --target-cpu 'native;rm'" in err


def test_threads_link_libomp_and_keep_the_bits(tmp_path):
    """A layer big enough for threads: with threads=0 the library calls
    LLVM's OpenMP runtime, so it links libomp (and nothing of MLIR or
    LLVM), and gives the bits of the threads=1 library, which links no
    libomp, whatever OMP_NUM_THREADS says."""
    src = tmp_path / "big.mlir"
    t_in, t_w, t_out = "tensor<1x56x56x32xf32>", "tensor<32x3x3x32xf32>", "tensor<1x54x54x32xf32>"
    src.write_text(f"""
func.func @main(%x: {t_in}) -> {t_out} {{
  %zp = "tosa.const"() <{{values = dense<0.0> : tensor<1xf32>}}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{{values = dense<0.25> : {t_w}}}> : () -> {t_w}
  %b = "tosa.const"() <{{values = dense<0.1> : tensor<32xf32>}}> : () -> tensor<32xf32>
  %y = tosa.conv2d %x, %w, %b, %zp, %zp {{acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}} : ({t_in}, {t_w}, tensor<32xf32>, tensor<1xf32>, tensor<1xf32>) -> {t_out}
  return %y : {t_out}
}}
""")
    serial, threaded = tmp_path / "libserial.so", tmp_path / "libthreaded.so"
    fixed = tmp_path / "libfixed.so"
    compile_ok(src, serial, "--threads", "1")
    compile_ok(src, threaded)  # threads 0, the default
    compile_ok(src, fixed, "--pipeline-options", "threads=2")

    def ldd(lib):
        proc = subprocess.run(["ldd", str(lib)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    assert "libomp" not in ldd(serial)
    deps = ldd(threaded)
    assert "libomp.so.5" in deps and "not found" not in deps, deps
    assert not re.search(r"libMLIR|libLLVM|libmlir_", deps), deps
    x = np.random.RandomState(0).randn(1, 56, 56, 32).astype(np.float32)
    ref = qsim.load(serial)(x)
    code = ("import sys, numpy as np, qsim; "
            "m = qsim.load(sys.argv[1]); x = np.load(sys.argv[2]); np.save(sys.argv[3], m(x))")
    np.save(tmp_path / "x.npy", x)
    for n in ("1", "2", "3"):
        out = tmp_path / f"y{n}.npy"
        proc = subprocess.run([sys.executable, "-c", code, str(threaded), str(tmp_path / "x.npy"),
                               str(out)], capture_output=True, text=True,
                              env={**os.environ, "OMP_NUM_THREADS": n})
        assert proc.returncode == 0, proc.stderr
        assert np.array_equal(np.load(out), ref), f"OMP_NUM_THREADS={n} changed the bits"
    # The run-time count through the C ABI (qsim_model_set_num_threads).
    code = ("import sys, numpy as np, qsim; m = qsim.load(sys.argv[1], threads=int(sys.argv[4])); "
            "x = np.load(sys.argv[2]); np.save(sys.argv[3], m(x)); print(m.compiled_threads)")
    for n in ("1", "2", "3"):
        out = tmp_path / f"z{n}.npy"
        proc = subprocess.run([sys.executable, "-c", code, str(threaded), str(tmp_path / "x.npy"),
                               str(out), n], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["0"]
        assert np.array_equal(np.load(out), ref), f"set_num_threads({n}) changed the bits"
    # A fixed count: only that count is accepted; no OpenMP: only 1.
    from qsim.deploy.library import LibraryError

    m2, m1 = qsim.load(fixed), qsim.load(serial)
    assert (m2.compiled_threads, m1.compiled_threads) == (2, 1)
    assert np.array_equal(m2(x), ref)
    m2.set_num_threads(2)
    m1.set_num_threads(1)
    with pytest.raises(LibraryError, match="cannot run on 3 threads: the library has "
                       "a fixed team of 2; compile it with qsim compile --threads 0"):
        m2.set_num_threads(3)
    with pytest.raises(LibraryError, match="cannot run on 2 threads: the library has "
                       "no parallel loops"):
        m1.set_num_threads(2)
    with pytest.raises(ValueError, match="at least 1, got 0"):
        qsim.load(threaded).set_num_threads(0)


def test_threads_given_twice(tmp_path):
    err = compile_error(tmp_path, SMALL_CNN, "--threads", "0", "--pipeline-options", "threads=2")
    assert "the thread count is given twice" in err
    err = compile_error(tmp_path, SMALL_CNN, "--pipeline-options", "threads=many")
    assert "threads=many is not a count" in err
    err = compile_error(tmp_path, SMALL_CNN, "--threads", "-1")
    assert "--threads -1" in err


def test_error_bad_inputs(tmp_path):
    err = compile_error(tmp_path, tmp_path / "missing.mlir")
    assert "missing.mlir" in err
    err = compile_error(tmp_path, SMALL_CNN, "--pipeline-options", "emit-c-interface=false")
    assert "_mlir_ciface_small_cnn" in err
    err = compile_error(tmp_path, SMALL_CNN, "--entry", "nope")
    assert "'nope' not found" in err and "'small_cnn'" in err
    err = compile_error(tmp_path, SMALL_CNN, "--pipeline-options", "no-such-option=1")
    assert "--qsim-cpu-pipeline" in err
    err = compile_error(tmp_path, SMALL_CNN, "--batch", "2")
    assert "ONNX models only" in err
    dyn = tmp_path / "dyn.mlir"
    dyn.write_text("func.func @f(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {\n"
                   "  return %x : tensor<?x4xf32>\n}\n")
    err = compile_error(tmp_path, dyn)
    assert "'f'" in err and "static" in err
    dotted = tmp_path / "dotted.mlir"
    dotted.write_text(SMALL_CNN.read_text().replace("@small_cnn(", "@net.v1("))
    err = compile_error(tmp_path, dotted)
    assert "'net.v1'" in err and "no C identifier" in err
    proc = qsim_cli("compile", SMALL_CNN, "-o", tmp_path / "lib.dylib")
    assert proc.returncode == 2 and "must end in .so" in proc.stderr


def test_quantize_writes_the_library(tmp_path):
    """qsim quantize -o OUTDIR compiles int8.mlir into OUTDIR/libmodel.so."""
    pytest.importorskip("onnx")
    if tools.find_tool("qsim-collect") is None:
        pytest.skip("qsim-collect is not built")
    model = REPO / "examples" / "zoo" / "resnet_v1.onnx"
    x = np.random.RandomState(0).rand(8, 1, 28, 28).astype(np.float32)
    np.save(tmp_path / "calib.npy", x)
    out = tmp_path / "out"
    proc = qsim_cli("quantize", model, "--calib-data", tmp_path / "calib.npy", "-o", out,
                    "--sqnr-samples", "0")
    assert proc.returncode == 0, proc.stderr
    assert "libmodel.so" in proc.stdout
    m = qsim.load(out / "libmodel.so")
    assert (out / "qsim_model.h").is_file()
    assert "model int8.mlir" in m.version
    (ref,) = qsim_run(out / "int8.mlir", [x[:1]], tmp_path)
    assert np.array_equal(m(x[:1]), ref)
