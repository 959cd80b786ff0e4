// Command line, file and lowering errors.

// RUN: not qsim-run %s --repeat=0 2>&1 | FileCheck %s --check-prefix=REPEAT
// REPEAT: qsim-run: error: --repeat must be at least 1

// RUN: not qsim-run %s --opt-level=4 2>&1 | FileCheck %s --check-prefix=OPT
// OPT: qsim-run: error: --opt-level must be 0, 1, 2 or 3

// RUN: not qsim-run %t.does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: qsim-run: error: cannot open '{{.*}}does-not-exist.mlir': No such file or directory

// RUN: not qsim-run %S/Inputs/parse-error.mlir 2>&1 | FileCheck %s --check-prefix=PARSE
// PARSE: parse-error.mlir:3:{{[0-9]+}}: error:
// PARSE: qsim-run: error: cannot parse '{{.*}}parse-error.mlir'

// RUN: %python -c "import numpy as np; np.save(r'%t.x.npy', np.zeros((4,), np.float32))"

// RUN: not qsim-run %S/Inputs/not-lowerable.mlir --input=%t.x.npy 2>&1 | FileCheck %s --check-prefix=LOWER
// LOWER: not-lowerable.mlir:4:8: error: failed to legalize operation 'tosa.custom'
// LOWER: qsim-run: error: lowering '{{.*}}not-lowerable.mlir' with --qsim-cpu-pipeline failed

// RUN: not qsim-run %S/Inputs/unresolved-symbol.mlir --input=%t.x.npy 2>&1 | FileCheck %s --check-prefix=SYMBOL
// SYMBOL: Symbols not found: [ external ]
// SYMBOL: qsim-run: error: JIT compilation of '_mlir_ciface_f' failed:

// A function without arguments or results runs (and does nothing).
// RUN: qsim-run %s --print --time | FileCheck %s --check-prefix=EMPTY
// EMPTY-NOT: result
// EMPTY: compile: {{[0-9.]+}} ms
// EMPTY-NEXT: run: 1 call(s), mean {{[0-9.]+}} ms, min {{[0-9.]+}} ms, total {{[0-9.]+}} ms

func.func @nothing() {
  return
}

// RUN: qsim-run --help | FileCheck %s --check-prefix=HELP
// HELP: USAGE: qsim-run [options] <model.mlir>
// HELP: qsim-run options:
// HELP: --entry=<name>
// HELP: --input=<file.npy>
// HELP: --opt-level=<N>
// HELP: --output=<file.npy>
// HELP: --print
// HELP: --repeat=<N>
// HELP: --time
