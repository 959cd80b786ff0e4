// RUN: qsim-opt %s --qsim-expose-points --qsim-realize | FileCheck %s

// Realization keeps the exposed points: each extra result is the
// dequantized integer value at its point, and the clamp is still realized
// on integers (the extra use does not stop it).
// CHECK-LABEL: func.func @f
// CHECK-SAME: -> (tensor<1x4xf32>, tensor<1x4xf32> {qsim.point = "f.r"}, tensor<1x4xf32> {qsim.point = "f.x"})
// CHECK: %[[Q:.*]] = qsim.quantize %arg0 <s8, scale = 5.000000e-01>
// CHECK-NOT: tosa.clamp
// CHECK-DAG: %[[DQ:.*]] = qsim.dequantize %[[Q]]
// CHECK-DAG: %[[R:.*]] = qsim.requantize %[[Q]] {{.*}}clamp_min = 0
// CHECK-DAG: %[[DR:.*]] = qsim.dequantize %[[R]]
// CHECK: return %[[DR]], %[[DR]], %[[DQ]]
func.func @f(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %0 = qsim.sim_quantize %x <s8, scale = 0.5> {kind = #qsim<kind input>, point = "f.x"} : tensor<1x4xf32>
  %1 = tosa.clamp %0 {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %2 = qsim.sim_quantize %1 <s8, scale = 0.5> {kind = #qsim<kind activation>, point = "f.r"} : tensor<1x4xf32>
  return %2 : tensor<1x4xf32>
}
