"""Matrix products: MatMul, Gemm."""

from __future__ import annotations

import numpy as np

from ..values import (Val, _bcast_shape, _prod, _ty)


class MatMulOps:
    def _mm_broadcast_to(self, v: Val, shape) -> Val:
        """A plain value broadcast (ONNX rules) to ``shape``: constants are
        expanded at import, runtime values with tosa.tile."""
        shape = tuple(int(d) for d in shape)
        v = self.expand_rank(v, len(shape))
        if v.shape == shape:
            return v
        if v.is_const:
            return Val(shape, "plain", const=np.ascontiguousarray(
                np.broadcast_to(v.const, shape)), name=v.name)
        mult = [d // s for d, s in zip(shape, v.shape)]
        loc = self.loc("broadcast")
        m = self.shape_const(mult, loc)
        return self.new(shape, "plain",
                        f"tosa.tile {self.ssa(v)}, {m} : ({_ty(v.shape)}, "
                        f"!tosa.shape<{len(shape)}>) -> {_ty(shape)}", loc)

    def _mm_batched(self, node, a: Val, b: Val, abatch, bbatch, m: int, k: int,
                        n: int):
        """(product [nb, m, n], batch dims) of [*abatch, m, k] x [*bbatch, k, n]."""
        if _prod(bbatch) == 1:
            # B is one matrix: A's batch dims fold into its rows.
            batch = abatch if len(abatch) >= len(bbatch) else bbatch
            a3 = self.reshape(a, (1, _prod(abatch) * m, k), tag="a3")
            b3 = self.reshape(b, (1, k, n), tag="b3")
            return self.matmul(a3, b3, self.loc()), tuple(batch)
        bc = _bcast_shape(abatch, bbatch)
        if bc is None:
            raise node.error(f"batch dims {list(abatch)} and {list(bbatch)} do not "
                             f"broadcast")
        nb = _prod(bc)
        a = self._mm_broadcast_to(self.reshape(a, tuple(abatch) + (m, k), tag="a_batch"),
                               tuple(bc) + (m, k))
        b = self._mm_broadcast_to(self.reshape(b, tuple(bbatch) + (k, n), tag="b_batch"),
                               tuple(bc) + (k, n))
        a3 = self.reshape(a, (nb, m, k), tag="a3")
        b3 = self.reshape(b, (nb, k, n), tag="b3")
        return self.matmul(a3, b3, self.loc()), tuple(bc)

    def op_MatMul(self, node, ins):
        self.check_attrs(node, ())
        a, b = [self.plain(self.float_operand(node, v, i)) for i, v in enumerate(ins)]
        for i, v in enumerate((a, b)):
            if not v.is_float:
                raise node.error(f"input #{i} has element type {v.dtype}; only float32 "
                                 f"is supported")
        ra, rb = a.rank, b.rank
        if ra == 0 or rb == 0:
            raise node.error("scalar operands are not supported")
        ash = (1,) + a.shape if ra == 1 else a.shape
        bsh = b.shape + (1,) if rb == 1 else b.shape
        if ash[-1] != bsh[-2]:
            raise node.error(f"shapes {list(a.shape)} and {list(b.shape)} do not multiply")
        m, k, n = ash[-2], ash[-1], bsh[-1]
        out3, batch = self._mm_batched(node, a, b, ash[:-2], bsh[:-2], m, k, n)
        shape = list(batch) + [m, n]
        if ra == 1:
            del shape[-2]
        if rb == 1:
            del shape[-1]
        if not shape:
            raise node.error("the product of two vectors is a scalar, which is not "
                             "supported")
        return [self.reshape(out3, shape, tag="reshape_out")]

    def op_Einsum(self, node, ins):
        """Einsum of one operand (transpose and sums) or two (a batched
        matmul after transposes); no diagonals, no broadcasting."""
        self.check_attrs(node, ("equation",))
        eq = str(node.attrs.get("equation", "")).replace(" ", "")
        ops = [self.plain(self.float_operand(node, v, i)) for i, v in enumerate(ins)]
        if not 1 <= len(ops) <= 2:
            raise node.attr_error("equation", eq, f"{len(ops)} operands: only one or "
                                  f"two are supported")
        lhs, arrow, out = eq.partition("->")
        terms = lhs.split(",")
        if len(terms) != len(ops):
            raise node.attr_error("equation", eq, f"{len(terms)} terms for "
                                  f"{len(ops)} inputs")
        # '...' becomes letters of its own (digits), aligned to the right.
        ell = max((v.rank - (len(t) - 3) for t, v in zip(terms, ops) if "..." in t),
                  default=0)
        ell_letters = "".join(str(i) for i in range(ell))

        def expand(t: str, rank: int) -> str:
            if "..." not in t:
                return t
            n_ell = rank - (len(t) - 3)
            return t.replace("...", ell_letters[ell - n_ell:] if n_ell else "")

        terms = [expand(t, v.rank) for t, v in zip(terms, ops)]
        letters = "".join(terms)
        if not arrow:
            once = sorted(c for c in set(letters) if letters.count(c) == 1
                          and not c.isdigit())
            out = ell_letters + "".join(once)
        else:
            out = expand(out, len(out) - 3 + ell) if "..." in out else out
        sizes = {}
        for t, v in zip(terms, ops):
            if not all(c.isalpha() or c.isdigit() for c in t) or len(t) != v.rank:
                raise node.attr_error("equation", eq, f"term '{t}' does not match an "
                                      f"input of shape {list(v.shape)}")
            if len(set(t)) != len(t):
                raise node.attr_error("equation", eq, f"term '{t}' repeats an index "
                                      f"(diagonals are not supported)")
            for c, d in zip(t, v.shape):
                if sizes.setdefault(c, d) != d:
                    raise node.attr_error("equation", eq, f"index '{c}' has sizes "
                                          f"{sizes[c]} and {d} (broadcasting is not "
                                          f"supported)")
        if len(set(out)) != len(out) or any(c not in sizes for c in out):
            raise node.attr_error("equation", eq, "invalid output term")
        if not out:
            raise node.attr_error("equation", eq, "the result is a scalar, which is "
                                  "not supported")

        def sum_out(v: Val, t: str, keep: str, final: bool = False):
            """Sums over the indices of ``t`` not in ``keep``."""
            drop = [i for i, c in enumerate(t) if c not in keep]
            if not drop:
                return v, t
            for i in drop:
                v = self.reduce("sum", v, i, self.loc("sum"))
            t2 = "".join(c for c in t if c in keep)
            return self.reshape(v, [sizes[c] for c in t2],
                                loc=self.loc() if final else self.loc("squeeze")), t2

        if len(ops) == 1:
            t = "".join(c for c in terms[0] if c in out)
            perm = [t.index(c) for c in out]
            ident = perm == list(range(len(perm)))
            v, t = sum_out(ops[0], terms[0], out, final=ident)
            return [v if ident else self._mm_transpose_at(v, perm, self.loc())]
        (a, ta), (b, tb) = [sum_out(v, t, out + other)
                            for v, t, other in ((ops[0], terms[0], terms[1]),
                                                (ops[1], terms[1], terms[0]))]
        batch = [c for c in out if c in ta and c in tb]
        contract = [c for c in ta if c in tb and c not in out]
        afree = [c for c in ta if c not in tb]
        bfree = [c for c in tb if c not in ta]
        a = self.transpose(a, [ta.index(c) for c in batch + afree + contract],
                           tag="transpose_a")
        b = self.transpose(b, [tb.index(c) for c in batch + contract + bfree],
                           tag="transpose_b")
        nb = _prod([sizes[c] for c in batch])
        mm, kk, nn = [_prod([sizes[c] for c in g]) for g in (afree, contract, bfree)]
        a3 = self.reshape(a, (nb, mm, kk), tag="a3")
        b3 = self.reshape(b, (nb, kk, nn), tag="b3")
        order = batch + afree + bfree
        shape = tuple(sizes[c] for c in order)
        perm = [order.index(c) for c in out]
        ident = perm == list(range(len(perm)))
        trivial = shape == (nb, mm, nn)
        y = self.matmul(a3, b3, self.loc() if ident and trivial else self.loc("matmul"))
        if not trivial:
            y = self.reshape(y, shape, loc=self.loc() if ident else self.loc("unflatten"))
        return [y if ident else self._mm_transpose_at(y, perm, self.loc())]

    def _mm_transpose_at(self, v: Val, perm, loc: str) -> Val:
        """tosa.transpose of a plain runtime value at location ``loc``."""
        if v.is_const:
            return self.transpose(v, perm)
        shape = tuple(v.shape[p] for p in perm)
        ps = ", ".join(str(int(p)) for p in perm)
        return self.new(shape, "plain",
                        f"tosa.transpose {self.ssa(v)} {{perms = array<i32: {ps}>}} : "
                        f"({_ty(v.shape)}) -> {_ty(shape)}", loc)

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
