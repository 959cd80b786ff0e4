// RUN: qsim-opt %s --qsim-cpu-approximate-math | FileCheck %s

// f32 exp, scalar or vector, becomes arithmetic; other math ops and f64 exp
// stay (they keep their LLVM intrinsics or libm calls).

// CHECK-LABEL: func.func @exp_vector
// CHECK-NOT: math.exp
// CHECK: math.floor
// CHECK: arith.shli
// CHECK: arith.bitcast {{.*}} : vector<8xi32> to vector<8xf32>
// CHECK-NOT: math.exp
// CHECK: return
func.func @exp_vector(%x: vector<8xf32>) -> vector<8xf32> {
  %e = math.exp %x : vector<8xf32>
  return %e : vector<8xf32>
}

// CHECK-LABEL: func.func @exp_scalar
// CHECK-NOT: math.exp
// CHECK: arith.bitcast {{.*}} : i32 to f32
func.func @exp_scalar(%x: f32) -> f32 {
  %e = math.exp %x : f32
  return %e : f32
}

// CHECK-LABEL: func.func @others_stay
// CHECK: math.exp %{{.*}} : f64
// CHECK: math.log %{{.*}} : f32
// CHECK: math.tanh %{{.*}} : f32
func.func @others_stay(%x: f64, %y: f32) -> (f64, f32, f32) {
  %e = math.exp %x : f64
  %l = math.log %y : f32
  %t = math.tanh %y : f32
  return %e, %l, %t : f64, f32, f32
}
