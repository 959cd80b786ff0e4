# -*- Python -*-
# lit configuration that runs the gtest unit tests (unittests/).

import os

import lit.formats

config.name = "QSIM-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.qsim_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
