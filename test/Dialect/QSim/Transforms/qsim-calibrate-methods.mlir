// Activation thresholds by method from a table with histograms
// (Inputs/table-hist.json). h.x and h.r share the histogram of |x|
// [50, 30, 10, 5, 3, 1, 0, 0, 0, 1] over bins of width 1; h.x is signed
// (|x| <= 9.5, scale T / 127), h.r non-negative (scale T / 255, zero point
// -128); h.t has recorded thresholds but no histogram; h.n has neither.

// RUN: qsim-opt %s --qsim-calibrate="table=%S/Inputs/table-hist.json unsigned-activations method=max" | FileCheck %s --check-prefix=MAX
// MAX-LABEL: func.func @h
// MAX: <s8, scale = 0.0748031512> {{.*}} "h.x"
// MAX: <s8, scale = 0.0372549035, zero_point = -128> {{.*}} "h.r"
// MAX: <s8, scale = 0.0314960629> {{.*}} "h.t"
// MAX: <s8, scale = 0.00999999977> {{.*}} "h.n"

// pow2: the max-abs scale rounded up to a power of two (9.5 / 127 -> 1/8).
// RUN: qsim-opt %s --qsim-calibrate="table=%S/Inputs/table-hist.json unsigned-activations method=pow2" | FileCheck %s --check-prefix=POW2
// POW2-LABEL: func.func @h
// POW2: <s8, scale = 1.250000e-01> {{.*}} "h.x"
// POW2: <s8, scale = 6.250000e-02, zero_point = -128> {{.*}} "h.r"
// POW2: <s8, scale = 6.250000e-02> {{.*}} "h.t"
// POW2: <s8, scale = 1.562500e-02> {{.*}} "h.n"

// percentile=98: 98 of 100 values are below 5 (the cumulative counts reach
// 98 at the end of bin 4), so T = 5. h.t recorded its percentile threshold
// for 99.99, not 98, so it falls back to max like h.n.
// RUN: qsim-opt %s --qsim-calibrate="table=%S/Inputs/table-hist.json unsigned-activations method=percentile percentile=98" 2>&1 | FileCheck %s --check-prefix=PCT
// PCT: warning: qsim-calibrate: 2 point(s) have no histogram in the table (method 'percentile' fell back to max): h.t, h.n
// PCT-LABEL: func.func @h
// PCT: <s8, scale = 0.0393700786> {{.*}} "h.x"
// PCT: <s8, scale = 0.0196078438, zero_point = -128> {{.*}} "h.r"
// PCT: <s8, scale = 0.0314960629> {{.*}} "h.t"
// PCT: <s8, scale = 0.00999999977> {{.*}} "h.n"

// With the table's own percentile (99.99), h.t uses its recorded 2.54.
// RUN: qsim-opt %s --qsim-calibrate="table=%S/Inputs/table-hist.json method=percentile" 2>&1 | FileCheck %s --check-prefix=PCT2
// PCT2: <s8, scale = 2.000000e-02> {{.*}} "h.t"

// mse: one value in a hundred at 9.5 costs more clipped than kept, so T
// stays 9.5; h.t uses its recorded 3.81.
// RUN: qsim-opt %s --qsim-calibrate="table=%S/Inputs/table-hist.json unsigned-activations method=mse" 2>&1 | FileCheck %s --check-prefix=MSE
// MSE: warning: qsim-calibrate: 1 point(s) have no histogram in the table (method 'mse' fell back to max): h.n
// MSE-LABEL: func.func @h
// MSE: <s8, scale = 0.0748031512> {{.*}} "h.x"
// MSE: <s8, scale = 0.0372549035, zero_point = -128> {{.*}} "h.r"
// MSE: <s8, scale = 3.000000e-02> {{.*}} "h.t"

// kl: six non-empty bins are fewer than 128 levels, nothing to trade off:
// T = max; h.t uses its recorded 1.27.
// RUN: qsim-opt %s --qsim-calibrate="table=%S/Inputs/table-hist.json unsigned-activations method=kl" 2>&1 | FileCheck %s --check-prefix=KL
// KL-LABEL: func.func @h
// KL: <s8, scale = 0.0748031512> {{.*}} "h.x"
// KL: <s8, scale = 0.0372549035, zero_point = -128> {{.*}} "h.r"
// KL: <s8, scale = 0.00999999977> {{.*}} "h.t"

func.func @h(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = qsim.annotate %x input "h.x" : tensor<4xf32>
  %1 = qsim.annotate %x activation "h.r" : tensor<4xf32>
  %2 = qsim.annotate %x activation "h.t" : tensor<4xf32>
  %3 = qsim.annotate %x activation "h.n" : tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----
// Weights: weight-method=mse per output channel (axis 0 of the conv
// weight), 4 bits. Channel 0 ({0.1, 0.1, -0.1, 12.7, 0...}) keeps max-abs:
// clipping 12.7 costs more than the small values' rounding. Channel 1 (15
// values 0.2571 and one 0.7) is best clipped at 90% of 0.7: the 0.2571s then
// sit on the grid (0.09 * 3 = 0.27), total squared error 0.0074 against
// 0.0276 at max-abs (computed with numpy over the same candidates).
// RUN: qsim-opt %s --split-input-file --qsim-calibrate="weight-method=mse bits=4" | FileCheck %s --check-prefix=WMSE
// RUN: qsim-opt %s --split-input-file --qsim-calibrate="weight-method=max bits=4" | FileCheck %s --check-prefix=WMAX
// WMSE-LABEL: func.func @w
// WMSE: <s4, scales = [1.81428564, 0.0899999961], axis = 0> {{.*}} "w.w"
// WMAX-LABEL: func.func @w
// WMAX: <s4, scales = [1.81428564, 1.000000e-01], axis = 0> {{.*}} "w.w"
func.func @w(%x: tensor<1x4x4x16xf32>) -> tensor<1x4x4x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w = "tosa.const"() <{values = dense<[[[[0.1, 0.1, -0.1, 12.7, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]], [[[0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.2571, 0.7]]]]> : tensor<2x1x1x16xf32>}> : () -> tensor<2x1x1x16xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %1 = qsim.annotate %w weight "w.w" : tensor<2x1x1x16xf32>
  %c = tosa.conv2d %x, %1, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x16xf32>, tensor<2x1x1x16xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  return %c : tensor<1x4x4x2xf32>
}
