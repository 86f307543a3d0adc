// Long-run stability (not a test): runs a search for 20 minutes (--duration to change it) as
// `symopt search` does -- run directory, progress log, discoveries and checkpoints included --
// and prints resident memory after warm-up and at the end, and the evaluation throughput in
// the first and last minute. Goals: memory flat within 10% after warm-up, throughput within
// 10%. Results: docs/benchmarks/long_run.md.
//
//   bench_long_run [--duration 20m] [--preset quick] [--threads N] [--warmup 60s]
#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "evaluator/evaluator.h"
#include "evaluator/fingerprint.h"
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
#include <malloc.h>
#include <random>
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
  long trained_statements = 0;  // statements (canonical form) summed over the programs trained
  long heap_in_use_kb = 0;      // malloc's live bytes (every arena, mmapped blocks included)
  long heap_free_kb = 0;        // free bytes malloc holds in its arenas (not returned to the system)
};

// What malloc holds, to tell live data from memory freed but kept by the allocator.
std::pair<long, long> heap_kilobytes() {
  const struct mallinfo2 info = ::mallinfo2();
  return {static_cast<long>((info.uordblks + info.hblkhd) / 1024), static_cast<long>(info.fordblks / 1024)};
}

// A uniform sample (reservoir, fixed seed) of the programs trained in a time window, as text:
// replayed at the end on a fresh evaluator, the two windows' samples show whether the last
// window's programs are costlier to train (the search's drift) or the engine got slower.
// A sample holds a few dozen kB, too little to show in the memory figures.
class ProgramSample {
 public:
  explicit ProgramSample(std::size_t capacity) : capacity_(capacity) { kept_.reserve(capacity); }
  void offer(const AnalyzedProgram& program) {
    ++seen_;
    if (kept_.size() < capacity_) {
      kept_.push_back(print_program(program.canonical));
      return;
    }
    const std::size_t slot = std::uniform_int_distribution<std::size_t>(0, seen_ - 1)(random_);
    if (slot < capacity_) kept_[slot] = print_program(program.canonical);
  }
  std::vector<AnalyzedProgram> programs() const {
    std::vector<AnalyzedProgram> analyzed;
    for (const std::string& text : kept_) analyzed.push_back(analyze(parse_program(text)));
    return analyzed;
  }
  std::size_t seen() const { return seen_; }

 private:
  std::size_t capacity_;
  std::size_t seen_ = 0;
  std::vector<std::string> kept_;
  std::mt19937_64 random_{20261123};
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
  samples.reserve(static_cast<std::size_t>(total_seconds / config.progress_seconds) + 64);  // no growth mid-run
  SearchState state;
  SearchHooks hooks;
  hooks.fitness = [&](const AnalyzedProgram& program) { return evaluator.evaluate(program); };
  long trained_statements = 0;  // the search's drift: longer programs train more slowly
  constexpr std::size_t replay_sample_size = 160;
  ProgramSample first_window_programs(replay_sample_size), last_window_programs(replay_sample_size);
  hooks.batch_fitness = [&](const std::vector<AnalyzedProgram>& programs) {
    std::vector<Fitness> results = evaluator.evaluate_all(programs);
    const double now = state.elapsed_seconds;  // as of the last tick (about a second ago)
    for (std::size_t k = 0; k < programs.size(); ++k) {
      if (results[k].cached || results[k].fingerprint == diverging_fingerprint) continue;
      trained_statements += programs[k].op_count();
      if (now < window) first_window_programs.offer(programs[k]);
      if (now >= total_seconds - window) last_window_programs.offer(programs[k]);
    }
    return results;
  };
  hooks.cache_statistics = [&] { return evaluator.cache_statistics(); };
  hooks.on_progress = [&](const ProgressReport& report) {
    run_directory.append_progress(report);
    const auto [in_use, free] = heap_kilobytes();
    samples.push_back({report.elapsed_seconds, report.counters.evaluations,
                       report.cache ? report.cache->evaluations : 0, status_kilobytes("VmRSS"), state.lineage.size(),
                       process_cpu_seconds(), trained_statements, in_use, free});
    const Sample& s = samples.back();
    if (samples.size() % 60 == 0) {
      fmt::print("  {:6.0f} s: {:8} evaluations ({:7} trained), {:6.1f} MB resident (heap {:.1f} MB in use, {:.1f} MB "
                 "free), lineage {}, best fitness {:.4f}\n",
                 s.seconds, s.evaluations, s.trained, s.rss_kb / 1024.0, s.heap_in_use_kb / 1024.0,
                 s.heap_free_kb / 1024.0, s.lineage, report.best_fitness);
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
  // Evaluations per second mixes three things: the engine's speed, the cache-hit share and
  // the length of the programs the search trains (which drifts as programs grow). Trained
  // programs per CPU second at their mean length separate them.
  auto mean_statements = [](const Sample& from, const Sample& to) {
    const long trained = to.trained - from.trained;
    return trained > 0 ? static_cast<double>(to.trained_statements - from.trained_statements) / trained : 0.0;
  };
  auto cached_share = [](const Sample& from, const Sample& to) {
    const long evaluations = to.evaluations - from.evaluations;
    return evaluations > 0 ? 1.0 - static_cast<double>(to.trained - from.trained) / evaluations : 0.0;
  };
  const double first_statements = mean_statements(first_begin, first_end);
  const double last_statements = mean_statements(last_begin, last_end);
  const double first_trained_per_cpu = rate_per_cpu_second(first_begin, first_end, &Sample::trained);
  const double last_trained_per_cpu = rate_per_cpu_second(last_begin, last_end, &Sample::trained);
  fmt::print("what the search trains: first window {:.1f} trained per CPU second, {:.2f} statements each, {:.0f}% "
             "answered by the cache; last window {:.1f}, {:.2f} statements, {:.0f}%: trained per CPU second "
             "last/first {:.3f}, statement-weighted (statements trained per CPU second) last/first {:.3f}\n",
             first_trained_per_cpu, first_statements, 100 * cached_share(first_begin, first_end),
             last_trained_per_cpu, last_statements, 100 * cached_share(last_begin, last_end),
             last_trained_per_cpu / first_trained_per_cpu,
             (last_trained_per_cpu * last_statements) / std::max(first_trained_per_cpu * first_statements, 1e-9));
  // The replay: both samples trained on fresh evaluators (no cache), alternating twice so
  // that a change in the machine's load hits both alike; CPU seconds of this process.
  double first_cpu = 0, last_cpu = 0;
  const std::vector<AnalyzedProgram> first_programs = first_window_programs.programs();
  const std::vector<AnalyzedProgram> last_programs = last_window_programs.programs();
  for (int round = 0; round < 2 && !first_programs.empty() && !last_programs.empty(); ++round) {
    for (auto [programs, cpu] : {std::pair{&first_programs, &first_cpu}, std::pair{&last_programs, &last_cpu}}) {
      Evaluator fresh(config.suite);
      const double start = process_cpu_seconds();
      fresh.evaluate_all(*programs);
      *cpu += (process_cpu_seconds() - start) / static_cast<double>(programs->size());
    }
  }
  if (first_cpu > 0 && last_cpu > 0) {
    const double evaluations_ratio = last_per_cpu / first_per_cpu;
    const double mix = first_cpu / last_cpu;  // trained/CPU-s ratio the programs alone explain
    const double cache = (1 - cached_share(first_begin, first_end)) / std::max(1 - cached_share(last_begin, last_end), 1e-9);
    fmt::print("replay on a fresh evaluator at the end: {} programs sampled from the first window's {} trained cost "
               "{:.2f} ms of CPU each, {} of the last window's {}: {:.2f} ms\n",
               first_programs.size(), first_window_programs.seen(), 1e3 * first_cpu / 2, last_programs.size(),
               last_window_programs.seen(), 1e3 * last_cpu / 2);
    fmt::print("evaluations per CPU second last/first {:.3f} = program mix {:.3f} (replay cost first/last) x cache "
               "share {:.3f} x the rest {:.3f} (search overhead and engine; 1: the engine did not slow down)\n",
               evaluations_ratio, mix, cache, evaluations_ratio / (mix * cache));
  }
  fmt::print("heap (malloc): {:.1f} MB in use and {:.1f} MB free after warm-up, {:.1f} MB in use and {:.1f} MB free "
             "at the end\n",
             warm.heap_in_use_kb / 1024.0, warm.heap_free_kb / 1024.0, last_end.heap_in_use_kb / 1024.0,
             last_end.heap_free_kb / 1024.0);
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
