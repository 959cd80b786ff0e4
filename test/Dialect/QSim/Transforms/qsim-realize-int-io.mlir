// RUN: qsim-opt %s --qsim-realize="int-io" --canonicalize | FileCheck %s

// With int-io the function takes and returns int8 with its parameters
// recorded, instead of quantizing at entry and dequantizing at exit.
// CHECK-LABEL: func.func @pool
// CHECK-SAME: (%arg0: tensor<1x2x2x1xi8> {qsim.params = #qsim.params<s8, scale = 6.250000e-02>})
// CHECK-SAME: -> (tensor<1x1x1x1xi8> {qsim.params = #qsim.params<s8, scale = 6.250000e-02>})
// CHECK-NOT: qsim.quantize
// CHECK-NOT: qsim.dequantize
// CHECK: %[[M:.*]] = tosa.max_pool2d %arg0
// CHECK: return %[[M]] : tensor<1x1x1x1xi8>
func.func @pool(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.0625> : tensor<1x2x2x1xf32>
  %m = tosa.max_pool2d %0 {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32>
  %1 = qsim.sim_quantize %m <s8, scale = 0.0625> : tensor<1x1x1x1xf32>
  return %1 : tensor<1x1x1x1xf32>
}
