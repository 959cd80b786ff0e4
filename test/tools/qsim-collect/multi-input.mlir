// Several arguments: one --data per argument (in order or NAME=FILE), each
// of the argument's own dtype (here f32 and i64), all with the same samples.

// The annotated module keeps the argument names (locations) for NAME=FILE.
// RUN: qsim-opt %S/Inputs/two-inputs.mlir --qsim-annotate -mlir-print-debuginfo -o %t.ann.mlir
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.save(r'%t.x.npy', r.normal(size=(6, 4, 4, 2)).astype(np.float32)); np.save(r'%t.ids.npy', r.integers(-3, 4, size=(6, 4, 4, 2)).astype(np.int64))"

// In argument order; a step of 4 samples is two calls of the model's batch 2.
// RUN: qsim-collect %t.ann.mlir --data=%t.x.npy --data=%t.ids.npy --output=%t.table.json --batch-size=4 2>&1 | FileCheck %s --check-prefix=PROGRESS
// PROGRESS: qsim-collect: batch 1/2: 4/6 samples
// PROGRESS: qsim-collect: batch 2/2: 6/6 samples
// PROGRESS: qsim-collect: 4 point(s), 6 sample(s) -> '{{.*}}table.json'

// By name, in another order, and by argN: the same table.
// RUN: qsim-collect %t.ann.mlir --data=ids=%t.ids.npy --data=x=%t.x.npy --output=%t.named.json --quiet
// RUN: cmp %t.table.json %t.named.json
// RUN: qsim-collect %t.ann.mlir --data=arg1=%t.ids.npy --data=arg0=%t.x.npy --output=%t.argn.json --quiet
// RUN: cmp %t.table.json %t.argn.json

// The statistics are those numpy computes: the float input, the integer
// input converted, and their sum.
// RUN: %python -c "import json, numpy as np; t = {p['name']: p for p in json.load(open(r'%t.table.json'))['points']}; x = np.load(r'%t.x.npy'); i = np.load(r'%t.ids.npy').astype(np.float32); s = x + i; ok = [t['main.arg0']['max'] == float(x.max()), t['main.sitofp_0.out']['min'] == float(i.min()), t['main.add_0.out']['max'] == float(s.max()), t['main.add_0.out']['min'] == float(s.min())]; assert all(ok), ok; print('numpy agrees')" | FileCheck %s --check-prefix=NUMPY
// NUMPY: numpy agrees

// Errors: the count, a dtype that is not the argument's, different sample
// counts, a shape, a mix of positional and named files, an argument twice.
// RUN: %python -c "import numpy as np; np.save(r'%t.idsf.npy', np.zeros((6, 4, 4, 2), np.float32)); np.save(r'%t.ids4.npy', np.zeros((4, 4, 4, 2), np.int64)); np.save(r'%t.ids3.npy', np.zeros((6, 4, 4, 3), np.int64))"
// RUN: not qsim-collect %t.ann.mlir --data=%t.x.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: qsim-collect: error: 'main' takes 2 argument(s) (#0 'x', #1 'ids'); got 1 --data file(s), one per argument is needed
// RUN: not qsim-collect %t.ann.mlir --data=%t.x.npy --data=%t.idsf.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: qsim-collect: error: data '{{.*}}idsf.npy' (argument #1 'ids') has dtype '<f4'; calibration data of this argument must be int64 ('<i8')
// RUN: not qsim-collect %t.ann.mlir --data=%t.x.npy --data=%t.ids4.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=SAMPLES
// SAMPLES: qsim-collect: error: data '{{.*}}ids4.npy' (argument #1 'ids') has 4 samples, '{{.*}}x.npy' (argument #0 'x') has 6; every argument needs the same number
// RUN: not qsim-collect %t.ann.mlir --data=%t.x.npy --data=%t.ids3.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: qsim-collect: error: data '{{.*}}ids3.npy' (argument #1 'ids') has shape (6, 4, 4, 3), 'main' takes (2, 4, 4, 2) (expects (N, 4, 4, 2))
// RUN: not qsim-collect %t.ann.mlir --data=x=%t.x.npy --data=%t.ids.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=MIX
// MIX: qsim-collect: error: --data: give every file in argument order or every one as NAME=FILE, not a mix
// RUN: not qsim-collect %t.ann.mlir --data=x=%t.x.npy --data=arg0=%t.x.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: qsim-collect: error: --data: argument #0 'x' is given twice
// RUN: not test -e %t.json
