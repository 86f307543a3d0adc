// `symopt search`: evolves optimizer programs from a warm start (AdamW by default) on the
// evaluator's task suite and writes a run directory; `--resume DIR` continues a run that
// was stopped or killed, from its last checkpoint.
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/input_error.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "evaluator/evaluator.h"
#include "search/funnel.h"
#include "search/progress.h"
#include "search/run_directory.h"
#include "search/search_config.h"
#include "search/search_engine.h"
#ifdef SYMOPT_MPI
#include "distributed/island_plan.h"
#include "distributed/island_search.h"
#endif

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <unistd.h>

namespace symopt::cli {
namespace {

// The one global of the binary: a signal handler can reach nothing else. The first SIGINT
// or SIGTERM asks the search to stop after the children in flight (it then writes the run
// directory); a second one exits at once, which is safe because checkpoints are atomic.
std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int) {
  if (stop_requested.exchange(true)) _exit(130);
}

// Installs the handlers for the lifetime of a search and restores the defaults after.
class StopOnSignals {
 public:
  StopOnSignals() {
    stop_requested = false;
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
  }
  ~StopOnSignals() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;
};

struct Options {
  std::string preset, config_file, budget, strategy, out, resume;
  std::uint64_t seed = 0;
  int threads = 0;
  int funnel = 0;  // --funnel K: funnel selection of the top K after the search
  long evaluations = 0;
  double target = 0;
  bool json = false, quiet = false;
  CLI::Option* seed_option = nullptr;
  CLI::Option* threads_option = nullptr;
  CLI::Option* evaluations_option = nullptr;
  CLI::Option* target_option = nullptr;
};

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return fmt::format("{:%Y%m%d-%H%M%S}", local);
}

// Command-line values that override the config (on a new run and on a resume alike).
void apply_overrides(const Options& o, SearchConfig& config) {
  if (o.threads_option->count()) config.threads = o.threads;
  if (!o.budget.empty()) config.budget.wall_seconds = parse_duration(o.budget, "--budget");
  if (o.evaluations_option->count()) {
    if (o.evaluations <= 0) throw InputError(fmt::format("--evaluations: expected a positive integer, found {}", o.evaluations));
    config.budget.evaluations = o.evaluations;
  }
  if (o.target_option->count()) config.budget.target_fitness = o.target;
}

struct PreparedRun {
  SearchConfig config;
  std::filesystem::path directory;
  std::vector<WarmStartProgram> warm_starts;        // new runs
  std::optional<RunDirectory::Resumed> resumed;     // resumed runs
};

// Fails fast (before the suite is prepared, which can take minutes) when the run directory
// could not be made: a path through a file, or a parent that is not writable.
void check_can_create_directory(const std::filesystem::path& directory) {
  std::error_code error;
  if (std::filesystem::exists(directory, error) && !std::filesystem::is_directory(directory, error)) {
    throw InputError(fmt::format("{}: exists and is not a directory (expected a directory for the run)", directory.string()));
  }
  std::filesystem::path existing = std::filesystem::absolute(directory, error);
  while (!existing.empty() && !std::filesystem::exists(existing, error) && existing != existing.parent_path()) {
    existing = existing.parent_path();
  }
  if (!std::filesystem::is_directory(existing, error)) {
    throw InputError(fmt::format("{}: cannot create the run directory: {} is not a directory", directory.string(),
                                 existing.string()));
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    throw InputError(fmt::format("{}: cannot create the run directory: {} is not writable", directory.string(),
                                 existing.string()));
  }
}

PreparedRun prepare_new_run(const Options& o) {
  if (!o.preset.empty() && !o.config_file.empty()) throw InputError("give either --preset or --config, not both");
  PreparedRun run;
  std::filesystem::path config_directory;
  std::string name = o.preset.empty() ? "quick" : o.preset;
  if (!o.config_file.empty()) {
    run.config = load_search_config_file(o.config_file);
    config_directory = std::filesystem::path(o.config_file).parent_path();
    name = std::filesystem::path(o.config_file).stem().string();
  } else {
    run.config = load_preset(name);
  }
  if (o.seed_option->count()) run.config.seed = o.seed;
  if (!o.strategy.empty()) {
    run.config = search_config_from_json(
        [&] {
          nlohmann::json j = search_config_to_json(run.config);
          j["strategy"] = o.strategy;
          return j;
        }(),
        "--strategy");
  }
  apply_overrides(o, run.config);
  std::vector<std::string> resolved;
  const std::string config_source = o.config_file.empty() ? "--preset " + name : o.config_file;
  for (std::size_t k = 0; k < run.config.warm_start.size(); ++k) {
    std::filesystem::path path;
    try {
      path = resolve_program_path(run.config.warm_start[k], config_directory);
    } catch (const InputError& error) {
      throw InputError(fmt::format("{}: key 'warm_start[{}]': {}", config_source, k, error.what()));
    }
    // Analyzed here, before anything is written, so that a bad warm start leaves no run behind.
    load_analyzed_program(path);
    run.warm_starts.push_back({path.string(), load_program_file(path)});
    resolved.push_back(path.string());
  }
  run.config.warm_start = resolved;
  run.directory = !o.out.empty() ? std::filesystem::path(o.out)
                                 : std::filesystem::path("results/runs") /
                                       fmt::format("{}-seed{}-{}", name, run.config.seed, timestamp());
  if (run.config.suite.baseline_cache.empty()) {
    // Runs side by side share their AdamW baselines.
    run.config.suite.baseline_cache = std::filesystem::absolute(run.directory).parent_path() / "baseline_cache";
  }
  check_can_create_directory(run.directory);
  std::error_code error;
  if (std::filesystem::exists(run.directory / "checkpoint.json", error)) {
    throw InputError(fmt::format("{}: already holds a search run; continue it with --resume {} or choose another --out",
                                 run.directory.string(), run.directory.string()));
  }
  return run;
}

PreparedRun prepare_resumed_run(const Options& o) {
  if (!o.preset.empty() || !o.config_file.empty() || !o.strategy.empty() || !o.out.empty()) {
    throw InputError("--resume continues a run with its own config and directory; it cannot be combined with "
                     "--preset, --config, --strategy or --out");
  }
  PreparedRun run;
  run.resumed.emplace(RunDirectory::open(o.resume));
  run.config = run.resumed->config;
  if (o.seed_option->count() && o.seed != run.config.seed) {
    throw InputError(fmt::format("--seed {}: the run in {} has seed {}, which a resume cannot change", o.seed,
                                 o.resume, run.config.seed));
  }
  apply_overrides(o, run.config);
  run.directory = o.resume;
  return run;
}

void print_summary(const SearchState& state, StopReason reason, const std::filesystem::path& directory, bool json) {
  const ProgressReport report = make_progress_report(state);
  if (json) {
    nlohmann::json out = {{"run_directory", directory.string()},
                          {"run_id", state.run_id},
                          {"stop_reason", stop_reason_name(reason)},
                          {"progress", progress_report_to_json(report)}};
    if (!state.hall_of_fame.best().empty()) out["best"] = hall_of_fame_entry_to_json(state.hall_of_fame.best().front());
    fmt::print("{}\n", out.dump(2));
    return;
  }
  const SearchCounters& c = state.counters;
  fmt::print("search stopped ({}) after {} evaluations in {}: {} candidates, {:.0f}% rejected by the analyzer, "
             "{:.0f}% of evaluations cached, {} restarts, {} stopped at a hurdle, {} duplicates kept out of the population\n",
             stop_reason_name(reason), c.evaluations, format_duration(state.elapsed_seconds), c.candidates,
             100 * report.rejected_share, 100 * report.cached_share, c.restarts, c.stopped_at_hurdle, c.turned_away);
  if (!state.hall_of_fame.best().empty()) {
    const HallOfFameEntry& best = state.hall_of_fame.best().front();
    fmt::print("best program: id {}, fitness {:.4f} ({} state{}, {} ops)\n{}", best.origin.id, best.origin.fitness,
               best.origin.states, best.origin.states == 1 ? "" : "s", best.origin.ops,
               print_folded(parse_program(best.program)));
  }
  fmt::print("Pareto front (fitness vs states vs ops):");
  for (const HallOfFameEntry& e : state.hall_of_fame.pareto_front()) {
    fmt::print(" [{:.4f}, {}s, {}ops]", e.origin.fitness, e.origin.states, e.origin.ops);
  }
  fmt::print("\nrun directory: {}   (symopt show {})\n", directory.string(), directory.string());
}

// `--funnel K`: the finished run's top K up the size ladder (search/funnel.h, `symopt funnel`).
void run_funnel_after_search(const std::filesystem::path& directory, const Options& o, const SearchConfig& config,
                             StopReason reason) {
  if (reason == StopReason::interrupted) {
    fmt::print(stderr, "search interrupted: funnel skipped (symopt funnel {} --top {})\n", directory.string(), o.funnel);
    return;
  }
  FunnelSettings settings;
  settings.top = o.funnel;
  std::optional<tbb::global_control> thread_limit;
  if (config.threads > 0) thread_limit.emplace(tbb::global_control::max_allowed_parallelism, config.threads);
  FunnelNote note;
  if (!o.quiet) note = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  const FunnelResult result = funnel_run_directory(directory, settings, note);
  if (!o.json) fmt::print("\n{}", funnel_markdown(result));  // with --json: funnel.json in the run directory
}

// The suite's evaluator; a suite that cannot be built (unknown task data, missing files) is
// bad input.
std::unique_ptr<Evaluator> make_evaluator(const SuiteConfig& suite) {
  try {
    return std::make_unique<Evaluator>(suite);
  } catch (const InputError&) {
    throw;
  } catch (const std::runtime_error& error) {
    throw InputError(fmt::format("suite: {}", error.what()));
  }
}

// The hooks every search takes from the evaluator, and Ctrl-C.
SearchHooks evaluator_hooks(Evaluator& evaluator) {
  SearchHooks hooks;
  hooks.fitness = [&evaluator](const AnalyzedProgram& program) { return evaluator.evaluate(program); };
  hooks.batch_fitness = [&evaluator](const std::vector<AnalyzedProgram>& programs) {
    return evaluator.evaluate_all(programs);
  };
  hooks.cache_statistics = [&evaluator] { return evaluator.cache_statistics(); };
  hooks.stop_requested = &stop_requested;
  return hooks;
}

// Progress log and line, checkpoints and discoveries go to the run directory.
void add_run_directory_hooks(SearchHooks& hooks, RunDirectory& run, bool quiet, bool live) {
  hooks.on_progress = [&run, quiet, live](const ProgressReport& report) {
    run.append_progress(report);
    if (quiet) return;
    if (live) {
      fmt::print(stderr, "\r{}\x1b[K", format_progress_line(report));
    } else {
      fmt::print(stderr, "{}\n", format_progress_line(report));
    }
    std::fflush(stderr);
  };
  hooks.on_checkpoint = [&run](const SearchState& current, const ProgressReport&) { run.write_checkpoint(current); };
  hooks.on_hall_of_fame_entry = [&run](const HallOfFameEntry& entry) { run.append_discovery(entry); };
}

#ifdef SYMOPT_MPI
// Under mpirun or srun with several ranks: one island per rank (distributed/). Rank 0
// writes the run directory and the progress line; the others are silent.
void run_island_search_command(const Options& o, distributed::MpiWorld& world) {
  if (!o.resume.empty()) {
    throw InputError("--resume: an island run continues on one process (symopt search --resume DIR, without mpirun)");
  }
  PreparedRun prepared = prepare_new_run(o);
  const SearchConfig& config = prepared.config;
  const bool root = world.rank() == 0;
  const bool quiet = o.quiet || !root;
  const bool live = !quiet && ::isatty(STDERR_FILENO);
  // Every rank has checked the directory before rank 0 creates it.
  if (!world.barrier(distributed::startup_timeout_seconds(config.islands))) {
    throw std::runtime_error("not every MPI rank started");
  }
  if (!quiet) fmt::print(stderr, "{} islands; preparing the suite ({})...\n", world.ranks(), fmt::join(config.suite.tasks, ", "));
  const std::unique_ptr<Evaluator> evaluator = make_evaluator(config.suite);
  std::optional<RunDirectory> run;
  if (root) run.emplace(RunDirectory::create(prepared.directory, config, new_run_id(config.seed)));
  const StopOnSignals signals;
  SearchHooks hooks = evaluator_hooks(*evaluator);
  distributed::IslandOptions options;
  options.run_id = root ? run->run_id() : fmt::format("rank{}", world.rank());
  if (root) {
    add_run_directory_hooks(hooks, *run, quiet, live);
    options.statistics_file = run->path() / "islands.json";
    options.note = [&](const std::string& text) { fmt::print(stderr, "{}note: {}\n", live ? "\n" : "", text); };
  } else {
    options.note = [rank = world.rank()](const std::string& text) { fmt::print(stderr, "rank {}: note: {}\n", rank, text); };
  }
  const distributed::IslandOutcome outcome = distributed::run_islands(world, config, prepared.warm_starts, hooks, options);
  // After a rank died, MPI_Finalize may wait for it forever.
  if (!outcome.statistics.lost_ranks.empty()) world.set_finalize_timeout(config.islands.rank_timeout_seconds);
  if (!root) return;
  if (live) fmt::print(stderr, "\n");
  print_summary(outcome.state, outcome.reason, run->path(), o.json);
  const distributed::IslandStatistics& s = outcome.statistics;
  if (!o.json) {
    fmt::print("islands: {} ranks{}; rank 0 received {} migrants and {} hall-of-fame entries, "
               "{} shared scores ({} evaluations answered by them); details in islands.json\n",
               s.ranks, s.lost_ranks.empty() ? "" : fmt::format(" ({} given up: {})", s.lost_ranks.size(), fmt::join(s.lost_ranks, ", ")),
               s.migrants_received, s.hall_of_fame_received, s.scores_imported, s.shared_hits);
  }
}
#endif

void run_search_command(const Options& o) {
#ifdef SYMOPT_MPI
  if (const auto world = distributed::MpiWorld::join_if_launched(); world && world->ranks() > 1) {
    run_island_search_command(o, *world);
    return;
  }
#endif
  PreparedRun prepared = o.resume.empty() ? prepare_new_run(o) : prepare_resumed_run(o);
  const SearchConfig& config = prepared.config;
  const bool live = !o.quiet && ::isatty(STDERR_FILENO);
  if (!o.quiet) fmt::print(stderr, "preparing the suite ({}; AdamW baselines are computed once and cached)...\n",
                           fmt::join(config.suite.tasks, ", "));
  const std::unique_ptr<Evaluator> evaluator = make_evaluator(config.suite);
  if (!o.quiet) {
    for (const std::string& warning : evaluator->warnings()) fmt::print(stderr, "warning: {}\n", warning);
  }

  std::optional<RunDirectory> run;
  SearchState state;
  if (prepared.resumed) {
    run.emplace(std::move(prepared.resumed->directory));
    state = std::move(prepared.resumed->state);
    ++state.session;
    run->write_config(config);
  } else {
    run.emplace(RunDirectory::create(prepared.directory, config, new_run_id(config.seed)));
  }

  const StopOnSignals signals;
  SearchHooks hooks = evaluator_hooks(*evaluator);
  add_run_directory_hooks(hooks, *run, o.quiet, live);

  if (!prepared.resumed) {
    state = start_search(config, prepared.warm_starts, hooks, run->run_id());
  }
  run->write_checkpoint(state);
  const StopReason reason = run_search(config, state, hooks);
  if (live) fmt::print(stderr, "\n");
  print_summary(state, reason, run->path(), o.json);
  if (o.funnel > 0) run_funnel_after_search(run->path(), o, config, reason);
}

}  // namespace

void add_search_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* command = app.add_subcommand("search", "evolve optimizer programs from a warm start; writes a run directory");
  command->add_option("--preset", o->preset, fmt::format("a bundled preset (default quick): {}", fmt::join(preset_names(), ", ")));
  command->add_option("--config", o->config_file, "a JSON config file (keys as in config.json; may name a \"preset\")");
  o->seed_option = command->add_option("--seed", o->seed, "random seed");
  o->threads_option = command->add_option("--threads", o->threads, "worker threads (0: every core)")->check(CLI::Range(0, 4096));
  command->add_option("--budget", o->budget, "wall-time budget, e.g. 30s, 10m, 1h");
  o->evaluations_option = command->add_option("--evaluations", o->evaluations, "evaluation budget");
  o->target_option = command->add_option("--target", o->target, "stop when the best fitness reaches this");
  command->add_option("--strategy", o->strategy, "evolution (default) or random (the ablation)");
  command->add_option("--out", o->out, "run directory (default results/runs/NAME-seedS-TIME)");
  command->add_option("--resume", o->resume, "continue the run in this directory from its checkpoint");
  command->add_option("--funnel", o->funnel, "then re-evaluate the top K programs on the next two rungs (symopt funnel)")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--json", o->json, "machine-readable summary on stdout");
  command->add_flag("--quiet", o->quiet, "no progress output on stderr");
  command->callback([o, &exit_code] {
    run_search_command(*o);
    exit_code = exit_ok;
  });
}

}  // namespace symopt::cli
