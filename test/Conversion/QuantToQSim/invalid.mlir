// RUN: qsim-opt %s --quant-to-qsim -split-input-file -verify-diagnostics

// Storage bounds narrower than the integer range (TFLite's symmetric
// [-127, 127] weights) have no qsim form: qsim clamps to the full range.
func.func @narrow_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quant.qcast' op cannot express '!quant.uniform<i8<-127:127>:f32, 5.000000e-01>' in qsim: storage bounds narrower than the integer range are not supported}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8<-127:127>:f32, 0.5>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8<-127:127>:f32, 0.5>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// 32-bit storage is only accepted for constants (biases).
func.func @i32_activation(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quant.qcast' op cannot express '!quant.uniform<i32:f32, 5.000000e-01>' in qsim: storage must be a 2- to 16-bit integer (32 bits only for constants)}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i32:f32, 0.5>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i32:f32, 0.5>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Sub-channel (blocked) quantization.
func.func @sub_channel(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{in qsim: sub-channel (blocked) quantization is not supported}}
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{2.0:10, 3.0:20}, {4.0:30, 5.0:40}}>>
  %d = quant.dcast %q : tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{2.0:10, 3.0:20}, {4.0:30, 5.0:40}}>> to tensor<2x4xf32>
  return %d : tensor<2x4xf32>
}

// -----

// A quantized weight with a non-zero zero point: the integer kernels assume
// symmetric weights.
func.func @weight_zero_point() -> tensor<2xf32> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi8>
  // expected-error @+1 {{'quant.scast' op cannot express the quantized constant of type 'tensor<2x!quant.uniform<i8:f32, 5.000000e-01:3>>' in qsim: weights and biases need zero point 0}}
  %q = quant.scast %c : tensor<2xi8> to tensor<2x!quant.uniform<i8:f32, 0.5:3>>
  %d = quant.dcast %q : tensor<2x!quant.uniform<i8:f32, 0.5:3>> to tensor<2xf32>
  return %d : tensor<2xf32>
}

// -----

// A quantized value used by an op qsim cannot give a quantized operand.
func.func @quantized_result(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @+1 {{'quant.qcast' op result of type 'tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>' is used by 'func.return', which qsim cannot take a quantized operand of}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5>>
  return %q : tensor<4x!quant.uniform<i8:f32, 0.5>>
}

// -----

// A quantized function argument: nothing says where it was quantized.
func.func @quantized_argument(%q: tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4xf32> {
  // expected-error @+1 {{'quant.dcast' op is not part of a quant.qcast -> quant.dcast, quant.qcast -> quant.scast or quant.scast -> quant.dcast chain that qsim can express (quantized function arguments and results need -strip-func-quant-types first)}}
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Scalars are not tensors.
func.func @scalar(%x: f32) -> f32 {
  // expected-error @+1 {{'quant.qcast' op only ranked tensors are supported, got '!quant.uniform<i8:f32, 5.000000e-01>'}}
  %q = quant.qcast %x : f32 to !quant.uniform<i8:f32, 0.5>
  %d = quant.dcast %q : !quant.uniform<i8:f32, 0.5> to f32
  return %d : f32
}

// -----

// qsim.pow2 demands power-of-two scales.
func.func @pow2_not_pow2(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quant.qcast' op cannot express '!quant.uniform<i8:f32, 3.000000e-01>' in qsim: scale #0 (3.000000e-01) is not a power of two but 'pow2' is set}}
  %q = quant.qcast %x {qsim.pow2} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.3>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.3>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// The qsim.* attributes must have their qsim types.
func.func @bad_rounding(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quant.qcast' op 'qsim.rounding' must be a #qsim<rounding ...>, got "up"}}
  %q = quant.qcast %x {qsim.rounding = "up"} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4xf32>
  return %d : tensor<4xf32>
}
