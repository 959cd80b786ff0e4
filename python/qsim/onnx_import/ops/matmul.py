"""Matrix products: MatMul, Gemm."""

from __future__ import annotations

import numpy as np

from ..values import (Val, _bcast_shape, _prod)


class MatMulOps:
    def op_MatMul(self, node, ins):
        self.check_attrs(node, ())
        a, b = [self.plain(self.float_operand(node, v, i)) for i, v in enumerate(ins)]
        ra, rb = a.rank, b.rank
        if ra == 0 or rb == 0:
            raise node.error("scalar operands are not supported")
        ash = (1,) + a.shape if ra == 1 else a.shape
        bsh = b.shape + (1,) if rb == 1 else b.shape
        if ash[-1] != bsh[-2]:
            raise node.error(f"shapes {list(a.shape)} and {list(b.shape)} do not multiply")
        m, k, n = ash[-2], ash[-1], bsh[-1]
        abatch, bbatch = ash[:-2], bsh[:-2]
        if _prod(bbatch) == 1:
            # A's batch dims fold into its rows.
            batch = abatch if len(abatch) >= len(bbatch) else bbatch
            a3 = self.reshape(a, (1, _prod(abatch) * m, k), tag="a3")
            b3 = self.reshape(b, (1, k, n), tag="b3")
            out3 = self.matmul(a3, b3, self.loc())
            full = tuple(batch) + (m, n)
        elif tuple(abatch) == tuple(bbatch) or (
                len(abatch) < len(bbatch) and _prod(abatch) == 1):
            nb = _prod(bbatch)
            if _prod(abatch) == 1 and nb > 1:
                raise node.error(f"broadcasting A {list(a.shape)} over B's batch "
                                 f"{list(bbatch)} is not supported")
            a3 = self.reshape(a, (nb, m, k), tag="a3")
            b3 = self.reshape(b, (nb, k, n), tag="b3")
            out3 = self.matmul(a3, b3, self.loc())
            full = tuple(bbatch) + (m, n)
        else:
            bc = _bcast_shape(abatch, bbatch)
            if bc is None:
                raise node.error(f"batch dims {list(abatch)} and {list(bbatch)} do not "
                                 f"broadcast")
            raise node.error(f"broadcast of batch dims {list(abatch)} and "
                             f"{list(bbatch)} is not supported")
        shape = list(full)
        if ra == 1:
            del shape[-2]
        if rb == 1:
            del shape[-1]
        return [self.reshape(out3, shape, tag="reshape_out")]

    def op_Gemm(self, node, ins):
        self.check_attrs(node, ("alpha", "beta", "transA", "transB", "broadcast"))
        alpha = float(node.attrs.get("alpha", 1.0))
        beta = float(node.attrs.get("beta", 1.0))
        a = self.plain(self.float_operand(node, ins[0], 0))
        b = self.plain(self.float_operand(node, ins[1], 1))
        c = ins[2] if len(ins) > 2 else None
        if a.rank != 2 or b.rank != 2:
            raise node.error(f"A and B must be 2-D, got {list(a.shape)} and "
                             f"{list(b.shape)}")
        if node.attrs.get("transA", 0):
            a = self.transpose(a, (1, 0), tag="transA")
        if node.attrs.get("transB", 0):
            b = self.transpose(b, (1, 0), tag="transB")
        m, k = a.shape
        k2, n = b.shape
        if k != k2:
            raise node.error(f"inner dimensions differ: A {list(a.shape)}, B {list(b.shape)}")
        scaled = False
        if alpha != 1.0 and b.is_const:
            b = Val(b.shape, "plain", const=(b.const * np.float32(alpha)).astype(np.float32),
                    name=b.name)
            scaled = True
        a3 = self.reshape(a, (1, m, k), tag="a3")
        b3 = self.reshape(b, (1, k, n), tag="b3")
        y = self.matmul(a3, b3, self.loc())
        if alpha != 1.0 and not scaled:
            al = Val((1, 1, 1), const=np.full((1, 1, 1), alpha, np.float32))
            y = self.binary("mul", y, al, "plain", self.loc("alpha"))
        if c is not None and beta != 0.0:
            c = self.plain(self.float_operand(node, c, 2))
            if _bcast_shape(c.shape, (m, n)) != (m, n):
                raise node.error(f"C {list(c.shape)} does not broadcast to {[m, n]}")
            c3 = self.reshape(c, (1,) * (3 - c.rank) + c.shape, tag="c3") \
                if c.rank < 3 else c
            if beta != 1.0:
                if c3.is_const:
                    c3 = Val(c3.shape, "plain", const=(c3.const * np.float32(beta))
                             .astype(np.float32), name=c3.name)
                else:
                    bt = Val((1, 1, 1), const=np.full((1, 1, 1), beta, np.float32))
                    c3 = self.binary("mul", c3, bt, "plain", self.loc("beta"))
            y = self.binary("add", y, c3, "plain", self.loc("bias"))
        return [self.reshape(y, (m, n), tag="reshape_out")]
