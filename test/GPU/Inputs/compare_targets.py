"""Runs the functions of Inputs/int8-kernels.mlir on the CPU and on other
targets and checks that every integer result is bit for bit the CPU's (float
results: identical or within 1e-5, since FMA contraction and summation order
may differ).

usage: compare_targets.py --qsim-run QSIM_RUN [--qsim-opt QSIM_TEST_OPT]
           --model FILE --out DIR VARIANT...

VARIANT is `emulation[:OPTIONS]` (qsim-test-opt --qsim-gpu-emulation-pipeline=
"OPTIONS", a test pipeline, then qsim-run on the lowered module: the GPU
pipeline's loop rewrites on the host) or `gpu[:OPTIONS]` (qsim-run --target=gpu
--pipeline-options="OPTIONS"). The reference is plain `qsim-run` (the CPU
pipeline). Inputs are seeded random .npy files. Prints one line per function
and variant; the exit status is 1 on the first difference or failure.
Done here rather than in RUN lines, which lit's internal shell cannot loop.
"""

import os
import subprocess
import sys

import numpy as np

# name -> argument (shape, dtype) list, as in Inputs/int8-kernels.mlir.
FUNCTIONS = {
    "conv_requant": [((1, 6, 5, 8), "i1"), ((4, 3, 3, 8), "i1"), ((4,), "i4")],
    "conv_acc": [((1, 6, 5, 8), "i1"), ((4, 3, 3, 8), "i1"), ((4,), "i4")],
    "conv_c6_zp": [((2, 7, 7, 6), "i1"), ((5, 3, 3, 6), "i1"), ((5,), "i4")],
    "matmul_i8": [((1, 16, 32), "i1"), ((1, 32, 8), "i1")],
    "matmul_zp": [((1, 16, 10), "i1"), ((1, 10, 8), "i1")],
    "matmul_u8_wrap": [((8, 64), "i1"), ((64, 4), "i1")],
    "conv_f32": [((1, 6, 5, 8), "f4"), ((4, 3, 3, 8), "f4"), ((4,), "f4")],
}


def make_inputs(name, out, rng):
    paths = []
    for i, (shape, dtype) in enumerate(FUNCTIONS[name]):
        if dtype == "i1":
            a = rng.integers(-128, 128, size=shape, dtype=np.int8)
        elif dtype == "i4":
            a = rng.integers(-30000, 30000, size=shape, dtype=np.int32)
        else:
            a = rng.standard_normal(size=shape).astype(np.float32)
        path = os.path.join(out, f"{name}.in{i}.npy")
        np.save(path, a)
        paths.append(path)
    return paths


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        print("command failed: " + " ".join(cmd))
        print(proc.stdout + proc.stderr)
        sys.exit(1)


def main(argv):
    args, variants = {}, []
    it = iter(argv[1:])
    for a in it:
        if a in ("--qsim-run", "--qsim-opt", "--model", "--out"):
            args[a] = next(it)
        else:
            variants.append(a)
    qsim_run, model, out = args["--qsim-run"], args["--model"], args["--out"]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    lowered = {}
    for name in FUNCTIONS:
        inputs = make_inputs(name, out, rng)
        in_flags = [f"--input={p}" for p in inputs]

        def outputs(tag, count=4):
            return [os.path.join(out, f"{name}.{tag}.out{i}.npy")
                    for i in range(count)]

        # The reference tells how many results there are.
        ref = outputs("cpu", 1)
        cmd = [qsim_run, model, f"--entry={name}", "--print"] + in_flags
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            print("command failed: " + " ".join(cmd) + "\n" + proc.stderr)
            return 1
        count = proc.stdout.count("result #")
        ref = outputs("cpu", count)
        run([qsim_run, model, f"--entry={name}"] + in_flags +
            [f"--output={p}" for p in ref])
        for variant in variants:
            kind, _, options = variant.partition(":")
            tag = variant.replace(":", "_").replace("=", "-").replace(" ", "_")
            got = outputs(tag, count)
            out_flags = [f"--output={p}" for p in got]
            if kind == "emulation":
                if variant not in lowered:
                    path = os.path.join(out, f"{tag}.mlir")
                    flag = "--qsim-gpu-emulation-pipeline"
                    if options:
                        flag += f"={options}"
                    run([args["--qsim-opt"], model, flag, "-o", path])
                    lowered[variant] = path
                run([qsim_run, lowered[variant], f"--entry={name}"] +
                    in_flags + out_flags)
            elif kind == "gpu":
                cmd = [qsim_run, model, "--target=gpu", f"--entry={name}"]
                if options:
                    cmd.append(f"--pipeline-options={options}")
                run(cmd + in_flags + out_flags)
            else:
                print(f"unknown variant '{variant}'")
                return 1
            close = False
            for i, (r, g) in enumerate(zip(ref, got)):
                a, b = np.load(r), np.load(g)
                if a.dtype == b.dtype and a.shape == b.shape and \
                        a.tobytes() == b.tobytes():
                    continue
                # Float sums may be contracted or reordered differently
                # (FMA, vectorization); integers must be identical.
                if a.dtype == b.dtype and a.shape == b.shape and \
                        a.dtype.kind == "f" and \
                        np.allclose(a, b, rtol=1e-5, atol=1e-5):
                    close = True
                    continue
                diff = np.flatnonzero(a.reshape(-1) != b.reshape(-1))
                print(f"{name}: {variant}: result #{i} differs from the "
                      f"CPU at {diff.size} of {a.size} elements, first "
                      f"at flat index {diff[:1]}")
                return 1
            what = "within 1e-5 of" if close else "identical to"
            print(f"{name}: {variant}: {count} result(s) {what} the CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
