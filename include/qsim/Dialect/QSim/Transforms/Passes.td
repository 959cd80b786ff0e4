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

    Every op of a function is reported: quantized, left float (and why), or
    not quantizable. With `report=<file>` the report is written as JSON
    (schema `qsim-annotate-report/1`, `-` for stdout); with
    `emit-remarks` each op also gets a remark.

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

#endif // QSIM_DIALECT_QSIM_TRANSFORMS_PASSES_TD
