// Long-run stability (not a test): runs a search for 20 minutes (--duration to change it) as
// `symopt search` does -- run directory, progress log, discoveries and checkpoints included --
// and prints resident memory after warm-up and at the end, and the evaluation throughput in
// the first and last minute. Goals: memory flat within 10% after warm-up, throughput within
// 10%. Results: docs/benchmarks/long_run.md.
//
//   bench_long_run [--duration 20m] [--preset quick] [--threads N] [--warmup 60s]
#include "dsl/parser.h"
#include "evaluator/evaluator.h"
#include "common/atomic_file.h"
#include "common/input_error.h"
#include "search/run_directory.h"
#include "search/search_config.h"
#include "search/search_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace symopt {
namespace {

// A field of /proc/self/status in kB ("VmRSS", "VmHWM").
long status_kilobytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
  }
  return -1;
}

struct Sample {
  double seconds = 0;
  long evaluations = 0;  // fitness calls (cached ones included)
  long trained = 0;      // of them, programs actually trained (cache misses)
  long rss_kb = 0;
  std::size_t lineage = 0;
  double cpu_seconds = 0;  // this process's user+system time: throughput per CPU second does not
                           // depend on how many other jobs share the machine
};

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// The sample nearest to `seconds` (samples are one second apart).
const Sample& at(const std::vector<Sample>& samples, double seconds) {
  return *std::min_element(samples.begin(), samples.end(), [&](const Sample& a, const Sample& b) {
    return std::abs(a.seconds - seconds) < std::abs(b.seconds - seconds);
  });
}

double rate(const Sample& from, const Sample& to, long Sample::*counter) {
  return static_cast<double>(to.*counter - from.*counter) / std::max(to.seconds - from.seconds, 1e-9);
}

double rate_per_cpu_second(const Sample& from, const Sample& to, long Sample::*counter) {
  return static_cast<double>(to.*counter - from.*counter) / std::max(to.cpu_seconds - from.cpu_seconds, 1e-9);
}

struct Options {
  double total_seconds = 20 * 60;
  double warmup_seconds = 60;
  std::string preset = "quick";
  int threads = 0;  // 0: every core
};

constexpr const char* usage = "usage: bench_long_run [--duration 20m] [--preset quick] [--threads N] [--warmup 60s]\n";

// Flags take one value each; durations as `symopt search --budget` ("180", "3m", "1h").
Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw InputError(fmt::format("{} needs a value", flag));
    const std::string value = argv[i + 1];
    if (flag == "--duration") o.total_seconds = parse_duration(value, "--duration");
    else if (flag == "--warmup") o.warmup_seconds = parse_duration(value, "--warmup");
    else if (flag == "--preset") o.preset = value;
    else if (flag == "--threads") o.threads = std::stoi(value);
    else throw InputError(fmt::format("unknown option {}", flag));
  }
  if (o.total_seconds < 30) throw InputError("--duration: at least 30s (three windows are compared)");
  return o;
}

int run(const Options& o) {
  const double total_seconds = o.total_seconds;
  const std::string& preset = o.preset;
  const int threads = o.threads;
  double warmup_seconds = o.warmup_seconds;
  const double window = std::min(60.0, total_seconds / 3);  // "a minute", shorter for very short runs
  warmup_seconds = std::min(warmup_seconds, total_seconds / 3);

  SearchConfig config = load_preset(preset);
  config.threads = threads;
  config.budget = {};
  config.budget.wall_seconds = total_seconds;
  config.progress_seconds = 1;
  std::vector<WarmStartProgram> warm_starts;
  for (const std::string& entry : config.warm_start) {
    const auto path = resolve_program_path(entry, {});
    warm_starts.push_back({path.string(), parse_program(read_whole_file(path))});
  }
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / fmt::format("symopt_bench_long_run_{}", ::getpid());
  std::filesystem::remove_all(directory);
  config.suite.baseline_cache = directory / "baseline_cache";

  fmt::print("long run: preset {}, {}, {} threads (0: every core), checkpoints every {} s into {}\n", preset,
             format_duration(total_seconds), threads, config.checkpoint_seconds, directory.string());
  long load_average_start = -1;
  {
    std::ifstream load("/proc/loadavg");
    double one_minute = 0;
    if (load >> one_minute) load_average_start = std::lround(one_minute * 100);
  }
  fmt::print("machine: {} cores, load average (1 min) at start {:.2f}\n", ::sysconf(_SC_NPROCESSORS_ONLN),
             load_average_start / 100.0);

  Evaluator evaluator(config.suite);
  RunDirectory run_directory = RunDirectory::create(directory / "run", config, new_run_id(config.seed));
  std::vector<Sample> samples;
  SearchState state;
  SearchHooks hooks;
  hooks.fitness = [&](const AnalyzedProgram& program) { return evaluator.evaluate(program); };
  hooks.batch_fitness = [&](const std::vector<AnalyzedProgram>& programs) { return evaluator.evaluate_all(programs); };
  hooks.cache_statistics = [&] { return evaluator.cache_statistics(); };
  hooks.on_progress = [&](const ProgressReport& report) {
    run_directory.append_progress(report);
    samples.push_back({report.elapsed_seconds, report.counters.evaluations,
                       report.cache ? report.cache->evaluations : 0, status_kilobytes("VmRSS"), state.lineage.size(), process_cpu_seconds()});
    const Sample& s = samples.back();
    if (samples.size() % 60 == 0) {
      fmt::print("  {:6.0f} s: {:8} evaluations ({:7} trained), {:6.1f} MB resident, best fitness {:.4f}\n", s.seconds,
                 s.evaluations, s.trained, s.rss_kb / 1024.0, report.best_fitness);
      std::fflush(stdout);
    }
  };
  hooks.on_checkpoint = [&](const SearchState& current, const ProgressReport&) { run_directory.write_checkpoint(current); };
  hooks.on_hall_of_fame_entry = [&](const HallOfFameEntry& entry) { run_directory.append_discovery(entry); };
  state = start_search(config, warm_starts, hooks, run_directory.run_id());
  run_directory.write_checkpoint(state);
  run_search(config, state, hooks);

  if (samples.size() < 3) {
    fmt::print("too short a run to measure\n");
    return 1;
  }
  const Sample& first_begin = samples.front();
  const Sample& first_end = at(samples, first_begin.seconds + window);
  const Sample& last_end = samples.back();
  const Sample& last_begin = at(samples, last_end.seconds - window);
  const Sample& warm = at(samples, warmup_seconds);
  const double first_rate = rate(first_begin, first_end, &Sample::evaluations);
  const double last_rate = rate(last_begin, last_end, &Sample::evaluations);
  const double first_trained = rate(first_begin, first_end, &Sample::trained);
  const double last_trained = rate(last_begin, last_end, &Sample::trained);
  const double memory_ratio = static_cast<double>(last_end.rss_kb) / warm.rss_kb;
  const double throughput_ratio = last_rate / first_rate;

  fmt::print("\nresident memory: {:.1f} MB after warm-up ({:.0f} s), {:.1f} MB at the end ({:.0f} s), peak {:.1f} MB: "
             "end/start {:.3f} (goal within 10%: {})\n",
             warm.rss_kb / 1024.0, warm.seconds, last_end.rss_kb / 1024.0, last_end.seconds,
             status_kilobytes("VmHWM") / 1024.0, memory_ratio, std::abs(memory_ratio - 1) <= 0.10 ? "met" : "NOT met");
  fmt::print("throughput: first {:.0f} s {:.1f} evaluations/s ({:.1f} trained/s), last {:.0f} s {:.1f} evaluations/s "
             "({:.1f} trained/s): last/first {:.3f} (goal within 10%: {})\n",
             first_end.seconds - first_begin.seconds, first_rate, first_trained, last_end.seconds - last_begin.seconds,
             last_rate, last_trained, throughput_ratio, std::abs(throughput_ratio - 1) <= 0.10 ? "met" : "NOT met");
  const double first_per_cpu = rate_per_cpu_second(first_begin, first_end, &Sample::evaluations);
  const double last_per_cpu = rate_per_cpu_second(last_begin, last_end, &Sample::evaluations);
  fmt::print("throughput per CPU second of this process (load-independent): first {:.1f}, last {:.1f} evaluations: "
             "last/first {:.3f}; CPU use {:.2f} then {:.2f} cores\n",
             first_per_cpu, last_per_cpu, last_per_cpu / first_per_cpu,
             (first_end.cpu_seconds - first_begin.cpu_seconds) / (first_end.seconds - first_begin.seconds),
             (last_end.cpu_seconds - last_begin.cpu_seconds) / (last_end.seconds - last_begin.seconds));
  // Where growth after warm-up goes: the fitness cache keeps one entry per trained program.
  const long trained_since_warm = last_end.trained - warm.trained;
  if (trained_since_warm > 0) {
    fmt::print("growth after warm-up: {:+.1f} MB over {} programs trained ({:.2f} kB each), lineage {} -> {} records\n",
               (last_end.rss_kb - warm.rss_kb) / 1024.0, trained_since_warm,
               static_cast<double>(last_end.rss_kb - warm.rss_kb) / trained_since_warm, warm.lineage, last_end.lineage);
  }
  const CacheStatistics cache = evaluator.cache_statistics();
  fmt::print("totals: {} evaluations, {} trained, {} cache lookups ({} structural, {} behavioural hits), lineage {} "
             "records, population {}\n",
             state.counters.evaluations, cache.evaluations, cache.lookups, cache.structural_hits, cache.behavioural_hits,
             state.lineage.size(), state.population.size());
  {
    std::ifstream load("/proc/loadavg");
    double one_minute = 0;
    if (load >> one_minute) fmt::print("machine: load average (1 min) at the end {:.2f}\n", one_minute);
  }
  std::filesystem::remove_all(directory);
  return 0;
}

}  // namespace
}  // namespace symopt

int main(int argc, char** argv) {
  try {
    return symopt::run(symopt::parse_options(argc, argv));
  } catch (const symopt::InputError& error) {
    fmt::print(stderr, "bench_long_run: {}\n{}", error.what(), symopt::usage);
    return 2;
  } catch (const std::invalid_argument&) {
    fmt::print(stderr, "bench_long_run: --threads takes a whole number\n{}", symopt::usage);
    return 2;
  }
}
