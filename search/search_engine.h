// The search loop: regularized evolution (tournament selection, oldest removed; Real et al.
// 2019, AutoML-Zero, the Lion paper) or random search, over one population shared by TBB
// workers, with budgets, restarts from the best, progress reports and checkpoints.
#pragma once

#include "evaluator/evaluator.h"
#include "search/search_config.h"
#include "search/search_state.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace symopt {

// Fitness of one analyzed program; called from several threads at once.
using FitnessFunction = std::function<Fitness(const AnalyzedProgram&)>;
// Optional: fitness of many programs at once (e.g. Evaluator::evaluate_all), results in order.
using BatchFitnessFunction = std::function<std::vector<Fitness>(const std::vector<AnalyzedProgram>&)>;

struct ProgressReport {
  double elapsed_seconds = 0;
  SearchCounters counters;
  double evaluations_per_second = 0;  // over the last progress interval
  double rejected_share = 0;          // of the candidates
  double cached_share = 0;            // of the evaluations
  double best_fitness = 0;
  double median_fitness = 0;          // of the population
  long best_id = -1;
  int best_states = 0;
  int best_ops = 0;
  std::optional<CacheStatistics> cache;  // when the hooks give cache statistics
};

enum class StopReason { wall_time, evaluations, target_fitness, interrupted };
std::string_view stop_reason_name(StopReason reason);

struct SearchHooks {
  FitnessFunction fitness;                         // required
  BatchFitnessFunction batch_fitness;              // optional: used for deterministic batches
  std::function<CacheStatistics()> cache_statistics;
  std::function<void(const ProgressReport&)> on_progress;   // every progress interval
  // Every checkpoint interval and once at the end. The state is consistent (no half-made
  // child); the report is the latest progress.
  std::function<void(const SearchState&, const ProgressReport&)> on_checkpoint;
  // Every program as it enters the hall of fame (best or Pareto front), in the order of the
  // run; lets a run keep the history of its discoveries, which later ones may displace.
  std::function<void(const HallOfFameEntry&)> on_hall_of_fame_entry;
  const std::atomic<bool>* stop_requested = nullptr;  // e.g. set by SIGINT
};

struct WarmStartProgram {
  std::string source;  // file name, for messages and the lineage
  Program program;
};

// A new run: evaluates each warm start once and fills the population with copies of them
// (cycling through them), as the Lion paper starts from AdamW. Throws InputError naming the
// source when a warm start does not analyze.
SearchState start_search(const SearchConfig& config, const std::vector<WarmStartProgram>& warm_starts,
                         const SearchHooks& hooks, std::string run_id);

// Runs until a budget is met or a stop is requested; the state is updated in place and can
// be continued by another call (that is how --resume works).
//
// Deterministic mode: children are made in batches; child i of batch b draws from the
// stream (seed, b, i) and selects its parent from the population as it was before the batch;
// the batch is evaluated in parallel, then its children join the population in order. The
// results are therefore bit-identical at any thread count, and a resumed run continues
// exactly as an uninterrupted one would (for an evaluation budget) when it stopped between
// batches, as checkpoints always do. A budget that ends inside a batch cuts that batch short;
// continuing such a run is still deterministic but starts the next batch afresh.
// Asynchronous mode: a TBB pipeline keeps `threads` evaluations in flight; each finished
// child joins at once (no batch barrier, results depend on timing).
StopReason run_search(const SearchConfig& config, SearchState& state, const SearchHooks& hooks);

// Adds a program to the population, dropping the oldest past population_size, unless
// config.population_duplicates turns it away as equal to a member (then counted in
// counters.turned_away). Children and migrants both come in here. True when it joined.
bool join_population(const SearchConfig& config, SearchState& state, Individual&& newcomer);

// The report for a state (best, median, shares); evaluations_per_second is left 0.
ProgressReport make_progress_report(const SearchState& state);

}  // namespace symopt
