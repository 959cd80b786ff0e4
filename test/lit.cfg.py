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
config.excludes = ["Inputs", "Unit", "CMakeLists.txt", "lit.cfg.py",
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
tools = ["qsim-opt", "qsim-run", "qsim-collect"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
