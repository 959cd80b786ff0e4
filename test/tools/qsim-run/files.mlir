// Paths that are not regular files, and files that are not what they
// claim: every one ends in an error naming the path before anything is
// compiled, never in an abort, a hang or a file left behind.

// RUN: rm -rf %t.dir %t.fifo && mkdir -p %t.dir && mkfifo %t.fifo
// RUN: %python -c "import numpy as np; np.save(r'%t.ok.npy', np.zeros((4,), np.float32))"
// RUN: %python -c "open(r'%t.empty.npy', 'wb').close()"
// RUN: %python -c "d = open(r'%t.ok.npy', 'rb').read(); open(r'%t.header.npy', 'wb').write(d[:20])"
// RUN: %python -c "import numpy as np; h = {'descr': '<f4', 'fortran_order': False, 'shape': (1 << 40,)}; f = open(r'%t.huge.npy', 'wb'); np.lib.format.write_array_header_1_0(f, h); f.write(b'abcd')"

// The model file.
// RUN: not qsim-run %t.dir --input=%t.ok.npy 2>&1 | FileCheck %s --check-prefix=MODELDIR -DPATH=%t.dir
// MODELDIR: qsim-run: error: cannot open '[[PATH]]': it is a directory
// RUN: not qsim-run /dev/zero --input=%t.ok.npy 2>&1 | FileCheck %s --check-prefix=MODELZERO
// MODELZERO: qsim-run: error: cannot open '/dev/zero': not a regular file

// --input.
// RUN: not qsim-run %S/Inputs/one-public.mlir --input=%t.dir 2>&1 | FileCheck %s --check-prefix=DIR -DPATH=%t.dir
// DIR: qsim-run: error: input #0: cannot open '[[PATH]]': it is a directory
// RUN: not qsim-run %S/Inputs/one-public.mlir --input=/dev/zero 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: qsim-run: error: input #0: cannot open '/dev/zero': not a regular file (a character device)
// RUN: not qsim-run %S/Inputs/one-public.mlir --input=%t.fifo 2>&1 | FileCheck %s --check-prefix=FIFO -DPATH=%t.fifo
// FIFO: qsim-run: error: input #0: cannot open '[[PATH]]': not a regular file (a FIFO)
// RUN: not qsim-run %S/Inputs/one-public.mlir --input=%t.empty.npy 2>&1 | FileCheck %s --check-prefix=EMPTY -DPATH=%t.empty.npy
// EMPTY: qsim-run: error: input #0: '[[PATH]]': not a .npy file (bad magic string)
// RUN: not qsim-run %S/Inputs/one-public.mlir --input=%t.header.npy 2>&1 | FileCheck %s --check-prefix=HEADER -DPATH=%t.header.npy
// HEADER: qsim-run: error: input #0: '[[PATH]]': truncated header
// RUN: not qsim-run %S/Inputs/one-public.mlir --input=%t.huge.npy 2>&1 | FileCheck %s --check-prefix=HUGE -DPATH=%t.huge.npy
// HUGE: qsim-run: error: input #0: '[[PATH]]': truncated data: shape (1099511627776,) of '<f4' needs 4398046511104 bytes, the file has 4

// --output: checked before the module is compiled, so nothing is written.
// RUN: rm -f %t.out0.npy
// RUN: not qsim-run %S/Inputs/one-public.mlir --input=%t.ok.npy --output=%t.dir 2>&1 | FileCheck %s --check-prefix=OUTDIR -DPATH=%t.dir
// OUTDIR: qsim-run: error: output #0: cannot open '[[PATH]]' for writing: it is a directory
// RUN: not qsim-run %S/Inputs/two-results.mlir --input=%t.ok.npy --output=%t.out0.npy --output=%t.missing/out1.npy 2>&1 | FileCheck %s --check-prefix=OUTMISSING -DPATH=%t.missing
// OUTMISSING: qsim-run: error: output #1: cannot open '[[PATH]]/out1.npy' for writing: No such file or directory (the directory '[[PATH]]' does not exist)
// RUN: not test -e %t.out0.npy

// A device is written into, not replaced.
// RUN: qsim-run %S/Inputs/one-public.mlir --input=%t.ok.npy --output=/dev/null
