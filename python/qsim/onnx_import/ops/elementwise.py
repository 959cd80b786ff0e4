"""Elementwise ops: arithmetic with ONNX broadcasting, activations, Constant."""

from __future__ import annotations

import numpy as np

from ..values import (FLT_LOWEST, FLT_MAX, Val,
                      _Node, _bcast_shape)


class ElementwiseOps:
    def _elementwise(self, node: _Node, ins, op: str):
        self.check_attrs(node, ("broadcast", "axis") if self.opset < 7 else ())
        a, b = [self.float_operand(node, v, i) for i, v in enumerate(ins[:2])]
        la, lb = a.logical_shape, b.logical_shape
        if self.opset < 7 and node.attrs.get("broadcast", 0) and len(lb) < len(la):
            axis = node.attrs.get("axis", len(la) - len(lb))
            if axis < 0:
                axis += len(la)
            newb = (1,) * axis + tuple(lb) + (1,) * (len(la) - axis - len(lb))
            b = self.reshape(self.plain(b), newb, tag="legacy_broadcast")
            lb = newb
        out = _bcast_shape(la, lb)
        if out is None:
            raise node.error(f"shapes {list(la)} and {list(lb)} do not broadcast")
        rank = len(out)
        if rank == 0:
            raise node.error("scalar results are not supported")
        use_nhwc = rank == 4 and any(v.layout == "nhwc" for v in (a, b))
        ops = []
        for v in (a, b):
            if use_nhwc:
                v = v if v.layout == "nhwc" else self.to_layout(
                    self.expand_rank(v, 4), "nhwc")
            else:
                v = self.expand_rank(v, rank)
            ops.append(v)
        return [self.binary(op, ops[0], ops[1], "nhwc" if use_nhwc else "plain",
                            self.loc())]

    def op_Add(self, node, ins):
        return self._elementwise(node, ins, "add")

    def op_Sub(self, node, ins):
        return self._elementwise(node, ins, "sub")

    def op_Mul(self, node, ins):
        return self._elementwise(node, ins, "mul")

    def op_Relu(self, node, ins):
        self.check_attrs(node, ())
        x = self.float_operand(node, ins[0], 0)
        return [self.clamp(x, 0.0, FLT_MAX, self.loc())]

    def op_Clip(self, node, ins):
        lo, hi = FLT_LOWEST, FLT_MAX
        if self.opset < 11:
            self.check_attrs(node, ("min", "max"))
            lo = float(node.attrs.get("min", lo))
            hi = float(node.attrs.get("max", hi))
        else:
            self.check_attrs(node, ())
            for pos in (1, 2):
                if len(ins) > pos and ins[pos] is not None:
                    arr = self.const_array(node, ins[pos], f"input #{pos}")
                    if arr.size != 1:
                        raise node.error(f"input #{pos} must be a scalar")
                    if arr.dtype != np.float32:
                        raise node.error(f"input #{pos} has dtype {arr.dtype}; only "
                                         f"float32 is supported")
                    if pos == 1:
                        lo = float(arr.reshape(-1)[0])
                    else:
                        hi = float(arr.reshape(-1)[0])
        x = self.float_operand(node, ins[0], 0)
        lo, hi = max(lo, FLT_LOWEST), min(hi, FLT_MAX)
        if lo > hi:  # ONNX: every element becomes max
            lo = hi
        if x.is_const:
            return [Val(x.shape, x.layout, const=np.clip(x.const, lo, hi).astype(np.float32))]
        return [self.clamp(x, lo, hi, self.loc())]

    def op_Identity(self, node, ins):
        self.check_attrs(node, ())
        return [ins[0]]

    def op_Dropout(self, node, ins):
        self.check_attrs(node, ("ratio", "seed", "is_test") if self.opset < 12
                         else ("seed",))
        if self.opset < 7 and not node.attrs.get("is_test", 0):
            raise node.attr_error("is_test", node.attrs.get("is_test", 0),
                                  "only inference (is_test=1) is supported")
        if len(ins) > 2 and ins[2] is not None:
            tm = self.const_array(node, ins[2], "input #2 (training_mode)")
            if bool(np.asarray(tm).reshape(-1)[0]):
                raise node.error("input #2 'training_mode' = true is not supported: "
                                 "only inference")
        return [ins[0]]

    def op_Constant(self, node, ins):
        from onnx import numpy_helper
        self.check_attrs(node, ("value", "value_float", "value_floats", "value_int",
                                "value_ints"))
        a = node.attrs
        if "value" in a:
            arr = numpy_helper.to_array(a["value"])
        elif "value_float" in a:
            arr = np.array(a["value_float"], np.float32)
        elif "value_floats" in a:
            arr = np.array(a["value_floats"], np.float32)
        elif "value_int" in a:
            arr = np.array(a["value_int"], np.int64)
        elif "value_ints" in a:
            arr = np.array(a["value_ints"], np.int64)
        else:
            raise node.error("no value attribute")
        if arr.dtype == np.float64:
            raise node.attr_error("value", f"<{arr.dtype} tensor>",
                                  "only float32 and integer constants are supported")
        return [Val(arr.shape, "plain", const=np.ascontiguousarray(arr),
                    name=node.outputs[0])]
