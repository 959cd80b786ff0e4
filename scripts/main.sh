#!/usr/bin/env bash
# Sets the project up (scripts/setup.sh), then runs the main job.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh"

# The main job; grows as the pipeline does.
qsim_main_job() {
  local model="examples/models/resnet_block.mlir"
  echo "[qsim] main: qsim-opt $model --qsim-annotate"
  "$QSIM_BUILD_DIR/bin/qsim-opt" "$model" --qsim-annotate
}

qsim_main_job "$@"
