#!/usr/bin/env bash
# Sourced by scripts/fuzz.sh and scripts/test.sh: configures the sanitizer
# build (CMake preset `asan`: clang-22, -fsanitize=address,undefined, the
# libFuzzer targets; docs/Sanitizers.md) when it has no build.ninja yet, and
# builds the given targets in it.
#
#   qsim_sanitizer_build BUILD_DIR TARGET...
#
# Uses the environment of scripts/setup.sh: QSIM_VENV (the Python lit's
# %python runs), CCACHE_DIR and CCACHE_BASEDIR.

qsim_sanitizer_build() {
  local build_dir="$1" root
  shift
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [[ ! -x /usr/bin/clang++-22 ]]; then
    echo "[qsim] the sanitizer build needs clang-22 (Debian package clang-22)" >&2
    return 2
  fi
  if [[ ! -f "$build_dir/build.ninja" ]]; then
    echo "[qsim] cmake --preset asan -B $build_dir"
    cmake -S "$root" --preset asan -B "$build_dir" \
      -DPython3_EXECUTABLE="${QSIM_VENV:-$root/.venv}/bin/python" \
      -DCMAKE_INSTALL_PREFIX="$build_dir/install" || return
  fi
  echo "[qsim] cmake --build $build_dir --target $*"
  cmake --build "$build_dir" --target "$@"
}
