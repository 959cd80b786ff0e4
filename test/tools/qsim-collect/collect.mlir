// End to end: annotate, collect statistics on data, quantize with each
// method from the table.

// RUN: qsim-opt %S/Inputs/conv-relu.mlir --qsim-annotate -o %t.ann.mlir
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.save(r'%t.data.npy', r.normal(size=(12, 4, 4, 2)).astype(np.float32))"

// Progress: one line per batch of 5 (the model takes 1 sample per call).
// RUN: qsim-collect %t.ann.mlir --data=%t.data.npy --output=%t.table.json --batch-size=5 2>&1 | FileCheck %s --check-prefix=PROGRESS
// PROGRESS: qsim-collect: batch 1/3: 5/12 samples
// PROGRESS: qsim-collect: batch 2/3: 10/12 samples
// PROGRESS: qsim-collect: batch 3/3: 12/12 samples
// PROGRESS: qsim-collect: 3 point(s), 12 sample(s) -> '{{.*}}table.json'

// Deterministic: another batch size gives the same bytes.
// RUN: qsim-collect %t.ann.mlir --data=%t.data.npy --output=%t.table2.json --batch-size=4 --quiet
// RUN: cmp %t.table.json %t.table2.json

// RUN: FileCheck %s --check-prefix=TABLE < %t.table.json
// TABLE: "schema": "qsim-calibration-table/1",
// TABLE: "samples": 12,
// TABLE: "data_hash": "fnv1a64:{{[0-9a-f]+}}",
// TABLE: "name": "main.arg0",
// TABLE: "kind": "input",
// TABLE: "count": 384,
// TABLE: "thresholds": {
// TABLE-NEXT: "max":
// TABLE-NEXT: "pow2":
// TABLE-NEXT: "percentile":
// TABLE-NEXT: "mse":
// TABLE-NEXT: "kl":
// TABLE: "channel_axis": 3,
// TABLE: "histogram": {
// TABLE-NEXT: "bins": 2048,
// TABLE: "name": "main.conv2d_0.out",
// TABLE: "name": "main.clamp_0.out",

// The same statistics as numpy computes them (min/max of the input).
// RUN: %python -c "import json, numpy as np; t = json.load(open(r'%t.table.json')); d = np.load(r'%t.data.npy'); p = t['points'][0]; assert p['min'] == float(d.min()) and p['max'] == float(d.max()), p; assert p['channel_max'] == [float(d[..., c].max()) for c in range(2)]; print('numpy agrees')" | FileCheck %s --check-prefix=NUMPY
// NUMPY: numpy agrees

// Every method quantizes from the table without missing points.
// RUN: qsim-opt %t.ann.mlir --qsim-calibrate="table=%t.table.json method=max" | FileCheck %s --check-prefix=QUANT
// RUN: qsim-opt %t.ann.mlir --qsim-calibrate="table=%t.table.json method=kl unsigned-activations" | FileCheck %s --check-prefix=QUANT
// RUN: qsim-opt %t.ann.mlir --qsim-calibrate="table=%t.table.json method=mse" | FileCheck %s --check-prefix=QUANT
// RUN: qsim-opt %t.ann.mlir --qsim-calibrate="table=%t.table.json method=percentile percentile=99" 2>&1 | FileCheck %s --check-prefix=QUANT --implicit-check-not=warning
// QUANT-LABEL: func.func @main
// QUANT: qsim.sim_quantize {{.*}} point = "main.arg0"
// QUANT: qsim.sim_quantize {{.*}} point = "main.conv2d_0.out"

// And the quantized model runs.
// RUN: qsim-opt %t.ann.mlir --qsim-calibrate="table=%t.table.json method=kl" --qsim-realize --canonicalize --convert-qsim-to-linalg -o %t.int8.mlir
// RUN: %python -c "import numpy as np; np.save(r'%t.x.npy', np.load(r'%t.data.npy')[:1])"
// RUN: qsim-run %t.int8.mlir --input=%t.x.npy --print | FileCheck %s --check-prefix=EXEC
// EXEC: result #0: tensor<1x4x4x2xf32> shape (1, 4, 4, 2)
