// RUN: qsim-opt %s --qsim-fuse-lut -split-input-file | FileCheck %s
// RUN: qsim-opt %s --qsim-fuse-lut --qsim-realize --canonicalize -split-input-file | FileCheck %s --check-prefix=REAL

// Hard-swish as the ONNX importer writes it, x * clamp(x / 6 + 0.5, 0, 1),
// with the activation points annotate puts after each op: one table from
// the first point to the last, the inner points gone. The table's numbers
// are checked against numpy in python/tests/test_fuse_lut.py.
// CHECK-LABEL: func.func @hard_swish
// CHECK: tosa.max_pool2d
// CHECK: %[[X:.*]] = qsim.sim_quantize %{{.*}} <s8, scale = 5.000000e-02>
// CHECK: %[[Q:.*]] = qsim.quantize %[[X]] <s8, scale = 5.000000e-02> : tensor<1x1x8x1xf32> -> tensor<1x1x8x1xi8>
// CHECK: %[[L:.*]] = qsim.lut %[[Q]] table dense<"0x{{[0-9A-F]+}}"> : tensor<256xi8> : tensor<1x1x8x1xi8> -> tensor<1x1x8x1xi8>
// CHECK: %[[D:.*]] = qsim.dequantize %[[L]] <s8, scale = 4.000000e-02>
// CHECK: qsim.sim_quantize %[[D]] <s8, scale = 4.000000e-02>
// CHECK-NOT: tosa.mul
// CHECK-NOT: tosa.add
// CHECK-NOT: tosa.clamp
// CHECK-NOT: scale = 0.0{{0*}}1
// After realize, int8 on both sides of the lookup: no dequantize/quantize
// pair around it.
// REAL-LABEL: func.func @hard_swish
// REAL: %[[P:.*]] = tosa.max_pool2d %{{.*}} -> tensor<1x1x8x1xi8>
// REAL: %[[L:.*]] = qsim.lut %[[P]] table
// REAL: tosa.max_pool2d %[[L]]
// REAL-NOT: qsim.quantize
// REAL-NOT: tosa.mul
func.func @hard_swish(%arg0: tensor<1x1x8x1xf32>) -> tensor<1x1x8x1xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %c6 = "tosa.const"() <{values = dense<0.166666672> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %c05 = "tosa.const"() <{values = dense<0.5> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %in = qsim.sim_quantize %arg0 <s8, scale = 0.05> : tensor<1x1x8x1xf32>
  %p = tosa.max_pool2d %in {kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x1x8x1xf32>) -> tensor<1x1x8x1xf32>
  %0 = qsim.sim_quantize %p <s8, scale = 0.05> : tensor<1x1x8x1xf32>
  %1 = tosa.mul %0, %c6, %shift : (tensor<1x1x8x1xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x1x8x1xf32>
  %2 = qsim.sim_quantize %1 <s8, scale = 0.01> : tensor<1x1x8x1xf32>
  %3 = tosa.add %2, %c05 : (tensor<1x1x8x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x8x1xf32>
  %4 = qsim.sim_quantize %3 <s8, scale = 0.01> : tensor<1x1x8x1xf32>
  %5 = tosa.clamp %4 {min_val = 0.0 : f32, max_val = 1.0 : f32} : (tensor<1x1x8x1xf32>) -> tensor<1x1x8x1xf32>
  %6 = qsim.sim_quantize %5 <s8, scale = 0.01> : tensor<1x1x8x1xf32>
  %7 = tosa.mul %0, %6, %shift : (tensor<1x1x8x1xf32>, tensor<1x1x8x1xf32>, tensor<1xi8>) -> tensor<1x1x8x1xf32>
  %8 = qsim.sim_quantize %7 <s8, scale = 0.04> : tensor<1x1x8x1xf32>
  %n = tosa.max_pool2d %8 {kernel = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x1x8x1xf32>) -> tensor<1x1x8x1xf32>
  %9 = qsim.sim_quantize %n <s8, scale = 0.04> : tensor<1x1x8x1xf32>
  return %9 : tensor<1x1x8x1xf32>
}

// -----

// SiLU x * sigmoid(x) is one table: the chains are taken from the last
// point back, so the sigmoid is not tabulated on its own first. The output
// may be unsigned-style (zero point -128).
// CHECK-LABEL: func.func @silu
// REAL-LABEL: func.func @silu
// CHECK: qsim.lut %{{.*}} table dense<"0x{{[0-9A-F]+}}"> : tensor<256xi8>
// CHECK-NOT: qsim.lut
// CHECK-NOT: tosa.sigmoid
// CHECK-NOT: tosa.mul
// CHECK: return
func.func @silu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = qsim.sim_quantize %x <s8, scale = 0.05> : tensor<4xf32>
  %1 = tosa.sigmoid %0 : (tensor<4xf32>) -> tensor<4xf32>
  %2 = qsim.sim_quantize %1 <s8, scale = 0.00392156886, zero_point = -128> : tensor<4xf32>
  %3 = tosa.mul %0, %2, %shift : (tensor<4xf32>, tensor<4xf32>, tensor<1xi8>) -> tensor<4xf32>
  %4 = qsim.sim_quantize %3 <s8, scale = 0.05> : tensor<4xf32>
  return %4 : tensor<4xf32>
}

// -----

// An inner point that another op reads keeps its rounding: the chain
// starts there. The mul of two different points is not a unary chain, so
// only the sigmoid becomes a table.
// CHECK-LABEL: func.func @escaping_point
// CHECK: %[[S:.*]] = qsim.lut
// CHECK: tosa.mul
// CHECK: return
func.func @escaping_point(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = qsim.sim_quantize %x <s8, scale = 0.05> : tensor<4xf32>
  %1 = tosa.sigmoid %0 : (tensor<4xf32>) -> tensor<4xf32>
  %2 = qsim.sim_quantize %1 <s8, scale = 0.0078125> : tensor<4xf32>
  %3 = tosa.mul %0, %2, %shift : (tensor<4xf32>, tensor<4xf32>, tensor<1xi8>) -> tensor<4xf32>
  %4 = qsim.sim_quantize %3 <s8, scale = 0.05> : tensor<4xf32>
  return %4, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Left alone: a single clamp (realize makes it an exact integer clamp), a
// per-channel input, a constant that is not a splat, a chain from two
// inputs.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT: qsim.lut
// CHECK: tosa.clamp
// CHECK: tosa.sigmoid
// CHECK: tosa.add
// CHECK: tosa.add
func.func @not_fused(%x: tensor<2x2xf32>, %y: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %c = "tosa.const"() <{values = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.05> : tensor<2x2xf32>
  %1 = tosa.clamp %0 {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %2 = qsim.sim_quantize %1 <s8, scale = 0.05> : tensor<2x2xf32>
  %3 = qsim.sim_quantize %x <s8, scales = [0.05, 0.1], axis = 1> : tensor<2x2xf32>
  %4 = tosa.sigmoid %3 : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %5 = qsim.sim_quantize %4 <s8, scale = 0.0078125> : tensor<2x2xf32>
  %6 = tosa.add %0, %c : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %7 = tosa.sigmoid %6 : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %8 = qsim.sim_quantize %7 <s8, scale = 0.0078125> : tensor<2x2xf32>
  %9 = qsim.sim_quantize %y <s8, scale = 0.05> : tensor<2x2xf32>
  %10 = tosa.add %0, %9 : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %11 = tosa.sigmoid %10 : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %12 = qsim.sim_quantize %11 <s8, scale = 0.0078125> : tensor<2x2xf32>
  return %2, %5, %8, %12 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// GELU after a matmul's bias add: the add reads a per-channel constant, so
// no table can include it; its point is the root and the whole
// x * 0.5 * (1 + erf(x / sqrt 2)) one table (not a table for the erf part
// and integer muls after it).
// CHECK-LABEL: func.func @gelu_after_bias
// CHECK: %[[ADD:.*]] = tosa.add
// CHECK: %[[P:.*]] = qsim.sim_quantize %[[ADD]]
// CHECK: %[[Q:.*]] = qsim.quantize %[[P]]
// CHECK: qsim.lut %[[Q]]
// CHECK-NOT: qsim.lut
// CHECK-NOT: tosa.erf
// CHECK-NOT: tosa.mul
// CHECK: return
func.func @gelu_after_bias(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %bias = "tosa.const"() <{values = dense<[[0.5, -0.25]]> : tensor<1x2xf32>}> : () -> tensor<1x2xf32>
  %rsqrt2 = "tosa.const"() <{values = dense<0.707106769> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %one = "tosa.const"() <{values = dense<1.0> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %half = "tosa.const"() <{values = dense<0.5> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.05> : tensor<2x2xf32>
  %qb = qsim.sim_quantize %bias <s8, scale = 0.00390625> : tensor<1x2xf32>
  %1 = tosa.add %0, %qb : (tensor<2x2xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
  %2 = qsim.sim_quantize %1 <s8, scale = 0.05> : tensor<2x2xf32>
  %3 = tosa.mul %2, %rsqrt2, %shift : (tensor<2x2xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<2x2xf32>
  %4 = qsim.sim_quantize %3 <s8, scale = 0.04> : tensor<2x2xf32>
  %5 = tosa.erf %4 : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %6 = qsim.sim_quantize %5 <s8, scale = 0.0078125> : tensor<2x2xf32>
  %7 = tosa.add %6, %one : (tensor<2x2xf32>, tensor<1x1xf32>) -> tensor<2x2xf32>
  %8 = qsim.sim_quantize %7 <s8, scale = 0.015625> : tensor<2x2xf32>
  %9 = tosa.mul %2, %8, %shift : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<1xi8>) -> tensor<2x2xf32>
  %10 = qsim.sim_quantize %9 <s8, scale = 0.1> : tensor<2x2xf32>
  %11 = tosa.mul %10, %half, %shift : (tensor<2x2xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<2x2xf32>
  %12 = qsim.sim_quantize %11 <s8, scale = 0.05> : tensor<2x2xf32>
  return %12 : tensor<2x2xf32>
}

// -----

// A factor per channel of the last axis after the chain's last inner point
// (a batch norm's scale after an activation): one table row per channel, row c
// holding round(|x| * f_c / 0.5) for x = -2, -1, 0, 1.
// CHECK-LABEL: func.func @per_channel_factor
// CHECK: %[[Q:.*]] = qsim.quantize %{{.*}} : tensor<3x2xf32> -> tensor<3x2xi2>
// CHECK: qsim.lut %[[Q]] table dense<{{\[}}[4, 2, 0, 2], [12, 6, 0, 6]]> : tensor<2x4xi8>
// CHECK-NOT: tosa.abs
// CHECK-NOT: tosa.mul
// CHECK: return
func.func @per_channel_factor(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %f = "tosa.const"() <{values = dense<[[1.0, 3.0]]> : tensor<1x2xf32>}> : () -> tensor<1x2xf32>
  %0 = qsim.sim_quantize %x <s2, scale = 1.0> : tensor<3x2xf32>
  %1 = tosa.abs %0 : (tensor<3x2xf32>) -> tensor<3x2xf32>
  %2 = qsim.sim_quantize %1 <s8, scale = 0.5> : tensor<3x2xf32>
  %qf = qsim.sim_quantize %f <s8, scale = 0.0234375> : tensor<1x2xf32>
  %3 = tosa.mul %2, %qf, %shift : (tensor<3x2xf32>, tensor<1x2xf32>, tensor<1xi8>) -> tensor<3x2xf32>
  %4 = qsim.sim_quantize %3 <s8, scale = 0.5> : tensor<3x2xf32>
  return %4 : tensor<3x2xf32>
}

// -----

// A per-channel factor before an inner point (a bias add, then a sigmoid)
// still ends the chain at that point: only the sigmoid is tabulated, with
// one row.
// CHECK-LABEL: func.func @per_channel_before_point
// CHECK: tosa.add
// CHECK: qsim.lut %{{.*}} table dense<{{.*}}> : tensor<256xi8>
// CHECK-NOT: tosa.sigmoid
// CHECK: return
func.func @per_channel_before_point(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %b = "tosa.const"() <{values = dense<[[1.0, 3.0]]> : tensor<1x2xf32>}> : () -> tensor<1x2xf32>
  %0 = qsim.sim_quantize %x <s8, scale = 0.05> : tensor<3x2xf32>
  %qb = qsim.sim_quantize %b <s8, scale = 0.0234375> : tensor<1x2xf32>
  %1 = tosa.add %0, %qb : (tensor<3x2xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
  %2 = qsim.sim_quantize %1 <s8, scale = 0.05> : tensor<3x2xf32>
  %3 = tosa.sigmoid %2 : (tensor<3x2xf32>) -> tensor<3x2xf32>
  %4 = qsim.sim_quantize %3 <s8, scale = 0.0078125> : tensor<3x2xf32>
  return %4 : tensor<3x2xf32>
}

// -----

// A linear layer with a zero (splat) bias, then GELU: the matmul has no
// point (its bias add requantizes), so the chain cannot go back past the
// add, whose point is the table's input even though its constant is a splat.
// CHECK-LABEL: func.func @gelu_after_bias
// CHECK: %[[A:.*]] = tosa.add
// CHECK: %[[X:.*]] = qsim.sim_quantize %[[A]] <s8, scale = 3.000000e-02>
// CHECK: %[[Q:.*]] = qsim.quantize %[[X]]
// CHECK: qsim.lut %[[Q]] table
// CHECK-NOT: tosa.erf
// REAL-LABEL: func.func @gelu_after_bias
// REAL: tosa.matmul {{.*}} -> tensor<1x4x3xi32>
// REAL: qsim.requantize
// REAL: qsim.lut
// REAL-NOT: tosa.erf
func.func @gelu_after_bias(%x: tensor<1x4x8xf32>) -> tensor<1x4x3xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %xq = qsim.sim_quantize %x <s8, scale = 0.03> {kind = #qsim<kind input>, point = "x"} : tensor<1x4x8xf32>
  %w = "tosa.const"() <{values = dense<0.25> : tensor<1x8x3xf32>}> : () -> tensor<1x8x3xf32>
  %wq = qsim.sim_quantize %w <s8, scale = 0.002> {kind = #qsim<kind weight>, point = "mm.weight"} : tensor<1x8x3xf32>
  %m = tosa.matmul %xq, %wq, %zp, %zp : (tensor<1x4x8xf32>, tensor<1x8x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x3xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<1x1x3xf32>}> : () -> tensor<1x1x3xf32>
  %a = tosa.add %b, %m : (tensor<1x1x3xf32>, tensor<1x4x3xf32>) -> tensor<1x4x3xf32>
  %aq = qsim.sim_quantize %a <s8, scale = 0.03> {kind = #qsim<kind activation>, point = "bias.out"} : tensor<1x4x3xf32>
  %c = "tosa.const"() <{values = dense<0.707106769> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %d = tosa.mul %aq, %c, %shift : (tensor<1x4x3xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x4x3xf32>
  %dq = qsim.sim_quantize %d <s8, scale = 0.02> {kind = #qsim<kind activation>, point = "div.out"} : tensor<1x4x3xf32>
  %e = tosa.erf %dq : (tensor<1x4x3xf32>) -> tensor<1x4x3xf32>
  %eq = qsim.sim_quantize %e <s8, scale = 0.008> {kind = #qsim<kind activation>, point = "erf.out"} : tensor<1x4x3xf32>
  %y = tosa.mul %aq, %eq, %shift : (tensor<1x4x3xf32>, tensor<1x4x3xf32>, tensor<1xi8>) -> tensor<1x4x3xf32>
  %yq = qsim.sim_quantize %y <s8, scale = 0.03> {kind = #qsim<kind activation>, point = "mul.out"} : tensor<1x4x3xf32>
  return %yq : tensor<1x4x3xf32>
}
