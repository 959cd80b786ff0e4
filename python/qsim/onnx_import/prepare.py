"""Model preparation before import: the opset range, ONNX's checker, bounds
on declared shapes, the user's input shapes, and ONNX's own shape inference.

``onnx.checker.check_model`` runs first (without ``full_check``: that runs
shape inference before the bounds below, and ONNX's inference can hang or
crash on absurd declared shapes), so that what breaks the op schemas
(attribute types, input/output counts, unknown default-domain ops) is
refused with ONNX's message naming the node before any handler reads it.
Declared dimensions, ranks and element counts are then bounded, so that
neither shape inference nor constant folding allocates or loops on a
tensor the importer could never emit.

Shapes are fixed on a copy of the model (``--input-shape name=1,3,224,224``
for any input, ``--batch`` for a dynamic dimension 0), then
``onnx.shape_inference`` runs in strict mode so that a graph whose shapes
do not follow is refused here, with ONNX's message naming the node, rather
than half-way through the import.  The importer itself then knows every
shape statically, so Shape/Gather/Concat/Cast chains fold to constants
(``ImporterBase.fold``).
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence

from .values import OnnxImportError

#: Default-domain opsets the handlers follow.  Older ones import as their
#: ops did then (the conformance suite covers them); newer ones are refused
#: rather than read with semantics they may have changed.
MAX_OPSET = 21

#: Bounds on declared shapes (graph inputs, outputs, value_info,
#: initializers, Constant tensors): a larger rank or element count is no
#: model the importer can emit, and would make shape inference or constant
#: folding allocate without bound.
MAX_RANK = 16
MAX_ELEMENTS = 2**31 - 1


def parse_input_shapes(specs: Sequence[str]) -> Dict[str, List[int]]:
    """``["x=1,3,224,224", "mask=1,128"]`` -> ``{"x": [1, 3, 224, 224], ...}``.
    A spec without ``name=`` is stored under the key ``""``: it applies to a
    model with a single input."""
    out: Dict[str, List[int]] = {}
    for spec in specs:
        name, sep, dims = spec.rpartition("=")
        if not sep:
            name, dims = "", spec
        try:
            shape = [int(d) for d in dims.replace("x", ",").split(",") if d.strip()]
        except ValueError:
            raise OnnxImportError(f"--input-shape '{spec}': expected NAME=D0,D1,... "
                                  f"with integer dimensions") from None
        if not shape or any(d < 1 for d in shape):
            raise OnnxImportError(f"--input-shape '{spec}': dimensions must be "
                                  f"positive integers")
        if name in out:
            raise OnnxImportError(f"--input-shape given twice for '{name or '<the input>'}'")
        out[name] = shape
    return out


def opset_of(model) -> int:
    opset = 1
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            opset = int(imp.version)
    return opset


def require_graph(model) -> None:
    """Raises :class:`OnnxImportError` unless ``model`` has a graph with
    outputs: protobuf reads many byte strings as some message, so a file
    that is no model can parse as an empty one, which would import as a
    function that returns nothing."""
    if not model.HasField("graph") or not model.graph.output:
        raise OnnxImportError("the model holds no ONNX graph with outputs (not an ONNX "
                              "model, or a corrupt one)")


def prepare(model, input_shapes: Optional[Mapping[str, Sequence[int]]] = None,
            batch: Optional[int] = None, bound: Sequence[str] = ()):
    """``(model, error)``: a copy of ``model`` with static input shapes and
    inferred value shapes, and ``None``; or, where ONNX's strict shape
    inference refuses the graph, the copy without inferred shapes and that
    refusal as an :class:`OnnxImportError`.  The caller imports either way
    and raises its own, more specific error first (an unsupported attribute
    names the attribute), else the refusal: a graph ONNX calls inconsistent
    is never imported.  Raises :class:`OnnxImportError` for bad options."""
    import onnx

    require_graph(model)
    opset = opset_of(model)
    if opset > MAX_OPSET:
        raise OnnxImportError(f"opset {opset} is not supported (default domain, "
                              f"1..{MAX_OPSET}); convert the model with "
                              f"onnx.version_converter.convert_version(model, "
                              f"{MAX_OPSET})")
    check_model(model)
    check_declared_shapes(model.graph)
    check_inference_hazards(model.graph)
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    inits = {i.name for i in g.initializer} | set(bound)
    inputs = [i for i in g.input if i.name not in inits]
    shapes = dict(input_shapes or {})
    if "" in shapes:
        if len(inputs) != 1:
            raise OnnxImportError(
                f"--input-shape without a name needs a model with one input; this "
                f"one has {len(inputs)}: {', '.join(i.name for i in inputs)}")
        shapes[inputs[0].name] = shapes.pop("")
    known = {i.name for i in inputs}
    for name in shapes:
        if name not in known:
            raise OnnxImportError(f"--input-shape names '{name}', which is not a graph "
                                  f"input (inputs: {', '.join(sorted(known)) or 'none'})")
    for inp in inputs:
        if not inp.type.HasField("tensor_type") or \
                not inp.type.tensor_type.HasField("shape"):
            continue
        dims = inp.type.tensor_type.shape.dim
        for i, d in enumerate(dims):
            # A dimension of size 0 (not a dynamic one, which has no value or
            # a negative one) makes an empty tensor: nothing to compute or
            # calibrate on, and TOSA has no zero-sized shapes.
            if d.HasField("dim_value") and d.dim_value == 0:
                raise OnnxImportError(f"graph input '{inp.name}': dimension {i} has size "
                                      f"0; zero-sized inputs are not supported")
        want = shapes.get(inp.name)
        if want is not None:
            if len(want) != len(dims):
                raise OnnxImportError(
                    f"--input-shape {inp.name}={','.join(map(str, want))} has rank "
                    f"{len(want)}; the graph input has rank {len(dims)}")
            for i, (d, w) in enumerate(zip(dims, want)):
                if d.HasField("dim_value") and d.dim_value > 0 and d.dim_value != w:
                    raise OnnxImportError(
                        f"--input-shape {inp.name}: dimension {i} is {w}, but the "
                        f"model fixes it to {d.dim_value}")
                d.Clear()
                d.dim_value = int(w)
        elif batch is not None and dims and not (dims[0].HasField("dim_value")
                                                 and dims[0].dim_value > 0):
            dims[0].Clear()
            dims[0].dim_value = int(batch)
        elif dims and not (dims[0].HasField("dim_value") and dims[0].dim_value > 0):
            dims[0].Clear()
            dims[0].dim_value = 1
    # Stale value_info (e.g. a dynamic batch recorded by the exporter) would
    # contradict the fixed shapes: inference recomputes it.
    del g.value_info[:]
    try:
        inferred = onnx.shape_inference.infer_shapes(m, check_type=True,
                                                     strict_mode=True, data_prop=True)
        return inferred, None
    except Exception as e:  # noqa: BLE001 - onnx raises InferenceError and others
        return m, shape_inference_error(e)


def shape_inference_error(e: Exception) -> OnnxImportError:
    """ONNX's inference message, with the node named as the importer names
    nodes (``node 'conv1' (Conv): ...``)."""
    import re
    text = " ".join(x.strip() for x in str(e).strip().splitlines()[:6]) \
        or type(e).__name__
    m = re.search(r"\(op_type:(\w+), node name: ([^)]*)\): (.*)", text)
    if m:
        op, name, msg = m.groups()
        msg = re.sub(r"^(\[\w+\] )+", "", msg.strip())
        return OnnxImportError(f"node '{name}' ({op}): ONNX shape inference failed: {msg}")
    return OnnxImportError(f"ONNX shape inference failed: {text}")


def check_model(model) -> None:
    """``onnx.checker.check_model`` (schemas only, no shape inference); its
    refusal as an :class:`OnnxImportError` naming the node."""
    import re

    import onnx
    try:
        onnx.checker.check_model(model, full_check=False)
    except Exception as e:  # noqa: BLE001 - ValidationError, and ValueError for >2 GB
        text = str(e).strip()
        first = " ".join(x.strip() for x in text.split("==> Context:")[0].splitlines()
                         if x.strip()) or type(e).__name__
        m = re.search(r"Bad node spec for node\. Name: (.*?) OpType: (\S+)", text)
        if m:
            name, op = m.groups()
            if not name:
                outs = [n.output[0] for n in model.graph.node
                        if n.op_type == op and n.output]
                name = outs[0] if len(outs) == 1 else "?"
            raise OnnxImportError(f"node '{name}' ({op}): the ONNX checker refuses "
                                  f"the node: {first}") from None
        raise OnnxImportError(f"the ONNX checker refuses the model: {first}") from None


def _check_dims(what: str, dims: Sequence[int]) -> None:
    if len(dims) > MAX_RANK:
        raise OnnxImportError(f"{what} has rank {len(dims)}; at most {MAX_RANK} is "
                              f"supported")
    count = 1
    for i, d in enumerate(dims):
        if d < 0 or d > MAX_ELEMENTS:
            raise OnnxImportError(f"{what}: dimension {i} is {d}; dimensions must lie "
                                  f"in 0..{MAX_ELEMENTS}")
        count *= d
    if count > MAX_ELEMENTS:
        raise OnnxImportError(f"{what} has shape {list(dims)} ({count} elements); at "
                              f"most {MAX_ELEMENTS} elements are supported")


def check_declared_shapes(graph) -> None:
    """Bounds every declared shape: value infos (dynamic dimensions count
    as 1), initializers and Constant nodes' tensors, subgraphs included."""
    from onnx import AttributeProto

    def value_info(kind, vi):
        if not vi.type.HasField("tensor_type") or \
                not vi.type.tensor_type.HasField("shape"):
            return
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1
                for d in vi.type.tensor_type.shape.dim]
        _check_dims(f"{kind} '{vi.name}'", dims)

    def walk(g):
        for vi in g.input:
            value_info("graph input", vi)
        for vi in g.output:
            value_info("graph output", vi)
        for vi in g.value_info:
            value_info("value", vi)
        for t in g.initializer:
            _check_dims(f"initializer '{t.name}'", list(t.dims))
        for k, n in enumerate(g.node):
            name = n.name or (n.output[0] if n.output else f"node{k}")
            for a in n.attribute:
                if a.type == AttributeProto.TENSOR:
                    _check_dims(f"node '{name}' ({n.op_type}): attribute '{a.name}'",
                                list(a.t.dims))
                elif a.type == AttributeProto.GRAPH:
                    walk(a.g)
                for sub in a.graphs:
                    walk(sub)

    walk(graph)


def check_inference_hazards(graph) -> None:
    """Refuses what crashes ONNX's own shape inference (onnx 1.19) although
    the checker accepts it: a ConvTranspose whose data and weight ranks
    differ, or are below 3, dies with SIGSEGV.  Only ranks declared before
    inference (graph inputs, initializers, Constant nodes) are known here."""
    ranks = {}
    for vi in graph.input:
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.HasField("shape"):
            ranks[vi.name] = len(vi.type.tensor_type.shape.dim)
    for t in graph.initializer:
        ranks[t.name] = len(t.dims)
    for k, n in enumerate(graph.node):
        if n.op_type == "Constant" and n.output:
            for a in n.attribute:
                if a.name == "value" and a.HasField("t"):
                    ranks[n.output[0]] = len(a.t.dims)
        if n.op_type != "ConvTranspose" or n.domain not in ("", "ai.onnx"):
            continue
        got = [ranks.get(x) for x in list(n.input)[:2]]
        if len(got) == 2 and None not in got and (got[0] != got[1] or min(got) < 3):
            name = n.name or (n.output[0] if n.output else f"node{k}")
            raise OnnxImportError(f"node '{name}' (ConvTranspose): input and weight "
                                  f"must have the same rank, at least 3; got ranks "
                                  f"{got[0]} and {got[1]}")
