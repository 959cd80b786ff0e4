// Every check qsim-run makes on its --input and --output files before it
// compiles anything.

// RUN: %python -c "import numpy as np; np.save(r'%t.f32.npy', np.zeros((2, 3), np.float32))"
// RUN: %python -c "import numpy as np; np.save(r'%t.f64.npy', np.zeros((2, 3), np.float64))"
// RUN: %python -c "import numpy as np; np.save(r'%t.f32x32.npy', np.zeros((3, 2), np.float32))"
// RUN: %python -c "import numpy as np; np.save(r'%t.i8.npy', np.zeros((4,), np.int8))"
// RUN: %python -c "import numpy as np; np.save(r'%t.i32.npy', np.zeros((4,), np.int32))"
// RUN: %python -c "import numpy as np; np.save(r'%t.big.npy', np.zeros((2, 3), '>f4'))"
// RUN: %python -c "import numpy as np; np.save(r'%t.fortran.npy', np.asfortranarray(np.zeros((2, 3), np.float32)))"
// RUN: %python -c "import numpy as np; np.save(r'%t.u16.npy', np.zeros((2, 3), np.uint16))"
// RUN: %python -c "import numpy as np; d = open(r'%t.f32.npy', 'rb').read(); open(r'%t.trunc.npy', 'wb').write(d[:-5])"
// RUN: %python -c "open(r'%t.text.npy', 'w').write('not an array')"

// RUN: not qsim-run %s --input=%t.f32.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: qsim-run: error: 'f' takes 2 argument(s) (tensor<2x3xf32>, tensor<4xi8>) -> (tensor<2x3xf32>, tensor<4xi32>), got 1 --input file(s)

// RUN: not qsim-run %s --input=%t.f32.npy --input=%t.i8.npy --input=%t.i8.npy 2>&1 | FileCheck %s --check-prefix=COUNT3
// COUNT3: error: 'f' takes 2 argument(s) {{.*}}, got 3 --input file(s)

// RUN: not qsim-run %s --input=%t.f64.npy --input=%t.i8.npy 2>&1 | FileCheck %s --check-prefix=DTYPE -DFILE=%t.f64.npy
// DTYPE: qsim-run: error: input #0 '[[FILE]]' has dtype '<f8', argument #0 of 'f' is tensor<2x3xf32> (expects '<f4')

// RUN: not qsim-run %s --input=%t.f32.npy --input=%t.i32.npy 2>&1 | FileCheck %s --check-prefix=DTYPE1 -DFILE=%t.i32.npy
// DTYPE1: qsim-run: error: input #1 '[[FILE]]' has dtype '<i4', argument #1 of 'f' is tensor<4xi8> (expects '|i1')

// RUN: not qsim-run %s --input=%t.f32x32.npy --input=%t.i8.npy 2>&1 | FileCheck %s --check-prefix=SHAPE -DFILE=%t.f32x32.npy
// SHAPE: qsim-run: error: input #0 '[[FILE]]' has shape (3, 2), argument #0 of 'f' is tensor<2x3xf32> (expects shape (2, 3))

// RUN: not qsim-run %s --input=%t.missing.npy --input=%t.i8.npy 2>&1 | FileCheck %s --check-prefix=MISSING -DFILE=%t.missing.npy
// MISSING: qsim-run: error: input #0: cannot open '[[FILE]]': No such file or directory

// RUN: not qsim-run %s --input=%t.trunc.npy --input=%t.i8.npy 2>&1 | FileCheck %s --check-prefix=TRUNC -DFILE=%t.trunc.npy
// TRUNC: qsim-run: error: input #0: '[[FILE]]': truncated data: shape (2, 3) of '<f4' needs 24 bytes, the file has 19

// RUN: not qsim-run %s --input=%t.text.npy --input=%t.i8.npy 2>&1 | FileCheck %s --check-prefix=MAGIC -DFILE=%t.text.npy
// MAGIC: qsim-run: error: input #0: '[[FILE]]': not a .npy file (bad magic string)

// RUN: not qsim-run %s --input=%t.big.npy --input=%t.i8.npy 2>&1 | FileCheck %s --check-prefix=BIG
// BIG: qsim-run: error: input #0: '{{.*}}': big-endian dtype '>f4' is not supported

// RUN: not qsim-run %s --input=%t.fortran.npy --input=%t.i8.npy 2>&1 | FileCheck %s --check-prefix=FORTRAN
// FORTRAN: qsim-run: error: input #0: '{{.*}}': fortran_order True is not supported

// RUN: not qsim-run %s --input=%t.u16.npy --input=%t.i8.npy 2>&1 | FileCheck %s --check-prefix=U16
// U16: qsim-run: error: input #0: '{{.*}}': unsupported dtype '<u2'

// RUN: not qsim-run %s --input=%t.f32.npy --input=%t.i8.npy --output=%t.o.npy 2>&1 | FileCheck %s --check-prefix=OUTPUTS
// OUTPUTS: qsim-run: error: 'f' returns 2 result(s), got 1 --output file(s)

// RUN: not qsim-run %s --input=%t.f32.npy --input=%t.i8.npy --output=%t.o0.npy --output=%t.o1.npy --output=%t.o2.npy 2>&1 | FileCheck %s --check-prefix=OUTPUTS3
// OUTPUTS3: qsim-run: error: 'f' returns 2 result(s), got 3 --output file(s)

// RUN: not qsim-run %s --input=%t.f32.npy --input=%t.i8.npy --output=%t.o0.npy --output=%t.no/such/dir.npy 2>&1 | FileCheck %s --check-prefix=WRITE
// WRITE: qsim-run: error: output #1: cannot open '{{.*}}no/such/dir.npy' for writing: No such file or directory

func.func @f(%a: tensor<2x3xf32>, %b: tensor<4xi8>) -> (tensor<2x3xf32>, tensor<4xi32>) {
  %c = tosa.cast %b : (tensor<4xi8>) -> tensor<4xi32>
  return %a, %c : tensor<2x3xf32>, tensor<4xi32>
}
