#!/usr/bin/env bash
# Sets the project up, runs every test suite (a failing suite does not stop
# the others) and ends with one totals line from scripts/summarize.py:
#   N passed, N failed[, N skipped]
# Exits non-zero when anything failed or when no test ran.
#
# Suites (results under build/test-results/):
#   lit     cmake --build build --target check-qsim  (lit + gtest via lit;
#           lit writes lit.json)
#   embed   install, build examples/embed against the install tree, run
#           embed-opt | FileCheck (annotate; realize of the embedder's op) and
#           check_numerics.py (int8 vs float through qsim-run)
#           (embed.json: 1 test)
#   pytest  python/tests  (pytest.xml)
#   asan    the sanitizer build (CMake preset asan, in $QSIM_ASAN_BUILD_DIR,
#           default build-asan): lit + gtests under ASan and UBSan
#           (asan.json; docs/Sanitizers.md)
#   fuzz    scripts/fuzz.sh: each fuzz target ($QSIM_FUZZ_TARGETS, default
#           all) for $QSIM_FUZZ_TIME seconds (default 30); one test per
#           target (fuzz.json)
# QSIM_SKIP_SANITIZERS=1 leaves asan and fuzz out.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

setup_rc=0
# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh" || setup_rc=$?
if ((setup_rc != 0)); then
  echo "[qsim] setup failed (status $setup_rc); running the suites anyway"
fi

LLVM_PREFIX=/usr/lib/llvm-22
RESULTS="$QSIM_BUILD_DIR/test-results"
mkdir -p "$RESULTS"
rm -f "$RESULTS"/lit.json "$RESULTS"/embed.json "$RESULTS"/pytest.xml \
  "$RESULTS"/asan.json "$RESULTS"/fuzz.json
ASAN_BUILD_DIR="${QSIM_ASAN_BUILD_DIR:-$ROOT/build-asan}"
# shellcheck source=scripts/sanitizer-build.sh
source "$ROOT/scripts/sanitizer-build.sh"

suite_status=()

run_lit_suite() {
  echo "[qsim] suite lit: cmake --build $QSIM_BUILD_DIR --target check-qsim"
  cmake --build "$QSIM_BUILD_DIR" --target check-qsim
}

run_embed_steps() {
  # Explicit `|| return`: errexit does not apply inside `f || rc=$?`.
  local embed_build="$QSIM_BUILD_DIR/embed"
  cmake --install "$QSIM_BUILD_DIR" || return
  if [[ ! -f "$embed_build/build.ninja" ]]; then
    cmake -G Ninja -S examples/embed -B "$embed_build" \
      -DQSim_DIR="$QSIM_BUILD_DIR/install/lib/cmake/QSim" \
      -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
      -DLLVM_DIR="$LLVM_PREFIX/lib/cmake/llvm" \
      -DCMAKE_BUILD_TYPE="${QSIM_BUILD_TYPE:-Release}" \
      -DCMAKE_C_COMPILER_LAUNCHER=ccache \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache || return
  fi
  cmake --build "$embed_build" || return
  "$embed_build/embed-opt" examples/embed/test.mlir --qsim-annotate |
    "$LLVM_PREFIX/bin/FileCheck" examples/embed/test.mlir || return
  "$embed_build/embed-opt" examples/embed/test.mlir --qsim-annotate \
    --qsim-calibrate=global-scale=4.0 --qsim-realize --convert-qsim-to-linalg |
    "$LLVM_PREFIX/bin/FileCheck" examples/embed/test.mlir --check-prefix=INT ||
    return
  "$QSIM_VENV/bin/python" examples/embed/check_numerics.py \
    --embed-opt "$embed_build/embed-opt" --qsim-run "$QSIM_BUILD_DIR/bin/qsim-run"
}

run_embed_suite() {
  echo "[qsim] suite embed: install, build examples/embed, embed-opt | FileCheck, int8 vs float"
  local rc=0
  run_embed_steps || rc=$?
  if ((rc == 0)); then
    echo '{"passed": 1, "failed": 0}' >"$RESULTS/embed.json"
  else
    echo "[qsim] embed check failed (status $rc)"
    echo '{"passed": 0, "failed": 1}' >"$RESULTS/embed.json"
  fi
  return "$rc"
}

run_pytest_suite() {
  echo "[qsim] suite pytest: python -m pytest python/tests"
  "$QSIM_VENV/bin/python" -m pytest python/tests -q \
    --junitxml="$RESULTS/pytest.xml"
}

run_asan_suite() {
  echo "[qsim] suite asan: lit + gtests under ASan/UBSan in $ASAN_BUILD_DIR"
  qsim_sanitizer_build "$ASAN_BUILD_DIR" qsim-opt qsim-test-opt qsim-run \
    qsim-collect QSimUnitTests mlir-doc qsim-fuzzers || return
  # The symbolizer gives file:line in reports; ASan's leak checker stays on.
  ASAN_SYMBOLIZER_PATH="$LLVM_PREFIX/bin/llvm-symbolizer" \
    ASAN_OPTIONS="$(qsim_asan_options)${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
    UBSAN_OPTIONS="print_stacktrace=1" \
    "$LLVM_PREFIX/bin/lit" -sv "$ASAN_BUILD_DIR/test" "$ASAN_BUILD_DIR/test/Unit" \
    --output "$RESULTS/asan.json"
}

run_fuzz_suite() {
  local targets=()
  read -r -a targets <<<"${QSIM_FUZZ_TARGETS:-}"
  echo "[qsim] suite fuzz: scripts/fuzz.sh, ${QSIM_FUZZ_TIME:-30} s per target"
  ASAN_SYMBOLIZER_PATH="$LLVM_PREFIX/bin/llvm-symbolizer" \
    bash "$ROOT/scripts/fuzz.sh" --no-build --build-dir "$ASAN_BUILD_DIR" \
    --time "${QSIM_FUZZ_TIME:-30}" --results "$RESULTS/fuzz.json" \
    "${targets[@]}"
}

suites=(lit embed pytest)
if [[ "${QSIM_SKIP_SANITIZERS:-0}" != 1 ]]; then
  suites+=(asan fuzz)
fi
for suite in "${suites[@]}"; do
  rc=0
  "run_${suite}_suite" || rc=$?
  if ((rc != 0)); then
    case "$suite:$rc" in
      pytest:5) echo "[qsim] suite pytest collected no tests (status 5)" ;;
      *) echo "[qsim] suite $suite failed (status $rc)" ;;
    esac
  fi
  suite_status+=(--status "$suite=$rc")
done

summarize_py=/usr/bin/python3
[[ -x "$summarize_py" ]] || summarize_py=python3
exec "$summarize_py" "$ROOT/scripts/summarize.py" --results-dir "$RESULTS" \
  --expect "${suites[@]}" "${suite_status[@]}"
