#!/usr/bin/env python3
"""Writes the seeds of qsim-mlir-fuzzer from the lit tests.

Each `// -----` chunk of the qsim dialect, QSimToLinalg and --qsim-quantize
lit tests becomes one seed, with its comment lines (RUN, CHECK, expected-*)
removed: the fuzzer mutates the IR, not the test directives. Chunks larger
than --max-bytes are left out (libFuzzer mutates small inputs best).

  python3 test/fuzz/make-mlir-corpus.py   # rewrites test/fuzz/corpus/mlir
"""

import argparse
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    "test/Dialect/QSim",
    "test/Conversion/QSimToLinalg",
    "test/Pipelines/qsim-quantize.mlir",
    "test/Pipelines/qsim-quantize-weight-range.mlir",
]


def chunks(path: Path):
    text = path.read_text()
    for chunk in text.split("// -----"):
        lines = [l for l in chunk.splitlines() if not l.lstrip().startswith("//")]
        body = "\n".join(l for l in lines if l.strip()) + "\n"
        if body.strip():
            yield body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path,
                        default=ROOT / "test/fuzz/corpus/mlir")
    parser.add_argument("--max-bytes", type=int, default=2048)
    args = parser.parse_args()
    files = []
    for src in SOURCES:
        p = ROOT / src
        files += sorted(p.rglob("*.mlir")) if p.is_dir() else [p]
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.mlir"):
        old.unlink()
    seen = set()
    for f in files:
        if "Inputs" in f.parts:
            continue
        for body in chunks(f):
            digest = hashlib.sha1(body.encode()).hexdigest()[:12]
            if len(body) > args.max_bytes or digest in seen:
                continue
            seen.add(digest)
            (args.out / f"{f.stem}-{digest}.mlir").write_text(body)
    print(f"{len(seen)} seeds in {args.out}")


if __name__ == "__main__":
    main()
