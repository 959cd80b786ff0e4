"""Counts the top-level ops of the function bodies (the tensor-level
program; the scalar ops inside a linalg.generic body are a constant per
generic) in two MLIR files and checks the quantized one stays linear in the
float one's size: at most MAX_RATIO non-constant ops per non-constant float
op. Prints the counts; exits non-zero on a violation.
"""
import re
import sys
from collections import Counter

OP = re.compile(r'^\s*(?:%[\w.#:]+(?:, %[\w.#:]+)*\s*=\s*)?"?([a-z_]+\.[a-z_0-9.]+)"?')
CONSTANT_OPS = {"tosa.const", "arith.constant", "tosa.const_shape"}
STRUCTURE_OPS = {"func.func", "func.return", "linalg.yield", "tensor.yield"}


def count(path):
    ops = Counter()
    values = 0
    lines = [l for l in open(path) if OP.match(l) and "func.func" not in l]
    top = min(len(l) - len(l.lstrip()) for l in lines)
    for line in lines:
        if len(line) - len(line.lstrip()) != top:
            continue
        m = OP.match(line)
        name = m.group(1)
        if name in STRUCTURE_OPS:
            continue
        ops[name] += 1
        if "=" in line.split(m.group(1))[0]:
            values += 1
    return ops, values


def main():
    float_path, quant_path, max_ratio = sys.argv[1], sys.argv[2], float(sys.argv[3])
    fops, fvals = count(float_path)
    qops, qvals = count(quant_path)
    fcompute = sum(n for k, n in fops.items() if k not in CONSTANT_OPS)
    qcompute = sum(n for k, n in qops.items() if k not in CONSTANT_OPS)
    print(f"float: {fcompute} ops ({fvals} values); quantized: {qcompute} ops ({qvals} values)")
    for k, n in sorted(qops.items()):
        print(f"  {k}: {n}")
    ratio = qcompute / fcompute
    print(f"ops per float op: {ratio:.2f} (limit {max_ratio})")
    ok = fcompute > 0 and ratio <= max_ratio
    if not ok:
        print("FAIL: the quantized IR is not linear in the model size")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
