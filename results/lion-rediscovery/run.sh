#!/usr/bin/env bash
# The Lion-rediscovery reference runs: 5 seeds of the lion-rediscovery preset from AdamW
# (its 30-minute wall budget, plus an evaluation cap), one thread each, seeds 0-1 then 2-4
# side by side; then the headline table (bench_lion_rediscovery validates, in discovery
# order, every hall-of-fame entrant with fitness >= 0).
#   results/lion-rediscovery/run.sh [EVALUATIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
evaluations="${1:-4000}"
out=results/lion-rediscovery
for pair in "0 1" "2 3 4"; do
  for seed in $pair; do
    rm -rf "$out/seed-$seed"
    build/cli/symopt search --preset lion-rediscovery --seed "$seed" --threads 1 \
      --evaluations "$evaluations" --out "$out/seed-$seed" --quiet > "$out/seed-$seed.summary.txt" &
  done
  wait
done
build/bench/bench_lion_rediscovery "$out"/seed-{0,1,2,3,4} | tee "$out/table.md"
