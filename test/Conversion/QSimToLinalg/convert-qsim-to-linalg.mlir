// RUN: qsim-opt %s --convert-qsim-to-linalg --split-input-file | FileCheck %s
// RUN: qsim-opt %s --convert-qsim-to-linalg --split-input-file | FileCheck %s --check-prefix=GONE

// No qsim op survives the conversion.
// GONE-NOT: qsim.

// The numbers these bodies compute are checked against the folders in
// bitexact-*.mlir.

// CHECK-LABEL: func.func @annotate
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @annotate(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qsim.annotate %x input "main.arg0" : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Per tensor: the parameters are constants in the body.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @quantize_per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x4xi8>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x4xf32>) outs(%[[INIT]] : tensor<2x4xi8>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: i8):
// CHECK-DAG: %[[HI:.*]] = arith.constant 1.270000e+02 : f32
// CHECK-DAG: %[[LO:.*]] = arith.constant -1.280000e+02 : f32
// CHECK-DAG: %[[S:.*]] = arith.constant 6.250000e-02 : f32
// CHECK: %[[R:.*]] = arith.divf %[[IN]], %[[S]] : f32
// CHECK: %[[N:.*]] = math.roundeven %[[R]] : f32
// CHECK: %[[MAX:.*]] = arith.maximumf %[[N]], %[[LO]] : f32
// CHECK: %[[MIN:.*]] = arith.minimumf %[[MAX]], %[[HI]] : f32
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[R]], %[[R]] : f32
// CHECK: %[[SAFE:.*]] = arith.select %[[NAN]], %{{.*}}, %[[MIN]] : f32
// CHECK: %[[I:.*]] = arith.fptosi %[[SAFE]] : f32 to i32
// CHECK: %[[T:.*]] = arith.trunci %[[I]] : i32 to i8
// CHECK: linalg.yield %[[T]] : i8
func.func @quantize_per_tensor(%x: tensor<2x4xf32>) -> tensor<2x4xi8> {
  %q = qsim.quantize %x <s8, scale = 0.0625> : tensor<2x4xf32> -> tensor<2x4xi8>
  return %q : tensor<2x4xi8>
}

// -----

// Per channel along axis 1: scales, zero points and the clamp bounds
// [qmin - zp, qmax - zp] are 1-D tables read at d1.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$CH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @quantize_per_channel
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[ZP:.*]] = arith.constant dense<[0, 3]> : tensor<2xi32>
// CHECK-DAG: %[[LO:.*]] = arith.constant dense<[0.000000e+00, -3.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[HI:.*]] = arith.constant dense<[2.550000e+02, 2.520000e+02]> : tensor<2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$CH]], #[[$CH]], #[[$CH]], #[[$CH]], #[[$ID]]]
// CHECK-SAME: ins(%{{.*}}, %[[S]], %[[ZP]], %[[LO]], %[[HI]] :
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[SC:.*]]: f32, %[[Z:.*]]: i32, %[[L:.*]]: f32, %[[H:.*]]: f32, %{{.*}}: i8):
// CHECK: %[[R:.*]] = arith.divf %[[IN]], %[[SC]] : f32
// half_up: floor plus the exact fraction test.
// CHECK: %[[F:.*]] = math.floor %[[R]] : f32
// CHECK: %[[FRAC:.*]] = arith.subf %[[R]], %[[F]] : f32
// CHECK: %[[UP:.*]] = arith.cmpf oge, %[[FRAC]], %{{.*}} : f32
// CHECK: %[[F1:.*]] = arith.addf %[[F]], %{{.*}} : f32
// CHECK: %[[N:.*]] = arith.select %[[UP]], %[[F1]], %[[F]] : f32
// CHECK: arith.maximumf %[[N]], %[[L]] : f32
// CHECK: arith.minimumf %{{.*}}, %[[H]] : f32
// CHECK: %[[I:.*]] = arith.fptosi %{{.*}} : f32 to i32
// CHECK: %[[Q:.*]] = arith.addi %[[I]], %[[Z]] : i32
// CHECK: arith.trunci %[[Q]] : i32 to i8
func.func @quantize_per_channel(%x: tensor<4x2xf32>) -> tensor<4x2xi8> {
  %q = qsim.quantize %x <u8, scales = [0.5, 0.25], zero_points = [0, 3], axis = 1> rounding half_up : tensor<4x2xf32> -> tensor<4x2xi8>
  return %q : tensor<4x2xi8>
}

// -----

// The other rounding modes; non-f32 inputs are extended to f32 first.
// CHECK-LABEL: func.func @quantize_modes
// CHECK: %[[E0:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: %[[R0:.*]] = arith.divf %[[E0]]
// CHECK: math.round %[[R0]] : f32
// CHECK: %[[E1:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: %[[R1:.*]] = arith.divf %[[E1]]
// CHECK: math.trunc %[[R1]] : f32
// CHECK: %[[R2:.*]] = arith.divf
// CHECK: math.floor %[[R2]] : f32
// CHECK: %[[T:.*]] = arith.truncf %{{.*}} : f64 to f32
// CHECK: arith.divf %[[T]]
func.func @quantize_modes(%x: tensor<4xf16>, %y: tensor<4xf64>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>) {
  %0 = qsim.quantize %x <s8, scale = 0.5> rounding half_away_from_zero : tensor<4xf16> -> tensor<4xi8>
  %1 = qsim.quantize %x <s8, scale = 0.5> rounding toward_zero : tensor<4xf16> -> tensor<4xi8>
  %2 = qsim.quantize %x <s8, scale = 0.5> rounding floor : tensor<4xf16> -> tensor<4xi8>
  %3 = qsim.quantize %y <s8, scale = 0.5> : tensor<4xf64> -> tensor<4xi8>
  return %0, %1, %2, %3 : tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>
}

// -----

// Unsigned parameters zero-extend; the dynamic size comes from the input.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$CH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @dequantize
// CHECK-SAME: (%[[Q:.*]]: tensor<?x3xi8>)
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01, 1.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[DIM:.*]] = tensor.dim %[[Q]], %[[C0]] : tensor<?x3xi8>
// CHECK: %[[INIT:.*]] = tensor.empty(%[[DIM]]) : tensor<?x3xf16>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$CH]], #[[$ID]]]
// CHECK-SAME: ins(%[[Q]], %[[S]] : tensor<?x3xi8>, tensor<3xf32>) outs(%[[INIT]] : tensor<?x3xf16>)
// CHECK: ^bb0(%[[IN:.*]]: i8, %[[SC:.*]]: f32, %{{.*}}: f16):
// CHECK: %[[W:.*]] = arith.extui %[[IN]] : i8 to i32
// CHECK: %[[ZP:.*]] = arith.constant 128 : i32
// CHECK: %[[D:.*]] = arith.subi %[[W]], %[[ZP]] : i32
// CHECK: %[[F:.*]] = arith.sitofp %[[D]] : i32 to f32
// CHECK: %[[M:.*]] = arith.mulf %[[F]], %[[SC]] : f32
// CHECK: %[[T:.*]] = arith.truncf %[[M]] : f32 to f16
// CHECK: linalg.yield %[[T]] : f16
func.func @dequantize(%q: tensor<?x3xi8>) -> tensor<?x3xf16> {
  %x = qsim.dequantize %q <u8, scales = [0.5, 0.25, 1.0], zero_points = [128, 128, 128], axis = 1> : tensor<?x3xi8> -> tensor<?x3xf16>
  return %x : tensor<?x3xf16>
}

// -----

// quantize and dequantize fused in one generic; per channel along axis 0.
// CHECK-DAG: #[[$CH:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @sim_quantize
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$CH]], #{{.*}}]
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[SC:.*]]: f32, %{{.*}}: f32):
// CHECK: arith.divf %[[IN]], %[[SC]] : f32
// CHECK: math.roundeven
// CHECK: %[[I:.*]] = arith.fptosi %{{.*}} : f32 to i32
// CHECK: %[[F:.*]] = arith.sitofp %[[I]] : i32 to f32
// CHECK: %[[M:.*]] = arith.mulf %[[F]], %[[SC]] : f32
// CHECK: linalg.yield %[[M]] : f32
// CHECK-NOT: linalg.generic
func.func @sim_quantize(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qsim.sim_quantize %x <s8, scales = [0.5, 0.25], axis = 0> : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// i64 arithmetic; per tensor the shift, mask and tie are constants.
// CHECK-LABEL: func.func @requantize
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i8):
// CHECK: %[[X:.*]] = arith.extsi %[[IN]] : i32 to i64
// CHECK: %[[ZPI:.*]] = arith.constant 3 : i64
// CHECK: %[[D:.*]] = arith.subi %[[X]], %[[ZPI]] : i64
// CHECK: %[[M:.*]] = arith.constant 1518500250 : i64
// CHECK: %[[P:.*]] = arith.muli %[[D]], %[[M]] : i64
// CHECK-DAG: %[[S:.*]] = arith.constant 31 : i64
// CHECK-DAG: %[[MASK:.*]] = arith.constant 2147483647 : i64
// CHECK-DAG: %[[HALF:.*]] = arith.constant 1073741824 : i64
// CHECK: %[[Q:.*]] = arith.shrsi %[[P]], %[[S]] : i64
// CHECK: %[[R:.*]] = arith.andi %[[P]], %[[MASK]] : i64
// half_to_even: up when r + (q & 1) > 2^(shift-1), i.e. above the tie, or
// at the tie from an odd quotient.
// CHECK: %[[ODD:.*]] = arith.andi %[[Q]], %{{.*}} : i64
// CHECK: %[[RT:.*]] = arith.addi %[[R]], %[[ODD]] : i64
// CHECK: %[[UP:.*]] = arith.cmpi ugt, %[[RT]], %[[HALF]] : i64
// CHECK: %[[INC:.*]] = arith.extui %[[UP]] : i1 to i64
// CHECK: %[[RND:.*]] = arith.addi %[[Q]], %[[INC]] : i64
// CHECK: %[[ZPO:.*]] = arith.constant -5 : i64
// CHECK: %[[Y:.*]] = arith.addi %[[RND]], %[[ZPO]] : i64
// The fused clamp_min = 0 narrows the i8 range.
// CHECK: %[[LO:.*]] = arith.constant 0 : i64
// CHECK: %[[C1:.*]] = arith.maxsi %[[Y]], %[[LO]] : i64
// CHECK: %[[HI:.*]] = arith.constant 127 : i64
// CHECK: %[[C2:.*]] = arith.minsi %[[C1]], %[[HI]] : i64
// CHECK: %[[T:.*]] = arith.trunci %[[C2]] : i64 to i8
// CHECK: linalg.yield %[[T]] : i8
func.func @requantize(%x: tensor<4x8xi32>) -> tensor<4x8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [31] {input_zero_point = 3 : i64, output_zero_point = -5 : i64, clamp_min = 0 : i64} : tensor<4x8xi32> -> tensor<4x8xi8>
  return %y : tensor<4x8xi8>
}

// -----

// Per channel: multipliers and shifts are tables read at the axis; the
// mask and tie are derived from the channel's shift.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$CH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @requantize_per_channel
// CHECK-DAG: %[[MT:.*]] = arith.constant dense<[1073741824, 1518500250]> : tensor<2xi32>
// CHECK-DAG: %[[ST:.*]] = arith.constant dense<[0, 63]> : tensor<2xi32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$CH]], #[[$CH]], #[[$ID]]]
// CHECK-SAME: ins(%{{.*}}, %[[MT]], %[[ST]] :
// CHECK: ^bb0(%[[IN:.*]]: i32, %[[M32:.*]]: i32, %[[S32:.*]]: i32, %{{.*}}: i8):
// CHECK: %[[X:.*]] = arith.extui %[[IN]] : i32 to i64
// The i32 tables are widened in the body (a 32 x 32 -> 64 product).
// CHECK: %[[M:.*]] = arith.extsi %[[M32]] : i32 to i64
// CHECK: %[[P:.*]] = arith.muli %[[X]], %[[M]] : i64
// CHECK: %[[S:.*]] = arith.extui %[[S32]] : i32 to i64
// CHECK: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: %[[POW:.*]] = arith.shli %[[ONE]], %[[S]] : i64
// CHECK: %[[MASK:.*]] = arith.subi %[[POW]], %[[ONE]] : i64
// CHECK: %[[HALF:.*]] = arith.shrui %[[POW]], %[[ONE]] : i64
// CHECK: %[[HALFM1:.*]] = arith.subi %[[HALF]], %[[ONE]] : i64
// CHECK: %[[Q:.*]] = arith.shrsi %[[P]], %[[S]] : i64
// CHECK: %[[R:.*]] = arith.andi %[[P]], %[[MASK]] : i64
// half_up: up when the remainder reaches the tie.
// CHECK: %[[UP:.*]] = arith.cmpi ugt, %[[R]], %[[HALFM1]] : i64
// CHECK: %[[INC:.*]] = arith.extui %[[UP]] : i1 to i64
// CHECK: arith.addi %[[Q]], %[[INC]] : i64
// CHECK: arith.constant 255 : i64
func.func @requantize_per_channel(%x: tensor<4x2xi32>) -> tensor<4x2xi8> {
  %y = qsim.requantize %x multiplier [1073741824, 1518500250] shift [0, 63] axis 1 rounding half_up {input_unsigned, output_unsigned} : tensor<4x2xi32> -> tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}

// -----

// floor is the arithmetic shift; toward_zero adds one to inexact negatives.
// CHECK-LABEL: func.func @requantize_floor
// CHECK: %[[Q:.*]] = arith.shrsi
// CHECK-NOT: arith.andi
// CHECK: arith.maxsi %[[Q]]
// CHECK-LABEL: func.func @requantize_toward_zero
// CHECK: %[[P:.*]] = arith.muli
// CHECK: %[[Q:.*]] = arith.shrsi %[[P]]
// CHECK: %[[R:.*]] = arith.andi %[[P]]
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[P]], %[[ZERO]] : i64
// CHECK: %[[INEXACT:.*]] = arith.cmpi ne, %[[R]], %[[ZERO]] : i64
// CHECK: arith.andi %[[NEG]], %[[INEXACT]] : i1
// CHECK-LABEL: func.func @requantize_half_away_from_zero
// CHECK: %[[P:.*]] = arith.muli
// CHECK: %[[R:.*]] = arith.andi %[[P]]
// CHECK: %[[POS:.*]] = arith.cmpi sge, %[[P]], %{{.*}} : i64
// CHECK: %[[T:.*]] = arith.extui %[[POS]] : i1 to i64
// CHECK: %[[RT:.*]] = arith.addi %[[R]], %[[T]] : i64
// CHECK: arith.cmpi ugt, %[[RT]]
func.func @requantize_floor(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [40] rounding floor : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_toward_zero(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [40] rounding toward_zero : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_half_away_from_zero(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [40] rounding half_away_from_zero {input_zero_point = 1 : i64} : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}

// A convolution accumulator (signed i32, no input zero point, shift >= 33,
// i8 output): the 32-bit-lane form, the product split into i32 halves and
// half_to_even as one carry into the high half: low != 0 or q odd. The
// multiplier 2^30 + 2^29 = 3 * 2^29 with shift 40 (s' = 8 > 29 is false)
// can tie: x = 2^10 gives x * m / 2^40 = 3/2.
// CHECK-LABEL: func.func @requantize_narrow
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i8):
// CHECK: %[[LOW:.*]], %[[HIGH:.*]] = arith.mulsi_extended %[[IN]], %{{.*}} : i32
// CHECK-DAG: %[[SP:.*]] = arith.constant 8 : i32
// CHECK-DAG: %[[HALF1:.*]] = arith.constant 127 : i32
// CHECK: %[[NZ:.*]] = arith.cmpi ne, %[[LOW]], %{{.*}} : i32
// CHECK: %[[Q:.*]] = arith.shrsi %[[HIGH]], %[[SP]] : i32
// CHECK: %[[ODD:.*]] = arith.trunci %[[Q]] : i32 to i1
// CHECK: %[[C:.*]] = arith.ori %[[NZ]], %[[ODD]] : i1
// CHECK: %[[CARRY:.*]] = arith.extui %[[C]] : i1 to i32
// CHECK: %[[T:.*]] = arith.addi %[[HIGH]], %[[HALF1]] : i32
// CHECK: %[[T2:.*]] = arith.addi %[[T]], %[[CARRY]] : i32
// CHECK: arith.shrsi %[[T2]], %[[SP]] : i32
// CHECK: arith.maxsi %{{.*}} : i32
// CHECK: arith.minsi %{{.*}} : i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK-NOT: i64
// CHECK: linalg.yield
func.func @requantize_narrow(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1610612736] shift [40] : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}

// The multiplier 1518500250 = 759250125 * 2 has one trailing zero, fewer
// than s' = 39 - 32 = 7: a tie would need x to be an odd multiple of 2^37,
// outside i32. The round-to-nearest modes agree there, and half_to_even
// and half_away_from_zero take half_up's form: the high word only.
// CHECK-LABEL: func.func @requantize_narrow_tie_free
// CHECK: %[[LOW:.*]], %[[HIGH:.*]] = arith.mulsi_extended
// CHECK-NOT: arith.cmpi
// CHECK-NOT: %[[LOW]]
// CHECK: arith.addi %[[HIGH]]
// CHECK: arith.shrsi
// CHECK: arith.maxsi
// CHECK-LABEL: func.func @requantize_narrow_tie_free_away
// CHECK: %[[LOW:.*]], %[[HIGH:.*]] = arith.mulsi_extended
// CHECK-NOT: arith.cmpi
// CHECK-NOT: %[[LOW]]
// CHECK: arith.addi %[[HIGH]]
// CHECK: arith.shrsi
// CHECK: arith.maxsi
// A channel with t = s' (1518500224 = 11863283 * 2^7, shift 39) ties at
// x = -2^31 (-1/2): the whole tensor keeps the tie test.
// CHECK-LABEL: func.func @requantize_narrow_one_channel_ties
// CHECK: arith.mulsi_extended
// CHECK: arith.cmpi ne
func.func @requantize_narrow_tie_free(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [39] : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_narrow_tie_free_away(%x: tensor<8xi32>) -> tensor<8xi8> {
  %y = qsim.requantize %x multiplier [1518500250] shift [39] rounding half_away_from_zero : tensor<8xi32> -> tensor<8xi8>
  return %y : tensor<8xi8>
}
func.func @requantize_narrow_one_channel_ties(%x: tensor<4x2xi32>) -> tensor<4x2xi8> {
  %y = qsim.requantize %x multiplier [1518500250, 1518500224] shift [39, 39] axis 1 : tensor<4x2xi32> -> tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}

// -----

// Multiplier 1 and shift 0 everywhere: neither multiply nor shift, and an
// i16 input stays in 32-bit lanes.
// CHECK-LABEL: func.func @requantize_offset_only
// CHECK: arith.extsi %{{.*}} : i16 to i32
// CHECK-NOT: arith.muli
// CHECK-NOT: arith.shrsi
// CHECK: arith.constant 7 : i32
// CHECK: arith.addi
// CHECK-NOT: i64
func.func @requantize_offset_only(%x: tensor<8xi16>) -> tensor<8xi32> {
  %y = qsim.requantize %x multiplier [1] shift [0] {output_zero_point = 7 : i64} : tensor<8xi16> -> tensor<8xi32>
  return %y : tensor<8xi32>
}

// -----

// CHECK-LABEL: func.func @cast
// CHECK-SAME: (%[[A:.*]]: tensor<4xi8>, %[[B:.*]]: tensor<4xi32>, %[[C:.*]]: tensor<?xi32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[A]] : tensor<4xi8>)
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[A]] : tensor<4xi8>)
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[B]] : tensor<4xi32>)
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i8):
// CHECK: %[[LO:.*]] = arith.constant 0 : i32
// CHECK: %[[MAX:.*]] = arith.maxsi %[[IN]], %[[LO]] : i32
// CHECK: %[[HI:.*]] = arith.constant 255 : i32
// CHECK: %[[MIN:.*]] = arith.minsi %[[MAX]], %[[HI]] : i32
// CHECK: arith.trunci %[[MIN]] : i32 to i8
// Same element type: only the shape information changes.
// CHECK: tensor.cast %[[C]] : tensor<?xi32> to tensor<4xi32>
func.func @cast(%a: tensor<4xi8>, %b: tensor<4xi32>, %c: tensor<?xi32>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<4xi32>) {
  %0 = qsim.cast %a : tensor<4xi8> to tensor<4xi32>
  %1 = qsim.cast %a unsigned : tensor<4xi8> to tensor<4xi32>
  %2 = qsim.cast %b unsigned : tensor<4xi32> to tensor<4xi8>
  %3 = qsim.cast %c : tensor<?xi32> to tensor<4xi32>
  return %0, %1, %2, %3 : tensor<4xi32>, tensor<4xi32>, tensor<4xi8>, tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @cast_narrow_signed
// CHECK: arith.constant -32768 : i32
// CHECK: arith.constant 32767 : i32
// CHECK: arith.trunci %{{.*}} : i32 to i16
func.func @cast_narrow_signed(%a: tensor<4xi32>) -> tensor<4xi16> {
  %0 = qsim.cast %a : tensor<4xi32> to tensor<4xi16>
  return %0 : tensor<4xi16>
}

// -----

// A per-channel bias broadcast along the last dimension.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @add_bias
// CHECK-SAME: (%[[ACC:.*]]: tensor<1x4x4x8xi32>, %[[B:.*]]: tensor<8xi32>)
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$BIAS]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[ACC]], %[[B]] : tensor<1x4x4x8xi32>, tensor<8xi32>)
// CHECK: ^bb0(%[[L:.*]]: i32, %[[R:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[L64:.*]] = arith.extsi %[[L]] : i32 to i64
// CHECK: %[[R64:.*]] = arith.extsi %[[R]] : i32 to i64
// Equal scales: no shift.
// CHECK-NOT: arith.shli
// CHECK: %[[SUM:.*]] = arith.addi %[[L64]], %[[R64]] : i64
// CHECK: %[[LO:.*]] = arith.constant -2147483648 : i64
// CHECK: %[[MAX:.*]] = arith.maxsi %[[SUM]], %[[LO]] : i64
// CHECK: %[[HI:.*]] = arith.constant 2147483647 : i64
// CHECK: %[[MIN:.*]] = arith.minsi %[[MAX]], %[[HI]] : i64
// CHECK: arith.trunci %[[MIN]] : i64 to i32
func.func @add_bias(%acc: tensor<1x4x4x8xi32>, %bias: tensor<8xi32>) -> tensor<1x4x4x8xi32> {
  %0 = qsim.add %acc, %bias scales([1.0e-3], [1.0e-3] -> [1.0e-3]) : tensor<1x4x4x8xi32>, tensor<8xi32> -> tensor<1x4x4x8xi32>
  return %0 : tensor<1x4x4x8xi32>
}

// -----

// A size-1 rhs dimension is read at 0; per-channel lhs shifts
// log2([1, 2, 4] / 0.5) are a table along axis 1; the rhs shift is 0. An
// i8 shifted by at most 3 and an i8 sum exactly in 32-bit lanes.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$BC:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[$CH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_per_channel
// CHECK: %[[SH:.*]] = arith.constant dense<[1, 2, 3]> : tensor<3xi32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$BC]], #[[$CH]], #[[$ID]]]
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %[[SH]] : tensor<2x3xi8>, tensor<2x1xi8>, tensor<3xi32>)
// CHECK: ^bb0(%[[L:.*]]: i8, %[[R:.*]]: i8, %[[S:.*]]: i32, %{{.*}}: i8):
// CHECK: %[[L32:.*]] = arith.extsi %[[L]] : i8 to i32
// CHECK: %[[R32:.*]] = arith.extsi %[[R]] : i8 to i32
// CHECK: %[[LS:.*]] = arith.shli %[[L32]], %[[S]] : i32
// CHECK: arith.addi %[[LS]], %[[R32]] : i32
// CHECK: arith.constant -128 : i32
// CHECK: arith.constant 127 : i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK-NOT: i64
func.func @add_per_channel(%a: tensor<2x3xi8>, %b: tensor<2x1xi8>) -> tensor<2x3xi8> {
  %0 = qsim.add %a, %b scales([1.0, 2.0, 4.0], [0.5] -> [0.5]) axis 1 : tensor<2x3xi8>, tensor<2x1xi8> -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

// Per-tensor shifts are constants.
// CHECK-LABEL: func.func @add_shift_constant
// CHECK: ^bb0(%[[L:.*]]: i32, %[[R:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[R64:.*]] = arith.extsi %[[R]] : i32 to i64
// CHECK: %[[TWO:.*]] = arith.constant 2 : i64
// CHECK: arith.shli %[[R64]], %[[TWO]] : i64
func.func @add_shift_constant(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = qsim.add %a, %b scales([0.25], [1.0] -> [0.25]) : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$BC:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @mul
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$BC]], #[[$ID]]]
// CHECK: ^bb0(%[[L:.*]]: i32, %[[R:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[L64:.*]] = arith.extsi %[[L]] : i32 to i64
// CHECK: %[[R64:.*]] = arith.extsi %[[R]] : i32 to i64
// CHECK: %[[P:.*]] = arith.muli %[[L64]], %[[R64]] : i64
// CHECK: arith.maxsi %[[P]]
// CHECK: arith.minsi
// CHECK: arith.trunci %{{.*}} : i64 to i32
func.func @mul(%x: tensor<1x4xi32>, %g: tensor<4xi32>) -> tensor<1x4xi32> {
  %0 = qsim.mul %x, %g scales([0.5], [0.25] -> [0.125]) : tensor<1x4xi32>, tensor<4xi32> -> tensor<1x4xi32>
  return %0 : tensor<1x4xi32>
}

// -----

// Operands widened from int8 (an SE block's feature map times its channel
// scale): the exact product fits 32 bits, so it is an i32 multiply with no
// saturation.
// CHECK-LABEL: func.func @mul_int8_operands
// CHECK: linalg.generic
// CHECK: ^bb0(%[[L:.*]]: i32, %[[R:.*]]: i32, %{{.*}}: i32):
// CHECK-NEXT: %[[P:.*]] = arith.muli %[[L]], %[[R]] : i32
// CHECK-NEXT: linalg.yield %[[P]] : i32
func.func @mul_int8_operands(%x: tensor<1x2x2x4xi8>, %g: tensor<1x1x1x4xi8>) -> tensor<1x2x2x4xi32> {
  %a = qsim.cast %x : tensor<1x2x2x4xi8> to tensor<1x2x2x4xi32>
  %b = qsim.cast %g : tensor<1x1x1x4xi8> to tensor<1x1x1x4xi32>
  %0 = qsim.mul %a, %b scales([0.5], [0.25] -> [0.125]) : tensor<1x2x2x4xi32>, tensor<1x1x1x4xi32> -> tensor<1x2x2x4xi32>
  return %0 : tensor<1x2x2x4xi32>
}

// -----

// A lookup reads its constant table at the input plus 2^(bits - 1) (the
// numbers: bitexact-lut.mlir).
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @lut
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xi2>)
// CHECK: %[[TABLE:.*]] = arith.constant dense<[5, -3, 100, 0]> : tensor<4xi8>
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x3xi8>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x3xi2>) outs(%[[INIT]] : tensor<2x3xi8>)
// CHECK: ^bb0(%[[IN:.*]]: i2, %{{.*}}: i8):
// CHECK: %[[W:.*]] = arith.extsi %[[IN]] : i2 to i32
// CHECK: %[[OFF:.*]] = arith.constant 2 : i32
// CHECK: %[[SUM:.*]] = arith.addi %[[W]], %[[OFF]] : i32
// CHECK: %[[I:.*]] = arith.index_cast %[[SUM]] : i32 to index
// CHECK: %[[E:.*]] = tensor.extract %[[TABLE]][%[[I]]] : tensor<4xi8>
// CHECK: linalg.yield %[[E]] : i8
func.func @lut(%x: tensor<2x3xi2>) -> tensor<2x3xi8> {
  %0 = qsim.lut %x table dense<[5, -3, 100, 0]> : tensor<4xi8> : tensor<2x3xi2> -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

// A per-channel table reads the row of the element's last index.
// CHECK-LABEL: func.func @lut_per_channel
// CHECK: %[[TABLE:.*]] = arith.constant dense<{{\[}}[5, -3, 100, 0], [1, 2, 3, 4], [-1, -2, -3, -4]]> : tensor<3x4xi8>
// CHECK: linalg.generic
// CHECK: ^bb0(%[[IN:.*]]: i2, %{{.*}}: i8):
// CHECK: %[[W:.*]] = arith.extsi %[[IN]] : i2 to i32
// CHECK: %[[SUM:.*]] = arith.addi %[[W]], %{{.*}} : i32
// CHECK: %[[C:.*]] = linalg.index 1 : index
// CHECK: %[[I:.*]] = arith.index_cast %[[SUM]] : i32 to index
// CHECK: %[[E:.*]] = tensor.extract %[[TABLE]][%[[C]], %[[I]]] : tensor<3x4xi8>
// CHECK: linalg.yield %[[E]] : i8
func.func @lut_per_channel(%x: tensor<2x3xi2>) -> tensor<2x3xi8> {
  %0 = qsim.lut %x table dense<[[5, -3, 100, 0], [1, 2, 3, 4], [-1, -2, -3, -4]]> : tensor<3x4xi8> : tensor<2x3xi2> -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}
