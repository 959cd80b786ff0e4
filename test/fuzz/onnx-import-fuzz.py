#!/usr/bin/env python3
"""Mutation fuzzing of the ONNX importer (qsim.onnx_import).

Seeds: the models of ONNX's conformance data (libonnx-testdata: the
single-node ``node/*/model.onnx`` and the small multi-node graphs of
``pytorch-converted`` and ``pytorch-operator``) whose ops the importer
supports and that are smaller than --seed-max-bytes (so that reproducers
stay small).  Each run takes a seed,
applies one to three random mutations of the graph (attribute values and
types, op types, node inputs and outputs, input shapes and dtypes,
initializers, node order, opset) or of its serialized bytes, and imports
it.  Success and :class:`OnnxImportError` are the two allowed outcomes;
any other exception, an :class:`OnnxImportBug` (an unexpected exception
the importer caught and named the node for: still a bug, keyed by its
cause), a run longer than --timeout seconds (the process then exits with
the tracebacks), or a hard crash of the interpreter is a finding.

Findings are written to --crashes as ``onnx-<key>.onnx`` plus a
``.txt`` with the traceback, one per distinct (exception type, innermost
qsim frame).  The case in flight is kept in ``--crashes/onnx-inflight.onnx``
so that a hard crash leaves its reproducer; it is removed on a normal
exit.  Deterministic for a given --seed and --runs; --max-time bounds the
wall time.  Exit status 1 when there is a finding.

  PYTHONPATH=python python test/fuzz/onnx-import-fuzz.py --max-time 60
  PYTHONPATH=python python test/fuzz/onnx-import-fuzz.py --reproduce X.onnx
"""

from __future__ import annotations

import argparse
import json
import faulthandler
import random
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path

import onnx
from onnx import TensorProto, helper

from qsim import onnx_import as oi
from qsim.onnx_import import OnnxImportBug, OnnxImportError

TESTDATA = Path("/usr/share/libonnx-testdata/data")
SUITES = ("node", "pytorch-converted", "pytorch-operator")

INTS = [-(2**63), -(2**31), -2, -1, 0, 1, 2, 3, 4, 7, 64, 2**31 - 1, 2**40, 2**63 - 1]
FLOATS = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, -1.0, 1e-30, 1e30, 0.5, 3.0]
STRINGS = ["", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "linear", "nearest",
           "cubic", "constant", "reflect", "edge", "half_pixel", "asymmetric", "DCR",
           "CRD", "ij,jk->ik", "i,i", "none", "tanh", "\x00"]
ATTR_NAMES = ["axis", "axes", "kernel_shape", "pads", "strides", "dilations", "group",
              "perm", "alpha", "beta", "gamma", "transA", "transB", "keepdims", "mode",
              "auto_pad", "ceil_mode", "epsilon", "to", "value", "blocksize", "split",
              "count_include_pad", "output_padding", "output_shape", "allowzero",
              "noop_with_empty_axes", "approximate", "equation", "min", "max",
              "storage_order", "coordinate_transformation_mode", "select_last_index"]
ELEM_TYPES = [TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.INT8,
              TensorProto.UINT8, TensorProto.INT32, TensorProto.INT64, TensorProto.BOOL,
              TensorProto.STRING, TensorProto.BFLOAT16, TensorProto.UNDEFINED, 1000]
DIMS = [0, 1, 2, 3, 5, -1, -7, 2**31, 2**62, None, "N"]


def load_seeds(limit_bytes: int):
    seeds = []
    supported = set(oi.SUPPORTED_OPS)
    if not TESTDATA.is_dir():
        raise SystemExit(f"onnx-import-fuzz: {TESTDATA} is missing "
                         f"(Debian package libonnx-testdata)")
    paths = [p for suite in SUITES for p in sorted((TESTDATA / suite).glob("*/model.onnx"))]
    for path in paths:
        if path.stat().st_size > limit_bytes:
            continue
        m = onnx.load(str(path))
        if m.graph.node and all(n.op_type in supported and n.domain in ("", "ai.onnx")
                                for n in m.graph.node):
            seeds.append((f"{path.parent.parent.name}/{path.parent.name}", m))
    if not seeds:
        raise SystemExit("onnx-import-fuzz: no seed models found")
    return seeds


def value_names(g):
    names = [i.name for i in g.input] + [i.name for i in g.initializer]
    for n in g.node:
        names += list(n.output)
    return names or ["x"]


def random_attr(rng: random.Random, name: str):
    kind = rng.randrange(6)
    if kind == 0:
        return helper.make_attribute(name, rng.choice(INTS))
    if kind == 1:
        return helper.make_attribute(name, rng.choice(FLOATS))
    if kind == 2:
        return helper.make_attribute(name, rng.choice(STRINGS))
    if kind == 3:
        return helper.make_attribute(name, [rng.choice(INTS) for _ in range(rng.randrange(6))],
                                     attr_type=onnx.AttributeProto.INTS)
    if kind == 4:
        return helper.make_attribute(name, [rng.choice(FLOATS) for _ in range(rng.randrange(1, 4))])
    t = helper.make_tensor(name + "_t", rng.choice([TensorProto.FLOAT, TensorProto.INT64]),
                           [rng.randrange(3)] * rng.randrange(2), [])
    t.ClearField("dims")
    return helper.make_attribute(name, t)


def mutate_graph(rng: random.Random, m: onnx.ModelProto) -> str:
    g = m.graph
    nodes = list(g.node)
    choice = rng.randrange(14)
    if choice <= 2 and nodes:
        n = rng.choice(nodes)
        if n.attribute and choice != 2:
            i = rng.randrange(len(n.attribute))
            name = n.attribute[i].name
            del n.attribute[i]
            if choice == 0:
                n.attribute.append(random_attr(rng, name))
            return f"attr {name} of {n.op_type}"
        n.attribute.append(random_attr(rng, rng.choice(ATTR_NAMES)))
        return f"add attr to {n.op_type}"
    if choice == 3 and nodes:
        n = rng.choice(nodes)
        n.op_type = rng.choice(oi.SUPPORTED_OPS)
        return f"op_type {n.op_type}"
    if choice == 4 and nodes:
        n = rng.choice(nodes)
        names = value_names(g)
        k = rng.randrange(3)
        if k == 0 and n.input:
            del n.input[rng.randrange(len(n.input))]
        elif k == 1:
            n.input.append(rng.choice(names + ["", "nowhere"]))
        elif n.input:
            n.input[rng.randrange(len(n.input))] = rng.choice(names + ["", "nowhere"])
        return "node inputs"
    if choice == 5 and nodes:
        n = rng.choice(nodes)
        if n.output and rng.randrange(2):
            del n.output[rng.randrange(len(n.output))]
        else:
            n.output.append(rng.choice(value_names(g) + ["extra"]))
        return "node outputs"
    if choice == 6 and g.input:
        vi = rng.choice(list(g.input))
        shape = vi.type.tensor_type.shape
        k = rng.randrange(3)
        if k == 0 and shape.dim:
            del shape.dim[rng.randrange(len(shape.dim))]
        elif k == 1:
            shape.dim.add().dim_value = 1
        elif shape.dim:
            d = shape.dim[rng.randrange(len(shape.dim))]
            v = rng.choice(DIMS)
            if v is None:
                d.Clear()
            elif isinstance(v, str):
                d.dim_param = v
            else:
                try:
                    d.dim_value = v
                except ValueError:
                    d.dim_value = 2**62
        return "input shape"
    if choice == 7 and (g.input or g.output):
        vi = rng.choice(list(g.input) + list(g.output))
        vi.type.tensor_type.elem_type = rng.choice(ELEM_TYPES)
        return "value elem_type"
    if choice == 8 and g.initializer:
        t = rng.choice(list(g.initializer))
        k = rng.randrange(4)
        if k == 0 and t.raw_data:
            t.raw_data = t.raw_data[: rng.randrange(len(t.raw_data))]
        elif k == 1:
            t.data_type = rng.choice(ELEM_TYPES[:-1])
        elif k == 2 and t.dims:
            t.dims[rng.randrange(len(t.dims))] = rng.choice([0, 1, 2, 1000, 2**31])
        else:
            t.dims.append(rng.choice([0, 1, 2]))
        return "initializer"
    if choice == 9 and len(nodes) > 1:
        i, j = rng.randrange(len(nodes)), rng.randrange(len(nodes))
        a, b = onnx.NodeProto(), onnx.NodeProto()
        a.CopyFrom(g.node[i])
        b.CopyFrom(g.node[j])
        g.node[i].CopyFrom(b)
        g.node[j].CopyFrom(a)
        return "node order"
    if choice == 10 and nodes:
        k = rng.randrange(2)
        i = rng.randrange(len(nodes))
        if k == 0:
            del g.node[i]
        else:
            g.node.add().CopyFrom(nodes[i])
        return "remove/duplicate node"
    if choice == 11:
        for op in m.opset_import:
            if op.domain in ("", "ai.onnx"):
                op.version = rng.choice([1, 6, 7, 9, 11, 13, 17, 18, 21, 22, 99])
        return "opset"
    if choice == 12:
        if g.output and rng.randrange(2):
            del g.output[rng.randrange(len(g.output))]
        else:
            g.output.add().CopyFrom(helper.make_tensor_value_info(
                rng.choice(value_names(g) + ["nowhere"]), TensorProto.FLOAT, None))
        return "graph outputs"
    if choice == 13 and g.input:
        vi = rng.choice(list(g.input))
        g.initializer.add().CopyFrom(helper.make_tensor(
            vi.name, TensorProto.FLOAT, [rng.choice([0, 1, 2])], []))
        return "input as empty initializer"
    return "none"


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randrange(1, 8)):
        if not b:
            break
        k = rng.randrange(3)
        i = rng.randrange(len(b))
        if k == 0:
            b[i] = rng.randrange(256)
        elif k == 1:
            del b[i:i + rng.randrange(1, 16)]
        else:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
    return bytes(b)


def finding_key(exc: BaseException) -> str:
    if isinstance(exc, OnnxImportBug) and exc.__cause__ is not None:
        exc = exc.__cause__
    frames = traceback.extract_tb(exc.__traceback__)
    where = "?"
    for fr in reversed(frames):
        if "/qsim/" in fr.filename:
            where = f"{Path(fr.filename).name}:{fr.lineno}"
            break
    return f"{type(exc).__name__}@{where}"


def run_one(model_bytes: bytes, as_file: bool, tmpdir: Path, timeout: int):
    """Imports the model; returns None or the unexpected exception. A run
    longer than `timeout` seconds ends the process (status 1) with the
    tracebacks of its threads, as libFuzzer's -timeout does: a hang may sit
    in C code (protobuf, ONNX's shape inference) that no signal handler
    interrupts."""
    faulthandler.dump_traceback_later(timeout, exit=True)
    try:
        if as_file:
            path = tmpdir / "case.onnx"
            path.write_bytes(model_bytes)
            oi.import_onnx_file(path)
        else:
            oi.import_onnx(onnx.load_from_string(model_bytes))
        return None
    except OnnxImportBug as exc:
        return exc
    except OnnxImportError:
        return None
    except Exception as exc:  # noqa: BLE001 - every other exception is a finding
        return exc
    finally:
        faulthandler.cancel_dump_traceback_later()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-time", type=float, default=60.0, help="seconds")
    parser.add_argument("--runs", type=int, default=0, help="stop after N runs (0: no limit)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=10, help="seconds per run")
    parser.add_argument("--rss-limit-mb", type=int, default=4096,
                        help="address-space limit of the process")
    parser.add_argument("--seed-max-bytes", type=int, default=64 * 1024)
    parser.add_argument("--crashes", type=Path, default=Path("fuzz-crashes"))
    parser.add_argument("--summary", type=Path, help="write execs/findings as JSON here")
    parser.add_argument("--reproduce", type=Path, help="import one file and report")
    args = parser.parse_args()

    # A hard crash (SIGSEGV in protobuf or ONNX's C++) prints the Python stack.
    faulthandler.enable()
    limit = args.rss_limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    if args.reproduce:
        # Through the file path (import_onnx_file), as `qsim import` reads
        # a model: bytes that are no ModelProto must give OnnxImportError.
        with tempfile.TemporaryDirectory() as tmp:
            exc = run_one(args.reproduce.read_bytes(), True, Path(tmp), args.timeout)
        if exc is None:
            print("onnx-import-fuzz: no finding")
            return 0
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        return 1

    seeds = load_seeds(args.seed_max_bytes)
    rng = random.Random(args.seed)
    args.crashes.mkdir(parents=True, exist_ok=True)
    inflight = args.crashes / "onnx-inflight.onnx"
    findings = {}
    execs = 0
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        while time.monotonic() - start < args.max_time and \
                (args.runs == 0 or execs < args.runs):
            name, seed = seeds[rng.randrange(len(seeds))]
            m = onnx.ModelProto()
            m.CopyFrom(seed)
            what = [mutate_graph(rng, m) for _ in range(rng.randrange(1, 4))]
            try:
                data = m.SerializeToString()
            except Exception:  # noqa: BLE001 - a mutation protobuf refuses to encode
                continue
            as_file = rng.randrange(8) == 0
            if as_file:
                data = mutate_bytes(rng, data)
                what.append("bytes")
            inflight.write_bytes(data)
            exc = run_one(data, as_file, tmpdir, args.timeout)
            execs += 1
            if exc is None:
                continue
            key = finding_key(exc)
            if key in findings:
                findings[key]["count"] += 1
                continue
            stem = "onnx-" + "".join(c if c.isalnum() else "_" for c in key)
            (args.crashes / f"{stem}.onnx").write_bytes(data)
            (args.crashes / f"{stem}.txt").write_text(
                f"seed model: {name}\nmutations: {', '.join(what)}\n"
                f"as file: {as_file}\n\n" + "".join(
                    traceback.format_exception(type(exc), exc, exc.__traceback__)))
            findings[key] = {"count": 1, "file": f"{stem}.onnx", "seed": name}
            print(f"onnx-import-fuzz: finding {key} (seed {name}: {', '.join(what)})",
                  flush=True)
    inflight.unlink(missing_ok=True)
    elapsed = time.monotonic() - start
    print(f"onnx-import-fuzz: {execs} runs in {elapsed:.0f} s over {len(seeds)} seeds, "
          f"{len(findings)} distinct findings")
    if args.summary:
        args.summary.write_text(json.dumps({"execs": execs, "seconds": round(elapsed, 1),
                                            "findings": findings}, indent=1) + "\n")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
