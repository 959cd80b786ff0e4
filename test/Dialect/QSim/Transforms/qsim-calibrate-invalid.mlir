// RUN: qsim-opt %s --qsim-calibrate -verify-diagnostics
// RUN: not qsim-opt %s --qsim-calibrate="rounding=nearest" 2>&1 | FileCheck %s --check-prefix=ROUNDING
// RUN: not qsim-opt %s --qsim-calibrate="weight-method=kl" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not qsim-opt %s --qsim-calibrate="method=entropy" 2>&1 | FileCheck %s --check-prefix=ACTMETHOD
// RUN: not qsim-opt %s --qsim-calibrate="method=percentile percentile=0" 2>&1 | FileCheck %s --check-prefix=PERCENTILE
// RUN: not qsim-opt %s --qsim-calibrate="percentile=100.5" 2>&1 | FileCheck %s --check-prefix=PERCENTILE2
// RUN: not qsim-opt %s --qsim-calibrate="table=%S/Inputs/bad-histogram.json" 2>&1 | FileCheck %s --check-prefix=HISTOGRAM
// RUN: not qsim-opt %s --qsim-calibrate="table=%S/Inputs/bad-schema.json" 2>&1 | FileCheck %s --check-prefix=SCHEMA
// RUN: not qsim-opt %s --qsim-calibrate="table=%S/Inputs/bad-range.json" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not qsim-opt %s --qsim-calibrate="table=%S/Inputs/missing-file.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not qsim-opt %s --qsim-calibrate="table=%S/Inputs" 2>&1 | FileCheck %s --check-prefix=DIRECTORY
// RUN: not qsim-opt %s --qsim-calibrate="table=/dev/zero" 2>&1 | FileCheck %s --check-prefix=DEVZERO
// RUN: %python -c "open(r'%t.deep.json', 'w').write('[' * 100000)"
// RUN: not qsim-opt %s --qsim-calibrate="table=%t.deep.json" 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: not qsim-opt %s --qsim-calibrate="bits=20" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not qsim-opt %s --qsim-calibrate="global-scale=0" 2>&1 | FileCheck %s --check-prefix=GLOBAL
// RUN: not qsim-opt %s --qsim-calibrate="weight-range-bits=9" 2>&1 | FileCheck %s --check-prefix=WBITS
// RUN: not qsim-opt %s --qsim-calibrate="weight-range-bits=1" 2>&1 | FileCheck %s --check-prefix=WBITS1

// ROUNDING: qsim-calibrate: unknown rounding mode 'nearest' (expected half_to_even, half_away_from_zero, half_up, toward_zero or floor)
// METHOD: qsim-calibrate: unknown weight-method 'kl' (expected max or mse)
// ACTMETHOD: qsim-calibrate: unknown method 'entropy' (expected max, pow2, percentile, mse or kl)
// PERCENTILE: qsim-calibrate: percentile must be in (0, 100], got 0
// PERCENTILE2: qsim-calibrate: percentile must be in (0, 100], got 1.005000e+02
// HISTOGRAM: qsim-calibrate: '{{.*}}bad-histogram.json': point 'f.x': inconsistent 'histogram' (bins must be a power of two, range 0 or a power of two, at most 'bins' counts)
// SCHEMA: qsim-calibrate: '{{.*}}bad-schema.json': unsupported calibration table schema 'qsim-calibration-table/0' (expected 'qsim-calibration-table/1')
// RANGE: qsim-calibrate: '{{.*}}bad-range.json': point 'f.x': 'min' (3.000000) is greater than 'max' (1.000000)
// MISSING: qsim-calibrate: cannot read calibration table '{{.*}}missing-file.json'
// DIRECTORY: qsim-calibrate: cannot read calibration table '{{.*}}Inputs': it is a directory
// DEVZERO: qsim-calibrate: cannot read calibration table '/dev/zero': not a regular file
// DEEP: qsim-calibrate: '{{.*}}deep.json': calibration table nests arrays or objects deeper than 64 levels
// BITS: qsim-calibrate: bits must be in [2, 16], got 20
// GLOBAL: qsim-calibrate: global-scale must be finite and positive, got 0
// WBITS: qsim-calibrate: weight-range-bits must be in [2, bits = 8], got 9
// WBITS1: qsim-calibrate: weight-range-bits must be in [2, bits = 8], got 1

// A weight point must be a constant.
func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{qsim-calibrate: weight point 'g.w' is not a constant}}
  %0 = qsim.annotate %x weight "g.w" : tensor<4xf32>
  return %0 : tensor<4xf32>
}
