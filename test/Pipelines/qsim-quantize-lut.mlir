// Hard-swish as PyTorch writes it, x * clamp(x + 3, 0, 6) * (1/6), and a
// sigmoid, between int8 ops: each becomes one qsim.lut, with int8 on both
// sides (no dequantize/quantize pair around it, no float op left).
// RUN: qsim-opt %s --qsim-annotate --qsim-calibrate="global-scale=4.0" --qsim-fuse-lut --qsim-realize --canonicalize --cse | FileCheck %s
// The pipeline runs --qsim-fuse-lut unless fuse-lut=false.
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0 fuse-lut=false" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOPIPE
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0" | FileCheck %s --check-prefix=LOWER
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0 fuse-lut=false" | FileCheck %s --check-prefix=FLOAT

// CHECK-LABEL: func.func @hard_swish_sigmoid
// CHECK: %[[P0:.*]] = tosa.max_pool2d %{{.*}} -> tensor<1x2x2x4xi8>
// CHECK-NEXT: %[[L0:.*]] = qsim.lut %[[P0]] table dense<{{.*}}> : tensor<256xi8> : tensor<1x2x2x4xi8> -> tensor<1x2x2x4xi8>
// CHECK-NEXT: %[[P1:.*]] = tosa.max_pool2d %[[L0]]
// CHECK-NEXT: %[[L1:.*]] = qsim.lut %[[P1]] table dense<{{.*}}> : tensor<256xi8> : tensor<1x2x2x4xi8> -> tensor<1x2x2x4xi8>
// CHECK-NEXT: %[[P2:.*]] = tosa.max_pool2d %[[L1]]
// CHECK-NEXT: qsim.dequantize %[[P2]]
// CHECK-NOT: tosa.mul
// CHECK-NOT: tosa.sigmoid

// PIPE: qsim-calibrate
// PIPE-NEXT: qsim-fuse-lut
// PIPE-NEXT: qsim-realize
// NOPIPE: qsim-calibrate
// NOPIPE-NEXT: qsim-realize

// LOWER-LABEL: func.func @hard_swish_sigmoid
// LOWER-COUNT-2: tensor.extract
// LOWER-NOT: math.exp

// Without the tables the sigmoid stays float.
// FLOAT-LABEL: func.func @hard_swish_sigmoid
// FLOAT-NOT: tensor.extract
// FLOAT: tosa.sigmoid
func.func @hard_swish_sigmoid(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %c3 = "tosa.const"() <{values = dense<3.0> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %c6 = "tosa.const"() <{values = dense<0.166666672> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %p0 = tosa.max_pool2d %x {kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %0 = tosa.add %p0, %c3 : (tensor<1x2x2x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x2x2x4xf32>
  %1 = tosa.clamp %0 {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %2 = tosa.mul %p0, %1, %shift : (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<1xi8>) -> tensor<1x2x2x4xf32>
  %3 = tosa.mul %2, %c6, %shift : (tensor<1x2x2x4xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x2x2x4xf32>
  %p1 = tosa.max_pool2d %3 {kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %4 = tosa.sigmoid %p1 : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %p2 = tosa.max_pool2d %4 {kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  return %p2 : tensor<1x2x2x4xf32>
}
