#!/usr/bin/env bash
# Sourced by scripts/fuzz.sh and scripts/test.sh: configures the sanitizer
# build (CMake preset `asan`: clang-22, -fsanitize=address,undefined, the
# libFuzzer targets; docs/Sanitizers.md) when it has no build.ninja yet, and
# builds the given targets in it.
#
#   qsim_sanitizer_build BUILD_DIR TARGET...
#
#   qsim_asan_options        # prints the ASAN_OPTIONS its binaries need
#
# Uses the environment of scripts/setup.sh: QSIM_VENV (the Python lit's
# %python runs), CCACHE_DIR and CCACHE_BASEDIR.

# allow_user_poisoning=0: LLVM's BumpPtrAllocator (a header, so compiled into
# our instrumented code) poisons the unused end of its slabs, and the copy of
# it inside the uninstrumented libMLIR.so then allocates from the same slab
# (MLIR's StorageUniquer) without unpoisoning: every attribute parsed after
# one of ours reads as use-after-poison. Only a fully instrumented LLVM would
# avoid it.
qsim_asan_options() {
  printf 'allow_user_poisoning=0\n'
}

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
