#!/usr/bin/env python3
"""Runs @conv1d of test.mlir in float and, realized by embed-opt, in int8
through qsim-run, and checks that the int8 result is the float one to within
quantization error and lies on the output's int8 grid.

Usage: check_numerics.py --embed-opt PATH --qsim-run PATH [test.mlir]
Exits 1 with a message naming what differs; 2 when a tool fails.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

# --qsim-calibrate="global-scale=4.0": every activation has scale 4 / 127.
GLOBAL_SCALE = 4.0
OUT_STEP = GLOBAL_SCALE / 127
PIPELINE = ["--qsim-annotate", f"--qsim-calibrate=global-scale={GLOBAL_SCALE}",
            "--qsim-realize", "--convert-qsim-to-linalg"]


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(f"check_numerics: {' '.join(map(str, cmd))} failed "
                         f"(status {proc.returncode}):\n{proc.stderr}")
        sys.exit(2)
    return proc.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed-opt", required=True)
    parser.add_argument("--qsim-run", required=True)
    parser.add_argument("test", nargs="?",
                        default=str(pathlib.Path(__file__).with_name("test.mlir")))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        # |x| <= 0.8 and sum |w| <= 4 per output channel: no output saturates
        # at +-4, so the only differences are rounding.
        x = np.random.default_rng(0).uniform(-0.8, 0.8, (1, 8, 3))
        np.save(tmp / "x.npy", x.astype(np.float32))
        outputs = {}
        for name, passes in (("float", []), ("int8", PIPELINE)):
            mlir = tmp / f"{name}.mlir"
            mlir.write_text(run([args.embed_opt, args.test, *passes]))
            run([args.qsim_run, str(mlir), "--entry=conv1d",
                 f"--input={tmp / 'x.npy'}", f"--output={tmp / name}.npy"])
            outputs[name] = np.load(tmp / f"{name}.npy")

    ref, got = outputs["float"], outputs["int8"]
    steps = got / OUT_STEP
    if not np.allclose(steps, np.round(steps), atol=1e-3):
        print("check_numerics: the int8 result is not on the int8 grid "
              "(was @conv1d quantized?)")
        return 1
    # Input and weight rounding (half a step each, summed over the window)
    # and the output rounding stay below two output steps here.
    err = np.abs(got - ref).max()
    if not np.isfinite(err) or err > 2 * OUT_STEP or np.abs(ref).max() < OUT_STEP:
        print(f"check_numerics: int8 vs float max error {err:.4g} "
              f"(limit {2 * OUT_STEP:.4g}); float range {np.abs(ref).max():.4g}")
        return 1
    print(f"check_numerics: @conv1d int8 vs float max error {err:.4g} "
          f"({err / OUT_STEP:.2f} output steps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
