"""Shape and data-movement ops.

Every operand that decides a shape (Reshape's shape, Slice's starts/ends,
Pad's pads, Tile's repeats, ...) must be a compile-time constant; the
values themselves may be runtime tensors of any supported element type.
Ops that only move data along an axis (Slice, Split, Pad, Tile, Concat,
Gather with 1-D constant indices, Expand to 4-D) work on NHWC values in
place by remapping the axis, so CNNs get no transposes around them.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..values import NCHW_TO_NHWC as _NCHW_TO_NHWC, Val, _bcast_shape, _prod, _quote, _ty

#: Gather with constant indices becomes slices + concat when the indices
#: form at most this many contiguous runs; more become one tosa.gather.
_MAX_GATHER_RUNS = 4


class ShapeOps:
    # -- helpers --------------------------------------------------------------

    def _shape_axis(self, node, axis: int, rank: int, what: str = "axis",
                    attr: bool = True) -> int:
        """``axis`` in [0, rank), from ONNX's [-rank, rank)."""
        if not -rank <= axis < rank:
            if attr:
                raise node.attr_error(what, axis, f"out of range for rank {rank}")
            raise node.error(f"{what} {axis} is out of range for rank {rank}")
        return axis + rank if axis < 0 else axis

    def _shape_ints(self, node, ins, pos: int, attr: str, use_attr: bool,
                    what: str) -> Optional[List[int]]:
        """An integer list from attribute ``attr`` (older opsets) or constant
        input ``pos``; None when absent."""
        if use_attr:
            v = node.attrs.get(attr)
            return None if v is None else [int(x) for x in v]
        if pos >= len(ins) or ins[pos] is None:
            return None
        arr = self.const_array(node, ins[pos], f"input #{pos} ({what})")
        if arr.dtype.kind not in "iu":
            raise node.error(f"input #{pos} ({what}) has dtype {arr.dtype}; expected "
                             f"int64 or int32")
        return [int(x) for x in arr.reshape(-1)]

    def _shape_relayout(self, v: Val, layout: str) -> Val:
        """The same data tagged with another layout (a physical reshape result
        that is again NHWC)."""
        if v.is_const:
            return Val(v.shape, layout, const=v.const, name=v.name)
        return Val(v.shape, layout, ssa=v.ssa, dtype=v.dtype)

    def _shape_plain(self, v: Val) -> Val:
        """``v`` in ONNX layout.  An NHWC value whose dims of extent > 1 keep
        their order (C == 1, or H == W == 1 as after a global pool) has the
        same element order in both layouts: a reshape, not a transpose."""
        if v.layout != "nhwc":
            return v
        if "plain" in v.alt:
            return v.alt["plain"]
        logical = v.logical_shape
        phys_order = [_NCHW_TO_NHWC[i] for i in range(4) if v.shape[i] != 1]
        log_order = [a for a in range(4) if logical[a] != 1]
        if phys_order != log_order:
            return self.plain(v)
        r = self.reshape(v, logical, tag="to_nchw")
        r.name = v.name
        v.alt["plain"] = r
        r.alt["nhwc"] = v
        return r

    def _shape_scalar(self, value, dtype: str, rank: int) -> Val:
        """A constant of one element of MLIR element type ``dtype``."""
        np_dt = {"f32": np.float32, "i64": np.int64, "i32": np.int32,
                 "i1": np.bool_}[dtype]
        return Val((1,) * rank, "plain", const=np.full((1,) * rank, value, np_dt))

    def _shape_tile(self, v: Val, multiples: Sequence[int], tag="tile") -> Val:
        multiples = [int(m) for m in multiples]
        if all(m == 1 for m in multiples):
            return v
        shape = [d * m for d, m in zip(v.shape, multiples)]
        loc = self.loc(tag)
        s = self.shape_const(multiples, loc)
        e = v.dtype
        return self.new(shape, v.layout,
                        f"tosa.tile {self.ssa(v)}, {s} : ({_ty(v.shape, e)}, "
                        f"!tosa.shape<{len(shape)}>) -> {_ty(shape, e)}", loc, dtype=e)

    def _shape_reverse(self, v: Val, axis: int, tag="reverse") -> Val:
        if v.shape[axis] == 1:
            return v
        t = _ty(v.shape, v.dtype)
        return self.new(v.shape, v.layout,
                        f"tosa.reverse {self.ssa(v)} {{axis = {axis} : i32}} : ({t}) -> "
                        f"{t}", self.loc(tag), dtype=v.dtype)

    def _shape_pad(self, v: Val, pads: Sequence[Tuple[int, int]], value,
                   tag="pad") -> Val:
        """tosa.pad with a constant fill of ``v``'s element type."""
        if all(a == 0 and b == 0 for a, b in pads):
            return v
        e = v.dtype
        shape = [d + a + b for d, (a, b) in zip(v.shape, pads)]
        loc = self.loc(tag)
        flat = [int(x) for ab in pads for x in ab]
        s = self.shape_const(flat, loc)
        if e == "f32" and float(value) == 0.0 and not np.signbit(value):
            fill = self.zp()
        else:
            fill = self.ssa(self._shape_scalar(value, e, 1))
        return self.new(shape, v.layout,
                        f"tosa.pad {self.ssa(v)}, {s}, {fill} : ({_ty(v.shape, e)}, "
                        f"!tosa.shape<{len(flat)}>, tensor<1x{e}>) -> {_ty(shape, e)}",
                        loc, dtype=e)

    def _shape_strided(self, v: Val, axis: int, start: int, count: int,
                       step: int) -> Val:
        """Elements start, start + step, ... (``count`` of them, step > 0) of
        physical axis ``axis``: one slice of count * step elements (padded at
        the end when the axis is shorter), seen as [count, step] and sliced to
        its first column."""
        if step == 1 or count == 1:
            st = [0] * v.rank
            sz = list(v.shape)
            st[axis], sz[axis] = start, count
            return self.slice(v, st, sz, tag="slice")
        layout = v.layout
        span = min(count * step, v.shape[axis] - start)
        st = [0] * v.rank
        sz = list(v.shape)
        st[axis], sz[axis] = start, span
        x = self.slice(v, st, sz, tag="slice")
        if span < count * step:
            pads = [(0, 0)] * v.rank
            pads[axis] = (0, count * step - span)
            x = self._shape_pad(x, pads, 0, tag="stride_pad")
        pre, post = _prod(x.shape[:axis]), _prod(x.shape[axis + 1:])
        x = self.reshape(x, (pre, count, step, post), tag="stride_split")
        x = self.slice(x, [0, 0, 0, 0], [pre, count, 1, post], tag="stride_take")
        out = list(v.shape)
        out[axis] = count
        return self._shape_relayout(self.reshape(x, out, tag="stride_merge"), layout)

    def _shape_named(self, v: Val) -> Val:
        """Gives the op that defines ``v``, when it is the last op emitted and
        a helper op of this node, the node's own location (the principal op
        of a decomposition carries the node's name)."""
        if v.ssa is None or not self.lines:
            return v
        line = self.lines[-1]
        tagged = f' loc({_quote(self.loc())[:-1]}/'
        if line.startswith(f"    {v.ssa} = ") and tagged in line:
            self.lines[-1] = line[:line.rindex(" loc(")] + f" loc({_quote(self.loc())})"
        return v

    def _shape_phys_axis(self, v: Val, axis: int) -> int:
        """The physical axis of logical ``axis`` of ``v``."""
        return _NCHW_TO_NHWC.index(axis) if v.layout == "nhwc" else axis

    # -- ops ------------------------------------------------------------------

    def op_Flatten(self, node, ins):
        self.check_attrs(node, ("axis",))
        x = self._shape_plain(ins[0])
        axis = int(node.attrs.get("axis", 1))
        r = x.rank
        if not -r <= axis <= r:
            raise node.attr_error("axis", axis, f"out of range for rank {r}")
        if axis < 0:
            axis += r
        shape = (_prod(x.shape[:axis]), _prod(x.shape[axis:]))
        return [self.reshape(x, shape, loc=self.loc())]

    def op_Reshape(self, node, ins):
        if self.opset < 5:
            self.check_attrs(node, ("shape", "consumed_inputs"))
            target = list(node.attrs.get("shape", []))
        else:
            self.check_attrs(node, ("allowzero",))
            if len(ins) < 2 or ins[1] is None:
                raise node.error("missing shape input")
            target = [int(d) for d in self.const_array(node, ins[1], "input #1 (shape)")
                      .reshape(-1)]
        allowzero = int(node.attrs.get("allowzero", 0))
        x = self._shape_plain(ins[0])
        shape = []
        for i, d in enumerate(target):
            if d == 0 and not allowzero:
                if i >= x.rank:
                    raise node.error(f"shape {target}: 0 at position {i} has no "
                                     f"input dimension to copy")
                shape.append(x.shape[i])
            else:
                shape.append(d)
        if shape.count(-1) > 1:
            raise node.error(f"shape {target} has more than one -1")
        if -1 in shape:
            known = _prod([d for d in shape if d != -1])
            if known == 0 or _prod(x.shape) % known:
                raise node.error(f"cannot reshape {list(x.shape)} to {target}")
            shape[shape.index(-1)] = _prod(x.shape) // known
        if any(d <= 0 for d in shape):
            raise node.error(f"shape {target} gives {shape}: zero-sized tensors are "
                             f"not supported")
        if x.is_const:
            return [self.reshape(x, shape)]
        return [self.reshape(x, shape, loc=self.loc())]

    def op_Concat(self, node, ins):
        self.check_attrs(node, ("axis",))
        if "axis" not in node.attrs and self.opset >= 4:
            raise node.error("attribute 'axis' is required")
        axis = int(node.attrs.get("axis", 1))
        vals = list(ins)
        dtypes = sorted({v.dtype for v in vals})
        if len(dtypes) > 1:
            raise node.error(f"inputs have different element types {dtypes}")
        r = len(vals[0].logical_shape)
        if not -r <= axis < r:
            raise node.attr_error("axis", axis, f"out of range for rank {r}")
        if axis < 0:
            axis += r
        for v in vals:
            ls = v.logical_shape
            if len(ls) != r or any(ls[i] != vals[0].logical_shape[i]
                                   for i in range(r) if i != axis):
                raise node.error(f"input shapes {[list(v.logical_shape) for v in vals]} "
                                 f"do not concatenate on axis {axis}")
        if r == 4 and any(v.layout == "nhwc" for v in vals):
            vals = [self.to_layout(v, "nhwc") for v in vals]
            return [self.concat(vals, _NCHW_TO_NHWC.index(axis), "nhwc", self.loc())]
        vals = [self.plain(v) for v in vals]
        return [self.concat(vals, axis, "plain", self.loc())]

    def op_Transpose(self, node, ins):
        self.check_attrs(node, ("perm",))
        x = ins[0]
        r = x.rank
        perm = [int(p) for p in node.attrs.get("perm", range(r - 1, -1, -1))]
        if sorted(perm) != list(range(r)):
            raise node.attr_error("perm", perm, f"not a permutation of 0..{r - 1}")
        # Output axis i reads physical axis src(perm[i]) of the input.  When
        # that order is already the output's plain or NHWC order (a
        # NCHW <-> NHWC transpose meeting the importer's own layout, as in
        # models exported from channels-last frameworks), nothing moves.
        src = [self._shape_phys_axis(x, p) for p in perm]
        if src == list(range(r)):
            return [self._shape_relayout(x, "plain")]
        if r == 4 and x.is_float and [src[j] for j in _NCHW_TO_NHWC] == [0, 1, 2, 3]:
            return [self._shape_relayout(x, "nhwc")]
        return [self.transpose(x, src, "plain", tag=None)]

    def op_Squeeze(self, node, ins):
        old = self.opset < 13
        self.check_attrs(node, ("axes",) if old else ())
        x = ins[0]
        shape = x.logical_shape
        r = len(shape)
        axes = self._shape_ints(node, ins, 1, "axes", old, "axes")
        if axes is None:
            axes = [i for i, d in enumerate(shape) if d == 1]
        else:
            axes = [self._shape_axis(node, a, r, "axes", attr=old) for a in axes]
            if len(set(axes)) != len(axes):
                raise node.error(f"axes {axes} repeat an axis")
            for a in axes:
                if shape[a] != 1:
                    raise node.error(f"cannot squeeze axis {a} of extent {shape[a]} "
                                     f"(shape {list(shape)})")
        if not axes:
            return [x]
        out = [d for i, d in enumerate(shape) if i not in axes]
        if not out:
            raise node.error(f"squeezing {list(shape)} gives a scalar; only ranked "
                             f"tensors are supported")
        return [self.reshape(self._shape_plain(x), out, loc=self.loc())]

    def op_Unsqueeze(self, node, ins):
        old = self.opset < 13
        self.check_attrs(node, ("axes",) if old else ())
        x = ins[0]
        axes = self._shape_ints(node, ins, 1, "axes", old, "axes")
        if axes is None:
            raise node.error("axes are required")
        shape = list(x.logical_shape)
        r = len(shape) + len(axes)
        axes = [self._shape_axis(node, a, r, "axes", attr=old) for a in axes]
        if len(set(axes)) != len(axes):
            raise node.error(f"axes {axes} repeat an axis")
        for a in sorted(axes):
            shape.insert(a, 1)
        return [self.reshape(self._shape_plain(x), shape, loc=self.loc())]

    def op_Slice(self, node, ins):
        old = self.opset < 10
        self.check_attrs(node, ("starts", "ends", "axes") if old else ())
        x = ins[0]
        shape = x.logical_shape
        r = len(shape)
        starts = self._shape_ints(node, ins, 1, "starts", old, "starts")
        ends = self._shape_ints(node, ins, 2, "ends", old, "ends")
        if starts is None or ends is None:
            raise node.error("starts and ends are required")
        axes = self._shape_ints(node, ins, 3, "axes", old, "axes")
        steps = None if old else self._shape_ints(node, ins, 4, "steps", False, "steps")
        n = len(starts)
        if axes is None:
            axes = list(range(n))
        if steps is None:
            steps = [1] * n
        if not len(ends) == len(axes) == len(steps) == n:
            raise node.error(f"starts {starts}, ends {ends}, axes {axes} and steps "
                             f"{steps} differ in length")
        axes = [self._shape_axis(node, a, r, "axes", attr=old) for a in axes]
        if len(set(axes)) != len(axes):
            raise node.error(f"axes {axes} repeat an axis")
        # Per logical axis: (lowest index, count, |step|, reversed).
        plan = {}
        for a, s, e, st in zip(axes, starts, ends, steps):
            d = shape[a]
            if st == 0:
                raise node.error(f"step 0 on axis {a}")
            if s < 0:
                s += d
            if e < 0:
                e += d
            if st > 0:
                s, e = min(max(s, 0), d), min(max(e, 0), d)
                count = max(0, -(-(e - s) // st))
                lo = s
            else:
                s, e = min(max(s, 0), d - 1), min(max(e, -1), d - 1)
                count = max(0, -(-(s - e) // -st))
                lo = s - (count - 1) * -st
            if count == 0:
                raise node.error(f"the slice of axis {a} (extent {d}) is empty: "
                                 f"zero-sized tensors are not supported")
            plan[a] = (lo, count, abs(st), st < 0)
        if x.layout == "nhwc" and r == 4:
            y = x
        else:
            y = self.plain(x)
        # One slice of the covered span on every axis, then the strides and
        # the reversals per axis.
        st = [0] * r
        sz = list(y.shape)
        for a, (lo, count, step, _) in plan.items():
            pa = self._shape_phys_axis(y, a)
            st[pa] = lo
            sz[pa] = min(count * step, y.shape[pa] - lo) if step > 1 else count
        y = self.slice(y, st, sz, tag="slice")
        for a in sorted(plan):
            _, count, step, rev = plan[a]
            pa = self._shape_phys_axis(y, a)
            y = self._shape_strided(y, pa, 0, count, step)
            if rev:
                y = self._shape_reverse(y, pa)
        return [self._shape_named(y)]

    def op_Split(self, node, ins):
        old = self.opset < 13
        allowed = ["axis"] + (["split"] if old else []) + \
            (["num_outputs"] if self.opset >= 18 else [])
        self.check_attrs(node, allowed)
        x = ins[0]
        shape = x.logical_shape
        r = len(shape)
        axis = self._shape_axis(node, int(node.attrs.get("axis", 0)), r)
        d = shape[axis]
        k = len(node.outputs)
        split = self._shape_ints(node, ins, 1, "split", old, "split")
        if split is None and len(ins) > 1 and ins[1] is not None and old:
            split = [int(s) for s in self.const_array(node, ins[1], "input #1 (split)")
                     .reshape(-1)]
        nout = node.attrs.get("num_outputs")
        if split is not None:
            if any(s <= 0 for s in split):
                raise node.error(f"split {split} of axis {axis}: zero-sized tensors "
                                 f"are not supported")
            if nout is not None:
                raise node.error("both 'split' and 'num_outputs' are given")
            if len(split) != k or sum(split) != d:
                raise node.error(f"split {split} does not divide extent {d} of axis "
                                 f"{axis} into {k} outputs")
        elif nout is not None:
            nout = int(nout)
            if nout != k or nout < 1:
                raise node.attr_error("num_outputs", nout, f"the node has {k} outputs")
            part = -(-d // nout)
            split = [min(part, d - i * part) for i in range(nout)]
        else:
            if d % k:
                raise node.error(f"extent {d} of axis {axis} does not split into {k} "
                                 f"equal parts")
            split = [d // k] * k
        if any(s <= 0 for s in split):  # num_outputs > extent
            raise node.error(f"split {split} of axis {axis}: zero-sized tensors are "
                             f"not supported")
        y = x if (x.layout == "nhwc" and r == 4) else self.plain(x)
        pa = self._shape_phys_axis(y, axis)
        outs, off = [], 0
        for i, s in enumerate(split):
            st = [0] * r
            sz = list(y.shape)
            st[pa], sz[pa] = off, s
            outs.append(self.slice(y, st, sz, tag=f"part{i}"))
            off += s
        return outs

    def op_Pad(self, node, ins):
        x = ins[0]
        shape = x.logical_shape
        r = len(shape)
        if self.opset < 11:
            key = "paddings" if self.opset < 2 else "pads"
            self.check_attrs(node, (key, "mode", "value"))
            pads = node.attrs.get(key)
            if pads is None:
                raise node.error(f"attribute '{key}' is required")
            pads = [int(p) for p in pads]
            value = float(node.attrs.get("value", 0.0))
            axes = list(range(r))
        else:
            self.check_attrs(node, ("mode",))
            pads = self._shape_ints(node, ins, 1, "pads", False, "pads")
            if pads is None:
                raise node.error("input #1 (pads) is required")
            value = 0
            if len(ins) > 2 and ins[2] is not None:
                cv = self.const_array(node, ins[2], "input #2 (constant_value)")
                if cv.size != 1:
                    raise node.error(f"constant_value has {cv.size} elements; "
                                     f"expected one")
                value = cv.reshape(-1)[0].item()
            axes = self._shape_ints(node, ins, 3, "axes", False, "axes")
            if axes is None:
                axes = list(range(r))
            else:
                axes = [self._shape_axis(node, a, r, "axes", attr=False) for a in axes]
                if len(set(axes)) != len(axes):
                    raise node.error(f"axes {axes} repeat an axis")
        mode = node.attrs.get("mode", "constant")
        if mode not in ("constant", "reflect", "edge"):
            raise node.attr_error("mode", mode, "only 'constant', 'reflect' and 'edge' "
                                  "are supported")
        k = len(axes)
        if len(pads) != 2 * k:
            raise node.error(f"pads {pads} should have {2 * k} values (begin and end "
                             f"for each of {k} axes)")
        logical = [(0, 0)] * r
        for i, a in enumerate(axes):
            logical[a] = (pads[i], pads[i + k])
        for a, (b, e) in enumerate(logical):
            if shape[a] + b + e <= 0:
                raise node.error(f"pads {pads} leave axis {a} empty: zero-sized "
                                 f"tensors are not supported")
        if x.is_float:
            value = float(value)
        else:
            value = int(value)
        y = x if (x.layout == "nhwc" and r == 4) else self.plain(x)
        phys = [(0, 0)] * r
        for a in range(r):
            phys[self._shape_phys_axis(y, a)] = logical[a]
        # Negative pads crop first.
        if any(b < 0 or e < 0 for b, e in phys):
            st = [max(0, -b) for b, _ in phys]
            sz = [d - max(0, -b) - max(0, -e) for d, (b, e) in zip(y.shape, phys)]
            y = self.slice(y, st, sz, tag="crop")
            phys = [(max(b, 0), max(e, 0)) for b, e in phys]
        if mode == "constant":
            return [self._shape_named(self._shape_pad(y, phys, value, tag="pad"))]
        for la in range(r):
            a = self._shape_phys_axis(y, la)
            b, e = phys[a]
            if b == 0 and e == 0:
                continue
            d = y.shape[a]
            if mode == "reflect" and (b >= d or e >= d):
                raise node.error(f"reflect pads ({b}, {e}) of axis {la} need an extent "
                                 f"greater than the pads, got {d}")
            before, after = [], []
            for n_pad, at_begin in ((b, True), (e, False)):
                if n_pad == 0:
                    continue
                st = [0] * r
                sz = list(y.shape)
                if mode == "edge":
                    st[a], sz[a] = (0 if at_begin else d - 1), 1
                    edge = self.slice(y, st, sz, tag="edge")
                    mult = [1] * r
                    mult[a] = n_pad
                    part = self._shape_tile(edge, mult, tag="edge_tile")
                else:
                    st[a], sz[a] = (1 if at_begin else d - 1 - n_pad), n_pad
                    part = self._shape_reverse(self.slice(y, st, sz, tag="mirror"), a)
                (before if at_begin else after).append(part)
            y = self.concat(before + [y] + after, a, y.layout, self.loc("concat"))
        return [self._shape_named(y)]

    def op_Tile(self, node, ins):
        self.check_attrs(node, ())
        if self.opset < 6:
            raise node.error("Tile before opset 6 (tiles/axis inputs) is not supported")
        x = ins[0]
        r = x.rank
        reps = self._shape_ints(node, ins, 1, "repeats", False, "repeats")
        if reps is None or len(reps) != r:
            raise node.error(f"repeats {reps} should have {r} values")
        if any(m <= 0 for m in reps):
            raise node.error(f"repeats {reps}: zero-sized tensors are not supported "
                             f"(repeats must be positive)")
        y = x if (x.layout == "nhwc" and r == 4) else self.plain(x)
        mult = [1] * r
        for a in range(r):
            mult[self._shape_phys_axis(y, a)] = reps[a]
        if all(m == 1 for m in mult):
            return [y]
        return [self._shape_named(self._shape_tile(y, mult, tag="tile"))]

    def op_Expand(self, node, ins):
        self.check_attrs(node, ())
        x = ins[0]
        target = self._shape_ints(node, ins, 1, "shape", False, "shape")
        if target is None:
            raise node.error("input #1 (shape) is required")
        ls = x.logical_shape
        out = _bcast_shape(ls, target)
        if out is None:
            raise node.error(f"shape {list(ls)} does not broadcast to {target}")
        if any(d <= 0 for d in out):
            raise node.error(f"expanding to {list(out)}: zero-sized tensors are not "
                             f"supported")
        if x.layout == "nhwc" and len(out) == 4:
            y = x
        else:
            y = self.expand_rank(self._shape_plain(x), len(out))
        mult = [1] * len(out)
        for a in range(len(out)):
            pa = self._shape_phys_axis(y, a)
            mult[pa] = out[a] // y.shape[pa]
        return [self._shape_named(self._shape_tile(y, mult, tag="expand"))]

    def op_Gather(self, node, ins):
        self.check_attrs(node, ("axis",))
        x, idx = ins[0], ins[1]
        shape = x.logical_shape
        r = len(shape)
        axis = self._shape_axis(node, int(node.attrs.get("axis", 0)), r)
        k = shape[axis]
        out_shape = list(shape[:axis]) + list(idx.shape) + list(shape[axis + 1:])
        if not out_shape:
            raise node.error("the result is a scalar; only ranked tensors are supported")
        if idx.dtype not in ("i64", "i32"):
            raise node.error(f"indices have element type {idx.dtype}; expected int64 "
                             f"or int32")
        if idx.is_const:
            ind = self.const_array(node, idx, "indices").astype(np.int64)
            bad = ind[(ind < -k) | (ind >= k)]
            if bad.size:
                raise node.error(f"index {int(bad[0])} is out of range for axis {axis} "
                                 f"of extent {k}")
            ind = np.where(ind < 0, ind + k, ind)
            flat = ind.reshape(-1)
            runs: List[List[int]] = []
            for i in flat.tolist():
                if runs and i == runs[-1][0] + runs[-1][1]:
                    runs[-1][1] += 1
                else:
                    runs.append([i, 1])
            if len(runs) <= _MAX_GATHER_RUNS:
                y = x if (x.layout == "nhwc" and r == 4 and ind.ndim == 1) \
                    else self._shape_plain(x)
                pa = self._shape_phys_axis(y, axis)
                parts = []
                for lo, n in runs:
                    st = [0] * r
                    sz = list(y.shape)
                    st[pa], sz[pa] = lo, n
                    parts.append(self.slice(y, st, sz, tag="take"))
                y = self.concat(parts, pa, y.layout, self.loc("concat")) \
                    if len(parts) > 1 else parts[0]
                if ind.ndim == 1:
                    return [self._shape_named(y)]
                return [self.reshape(self._shape_plain(y), out_shape, loc=self.loc())]
            ind32 = Val((1, flat.size), "plain", const=flat.astype(np.int32).reshape(1, -1))
        else:
            ind32 = self.reshape(idx, (1, _prod(idx.shape)), tag="indices_2d")
            if ind32.dtype == "i64":
                ind32 = self.new(ind32.shape, "plain",
                                 f"tosa.cast {self.ssa(ind32)} : ({_ty(ind32.shape, 'i64')})"
                                 f" -> {_ty(ind32.shape, 'i32')}", self.loc("to_i32"),
                                 dtype="i32")
            ind32 = self._shape_wrap_negative(ind32, k)
        x = self._shape_plain(x)
        pre, post = _prod(shape[:axis]), _prod(shape[axis + 1:])
        values = self.reshape(x, (pre, k, post), tag="values_3d")
        if pre > 1:
            if ind32.is_const:
                ind32 = Val((pre, ind32.shape[1]), "plain",
                            const=np.repeat(ind32.const, pre, axis=0))
            else:
                ind32 = self._shape_tile(ind32, [pre, 1], tag="indices_tile")
        w = ind32.shape[1]
        e = x.dtype
        g = self.new((pre, w, post), "plain",
                     f"tosa.gather {self.ssa(values)}, {self.ssa(ind32)} : "
                     f"({_ty(values.shape, e)}, {_ty(ind32.shape, 'i32')}) -> "
                     f"{_ty((pre, w, post), e)}", self.loc("gather"), dtype=e)
        return [self.reshape(g, out_shape, loc=self.loc())]

    def _shape_wrap_negative(self, ind: Val, k: int) -> Val:
        """i32 indices in [-k, k) -> [0, k): idx < 0 ? idx + k : idx."""
        t = _ty(ind.shape, "i32")
        tb = _ty(ind.shape, "i1")
        r = ind.rank
        zero = self.ssa(self._shape_scalar(0, "i32", r))
        kc = self.ssa(self._shape_scalar(k, "i32", r))
        c1 = _ty((1,) * r, "i32")
        neg = self.emit(f"tosa.greater {zero}, {self.ssa(ind)} : ({c1}, {t}) -> {tb}",
                        self.loc("is_negative"))
        plus = self.emit(f"tosa.add {self.ssa(ind)}, {kc} : ({t}, {c1}) -> {t}",
                         self.loc("plus_extent"))
        return self.new(ind.shape, "plain",
                        f"tosa.select {neg}, {plus}, {self.ssa(ind)} : ({tb}, {t}, {t}) "
                        f"-> {t}", self.loc("wrap"), dtype="i32")

    def _shape_space_depth(self, node, x: Val, to_space: bool):
        """DepthToSpace (``to_space``) / SpaceToDepth as reshape, transpose,
        reshape; on an NHWC value in NHWC, so the result stays NHWC."""
        self.check_attrs(node, ("blocksize", "mode") if to_space else ("blocksize",))
        if "blocksize" not in node.attrs:
            raise node.error("attribute 'blocksize' is required")
        b = int(node.attrs["blocksize"])
        if b < 1:
            raise node.attr_error("blocksize", b, "must be positive")
        mode = node.attrs.get("mode", "DCR")
        if mode not in ("DCR", "CRD"):
            raise node.attr_error("mode", mode, "must be 'DCR' or 'CRD'")
        if len(x.logical_shape) != 4:
            raise node.error(f"expected a 4-D (NCHW) input, got shape "
                             f"{list(x.logical_shape)}")
        n, c, h, w = x.logical_shape
        if to_space:
            if c % (b * b):
                raise node.attr_error("blocksize", b, f"{c} channels are not a "
                                      f"multiple of blocksize^2 = {b * b}")
            co = c // (b * b)
            if x.layout == "nhwc":
                # channel index = (i * b + j) * co + c' (DCR) or
                # c' * b * b + i * b + j (CRD); out[n, h*b+i, w*b+j, c'].
                if mode == "DCR":
                    t = self.reshape(x, (n, h, w, b, b, co), tag="split_channels")
                    perm = (0, 1, 3, 2, 4, 5)
                else:
                    t = self.reshape(x, (n, h, w, co, b, b), tag="split_channels")
                    perm = (0, 1, 4, 2, 5, 3)
                t = self.transpose(t, perm, tag="transpose")
                y = self.reshape(t, (n, h * b, w * b, co), loc=self.loc())
                return [self._shape_relayout(y, "nhwc")]
            if mode == "DCR":
                t = self.reshape(x, (n, b, b, co, h, w), tag="split_channels")
                perm = (0, 3, 4, 1, 5, 2)
            else:
                t = self.reshape(x, (n, co, b, b, h, w), tag="split_channels")
                perm = (0, 1, 4, 2, 5, 3)
            t = self.transpose(t, perm, tag="transpose")
            return [self.reshape(t, (n, co, h * b, w * b), loc=self.loc())]
        if h % b or w % b:
            raise node.attr_error("blocksize", b, f"spatial extent {h}x{w} is not a "
                                  f"multiple of it")
        ho, wo = h // b, w // b
        if x.layout == "nhwc":
            t = self.reshape(x, (n, ho, b, wo, b, c), tag="split_space")
            t = self.transpose(t, (0, 1, 3, 2, 4, 5), tag="transpose")
            y = self.reshape(t, (n, ho, wo, b * b * c), loc=self.loc())
            return [self._shape_relayout(y, "nhwc")]
        t = self.reshape(x, (n, c, ho, b, wo, b), tag="split_space")
        t = self.transpose(t, (0, 3, 5, 1, 2, 4), tag="transpose")
        return [self.reshape(t, (n, b * b * c, ho, wo), loc=self.loc())]

    def op_DepthToSpace(self, node, ins):
        return self._shape_space_depth(node, ins[0], True)

    def op_SpaceToDepth(self, node, ins):
        return self._shape_space_depth(node, ins[0], False)
