// Every supported element type goes in and comes out with its .npy dtype,
// --print shows values the way numpy would, and results that alias inputs,
// constants or each other come back intact.

// RUN: %python -c "import numpy as np; np.save(r'%t.f32.npy', np.array([1.5, -2.0, 3.25], np.float32))"
// RUN: %python -c "import numpy as np; np.save(r'%t.f64.npy', np.array([[0.1], [1e300]], np.float64))"
// RUN: %python -c "import numpy as np; np.save(r'%t.i8.npy', np.array([-128, -1, 127], np.int8))"
// RUN: %python -c "import numpy as np; np.save(r'%t.u8.npy', np.array([0, 200, 255], np.uint8))"
// RUN: %python -c "import numpy as np; np.save(r'%t.i16.npy', np.array([-32768, 7], np.int16))"
// RUN: %python -c "import numpy as np; np.save(r'%t.i32.npy', np.array(-5, np.int32))"
// RUN: %python -c "import numpy as np; np.save(r'%t.i64.npy', np.array([1 << 40], np.int64))"
// RUN: %python -c "import numpy as np; np.save(r'%t.b1.npy', np.array([True, False]))"

// RUN: qsim-run %s --entry=identity --input=%t.f32.npy --input=%t.f64.npy --input=%t.i8.npy --input=%t.u8.npy --input=%t.i16.npy --input=%t.i32.npy --input=%t.i64.npy --input=%t.b1.npy \
// RUN:   --output=%t.o0.npy --output=%t.o1.npy --output=%t.o2.npy --output=%t.o3.npy --output=%t.o4.npy --output=%t.o5.npy --output=%t.o6.npy --output=%t.o7.npy --print | FileCheck %s
// CHECK:      result #0: tensor<3xf32> shape (3,) dtype <f4
// CHECK-NEXT: [1.5, -2, 3.25]
// CHECK-NEXT: result #1: tensor<2x1xf64> shape (2, 1) dtype <f8
// CHECK-NEXT: {{\[\[}}0.1],
// CHECK-NEXT: {{^}} [1e+300]]
// CHECK-NEXT: result #2: tensor<3xi8> shape (3,) dtype |i1
// CHECK-NEXT: [-128, -1, 127]
// CHECK-NEXT: result #3: tensor<3xui8> shape (3,) dtype |u1
// CHECK-NEXT: [0, 200, 255]
// CHECK-NEXT: result #4: tensor<2xi16> shape (2,) dtype <i2
// CHECK-NEXT: [-32768, 7]
// CHECK-NEXT: result #5: tensor<i32> shape () dtype <i4
// CHECK-NEXT: -5
// CHECK-NEXT: result #6: tensor<1xi64> shape (1,) dtype <i8
// CHECK-NEXT: [1099511627776]
// CHECK-NEXT: result #7: tensor<2xi1> shape (2,) dtype |b1
// CHECK-NEXT: [True, False]

// The written files equal the inputs, dtype included.
// RUN: %python -c "import numpy as np, sys; names = ['f32', 'f64', 'i8', 'u8', 'i16', 'i32', 'i64', 'b1']; \
// RUN:   pairs = [(np.load(r'%t.' + n + '.npy'), np.load(r'%t.o' + str(i) + '.npy')) for i, n in enumerate(names)]; \
// RUN:   bad = [names[i] for i, (a, b) in enumerate(pairs) if a.dtype != b.dtype or a.shape != b.shape or not np.array_equal(a, b)]; \
// RUN:   sys.exit('mismatch: ' + ' '.join(bad) if bad else 0)"

// uint8 files feed i8 arguments byte for byte (200 -> -56).
// RUN: qsim-run %s --entry=widen --input=%t.u8.npy --print | FileCheck %s --check-prefix=U8
// U8: result #0: tensor<3xi32> shape (3,) dtype <i4
// U8-NEXT: [0, -56, -1]

// An entry that may update its argument in place does not: calling it three
// times gives x + 1, not x + 3. Results aliasing an argument, a constant and
// each other are separate copies.
// RUN: qsim-run %s --entry=aliasing --input=%t.f32.npy --repeat=3 --print | FileCheck %s --check-prefix=ALIAS
// ALIAS:      result #0: tensor<3xf32> shape (3,) dtype <f4
// ALIAS-NEXT: [2.5, -1, 4.25]
// ALIAS-NEXT: result #1: tensor<3xf32> shape (3,) dtype <f4
// ALIAS-NEXT: [1.5, -2, 3.25]
// ALIAS-NEXT: result #2: tensor<3xf32> shape (3,) dtype <f4
// ALIAS-NEXT: [7, 8, 9]
// ALIAS-NEXT: result #3: tensor<3xf32> shape (3,) dtype <f4
// ALIAS-NEXT: [7, 8, 9]
// ALIAS-NEXT: result #4: tensor<3xf32> shape (3,) dtype <f4
// ALIAS-NEXT: [2.5, -1, 4.25]

// Large results are summarized like numpy: 3 leading and trailing entries.
// RUN: qsim-run %s --entry=large --print | FileCheck %s --check-prefix=LARGE
// LARGE:      result #0: tensor<40x50xi32> shape (40, 50) dtype <i4
// LARGE-NEXT: {{\[\[}}0, 1, 2, ..., 47, 48, 49],
// LARGE-NEXT: {{^}} [50, 51, 52, ..., 97, 98, 99],
// LARGE-NEXT: {{^}} [100, 101, 102, ..., 147, 148, 149],
// LARGE-NEXT: {{^}} ...
// LARGE-NEXT: {{^}} [1850, 1851, 1852, ..., 1897, 1898, 1899],
// LARGE-NEXT: {{^}} [1900, 1901, 1902, ..., 1947, 1948, 1949],
// LARGE-NEXT: {{^}} [1950, 1951, 1952, ..., 1997, 1998, 1999]]

func.func @identity(%f32: tensor<3xf32>, %f64: tensor<2x1xf64>, %i8: tensor<3xi8>, %u8: tensor<3xui8>,
                    %i16: tensor<2xi16>, %i32: tensor<i32>, %i64: tensor<1xi64>, %b1: tensor<2xi1>)
    -> (tensor<3xf32>, tensor<2x1xf64>, tensor<3xi8>, tensor<3xui8>, tensor<2xi16>, tensor<i32>, tensor<1xi64>, tensor<2xi1>) {
  return %f32, %f64, %i8, %u8, %i16, %i32, %i64, %b1
      : tensor<3xf32>, tensor<2x1xf64>, tensor<3xi8>, tensor<3xui8>, tensor<2xi16>, tensor<i32>, tensor<1xi64>, tensor<2xi1>
}

func.func @widen(%x: tensor<3xi8>) -> tensor<3xi32> {
  %r = arith.extsi %x : tensor<3xi8> to tensor<3xi32>
  return %r : tensor<3xi32>
}

func.func @aliasing(%x: tensor<3xf32>)
    -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %inplace = linalg.map ins(%x : tensor<3xf32>) outs(%x : tensor<3xf32>)
    (%in: f32, %out: f32) {
      %one = arith.constant 1.0 : f32
      %s = arith.addf %in, %one : f32
      linalg.yield %s : f32
    }
  %c = arith.constant dense<[7.0, 8.0, 9.0]> : tensor<3xf32>
  return %inplace, %x, %c, %c, %inplace
      : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

func.func @large() -> tensor<40x50xi32> {
  %init = tensor.empty() : tensor<40x50xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%init : tensor<40x50xi32>) {
  ^bb0(%out: i32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c50 = arith.constant 50 : index
    %row = arith.muli %i, %c50 : index
    %k = arith.addi %row, %j : index
    %v = arith.index_cast %k : index to i32
    linalg.yield %v : i32
  } -> tensor<40x50xi32>
  return %r : tensor<40x50xi32>
}
