#!/usr/bin/env bash
# Builds the fuzz targets of test/fuzz in the sanitizer build (CMake preset
# `asan`, docs/Sanitizers.md) and runs each for a bounded time; fails on a
# crash, a sanitizer report, a leak, a timeout or an out-of-memory.
#
#   bash scripts/fuzz.sh                    # every target, 60 s each
#   bash scripts/fuzz.sh --time 30 npy mlir # chosen targets
#
# Targets: npy (qsim-npy-fuzzer, lib/Runtime/Npy.cpp), table
# (qsim-table-fuzzer, lib/Calibration/Table.cpp), mlir (qsim-mlir-fuzzer:
# parser, verifier, --convert-qsim-to-linalg, --qsim-quantize), onnx
# (test/fuzz/onnx-import-fuzz.py: the Python importer, no sanitizer).
#
# Each libFuzzer target starts from its seeds in test/fuzz/corpus/<target>
# (copied: the run never writes into the checkout), with the dictionary
# test/fuzz/<target>.dict where there is one, and writes what it finds
# to <build>/fuzz/artifacts/<target>-*; the ONNX loop writes
# <build>/fuzz/artifacts/onnx-*. Per-target executions and findings go to
# <build>/fuzz/stats.json and a pass/fail count per target to --results
# (the summarize.py format), for scripts/test.sh.
#
# Options: --time S (seconds per target, default 60), --build-dir DIR
# (default $QSIM_ASAN_BUILD_DIR or <repo>/build-asan), --results FILE,
# --no-build (use the binaries as they are).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ALL_TARGETS=(npy table mlir onnx)
time_s=60
build_dir="${QSIM_ASAN_BUILD_DIR:-$ROOT/build-asan}"
results=""
do_build=1
targets=()
while (($#)); do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *)
      case " ${ALL_TARGETS[*]} " in
        *" $1 "*) targets+=("$1") ;;
        *) echo "fuzz.sh: unknown target '$1' (${ALL_TARGETS[*]})" >&2; exit 2 ;;
      esac
      shift ;;
  esac
done
((${#targets[@]})) || targets=("${ALL_TARGETS[@]}")

venv="${QSIM_VENV:-$ROOT/.venv}"
if [[ ! -x "$venv/bin/python" ]]; then
  echo "fuzz.sh: no Python venv at $venv (run scripts/setup.sh or set QSIM_VENV)" >&2
  exit 2
fi

# shellcheck source=scripts/sanitizer-build.sh
source "$ROOT/scripts/sanitizer-build.sh"
if ((do_build)); then
  qsim_sanitizer_build "$build_dir" qsim-fuzzers
fi

work="$build_dir/fuzz"
artifacts="$work/artifacts"
rm -rf "$work"
mkdir -p "$artifacts"

# Leaks are findings for the fuzzers: every input is parsed into fresh
# objects, and anything not freed grows without bound over a run.
# allow_user_poisoning=0: see qsim_asan_options in sanitizer-build.sh.
export ASAN_OPTIONS="detect_leaks=1:$(qsim_asan_options)${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

passed=0
failed=0
failures=()
stats=()

# run_libfuzzer NAME BINARY: runs one target; appends to stats.
run_libfuzzer() {
  local name="$1" bin="$2" corpus="$work/corpus-$1" log="$work/$1.log" rc=0
  mkdir -p "$corpus"
  cp "$ROOT/test/fuzz/corpus/$name"/* "$corpus"/
  if [[ ! -x "$bin" ]]; then
    echo "fuzz.sh: $bin is missing (build with --preset asan)" >&2
    return 2
  fi
  echo "[qsim] fuzz $name: $(basename "$bin") for ${time_s} s"
  # -timeout: one input longer than 10 s is a hang; -rss_limit_mb: a leak
  # or a runaway allocation ends the run rather than the machine.
  local dict=()
  if [[ -f "$ROOT/test/fuzz/$name.dict" ]]; then
    dict=(-dict="$ROOT/test/fuzz/$name.dict")
  fi
  "$bin" "$corpus" "${dict[@]}" -max_total_time="$time_s" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/$name-" -print_final_stats=1 \
    >"$log" 2>&1 || rc=$?
  local execs
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  stats+=("\"$name\": {\"execs\": ${execs:-0}, \"status\": $rc}")
  echo "[qsim] fuzz $name: ${execs:-0} executions, status $rc"
  if ((rc != 0)); then
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*fuzzer: )" "$log" | head -5 || true
    local f
    for f in "$artifacts/$name"-*; do
      [[ -e "$f" ]] && echo "[qsim]   artifact: $f"
    done
  fi
  return "$rc"
}

run_onnx() {
  local log="$work/onnx.log" rc=0
  echo "[qsim] fuzz onnx: test/fuzz/onnx-import-fuzz.py for ${time_s} s"
  PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}" \
    "$venv/bin/python" "$ROOT/test/fuzz/onnx-import-fuzz.py" \
    --max-time "$time_s" --timeout 10 --crashes "$artifacts" \
    --summary "$work/onnx.json" >"$log" 2>&1 || rc=$?
  tail -1 "$log"
  local execs=0 findings=0
  if [[ -f "$work/onnx.json" ]]; then
    read -r execs findings < <("$venv/bin/python" -c \
      'import json,sys; d=json.load(open(sys.argv[1])); print(d["execs"], len(d["findings"]))' \
      "$work/onnx.json")
  fi
  stats+=("\"onnx\": {\"execs\": $execs, \"findings\": $findings, \"status\": $rc}")
  return "$rc"
}

for t in "${targets[@]}"; do
  rc=0
  case "$t" in
    onnx) run_onnx || rc=$? ;;
    *) run_libfuzzer "$t" "$build_dir/bin/qsim-$t-fuzzer" || rc=$? ;;
  esac
  if ((rc == 0)); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("\"fuzz $t (status $rc, see $work/$t.log)\"")
  fi
done

(IFS=,; printf '{%s}\n' "${stats[*]}") >"$work/stats.json"
if [[ -n "$results" ]]; then
  (IFS=,; printf '{"passed": %d, "failed": %d, "failures": [%s]}\n' \
    "$passed" "$failed" "${failures[*]}") >"$results"
fi
echo "[qsim] fuzz: $passed passed, $failed failed (stats: $work/stats.json)"
((failed == 0))
