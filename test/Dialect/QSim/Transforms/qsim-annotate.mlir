// RUN: qsim-opt %s --qsim-annotate -split-input-file | FileCheck %s
// RUN: qsim-opt %s --qsim-annotate="skip-first-convs=1 skip-dense" -split-input-file | FileCheck %s --check-prefix=SKIP
// RUN: qsim-opt %s --qsim-annotate="skip-points=conv2$ deny-ops=tosa.avg_pool2d" -split-input-file | FileCheck %s --check-prefix=PATTERN
// RUN: qsim-opt %s --qsim-annotate="allow-ops=tosa.conv2d" -split-input-file | FileCheck %s --check-prefix=ALLOW
// RUN: qsim-opt %s --qsim-annotate --qsim-annotate -split-input-file | FileCheck %s --check-prefix=TWICE
// RUN: qsim-opt %s --qsim-annotate -split-input-file | FileCheck %s --check-prefix=ONCE

// ResNet v1 basic block: the block input feeds conv1 and the residual add
// and gets exactly one marker; every conv gets weight and bias markers.

// ONCE-LABEL: func.func @resnet_v1
// ONCE: qsim.annotate %arg0
// ONCE-NOT: qsim.annotate %arg0
// ONCE: return

// CHECK-LABEL: func.func @resnet_v1
// CHECK: %[[X:.*]] = qsim.annotate %arg0 input "resnet_v1.arg0"
// CHECK-DAG: %[[W1:.*]] = qsim.annotate %{{.*}} weight "b.conv1.weight"
// CHECK-DAG: %[[B1:.*]] = qsim.annotate %{{.*}} bias "b.conv1.bias"
// CHECK: %[[C1:.*]] = tosa.conv2d %[[X]], %[[W1]], %[[B1]]
// CHECK: %[[C1M:.*]] = qsim.annotate %[[C1]] activation "b.conv1.out"
// CHECK: %[[R1:.*]] = tosa.clamp %[[C1M]]
// CHECK: %[[R1M:.*]] = qsim.annotate %[[R1]] activation "b.relu1.out"
// CHECK: %[[C2:.*]] = tosa.conv2d %[[R1M]]
// CHECK: %[[C2M:.*]] = qsim.annotate %[[C2]] activation "b.conv2.out"
// CHECK: %[[S:.*]] = tosa.add %[[C2M]], %[[X]]
// CHECK: qsim.annotate %[[S]] activation "b.add.out"

// SKIP-LABEL: func.func @resnet_v1
// SKIP-NOT: "b.conv1.weight"
// SKIP: qsim.annotate %{{.*}} weight "b.conv2.weight"
// SKIP: %[[C1:.*]] = tosa.conv2d %arg0
// SKIP: qsim.annotate %[[C1]] input "b.conv1.out"

// PATTERN-LABEL: func.func @resnet_v1
// PATTERN: qsim.annotate %{{.*}} weight "b.conv1.weight"
// PATTERN-NOT: "b.conv2.weight"
// PATTERN: tosa.conv2d
// PATTERN: qsim.annotate %{{.*}} input "b.conv2.out"

// ALLOW-LABEL: func.func @resnet_v1
// ALLOW-NOT: activation "b.relu1.out"
// ALLOW-NOT: "b.add.out"

// TWICE-LABEL: func.func @resnet_v1
// TWICE: qsim.annotate %arg0
// TWICE-NOT: qsim.annotate %arg0
// TWICE: activation "b.conv1.out"
// TWICE-NOT: activation "b.conv1.out"
// TWICE: return
func.func @resnet_v1(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w1 = "tosa.const"() <{values = dense<0.05> : tensor<4x3x3x4xf32>}> : () -> tensor<4x3x3x4xf32>
  %b1 = "tosa.const"() <{values = dense<0.1> : tensor<4xf32>}> : () -> tensor<4xf32>
  %w2 = "tosa.const"() <{values = dense<-0.03> : tensor<4x3x3x4xf32>}> : () -> tensor<4x3x3x4xf32>
  %b2 = "tosa.const"() <{values = dense<0.02> : tensor<4xf32>}> : () -> tensor<4xf32>
  %c1 = tosa.conv2d %x, %w1, %b1, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("b.conv1")
  %r1 = tosa.clamp %c1 {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("b.relu1")
  %c2 = tosa.conv2d %r1, %w2, %b2, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("b.conv2")
  %s = tosa.add %c2, %x : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("b.add")
  return %s : tensor<1x4x4x4xf32>
}

// -----

// Pre-activation (v2) block: BN as a per-channel mul+add on constants, ReLU,
// conv; the shortcut and the BN branch share the block input's marker. The
// BN constants are calibrated from their values (kind weight).
// Unnamed ops get <function>.<mnemonic>_<n> names.

// ONCE-LABEL: func.func @resnet_v2
// ONCE: qsim.annotate %arg0
// ONCE-NOT: qsim.annotate %arg0
// ONCE: return

// CHECK-LABEL: func.func @resnet_v2
// CHECK: %[[X:.*]] = qsim.annotate %arg0 input "resnet_v2.arg0"
// CHECK: %[[G:.*]] = qsim.annotate %{{.*}} weight "resnet_v2.mul_0.in1"
// CHECK: weight "resnet_v2.add_0.in1"
// CHECK: weight "resnet_v2.conv2d_0.weight"
// CHECK: tosa.mul %[[X]], %[[G]]
// CHECK: activation "resnet_v2.mul_0.out"
// CHECK: activation "resnet_v2.add_0.out"
// CHECK: activation "resnet_v2.clamp_0.out"
// CHECK: %[[C:.*]] = qsim.annotate %{{.*}} activation "resnet_v2.conv2d_0.out"
// CHECK: tosa.add %[[C]], %[[X]]
// CHECK: activation "resnet_v2.add_1.out"
func.func @resnet_v2(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %gamma = "tosa.const"() <{values = dense<[[[[1.5, 0.5, 2.0, 1.0]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
  %beta = "tosa.const"() <{values = dense<[[[[0.1, -0.2, 0.0, 0.3]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %w = "tosa.const"() <{values = dense<0.05> : tensor<4x3x3x4xf32>}> : () -> tensor<4x3x3x4xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %m = tosa.mul %x, %gamma, %shift : (tensor<1x4x4x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi8>) -> tensor<1x4x4x4xf32>
  %a = tosa.add %m, %beta : (tensor<1x4x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x4x4x4xf32>
  %r = tosa.clamp %a {min_val = 0.0 : f32, max_val = 3.4028235e+38 : f32} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %c = tosa.conv2d %r, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32>
  %s = tosa.add %c, %x : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %s : tensor<1x4x4x4xf32>
}

// -----

// Pooling, concat, fully connected. skip-dense leaves the matmul float.

// CHECK-LABEL: func.func @pool_concat_fc
// CHECK: activation "fc.maxpool.out"
// CHECK: tosa.concat
// CHECK: activation "fc.concat.out"
// CHECK: weight "fc.dense.weight"
// CHECK: activation "fc.dense.out"
// SKIP-LABEL: func.func @pool_concat_fc
// SKIP-NOT: "fc.dense.weight"
// SKIP: tosa.matmul
// SKIP-NOT: "fc.dense.out"
func.func @pool_concat_fc(%x: tensor<1x4x4x2xf32>, %y: tensor<1x2x2x2xf32>) -> tensor<1x1x3xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %p = tosa.max_pool2d %x {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32> loc("fc.maxpool")
  %c = tosa.concat %p, %y {axis = 3 : i32} : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x4xf32> loc("fc.concat")
  %shape = tosa.const_shape {values = dense<[1, 1, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %f = tosa.reshape %c, %shape : (tensor<1x2x2x4xf32>, !tosa.shape<3>) -> tensor<1x1x16xf32> loc("fc.flatten")
  %w = "tosa.const"() <{values = dense<0.01> : tensor<1x16x3xf32>}> : () -> tensor<1x16x3xf32>
  %o = tosa.matmul %f, %w, %zp, %zp : (tensor<1x1x16xf32>, tensor<1x16x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x3xf32> loc("fc.dense")
  return %o : tensor<1x1x3xf32>
}
