# -*- Python -*-
# lit configuration of the qsim regression tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "QSIM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qsim_obj_root, "test")
config.excludes = ["Inputs", "Unit", "lib", "fuzz", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]

# Captured FileCheck variables must not leak across CHECK-LABELs.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%qsim_src_root", config.qsim_src_root))
config.substitutions.append(("%qsim_obj_root", config.qsim_obj_root))
config.substitutions.append(("%python", config.python_executable))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.qsim_tools_dir, config.llvm_tools_dir]
tools = ["qsim-opt", "qsim-test-opt", "qsim-run", "qsim-collect"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# GPU tests (test/GPU). `ptxas`: the CUDA toolkit's assembler is on PATH or in
# /usr/local/cuda/bin (PTX assembly and format=bin tests). `cuda-gpu`: a GPU is
# actually usable (nvidia-smi lists one), for the execution tests; never set on
# a machine without a GPU, whatever toolkit is installed.
import shutil
import subprocess

_ptxas = shutil.which("ptxas") or shutil.which("ptxas", path="/usr/local/cuda/bin")
if _ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", _ptxas))
try:
    _smi = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True,
                          timeout=30)
    if _smi.returncode == 0 and "GPU" in _smi.stdout:
        config.available_features.add("cuda-gpu")
except (OSError, subprocess.SubprocessError):
    pass
# Execution tests run through mlir-runner with upstream's runner utilities and
# our CUDA runtime wrappers (built only where CMake finds the CUDA toolkit).
config.substitutions.append(
    ("%mlir_lib_dir", os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")))
_cuda_rt = os.path.join(config.qsim_obj_root, "lib", "libqsim_cuda_runtime.so")
if os.path.exists(_cuda_rt):
    config.available_features.add("qsim-cuda-runtime")
config.substitutions.append(("%qsim_cuda_runtime", _cuda_rt))
# `cuda-driver-stub`: the toolkit's stub libcuda.so (what the runtime links
# against at build time). Loaded as libcuda.so.1 it lets the runtime load
# where no driver is installed and fails every call with
# CUDA_ERROR_STUB_LIBRARY: the no-GPU error path and the JIT linking of GPU
# modules are tested with it.
_cuda_homes = [os.path.dirname(os.path.dirname(_ptxas))] if _ptxas else []
_cuda_homes.append("/usr/local/cuda")
for _home in _cuda_homes:
    _stub = os.path.join(_home, "lib64", "stubs", "libcuda.so")
    if os.path.exists(_stub):
        config.available_features.add("cuda-driver-stub")
        config.substitutions.append(("%cuda_driver_stub", _stub))
        break
