// Paths that are not regular files: the model, --data and --output each end
// in an error naming the path before anything is run, and no table or
// temporary file is left behind.

// RUN: rm -rf %t.dir %t.fifo %t.out && mkdir -p %t.dir %t.out %t.tmpdir.json.tmp && mkfifo %t.fifo
// RUN: qsim-opt %S/Inputs/conv-relu.mlir --qsim-annotate -o %t.ann.mlir
// RUN: %python -c "import numpy as np; np.save(r'%t.ok.npy', np.ones((4, 4, 4, 2), np.float32))"
// RUN: %python -c "open(r'%t.empty.npy', 'wb').close()"
// RUN: %python -c "import numpy as np; h = {'descr': '<f4', 'fortran_order': False, 'shape': (1 << 40, 4, 4, 2)}; f = open(r'%t.huge.npy', 'wb'); np.lib.format.write_array_header_1_0(f, h); f.write(b'abcd')"

// The model file.
// RUN: not qsim-collect %t.dir --data=%t.ok.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=MODELDIR -DPATH=%t.dir
// MODELDIR: qsim-collect: error: cannot open '[[PATH]]': it is a directory
// RUN: not qsim-collect /dev/zero --data=%t.ok.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=MODELZERO
// MODELZERO: qsim-collect: error: cannot open '/dev/zero': not a regular file

// --data.
// RUN: not qsim-collect %t.ann.mlir --data=%t.dir --output=%t.json 2>&1 | FileCheck %s --check-prefix=DIR -DPATH=%t.dir
// DIR: qsim-collect: error: data: cannot open '[[PATH]]': it is a directory
// RUN: not qsim-collect %t.ann.mlir --data=/dev/zero --output=%t.json 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: qsim-collect: error: data: cannot open '/dev/zero': not a regular file (a character device)
// RUN: not qsim-collect %t.ann.mlir --data=%t.fifo --output=%t.json 2>&1 | FileCheck %s --check-prefix=FIFO -DPATH=%t.fifo
// FIFO: qsim-collect: error: data: cannot open '[[PATH]]': not a regular file (a FIFO)
// RUN: not qsim-collect %t.ann.mlir --data=%t.empty.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=EMPTY -DPATH=%t.empty.npy
// EMPTY: qsim-collect: error: data: '[[PATH]]': not a .npy file (bad magic string)
// RUN: not qsim-collect %t.ann.mlir --data=%t.huge.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=HUGE -DPATH=%t.huge.npy
// HUGE: qsim-collect: error: data: '[[PATH]]': truncated data: shape (1099511627776, 4, 4, 2) of '<f4' needs 140737488355328 bytes, the file has 4
// RUN: not test -e %t.json

// --output: a directory, a directory where the temporary file goes, a
// missing directory, a FIFO (renaming the table over it would replace it).
// RUN: not qsim-collect %t.ann.mlir --data=%t.ok.npy --output=%t.out 2>&1 | FileCheck %s --check-prefix=OUTDIR -DPATH=%t.out
// OUTDIR: qsim-collect: error: --output: cannot open '[[PATH]]' for writing: it is a directory
// RUN: not test -e %t.out.tmp
// RUN: not qsim-collect %t.ann.mlir --data=%t.ok.npy --output=%t.tmpdir.json 2>&1 | FileCheck %s --check-prefix=TMPDIR -DPATH=%t.tmpdir.json.tmp
// TMPDIR: qsim-collect: error: --output: cannot open '[[PATH]]' for writing: it is a directory
// RUN: not test -e %t.tmpdir.json
// RUN: not qsim-collect %t.ann.mlir --data=%t.ok.npy --output=%t.missing/t.json 2>&1 | FileCheck %s --check-prefix=OUTMISSING -DPATH=%t.missing
// OUTMISSING: qsim-collect: error: --output: cannot open '[[PATH]]/t.json' for writing: No such file or directory (the directory '[[PATH]]' does not exist)
// RUN: not qsim-collect %t.ann.mlir --data=%t.ok.npy --output=%t.fifo 2>&1 | FileCheck %s --check-prefix=OUTFIFO -DPATH=%t.fifo
// OUTFIFO: qsim-collect: error: --output: cannot open '[[PATH]]' for writing: not a regular file (a FIFO)
// RUN: not test -e %t.fifo.tmp
