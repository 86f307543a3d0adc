#!/usr/bin/env bash
# Builds the fuzzer with clang and runs it for a bounded time (default 60 s) on a seed
# corpus of the reference programs (programs/*.opt) plus the kept inputs. A crash, hang or
# out-of-memory input is copied into fuzz/regressions/, where the test suite replays it from
# then on (FuzzRegressions.*), and the script fails.
#   fuzz/run.sh [SECONDS]        builds in build-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
# fuzzer-no-link: the language library gets coverage instrumentation too, not just the harness.
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DSYMOPT_FUZZ=ON -DSYMOPT_TESTS=OFF \
  -DSYMOPT_BENCHMARKS=OFF -DSYMOPT_MPI=OFF -DSYMOPT_SANITIZE=address,undefined,fuzzer-no-link >/dev/null
cmake --build build-fuzz --target fuzz_program -j2 >/dev/null
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"  # UB is a finding, not a warning
corpus=$(mktemp -d)
artifacts=$(mktemp -d)
trap 'rm -rf "$corpus" "$artifacts"' EXIT
cp programs/*.opt "$corpus"/
find fuzz/regressions -type f ! -name README.md -exec cp {} "$corpus"/ \;
status=0
# -timeout: an input taking over 10 s counts as a hang.
build-fuzz/fuzz/fuzz_program "$corpus" -max_total_time="$seconds" -max_len=2048 -timeout=10 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 >"$artifacts.log" 2>&1 || status=$?
grep -E "^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY)" \
  "$artifacts.log" || true
kept=0
for finding in "$artifacts"/*; do
  [ -e "$finding" ] || continue
  cp "$finding" "fuzz/regressions/$(basename "$finding")"
  echo "fuzz: kept fuzz/regressions/$(basename "$finding") as a regression test"
  kept=$((kept + 1))
done
if ((status != 0 || kept != 0)); then
  tail -n 60 "$artifacts.log"
  echo "fuzz: FAILED (exit $status, $kept input(s) kept); commit them with the fix"
  rm -f "$artifacts.log"
  exit 1
fi
rm -f "$artifacts.log"
