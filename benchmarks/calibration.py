#!/usr/bin/env python3
"""Calibration benchmark: qsim-collect throughput against plain float
inference of the same module, and peak RSS for 1,000 vs 10,000 samples.

Printed, not asserted. Usage:
    benchmarks/calibration.py [--bin BIN] [--model examples/models/small_cnn.mlir]

(--bin defaults to $QSIM_BUILD_DIR/bin, else build/bin.)

Float inference is `qsim-run --repeat=N --time` on the unannotated module
(the same JIT and lowering, no observers); calibration is `qsim-collect` on
the annotated module, whose last progress line gives samples/s (both exclude
compilation). Peak RSS is the child's ru_maxrss from os.wait4; it must stay
flat from 1,000 to 10,000 samples because the data is streamed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.join(ROOT, "python") not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, "python"))

from qsim.tools import build_dir  # noqa: E402


def run(cmd):
    """Runs cmd; returns (stdout+stderr text, peak RSS in MiB)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{out}")
    return out, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=str(build_dir() / "bin"))
    ap.add_argument("--model", default=os.path.join(ROOT, "examples", "models", "small_cnn.mlir"))
    ap.add_argument("--batch-size", type=int, default=100)
    args = ap.parse_args()
    tool = lambda name: os.path.join(args.bin, name)

    with tempfile.TemporaryDirectory() as tmp:
        annotated = os.path.join(tmp, "annotated.mlir")
        run([tool("qsim-opt"), args.model, "--qsim-annotate", "-o", annotated])
        text = open(args.model).read()
        m = re.search(r"func\.func @\w+\(%\w+: tensor<([0-9x]+)xf32>", text)
        shape = [int(d) for d in m.group(1).split("x")]
        rng = np.random.default_rng(0)

        x = os.path.join(tmp, "x.npy")
        np.save(x, rng.normal(size=shape).astype(np.float32))
        n = 2000
        out, _ = run([tool("qsim-run"), args.model, f"--input={x}", f"--repeat={n}", "--time"])
        total_ms = float(re.search(r"total ([0-9.]+) ms", out).group(1))
        float_rate = n * shape[0] / (total_ms / 1000.0)

        print(f"model {os.path.basename(args.model)}, input {shape}")
        print(f"float inference (qsim-run):       {float_rate:12.1f} images/s")
        for samples in (1000, 10000):
            data = os.path.join(tmp, f"data{samples}.npy")
            np.save(data, rng.normal(size=[samples] + shape[1:]).astype(np.float32))
            table = os.path.join(tmp, "table.json")
            out, rss = run([tool("qsim-collect"), annotated, f"--data={data}",
                            f"--output={table}", f"--batch-size={args.batch_size}"])
            rate = float(re.findall(r"\(([0-9.]+) samples/s\)", out)[-1])
            print(f"calibration (qsim-collect) {samples:6d}: {rate:12.1f} images/s "
                  f"({rate / float_rate:5.2f}x float), peak RSS {rss:8.1f} MiB, "
                  f"data {os.path.getsize(data) / 2**20:6.1f} MiB")


if __name__ == "__main__":
    main()
