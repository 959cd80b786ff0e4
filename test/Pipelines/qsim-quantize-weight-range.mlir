// weight-range-bits=7 (forwarded by --qsim-quantize to --qsim-calibrate):
// the weights keep i8 but lie in [-63, 63], so every pair sums to at most
// 126 in magnitude and the AVX2 kernel of a convolution on a signed input
// takes vpmaddubsw on the flipped input instead of vpmaddwd. The weight
// bound is the kernel's own check: the same model with 8-bit weights
// (0.5 and -0.25 in a channel: 127 + 64) keeps vpmaddwd.
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0 weight-range-bits=7" | FileCheck %s --check-prefix=W7
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0 weight-range-bits=7" | qsim-opt --qsim-cpu-pipeline="microkernels=avx2 report-kernels" -o /dev/null 2>&1 | FileCheck %s --check-prefix=K7
// RUN: qsim-opt %s --qsim-quantize="global-scale=4.0" | qsim-opt --qsim-cpu-pipeline="microkernels=avx2 report-kernels" -o /dev/null 2>&1 | FileCheck %s --check-prefix=K8
// RUN: not qsim-opt %s --qsim-quantize="weight-range-bits=9" 2>&1 | FileCheck %s --check-prefix=BAD

// W7-LABEL: func.func @conv_bias_relu
// Per channel: 0.5 -> 63, -0.25 -> -31 (scale 0.5 / 63 in f32, a hair
// above); 0.125 -> 31, 0.25 -> 63.
// W7: arith.constant dense<{{\[\[\[\[}}63, -31]]], {{\[\[\[}}31, 63]]]]> : tensor<2x1x1x2xi8>
// K7: remark: micro-kernel: vpmaddubsw, 8 lanes (input in [-128, 127]: flipped, weight pairs within 128)
// K8: remark: micro-kernel: vpmaddwd, 8 lanes (input in [-128, 127]: vpmaddubsw could saturate)
// BAD: qsim-calibrate: weight-range-bits must be in [2, bits = 8], got 9
func.func @conv_bias_relu(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[[0.5, -0.25]]], [[[0.125, 0.25]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, -0.2]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %r = tosa.clamp %c {min_val = 0.0 : f32, max_val = 3.4028235e+38 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  return %r : tensor<1x4x4x2xf32>
}
