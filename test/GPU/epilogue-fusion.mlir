// RUN: qsim-opt %S/Inputs/int8-kernels.mlir --qsim-gpu-pipeline --mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 | FileCheck %s
// RUN: qsim-opt %S/Inputs/int8-kernels.mlir --qsim-gpu-pipeline="fuse-epilogues=false" --mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNFUSED

// The requantize epilogue runs in the kernel of its convolution, in the same
// thread, after the reduction: the module right after kernel outlining has
// one kernel for the pad fill and one for bias + conv (dp4a) + requantize,
// and no i32 buffer is allocated for the accumulator anywhere.

// CHECK-LABEL: func.func @conv_requant(
// CHECK-NOT:     memref<1x6x5x4xi32>
// CHECK:         gpu.launch_func @conv_requant_kernel::@conv_requant_kernel
// CHECK-NOT:     memref<1x6x5x4xi32>
// CHECK:         gpu.alloc host_shared () : memref<1x6x5x4xi8>
// CHECK-NOT:     memref<1x6x5x4xi32>
// CHECK:         gpu.launch_func @conv_requant_kernel_0::@conv_requant_kernel
// CHECK-NOT:     gpu.launch_func
// CHECK-NOT:     memref<1x6x5x4xi32>
// CHECK:         return
// CHECK-LABEL: gpu.module @conv_requant_kernel_0
// CHECK:         gpu.func @conv_requant_kernel(%{{.*}}: memref<4xi32>, %{{.*}}: memref<1x8x7x8xi8>, %{{.*}}: memref<4x3x3x8xi8>, %{{.*}}: memref<4xi32>, %[[OUT:.*]]: memref<1x6x5x4xi8>) kernel
// The bias is the accumulator's initial value, carried through the kh, kw
// and channel loops in registers; the channel loop steps by 4 with dp4a.
// CHECK:         %[[BIAS:.*]] = memref.load %{{.*}}[%thread_id_x] : memref<4xi32>
// CHECK:         %[[ACC:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[BIAS]]) -> (i32)
// CHECK:           scf.for {{.*}} -> (i32)
// CHECK:             scf.for %{{.*}} = %c0 to %c8 step %c4 iter_args({{.*}}) -> (i32, i32)
// CHECK:               vector.load {{.*}} {alignment = 4 : i64} : memref<1x8x7x8xi8>, vector<4xi8>
// CHECK:               vector.load {{.*}} {alignment = 4 : i64} : memref<4x3x3x8xi8>, vector<4xi8>
// CHECK:               nvvm.dot.accumulate.4way {{.*}} <signed>, {{.*}} <signed>
// The input zero point (-7) times the sum of the weights.
// CHECK:               nvvm.dot.accumulate.4way %cst <signed>
// CHECK:             arith.muli {{.*}}, %c-7_i32 : i32
// CHECK:             arith.subi
// Requantize (the same thread, the accumulator as an SSA value) and store.
// CHECK:         arith.extsi %[[ACC]] : i32 to i64
// CHECK:         arith.shrsi
// CHECK:         arith.trunci {{.*}} : i32 to i8
// CHECK:         memref.store %{{.*}}, %[[OUT]][
// CHECK:         gpu.return

// When the accumulator is a result too, the fused kernel stores it once, after
// the reduction.
// CHECK-LABEL: func.func @conv_acc(
// CHECK:         gpu.alloc host_shared () : memref<1x6x5x4xi32>
// CHECK:         gpu.launch_func @conv_acc_kernel_1::@conv_acc_kernel
// CHECK-NOT:     gpu.launch_func
// CHECK-LABEL: gpu.module @conv_acc_kernel_1
// CHECK:         %[[ACC2:.*]] = scf.for
// CHECK-NOT:     memref.store
// CHECK:         memref.store %[[ACC2]], %{{.*}} : memref<1x6x5x4xi32>
// CHECK-NOT:     memref.store {{.*}} : memref<1x6x5x4xi32>
// CHECK:         memref.store %{{.*}} : memref<1x6x5x4xi8>

// Without fusion: pad fill, bias, conv and requantize are four kernels and
// the accumulator lives in an i32 buffer between them.
// UNFUSED-LABEL: func.func @conv_requant(
// UNFUSED:         gpu.launch_func @conv_requant_kernel::@conv_requant_kernel
// UNFUSED:         gpu.alloc host_shared () : memref<1x6x5x4xi32>
// UNFUSED-COUNT-3: gpu.launch_func
// UNFUSED-NOT:     gpu.launch_func
// UNFUSED:         return
