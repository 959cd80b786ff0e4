"""Shape and data-movement ops."""

from __future__ import annotations

from ..values import (NCHW_TO_NHWC as _NCHW_TO_NHWC, _prod)


class ShapeOps:
    def op_Flatten(self, node, ins):
        self.check_attrs(node, ("axis",))
        x = self.plain(ins[0])
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
        x = self.plain(ins[0])
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
        vals = [self.float_operand(node, v, i) for i, v in enumerate(ins)]
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
