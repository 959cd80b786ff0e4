// Every bad input qsim-collect refuses: a clear error, exit status 1 and no
// table (not even a partial one).

// RUN: qsim-opt %S/Inputs/conv-relu.mlir --qsim-annotate -o %t.ann.mlir
// RUN: %python -c "import numpy as np; np.save(r'%t.ok.npy', np.ones((4, 4, 4, 2), np.float32))"
// RUN: %python -c "import numpy as np; a = np.ones((4, 4, 4, 2), np.float32); a[2, 1, 1, 0] = np.nan; np.save(r'%t.nan.npy', a)"
// RUN: %python -c "import numpy as np; a = np.ones((4, 4, 4, 2), np.float32); a[3, 0, 0, 1] = np.inf; np.save(r'%t.inf.npy', a)"
// RUN: %python -c "import numpy as np; np.save(r'%t.empty.npy', np.zeros((0, 4, 4, 2), np.float32))"
// RUN: %python -c "import numpy as np; np.save(r'%t.shape.npy', np.zeros((4, 4, 4, 3), np.float32))"
// RUN: %python -c "import numpy as np; np.save(r'%t.f64.npy', np.zeros((4, 4, 4, 2), np.float64))"
// RUN: %python -c "d = open(r'%t.ok.npy', 'rb').read(); open(r'%t.trunc.npy', 'wb').write(d[:-7])"
// RUN: %python -c "open(r'%t.text.npy', 'w').write('not an array')"
// RUN: rm -f %t.json

// RUN: not qsim-collect %t.ann.mlir --data=%t.nan.npy --output=%t.json --quiet 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: qsim-collect: error: sample 2 of '{{.*}}nan.npy' holds NaN or infinity (use --skip-nonfinite to skip such samples)
// RUN: not qsim-collect %t.ann.mlir --data=%t.inf.npy --output=%t.json --quiet 2>&1 | FileCheck %s --check-prefix=INF
// INF: qsim-collect: error: sample 3 of '{{.*}}inf.npy' holds NaN or infinity
// RUN: not qsim-collect %t.ann.mlir --data=%t.empty.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: qsim-collect: error: data '{{.*}}empty.npy' is empty: shape (0, 4, 4, 2) holds no sample
// RUN: not qsim-collect %t.ann.mlir --data=%t.shape.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: qsim-collect: error: data '{{.*}}shape.npy' has shape (4, 4, 4, 3), 'main' takes (1, 4, 4, 2) (expects (N, 4, 4, 2))
// RUN: not qsim-collect %t.ann.mlir --data=%t.f64.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: qsim-collect: error: data '{{.*}}f64.npy' has dtype '<f8'; calibration data must be float32 ('<f4')
// RUN: not qsim-collect %t.ann.mlir --data=%t.trunc.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: qsim-collect: error: data: '{{.*}}trunc.npy': truncated data: shape (4, 4, 4, 2) of '<f4' needs 512 bytes, the file has 505
// RUN: not qsim-collect %t.ann.mlir --data=%t.text.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=MAGIC
// MAGIC: qsim-collect: error: data: '{{.*}}text.npy': not a .npy file (bad magic string)
// RUN: not qsim-collect %t.ann.mlir --data=%t.missing.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: qsim-collect: error: data: cannot open '{{.*}}missing.npy': No such file or directory
// RUN: not qsim-collect %S/Inputs/conv-relu.mlir --data=%t.ok.npy --output=%t.json 2>&1 | FileCheck %s --check-prefix=NOPOINTS
// NOPOINTS: qsim-collect: error: '{{.*}}conv-relu.mlir' has no input/activation quantization points; run --qsim-annotate first
// RUN: not qsim-collect %t.ann.mlir --data=%t.ok.npy --output=%t.json --percentile=0 2>&1 | FileCheck %s --check-prefix=PCT
// PCT: qsim-collect: error: --percentile must be in (0, 100]
// RUN: not qsim-collect %t.ann.mlir --data=%t.ok.npy --output=%t.json --bins=100 2>&1 | FileCheck %s --check-prefix=BINS
// BINS: qsim-collect: error: --bins must be a power of two in [2, 2^24]
// RUN: not test -e %t.json
// RUN: not test -e %t.json.tmp

// Skipping: the NaN sample is left out and counted.
// RUN: qsim-collect %t.ann.mlir --data=%t.nan.npy --output=%t.skip.json --skip-nonfinite 2>&1 | FileCheck %s --check-prefix=SKIP
// SKIP: qsim-collect: skipped 1 sample(s) holding NaN or infinity
// RUN: FileCheck %s --check-prefix=SKIPTABLE < %t.skip.json
// SKIPTABLE: "samples": 3,
// SKIPTABLE: "skipped_samples": 1,
