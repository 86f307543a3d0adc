#!/usr/bin/env bash
# Builds the fuzzer with clang and runs it for a bounded time (default 60 s) on a seed
# corpus of the reference programs. A crash input is copied into
# tests/dsl/fuzz_regressions/, where the test suite replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DSYMOPT_FUZZ=ON -DSYMOPT_TESTS=OFF \
  -DSYMOPT_BENCHMARKS=OFF -DSYMOPT_SANITIZE=address,undefined >/dev/null
cmake --build build-fuzz --target fuzz_program -j2 >/dev/null
corpus=$(mktemp -d)
cp programs/*.opt "$corpus"/
cp tests/dsl/fuzz_regressions/* "$corpus"/ 2>/dev/null || true
artifacts=$(mktemp -d)
status=0
build-fuzz/fuzz/fuzz_program "$corpus" -max_total_time="$seconds" -max_len=2048 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 2>&1 | tail -n 12 || status=$?
for crash in "$artifacts"/*; do
  [ -e "$crash" ] || continue
  cp "$crash" "tests/dsl/fuzz_regressions/$(basename "$crash")"
  echo "fuzz: kept $(basename "$crash") as a regression test"
done
exit "$status"
