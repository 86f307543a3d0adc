#!/usr/bin/env bash
# The test run (.ci/run calls exactly `scripts/run-tests.sh`): the dependencies, the suite,
# the suite again under AddressSanitizer+UBSan, the multi-threaded evaluator and search tests
# under ThreadSanitizer (with a TSan-built libtbb), and ~60 s of libFuzzer on
# parse+analyze+print. Cold on 2 cores about 50 minutes, the suite alone about 10
# (docs/testing.md). Prints each phase's wall time; stops at the first failure.
#   scripts/run-tests.sh             as root on Debian (CI): every phase
#   scripts/run-tests.sh --quick     dependencies and the suite only (while developing)
#   scripts/run-tests.sh --no-deps   skips the dependencies (no root needed); combines with --quick
# Build directories can be moved with SYMOPT_BUILD_DIR, SYMOPT_ASAN_DIR, SYMOPT_TSAN_DIR;
# the fuzzer builds in build-fuzz (fuzz/run.sh); SYMOPT_FUZZ_SECONDS sets the fuzzing time.
# Set CMAKE_CXX_COMPILER_LAUNCHER=ccache in the environment to reuse objects between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${SYMOPT_BUILD_DIR:-build}"
asan_dir="${SYMOPT_ASAN_DIR:-build-asan}"
tsan_dir="${SYMOPT_TSAN_DIR:-build-tsan}"
fuzz_seconds="${SYMOPT_FUZZ_SECONDS:-60}"
sanitizers=true
dependencies=true
for argument in "$@"; do
  case "$argument" in
    --quick) sanitizers=false ;;
    --no-deps) dependencies=false ;;
    *) echo "usage: scripts/run-tests.sh [--quick] [--no-deps]" >&2; exit 2 ;;
  esac
done

run_started=$SECONDS
phase_name=""
phase_started=$SECONDS
begin_phase() {
  phase_name="$1"
  phase_started=$SECONDS
  echo "=== ${phase_name} ($(date -u +%H:%M:%S) UTC)"
}
end_phase() {
  echo "=== ${phase_name}: $((SECONDS - phase_started)) s"
  phase_name=""
}
trap '[[ -n "$phase_name" ]] && echo "=== ${phase_name}: FAILED after $((SECONDS - phase_started)) s"' EXIT

if $dependencies; then
  begin_phase "dependencies"
  scripts/install-deps.sh --tests
  end_phase
fi

# 1. The suite: Release build (MPI islands included when Open MPI is found), every test.
begin_phase "suite (Release, SYMOPT_MPI=ON)"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSYMOPT_MPI=ON >/dev/null
cmake --build "$build_dir" -j2
ctest --test-dir "$build_dir" --output-on-failure -j2
end_phase
if ! $sanitizers; then
  echo "=== the suite passed in $((SECONDS - run_started)) s (sanitizers and fuzzing: scripts/run-tests.sh without --quick)"
  exit 0
fi

# Sanitizer trees: -O1 without debug information about halves their compile time against
# -O2 -g1 (measured per file, docs/testing.md); reports still name every function (add -g1
# here to get file:line in stack traces when chasing a report). No benchmarks.
sanitizer_flags="-O1 -DNDEBUG"

# 2. The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer. Every UB
# report stops the process (halt_on_error), so a test fails instead of printing a warning
# nobody reads. The options are exported before the build because gtest_discover_tests runs
# the test binaries then. The tests that start Python/PyTorch, Chromium or mpirun run those
# as separate, uninstrumented processes and stay in. Only the tests that count allocations
# by interposing malloc cannot run (the sanitizer owns malloc); they skip themselves
# (tests/sanitizer_build.h). SYMOPT_MPI stays off here: Open MPI keeps allocations to process
# exit that LeakSanitizer reports as leaks in every rank; the islands' tests run in the
# plain suite above.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
begin_phase "suite under ASan+UBSan"
cmake -S . -B "$asan_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="$sanitizer_flags" \
  -DSYMOPT_SANITIZE=address,undefined -DSYMOPT_BENCHMARKS=OFF -DSYMOPT_MPI=OFF >/dev/null
cmake --build "$asan_dir" -j2
ctest --test-dir "$asan_dir" --output-on-failure -j2
end_phase

# 3. ThreadSanitizer on the tests that run evaluations on several threads (TBB parallel_for,
# the search's pipeline, the shared fitness cache); only their two test binaries are built
# (plus symopt, which every test area depends on). They link a libtbb built from Debian's
# onetbb source with -fsanitize=thread (scripts/build-tsan-tbb.sh, kept in the tree between
# runs): with the packaged, uninstrumented one TSan cannot see the scheduler's
# synchronisation and reports every hand-off through a parallel_for.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
begin_phase "parallel tests under TSan"
# A machine whose mirror serves no source packages cannot run this phase meaningfully (exit
# 3): it is skipped with a notice that says so, rather than run against the packaged libtbb
# and fail on every hand-off. A failed build of the library still fails the run.
tbb_status=0
tsan_tbb_dir="$(scripts/build-tsan-tbb.sh "$tsan_dir/tbb-tsan")" || tbb_status=$?
if ((tbb_status == 3)); then
  echo "=== SKIPPED: the TSan phase needs Debian's onetbb source package (see above)"
elif ((tbb_status != 0)); then
  exit "$tbb_status"
else
  cmake -S . -B "$tsan_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="$sanitizer_flags" \
    -DSYMOPT_SANITIZE=thread -DSYMOPT_BENCHMARKS=OFF -DSYMOPT_MPI=OFF -DTBB_DIR="$tsan_tbb_dir" >/dev/null
  cmake --build "$tsan_dir" -j2 --target test_evaluator test_search
  ctest --test-dir "$tsan_dir" --output-on-failure -j2 \
    -R '^(Determinism|FitnessCache|BoundedFitnessCache|SearchEngine)\.|SameResultAtAnyThreadCount'
fi
end_phase

# 4. libFuzzer on parse+analyze+print from the reference programs; a crash input is kept in
# fuzz/regressions/ (replayed by FuzzRegressions.* in the suite) and fails the run.
begin_phase "fuzzing parse+analyze+print (${fuzz_seconds} s)"
fuzz/run.sh "$fuzz_seconds"
end_phase

echo "=== all phases passed in $((SECONDS - run_started)) s"
