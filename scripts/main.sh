#!/usr/bin/env bash
# Sets the project up (scripts/setup.sh), then runs the main job:
#
#   bash scripts/main.sh                 # a bundled zoo model (ONNX, Fashion-MNIST):
#                                        # import, statistics on 500 training images,
#                                        # quantize, evaluate float and int8 on the
#                                        # 10,000 test images, print the table
#   bash scripts/main.sh model.onnx [qsim quantize options]
#                                        # (e.g. --calib-data DIR --input-shape
#                                        # x=1,3,224,224 --preprocess torchvision -o OUT)
#   bash scripts/main.sh model.mlir      # a TOSA model: quantize with global-scale,
#                                        # run float and int8 side by side
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh"

qsim_main_job() {
  local model="${1:-examples/zoo/resnet_v1.onnx}"
  if [[ "$model" == *.onnx ]]; then
    shift || true
    # qsim quantize's defaults are the main job's settings (MSE thresholds,
    # unsigned activations, per-tensor weights: python/qsim/quantize.py).
    [[ $# -gt 0 ]] || set -- --dataset fashion-mnist --calib 500
    echo "[qsim] main: qsim quantize $model $*"
    "$QSIM_VENV/bin/qsim" quantize "$model" "$@"
    return
  fi
  qsim_mlir_demo "$model"
}

# A TOSA model: --qsim-quantize with a global scale, float and int8 side by
# side on one input.
qsim_mlir_demo() {
  local model="$1"
  local out="$QSIM_BUILD_DIR/main"
  local opts="${QSIM_QUANTIZE_OPTIONS:-global-scale=6.0}"
  mkdir -p "$out"
  echo "[qsim] main: model $model"
  echo "[qsim] main: qsim-opt --qsim-quantize=\"$opts report=$out/report.json\""
  qsim-opt "$model" --qsim-quantize="$opts report=$out/report.json" \
    -o "$out/quantized.mlir"
  "$QSIM_VENV/bin/python" - "$model" "$out" <<'PY'
import json, subprocess, sys
from pathlib import Path
import numpy as np

model, out = sys.argv[1], Path(sys.argv[2])
report = json.loads((out / "report.json").read_text())
print("\nQuantization report (qsim-annotate):")
for fn in report["functions"]:
    for op in fn["ops"]:
        why = "" if op["status"] == "quantized" else f"  ({op['reason']})"
        print(f"  {op['point']:<24} {op['op']:<20} {op['status']}{why}")
print(f"  -> {report['summary']['quantized']} quantized, {report['summary']['float']} left float")

text = (out / "quantized.mlir").read_text()
kinds = {}
for line in text.splitlines():
    for tok in ("linalg.conv_2d_nhwc_fhwc_q", "linalg.conv_2d_nhwc_fhwc", "linalg.quantized_matmul",
                "linalg.matmul", "linalg.generic", "tosa.conv2d", "tosa.matmul"):
        if tok + " " in line or tok + "(" in line:
            kinds[tok] = kinds.get(tok, 0) + 1
            break
print("\nQuantized IR (" + str(len(text.splitlines())) + " lines):",
      ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items())))
convs = [l for l in text.splitlines() if "tosa.conv2d" in l]
print(f"  convolutions on int8 with int32 accumulators: "
      f"{sum('xi8>' in l and 'xi32>' in l for l in convs)} of {len(convs)}")

x = np.random.default_rng(0).uniform(0.0, 1.0, (1, 8, 8, 3)).astype(np.float32)
np.save(out / "x.npy", x)
res = {}
for name, path in (("float", model), ("int8", str(out / "quantized.mlir"))):
    r = subprocess.run(["qsim-run", path, f"--input={out / 'x.npy'}",
                        f"--output={out / (name + '.npy')}", "--repeat=20", "--time"],
                       capture_output=True, text=True, check=True)
    res[name] = np.load(out / (name + ".npy")).reshape(-1)
    timing = [l for l in (r.stdout + r.stderr).splitlines() if "ms" in l]
    print(f"\n{name:>5} logits: {np.array2string(res[name], precision=3)}")
    if timing:
        print(f"       {timing[-1].strip()}")
err = np.abs(res["float"] - res["int8"])
print(f"\nmax |float - int8| = {err.max():.4f} (logit range {np.ptp(res['float']):.3f}); "
      f"top-1 float {res['float'].argmax()} vs int8 {res['int8'].argmax()}")
PY
}

qsim_main_job "$@"
