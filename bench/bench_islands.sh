#!/usr/bin/env bash
# Evaluations per second of the island model against one process on this machine: the same
# search (preset quick) for the same wall time, as 1 process with 2 threads and as 2 MPI
# ranks (mpirun, loopback) with 1 thread each, alternated ROUNDS times (the machine may be
# shared: alternating spreads other load over both). A 1-process 1-thread run per round
# shows how much a second core gave at all while it ran (on a loaded machine, little).
# Then the migration traffic measured and what it comes to for 100 ranks. Needs symopt
# built with -DSYMOPT_MPI=ON; run it under nice on a shared machine.
#   bench/bench_islands.sh [SYMOPT_BINARY] [SECONDS] [ROUNDS]   (build/cli/symopt 60 2)
set -euo pipefail
symopt=$(realpath "${1:-build/cli/symopt}")
seconds=${2:-60}
rounds=${3:-2}
migration_seconds=$(( seconds / 4 > 1 ? seconds / 4 : 1 ))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/config.json" <<JSON
{"preset": "quick", "budget": {"wall_time": $seconds},
 "islands": {"migration_seconds": $migration_seconds}}
JSON
# Every run shares $work/baseline_cache (the default beside the run directories); baselines
# are computed before the search clock starts, so they are outside the figures anyway.
echo "symopt search --preset quick, ${seconds}s wall time per run, migration every ${migration_seconds}s, $rounds rounds"
for round in $(seq "$rounds"); do
  "$symopt" search --config "$work/config.json" --threads 1 --out "$work/thread$round" --json --quiet \
    > "$work/thread$round.json"
  "$symopt" search --config "$work/config.json" --threads 2 --out "$work/single$round" --json --quiet \
    > "$work/single$round.json"
  mpirun --allow-run-as-root --oversubscribe -n 2 "$symopt" search --config "$work/config.json" --threads 1 \
    --out "$work/islands$round" --json --quiet > "$work/islands$round.json"
done

python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])

def figures(name):
    progress = json.load(open(f"{work}/{name}.json"))["progress"]
    elapsed = progress["elapsed_seconds"]
    evaluations = progress["evaluations"]
    return {"evals": evaluations / elapsed, "trained": (evaluations - progress["cached"]) / elapsed,
            "evaluations": evaluations, "seconds": elapsed}

print(f"{'':38} {'evals/s':>9} {'trained/s':>10} {'evaluations':>12} {'seconds':>8}")
ratios, trained_ratios, core_ratios = [], [], []
for r in range(1, rounds + 1):
    thread, single, islands = figures(f"thread{r}"), figures(f"single{r}"), figures(f"islands{r}")
    for label, f in ((f"round {r}: 1 process x 1 thread", thread), (f"round {r}: 1 process x 2 threads", single),
                     (f"round {r}: 2 ranks x 1 thread", islands)):
        print(f"{label:38} {f['evals']:9.1f} {f['trained']:10.1f} {f['evaluations']:12d} {f['seconds']:8.1f}")
    ratios.append(islands["evals"] / single["evals"])
    trained_ratios.append(islands["trained"] / single["trained"])
    core_ratios.append(single["evals"] / thread["evals"])
print(f"islands / one process (median of {rounds}): evaluations {statistics.median(ratios):.2f}x, "
      f"trained programs {statistics.median(trained_ratios):.2f}x")
print(f"2 threads / 1 thread in one process (what the second core gave): {statistics.median(core_ratios):.2f}x")

stats = json.load(open(f"{work}/islands{rounds}/islands.json"))
ranks = stats["per_rank"]
count = len(ranks)
minutes = figures(f"islands{rounds}")["seconds"] / 60
heartbeat = max(r["heartbeat_bytes"] for r in ranks)
heartbeats_per_minute = heartbeat * 60  # heartbeat_seconds 1 (the default)
print(f"\ntraffic of the last island run ({count} ranks, topology {stats['topology']}, "
      f"{minutes:.2f} min):")
for r in ranks:
    print(f"  rank {r['rank']}: sent {r['bytes_sent']:,} bytes in {r['messages_sent']} messages "
          f"({r['bytes_sent'] / minutes:,.0f} bytes/min); {r['migrations']} migrations + final report, "
          f"{r['scores_exported']} scores exported, {r['shared_hits']} evaluations answered by the other "
          f"island's scores")
if count == 2:
    # With 2 ranks every message has one target: what a rank sends per minute, heartbeats
    # aside, is one copy of its migrations (migrants, hall-of-fame entries, scores).
    copy = statistics.mean((r["bytes_sent"] / minutes - heartbeats_per_minute) for r in ranks)
    scores = sum(r["scores_exported"] for r in ranks) / count / minutes
    print(f"  per rank per minute: {copy:,.0f} bytes of migration (one copy; {scores:,.0f} scores, "
          f"{copy / scores:.0f} bytes per score with migrants and entries charged to them) + "
          f"{heartbeats_per_minute:,} bytes of heartbeats ({heartbeat} bytes each, one per second)")
    print("\nestimate for 100 ranks, each at this rank's rate:")
    for topology, targets in (("all", 99), ("ring", 1)):
        print(f"  topology {topology:4}: each rank sends {copy:,.0f} x {targets} + {heartbeats_per_minute:,} "
              f"= {copy * targets + heartbeats_per_minute:,.0f} bytes/min")
    print(f"  rank 0 receives (topology all) 99 x ({copy:,.0f} + {heartbeats_per_minute:,}) = "
          f"{99 * (copy + heartbeats_per_minute):,.0f} bytes/min and sends 99 x {heartbeats_per_minute:,} "
          f"= {99 * heartbeats_per_minute:,} bytes/min of heartbeats besides its own migrations")
PY
