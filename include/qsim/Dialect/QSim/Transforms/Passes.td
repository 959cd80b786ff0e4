//===- Passes.td - qsim transformation passes --------------*- tablegen -*-===//
//
// Part of the qsim-mlir project.
//
//===----------------------------------------------------------------------===//

#ifndef QSIM_DIALECT_QSIM_TRANSFORMS_PASSES_TD
#define QSIM_DIALECT_QSIM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QSimAnnotate : Pass<"qsim-annotate", "ModuleOp"> {
  let summary = "Insert quantization-point markers around quantizable ops";
  let description = [{
    Walks every function and, for each op that implements
    `QuantizableOpInterface` and is not skipped, marks its quantized
    operands (`input`, `weight`, `bias`) and its activation results with
    `qsim.annotate`. A value gets one marker per kind, shared by all its
    consumers (a residual block's shared input has one marker, not one per
    branch); an operand that is already the result of a marker is reused.

    Point names are stable: the name of a `NameLoc`/`FusedLoc` name when the
    producer has one, else `<function>.<op-mnemonic>_<n>` numbering ops of
    that mnemonic in program order; operands are `<op>.<kind>` (or
    `<op>.in<i>`), results `<op>.out` and function arguments
    `<function>.arg<i>`.

    Skip options: `skip-first-convs=k` leaves the first k convolutions
    (program order, depthwise included) in float, `skip-dense` leaves dense
    layers in float, `skip-points` takes regular expressions matched against
    the op's point name, its op name and its printed location, and
    `allow-ops`/`deny-ops` restrict by op name (e.g. `tosa.conv2d`).

    Two rules keep ops float without options. An op carrying the
    discardable attribute `qsim.keep_float = "<what>"` stays float: a
    frontend marks the ops of a decomposition whose statistics an 8-bit grid
    would lose (the ONNX importer marks those of Softmax, LogSoftmax,
    LayerNormalization and InstanceNormalization: a layer norm's squares
    span 10^-11 to 10^5). And an elementwise op (add, mul, elementwise
    categories) whose every result feeds only ops that stay float stays
    float: its point would only round a value no int8 op reads, on a range
    of its own (an attention mask's -10000 added to the scores before a
    float softmax would leave the scores no step of the grid); function
    results count as int8 readers. A contraction in the same position
    (conv, depthwise, matmul: `canRealizeWithFloatResult`) keeps its int8
    operands but gets no output point; `--qsim-realize` computes its float
    result from the i32 accumulator (a transformer's feed-forward output,
    with outliers 100x its typical values, then reaches the float residual
    add unrounded). The report says `"result": "float: ..."` for it.

    Every op of a function is reported: quantized, left float (and why), or
    not quantizable. With `report=<file>` the report is written as JSON
    (schema `qsim-annotate-report/1`, `-` for stdout); with
    `emit-remarks` each op also gets a remark.

    As the first pass of `--qsim-quantize` it refuses, with an error naming
    the op, inputs that later upstream passes crash on or lower to wrong
    code: unranked tensor operands or results, INT64_MIN (the dynamic-size
    sentinel) in a dense i64 array attribute, and shape values below -1 in
    an index constant (`tosa.const_shape`). See docs/Robustness.md.

    Example:
    ```mlir
    // qsim-opt --qsim-annotate="skip-first-convs=1 report=report.json"
    %0 = tosa.conv2d %x, %w, %b, %zp, %zp ... // first conv: left float
    %1 = qsim.annotate %0 input "main.conv2d_0.out" : tensor<...>
    ```
  }];
  let options = [
    Option<"skipFirstConvs", "skip-first-convs", "unsigned", "0",
           "Leave the first k convolutions in float">,
    Option<"skipDense", "skip-dense", "bool", "false",
           "Leave dense (matmul / fully-connected) layers in float">,
    ListOption<"skipPoints", "skip-points", "std::string",
               "Regexes: ops whose point name, op name or location "
               "matches stay float">,
    ListOption<"allowOps", "allow-ops", "std::string",
               "If set, only these op names are quantized">,
    ListOption<"denyOps", "deny-ops", "std::string",
               "Op names that are never quantized">,
    Option<"reportFile", "report", "std::string", "\"\"",
           "Write a JSON report of every op to this file ('-' = stdout)">,
    Option<"emitRemarks", "emit-remarks", "bool", "false",
           "Emit a remark on every op saying whether it was quantized">
  ];
  let statistics = [
    Statistic<"numQuantized", "num-quantized", "Ops quantized">,
    Statistic<"numSkipped", "num-skipped", "Quantizable ops left in float">,
    Statistic<"numMarkers", "num-markers", "Markers inserted">
  ];
  let dependentDialects = ["::mlir::qsim::QSimDialect"];
}

def QSimCalibrate : Pass<"qsim-calibrate", "ModuleOp"> {
  let summary = "Turn markers into simulated quantization with parameters";
  let description = [{
    Replaces every `qsim.annotate` by `qsim.sim_quantize` with concrete
    parameters:

    - `weight` points: from the constant's values, symmetric, per channel
      along the consumer's weight axis (`per-channel`, default on) or per
      tensor; the clip threshold is the max-abs (`weight-method=max`) or the
      one minimising the squared error (`weight-method=mse`).
    - `bias` points: the marker is dropped; `--qsim-realize` quantizes the
      bias to 32 bits at `s_in * s_w`, never to 8 bits.
    - `input`/`activation` points: from the statistics table
      (`table=<file>`, schema `qsim-calibration-table/1`, written by
      `qsim-collect`) by point name, or in the data-free `global-scale=<x>`
      mode of TVM (range `[-x, x]`). Points missing from the table are
      reported by name and use the global scale; table points not in the
      model are reported too. The clip threshold `T` of a table point is
      chosen by `method`:
      `max` (max-abs of the table's min/max), `pow2` (max-abs with the
      scale rounded up to a power of two), `percentile` (the
      `percentile=<p>`-th percentile of `|x|`, default 99.99), `mse` (least
      expected squared error, clipping plus rounding) or `kl` (TensorRT's
      entropy calibration: 128 levels for int8). `percentile`, `mse` and
      `kl` read the point's histogram; a point without one falls back to the
      threshold the table recorded for the method, else to max (reported
      by name). The scale is `T / 127` (int8).
      With `unsigned-activations`, a point whose table range is non-negative
      uses the full 8-bit range `[0, T]` as int8 with zero point -128 (scale
      `T / 255`), and the methods search on that grid. A range `[lo, hi]`
      with a small negative tail, `-lo <= hi / 8` (GELU, SiLU and
      hard-swish outputs reach -0.17 to -0.375), uses the same grid shifted
      to `[lo, T]`: scale `(T - lo) / 255`, zero point
      `-128 + round(-lo / scale)`, about twice as fine as `[-T, T]`.
    - The output of an op that preserves scale (max pool, reshape,
      transpose, slice, ReLU clamp) reuses its input's parameters, so
      realization needs no requantize there.

    Errors, naming the point: a weight or bias constant holding a NaN or an
    infinity (its integers would be finite where the float model computes
    NaN), a table range that is not finite, and a threshold (global scale,
    table range or recorded threshold, max |w|) whose scale is not a normal
    f32 with a finite 2^16-fold, e.g. `global-scale=1e300`.

    `bits` (2..16), `pow2` (round scales up to powers of two) and `rounding`
    apply to every point. `weight-range-bits=n` (2..bits) keeps the weights
    in the `bits`-bit type but scales them to the symmetric range of n bits,
    `|q| <= 2^(n-1) - 1` (the threshold is never below the max-abs, so no
    weight leaves that range): with n = 7 every pair of int8 weights sums
    to at most 126 in magnitude, and the AVX2 kernels of
    `--qsim-cpu-pipeline` can use `vpmaddubsw` on any input (ONNX Runtime's
    `reduce_range` for weights) at the cost of one bit of weight precision.

    Example:
    ```mlir
    // qsim-opt --qsim-calibrate="table=stats.json method=percentile percentile=99.9"
    // qsim-opt --qsim-calibrate="global-scale=4.0"
    %0 = qsim.annotate %x input "f.arg0" : tensor<4xf32>
    // becomes
    %0 = qsim.sim_quantize %x <s8, scale = 0.031496063> {kind = ..., point = "f.arg0"}
    ```
  }];
  let options = [
    Option<"globalScale", "global-scale", "double", "8.0",
           "Activation range [-x, x] when no table entry exists">,
    Option<"tableFile", "table", "std::string", "\"\"",
           "Statistics table (JSON) with activation ranges">,
    Option<"perChannel", "per-channel", "bool", "true",
           "Per-channel weight scales along the output-channel axis">,
    Option<"weightMethod", "weight-method", "std::string", "\"max\"",
           "Weight clip threshold: max or mse">,
    Option<"method", "method", "std::string", "\"max\"",
           "Activation clip threshold from the table: max, pow2, "
           "percentile, mse or kl">,
    Option<"percentile", "percentile", "double", "99.99",
           "Percentile of |x| for method=percentile, in (0, 100]">,
    Option<"bits", "bits", "unsigned", "8", "Integer bit width (2..16)">,
    Option<"weightRangeBits", "weight-range-bits", "unsigned", "0",
           "Scale weights to the symmetric range of this many bits inside "
           "the bits-wide type (2..bits; 0: bits)">,
    Option<"pow2", "pow2", "bool", "false",
           "Constrain scales to powers of two (rounded up)">,
    Option<"unsignedActivations", "unsigned-activations", "bool", "false",
           "Use [0, max] (or [min, max] for a small negative tail) with zero point for non-negative activations">,
    Option<"rounding", "rounding", "std::string", "\"half_to_even\"",
           "Rounding mode of every quantization">
  ];
  let statistics = [
    Statistic<"numWeights", "num-weights", "Weight points calibrated">,
    Statistic<"numActivations", "num-activations",
              "Input/activation points calibrated">,
    Statistic<"numMissing", "num-missing", "Points missing from the table">,
    Statistic<"numFallback", "num-fallback",
              "Points whose method fell back to max (no histogram)">
  ];
  let dependentDialects = ["::mlir::qsim::QSimDialect"];
}

def QSimInstrument : Pass<"qsim-instrument", "ModuleOp"> {
  let summary = "Turn markers into calls of the statistics observer";
  let description = [{
    Prepares an annotated module for statistics collection (`qsim-collect`):
    every `input`/`activation` marker becomes a call

    ```mlir
    %m = bufferization.to_buffer %x read_only : tensor<...> to memref<...>
    %u = memref.cast %m : memref<...> to memref<*xf32>
    func.call @qsim_observe(%id, %u) : (i64, memref<*xf32>) -> ()
    ```

    of an external function that the runtime provides (`qsim_observe(int64_t
    point, int64_t rank, void *descriptor)` in C, include/qsim/Runtime/
    Observer.h); the marker itself becomes the identity, and `weight`/`bias`
    markers are dropped. Point `id`s number the observed points in program
    order; the module gets `qsim.observed_points`, an array of
    `{name, kind, loc}` dictionaries indexed by id, so a host maps ids back
    to point names. Only f32 points can be observed.

    Example:
    ```mlir
    // qsim-opt --qsim-annotate --qsim-instrument
    %0 = qsim.annotate %x input "f.arg0" : tensor<1x8xf32>
    // becomes a call of @qsim_observe with id 0, and uses of %0 use %x
    ```
  }];
  let options = [
    Option<"callee", "callee", "std::string", "\"qsim_observe\"",
           "Name of the external observer function">
  ];
  let statistics = [
    Statistic<"numObserved", "num-observed", "Points observed">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def QSimExposePoints : Pass<"qsim-expose-points", "ModuleOp"> {
  let summary = "Return the values of quantization points as extra function results";
  let description = [{
    Appends the values of named quantization points to the results of the
    function that holds them, so that a run of the module (`qsim-run`)
    yields per-layer tensors: the per-layer SQNR of `qsim quantize` and the
    check of a realization against its simulation (`qsim check-realize`)
    compare them between two forms of one model.

    A point is a marker: `qsim.annotate` (annotate stage) or
    `qsim.sim_quantize` with a `point` name (calibrate stage). `points`
    names the points to expose; without it, every `input`/`activation`
    point of each function (a name with a comma cannot be listed: the
    pass-option syntax splits there). `value` chooses which value of the marker is
    returned:

    - `float`: its operand, the value before quantization. On an annotated
      module whose markers are lowered as identities this is the float
      model's own tensor. (A returned operand of a calibrated marker has a
      second use, which stops `--qsim-realize` from realizing its
      producer.)
    - `quantized` (default): its result on a calibrated module, the
      simulated quantized (dequantized) value. `--qsim-realize` keeps such
      results: the integer value is dequantized into the extra result,
      so the realized module returns the integer program's value at the
      point, on the same grid.

    The extra results follow the function's own results in the order of
    the point names (byte-wise), whatever the program order; each carries
    the result attribute `qsim.point = "<name>"`.

    With `feed`, every other use of an exposed value reads a new function
    argument instead (appended after the function's own arguments, in the
    same order, with the same attribute): the module then computes each
    point from the values given for the points before it, not from its own,
    so that a difference at one point does not reach the next. `qsim
    check-realize` feeds the realized model's values this way.

    With `manifest=<file>`
    (`-` for stdout) the pass also writes JSON (schema
    `qsim-exposed-points/1`): `value`, `feed`, and per function its name,
    its numbers of own `results` and `arguments` and, per exposed point in
    result order, its `name`, `kind`, `result` index (and `argument` index
    with `feed`), `order` (position in program order among the exposed
    points), `type` and, for `quantized`, its parameters (`bits`,
    `signed`, `scales`, `zero_points`, `axis`).

    Errors: a named point that no function holds, two markers of one
    function with the same point name, `value=quantized` on an uncalibrated
    marker, a function with several blocks or with callers (its result
    count changes), an unknown `value`.

    Example:
    ```mlir
    // qsim-opt --qsim-expose-points="points=f.y value=quantized"
    func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
      %0 = qsim.sim_quantize %x <s8, scale = 0.5> {kind = #qsim<kind activation>, point = "f.y"} : tensor<4xf32>
      %1 = tosa.negate %0 ...
      return %1 : tensor<4xf32>
    }
    // becomes
    func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32> {qsim.point = "f.y"}) {
      ...
      return %1, %0 : tensor<4xf32>, tensor<4xf32>
    }
    ```
  }];
  let options = [
    ListOption<"points", "points", "std::string",
               "Point names to expose (default: every input/activation point)">,
    Option<"value", "value", "std::string", "\"quantized\"",
           "Which value of each marker: float (its operand) or quantized "
           "(its result)">,
    Option<"feed", "feed", "bool", "false",
           "Other uses of each exposed value read a new function argument">,
    Option<"manifestFile", "manifest", "std::string", "\"\"",
           "Write the exposed points as JSON to this file ('-' = stdout)">
  ];
  let statistics = [
    Statistic<"numExposed", "num-exposed", "Points returned">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def QSimSmoothActivations : Pass<"qsim-smooth-activations", "ModuleOp"> {
  let summary = "Move the outlier channels of float-produced activations into the weights of the matmuls they feed (SmoothQuant)";
  let description = [{
    Runs on float TOSA, before `--qsim-annotate`, with a calibration table
    whose points carry per-channel ranges (`qsim-collect` writes them).
    A transformer's layer norms produce a few channels a hundred times wider
    than the rest; one int8 scale for the whole tensor then leaves the other
    channels a handful of steps. Following SmoothQuant (Xiao et al., 2023),
    for a value `x` produced by an op that stays float (marked
    `qsim.keep_float`, or with no quantization rule) and read by
    `tosa.matmul`s as their left operand with constant right operands
    (directly or through reshapes that keep the last dimension), the pass
    computes per input channel `k`

    `s_k = max|x_k|^alpha / max|w_k|^(1 - alpha)`

    from the table's range of `x` and the largest weight of row `k` over
    those matmuls, inserts `x' = x * (1 / s)` (a `tosa.mul` marked
    `qsim.keep_float = "SmoothQuant scaling"`, named `<x's op>/smooth`) for
    them and multiplies row `k` of each of their weights by `s_k`. The
    float function is unchanged up to f32 rounding; the int8 model
    quantizes `x'`, whose channels are balanced, and the per-channel weight
    scales absorb `s`. Other readers of `x` (a post-norm transformer's
    residual add) keep reading `x`. Values produced by quantized ops are
    left alone: their scaling would be a float op between two int8 ones.
    That includes a GELU's output, although a per-channel table
    (`--qsim-fuse-lut`) could absorb the factor: on all-MiniLM-L6-v2 its
    per-channel ranges from a few calibration sentences do not hold on
    others, and the worst cosine fell from 0.987 to 0.946 (docs/Models.md).
    Every inserted multiply carries the unit attribute `qsim.smoothquant`.

    `x'` has statistics of its own: calibrate the result again before
    quantizing it (`qsim quantize --smooth` runs both passes).
    A value whose point the table lacks, or has without per-channel ranges
    along the last axis, is left as it is and counted in `num-unmeasured`.
  }];
  let options = [
    Option<"tableFile", "table", "std::string", "\"\"",
           "Calibration statistics table (JSON) with per-channel ranges">,
    Option<"alpha", "alpha", "double", "0.9",
           "Migration strength in [0, 1]: s = max|x|^alpha / max|w|^(1 - alpha)">,
  ];
  let statistics = [
    Statistic<"numSmoothed", "num-smoothed", "Activations scaled">,
    Statistic<"numWeights", "num-weights", "Weights rescaled">,
    Statistic<"numUnmeasured", "num-unmeasured",
               "Candidates without per-channel statistics in the table">
  ];
  let dependentDialects = ["::mlir::tosa::TosaDialect"];
}

def QSimFuseLut : Pass<"qsim-fuse-lut", "ModuleOp"> {
  let summary = "Turn elementwise float chains between quantization points into table lookups";
  let description = [{
    Runs on calibrated IR (after `--qsim-calibrate`, before
    `--qsim-realize`). A chain of elementwise f32 TOSA ops computing a value
    from one per-tensor quantized value of at most 8 bits, every other
    operand a splat constant, and ending at a per-tensor quantization point
    (`sim_quantize(in) -> ops -> sim_quantize(out)`) is a function of the
    input's 2^N integer values. The pass evaluates it for each of them in
    f32 (sigmoid, tanh, erf, exp, log, reciprocal, rsqrt, abs, negate,
    floor, ceil, clamp, add, sub, mul, maximum, minimum, pow; ops may read
    the input and earlier results more than once, as hard-swish
    `x * clamp(x / 6 + 0.5, 0, 1)` does) and replaces the chain by

    `qsim.quantize(in) -> qsim.lut -> qsim.dequantize`

    with the table of docs/Numerics.md, which `--qsim-realize` and
    canonicalization turn into one `qsim.lut` between the two int8 values.
    Quantization points inside the chain are dropped (the table rounds
    once) and the float constants are read instead of their quantized
    values; a point that other ops also read ends the chain there instead. Chains
    are taken longest first, so SiLU `x * sigmoid(x)` is one table. A single
    op that `--qsim-realize` realizes exactly on its own (a ReLU clamp, an
    add or mul by a constant) is left to it. The output point must round to
    nearest.

    After the chain's last inner point, ops may also read constants of
    shape `[1, ..., 1, C]` with one value per channel of the last
    dimension (a batch norm's scale and shift after an activation): the
    table then has a row per channel, `[C, 2^N]`, up to 2^20 entries in
    all, instead of a table and an integer multiply that rounds again. A
    point whose op reads such a constant (a bias add) is never inner: the
    chain starts there.

    Example (hard-sigmoid):
    ```mlir
    %0 = qsim.sim_quantize %x <s8, scale = 0.05> : tensor<4xf32>
    %1 = tosa.mul %0, %c6inv, %shift : ...
    %2 = tosa.add %1, %chalf : ...
    %3 = tosa.clamp %2 {min_val = 0.0 : f32, max_val = 1.0 : f32} : ...
    %4 = qsim.sim_quantize %3 <s8, scale = 0.0078125> : tensor<4xf32>
    ```
    becomes
    ```mlir
    %0 = qsim.sim_quantize %x <s8, scale = 0.05> : tensor<4xf32>
    %1 = qsim.quantize %0 <s8, scale = 0.05> : tensor<4xf32> -> tensor<4xi8>
    %2 = qsim.lut %1 table dense<[...]> : tensor<256xi8> : tensor<4xi8> -> tensor<4xi8>
    %3 = qsim.dequantize %2 <s8, scale = 0.0078125> : tensor<4xi8> -> tensor<4xf32>
    %4 = qsim.sim_quantize %3 <s8, scale = 0.0078125> : tensor<4xf32>
    ```
  }];
  let statistics = [
    Statistic<"numFused", "num-fused", "Chains replaced by a table lookup">,
    Statistic<"numOpsRemoved", "num-ops-removed",
              "Float ops and inner quantization points removed">
  ];
  let dependentDialects = ["::mlir::qsim::QSimDialect"];
}

def QSimRealize : Pass<"qsim-realize", "ModuleOp"> {
  let summary = "Rewrite simulated quantization into integer arithmetic";
  let description = [{
    Turns every quantizable op whose operands and result are simulated
    quantized into integer code, through the op's
    `QuantizableOpInterface::realize` rule (so an embedder's op with a rule
    is realized like these). The rules qsim ships:

    - conv2d / depthwise_conv2d / matmul: int8 operands, int32
      accumulation (TOSA integer ops, or linalg named ops with i32 outputs),
      bias quantized to int32 at `s_in * s_w[c]` (never 8 bits), then
      `qsim.requantize` (per channel) to the output parameters;
    - ReLU/ReLU6 clamps: an integer clamp (a requantize with bounds that
      canonicalization folds into the producer's requantize);
    - a per-channel affine on constants (a batch norm that cannot fold into
      a conv, as in pre-activation ResNets): `qsim.mul` by a 16-bit
      per-channel constant and `qsim.add` of a 32-bit offset, then a
      per-channel requantize, instead of falling back to float;
    - max pool, reshape, transpose, slice on int8; average pool (no
      padding) as an int32 sum and a requantize by `1 / count`; concat
      requantizes its inputs to the output's shared parameters;
    - residual add: when the operand scales differ by a power of two the
      coarser side is shifted left exactly (no precision lost); otherwise
      both are brought to a common 32-bit scale `max(s1, s2) / 2^(29 - bits)`
      by requantization, which bounds every term by 2^29, so the int32 sum
      cannot overflow; then a requantize to the output.

    The function keeps its float signature: values entering the integer
    region are quantized, values leaving it (to the return or to an op left
    in float) are dequantized. Ops that cannot be realized stay float.

    With `int-io`, arguments that are only quantized and results that are
    only dequantized become integer arguments and results instead (with a
    `qsim.params` argument/result attribute giving their parameters), for
    callers that keep data in int8.

    Example: see docs/Overview.md (conv + bias + ReLU at each stage).
  }];
  let options = [
    Option<"intIO", "int-io", "bool", "false",
           "Integer function arguments/results instead of float ones">
  ];
  let statistics = [
    Statistic<"numRealized", "num-realized", "Ops rewritten to integers">,
    Statistic<"numLeftFloat", "num-left-float",
              "Quantizable ops left in float">
  ];
  let dependentDialects = ["::mlir::qsim::QSimDialect",
                           "::mlir::tosa::TosaDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // QSIM_DIALECT_QSIM_TRANSFORMS_PASSES_TD
