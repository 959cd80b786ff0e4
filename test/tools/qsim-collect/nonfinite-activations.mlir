// Finite data can still overflow inside the model: a NaN or infinity seen
// at a quantization point is an error naming the point and the sample, and
// --skip-nonfinite leaves such values out of the statistics, counts them on
// stderr and in the table ("nonfinite").

// RUN: qsim-opt %S/Inputs/conv-relu.mlir --qsim-annotate -o %t.ann.mlir
// Sample 2 is 3e38 everywhere: the second output channel of the conv
// (0.25 x + 2 x) overflows to infinity at all 16 pixels, the clamp after
// it brings the values back to 6.
// RUN: %python -c "import numpy as np; a = np.ones((4, 4, 4, 2), np.float32); a[2] = 3e38; np.save(r'%t.big.npy', a)"
// RUN: rm -f %t.json %t.json.tmp

// RUN: not qsim-collect %t.ann.mlir --data=%t.big.npy --output=%t.json --quiet 2>&1 | FileCheck %s --check-prefix=ERROR -DFILE=%t.big.npy
// RUN: not qsim-collect %t.ann.mlir --data=%t.big.npy --output=%t.json --quiet --batch-size=4 2>&1 | FileCheck %s --check-prefix=ERROR -DFILE=%t.big.npy
// ERROR: qsim-collect: error: point 'main.conv2d_0.out' got NaN or infinity from sample 2 of '[[FILE]]' (use --skip-nonfinite to leave such values out)
// RUN: not test -e %t.json
// RUN: not test -e %t.json.tmp

// RUN: qsim-collect %t.ann.mlir --data=%t.big.npy --output=%t.json --skip-nonfinite --quiet 2>&1 | FileCheck %s --check-prefix=SKIP
// SKIP-NOT: main.arg0
// SKIP: qsim-collect: point 'main.conv2d_0.out': left out 16 NaN or infinite value(s)
// SKIP-NOT: main.clamp_0.out
// RUN: FileCheck %s --check-prefix=TABLE < %t.json
// TABLE: "samples": 4,
// TABLE: "skipped_samples": 0,
// TABLE: "name": "main.conv2d_0.out",
// TABLE: "count": 112,
// TABLE-NEXT: "nonfinite": 16,
// TABLE: "name": "main.clamp_0.out",
// TABLE-NOT: "nonfinite"
