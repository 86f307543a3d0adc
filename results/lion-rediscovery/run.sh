#!/usr/bin/env bash
# The Lion-rediscovery reference runs: the lion-rediscovery preset from AdamW on 2 threads, one
# seed after another. A run stops at its first Lion proper: a program that the validator places
# in the Lion-K family (dK = sign) with beta1 != beta2 and fitness >= AdamW's (checked every
# 10 s by bench_lion_rediscovery --found-proper), or at MINUTES (default 30, the preset's
# budget). The tables give the first Lion-K program (signum, beta1 = beta2, included) and the
# first Lion proper of each run. Then the same per seed with the random-search strategy (the
# paper's ablation), and the tables.
#   results/lion-rediscovery/run.sh [MINUTES] [SEEDS] [RANDOM_SEEDS]   (30 "0 1 2 3 4" "0 1 2 3 4")
#   SYMOPT_BUILD=DIR picks the build directory (default build)
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes="${1:-30}"
seeds="${2:-0 1 2 3 4}"
random_seeds="${3-$seeds}"  # "" for none
out=results/lion-rediscovery
symopt="${SYMOPT_BUILD:-build}/cli/symopt"
check="${SYMOPT_BUILD:-build}/bench/bench_lion_rediscovery"

run_until_found() {  # strategy seed directory
  rm -rf "$3"
  "$symopt" search --preset lion-rediscovery --strategy "$1" --seed "$2" --threads 2 --budget "${minutes}m" \
    --out "$3" --quiet > "$3.summary.txt" &
  local search=$!
  while kill -0 "$search" 2>/dev/null; do
    sleep 10
    if "$check" --found-proper "$3" 2>/dev/null; then
      kill -INT "$search"  # a clean stop: the run directory is written as at the end of the budget
      break
    fi
  done
  wait "$search" || true
}

for seed in $seeds; do run_until_found evolution "$seed" "$out/seed-$seed"; done
for seed in $random_seeds; do run_until_found random "$seed" "$out/random-seed-$seed"; done
"$check" $(for s in $seeds; do echo "$out/seed-$s"; done) | tee "$out/table.md"
if [[ -n "$random_seeds" ]]; then
  "$check" $(for s in $random_seeds; do echo "$out/random-seed-$s"; done) | tee "$out/table-random.md"
fi
