// The search loop. Making a child (selection, mutation, analysis) is cheap and done under
// the population's lock or between batches; evaluating it is the expensive part and runs
// in parallel, isolated so that a worker waiting inside a nested parallel evaluation never
// picks up another child's work.
#include "search/search_engine.h"

#include "common/input_error.h"
#include "dsl/analyzer.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "search/mutation.h"
#include "search/random.h"

#include <fmt/format.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace symopt {
namespace {

constexpr std::uint64_t asynchronous_stream_tag = 0xa5a5'0000'0000'0000ULL;

double sanitized(double fitness) {
  return std::isfinite(fitness) ? fitness : std::numeric_limits<double>::lowest();
}

struct Candidate {
  Program program;
  AnalyzedProgram analyzed;
  long parent_id = -1;
  int generation = 0;
  std::string mutation;
};

// The text round trip gives every program exactly the form a checkpoint reload gives it
// (variable numbering included), which keeps resumed runs identical to uninterrupted ones.
std::optional<Program> normalized(const Program& program) {
  try {
    return parse_program(print_program(program));
  } catch (const DslError&) {
    return std::nullopt;
  }
}

// The fittest of `size` members drawn at random among those with at most `max_states` state
// tensors (among all members when none has so few).
const Individual& tournament(const std::deque<Individual>& population, int size, int max_states, Rng& rng) {
  std::vector<const Individual*> entrants;
  for (const Individual& member : population) {
    if (member.states <= max_states) entrants.push_back(&member);
  }
  if (entrants.empty()) {
    for (const Individual& member : population) entrants.push_back(&member);
  }
  const Individual* best = nullptr;
  for (int k = 0; k < size; ++k) {
    const Individual* contender = entrants[static_cast<std::size_t>(rng.below(static_cast<int>(entrants.size())))];
    if (!best || contender->fitness > best->fitness) best = contender;
  }
  return *best;
}

const HallOfFameEntry& pareto_parent(const std::vector<HallOfFameEntry>& front, ParetoParentSelection selection,
                                     Rng& rng) {
  if (selection == ParetoParentSelection::uniform) {
    return front[static_cast<std::size_t>(rng.below(static_cast<int>(front.size())))];
  }
  std::map<int, const HallOfFameEntry*> fittest_by_states;  // ordered: the same draw at any thread count
  for (const HallOfFameEntry& entry : front) {
    const HallOfFameEntry*& best = fittest_by_states[entry.origin.states];
    if (!best || entry.origin.fitness > best->origin.fitness) best = &entry;
  }
  auto niche = fittest_by_states.begin();
  std::advance(niche, rng.below(static_cast<int>(fittest_by_states.size())));
  return *niche->second;
}

// A child or nothing (rejected: no mutation applied, or the analyzer refused it).
std::optional<Candidate> propose(const SearchConfig& config, const Mutator& mutator, const SearchState& state,
                                 Rng& rng) {
  Candidate candidate;
  Program program;
  if (config.strategy == SearchStrategy::evolution) {
    // The draw is skipped at probability 0 so that runs without Pareto parents keep their
    // random stream.
    const auto& front = state.hall_of_fame.pareto_front();
    const bool from_front =
        config.pareto_parent_probability > 0 && !front.empty() && rng.chance(config.pareto_parent_probability);
    std::optional<Mutation> mutation;
    if (from_front) {
      const HallOfFameEntry& parent = pareto_parent(front, config.pareto_parent_selection, rng);
      mutation = mutator.mutate(parse_program(parent.program), rng);
      candidate.parent_id = parent.origin.id;
      candidate.generation = parent.origin.generation + 1;
    } else {
      // Drawn only when the niche is on, so that runs without it keep their random stream.
      const StateNiche& niche = config.state_niche;
      const bool from_niche = niche.parent_probability > 0 && rng.chance(niche.parent_probability);
      const Individual& parent =
          from_niche ? tournament(state.population, niche.tournament_size ? niche.tournament_size : config.tournament_size,
                                  niche.max_states, rng)
                     : tournament(state.population, config.tournament_size, std::numeric_limits<int>::max(), rng);
      mutation = mutator.mutate(parent.program, rng);
      candidate.parent_id = parent.id;
      candidate.generation = parent.generation + 1;
    }
    if (!mutation) return std::nullopt;
    program = std::move(mutation->program);
    candidate.mutation = std::move(mutation->description);
  } else {
    // Random search: a warm start with a random number of random mutations, no selection.
    const WarmStart& root = state.warm_starts[static_cast<std::size_t>(rng.below(static_cast<int>(state.warm_starts.size())))];
    program = root.program;
    const int count = 1 + rng.below(config.random_search_max_mutations);
    for (int k = 0; k < count; ++k) {
      std::optional<Mutation> mutation = mutator.mutate(program, rng);
      if (!mutation) break;
      program = std::move(mutation->program);
      candidate.mutation += (k ? "; " : "") + mutation->description;
      ++candidate.generation;
    }
    candidate.parent_id = root.id;
  }
  std::optional<Program> text_form = normalized(program);
  if (!text_form) return std::nullopt;
  candidate.program = std::move(*text_form);
  try {
    candidate.analyzed = analyze(candidate.program);
  } catch (const DslError&) {
    return std::nullopt;
  }
  return candidate;
}

class Clock {
 public:
  explicit Clock(double already_elapsed) : base_(already_elapsed), start_(std::chrono::steady_clock::now()) {}
  double elapsed() const {
    return base_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  double base_;
  std::chrono::steady_clock::time_point start_;
};

int thread_count(const SearchConfig& config) {
  return config.threads > 0 ? config.threads : tbb::info::default_concurrency();
}

// Adds an evaluated child to the population (dropping the oldest), lineage and hall of fame.
void integrate(const SearchConfig& config, const SearchHooks& hooks, SearchState& state, Candidate&& child,
               const Fitness& fitness,
               bool cached, double elapsed) {
  ++state.counters.evaluations;
  if (cached) ++state.counters.cached;
  const auto stopped = [](const TaskScore& t) { return t.stopped_at_hurdle; };
  if (!cached && std::any_of(fitness.tasks.begin(), fitness.tasks.end(), stopped)) ++state.counters.stopped_at_hurdle;
  const AnalyzedProgram& analyzed = child.analyzed;
  LineageRecord record;
  record.id = state.next_id++;
  record.parent_id = child.parent_id;
  record.mutation = std::move(child.mutation);
  record.generation = child.generation;
  record.hash = analyzed.structural_hash;
  record.fitness = sanitized(fitness.value);
  record.states = analyzed.state_count();
  record.ops = analyzed.op_count();
  record.evaluation = state.counters.evaluations;
  if (state.hall_of_fame.would_enter(record.hash, record.fitness, record.states, record.ops)) {
    HallOfFameEntry entry{record, fitness.tasks, print_program(analyzed.canonical), elapsed};
    if (hooks.on_hall_of_fame_entry) hooks.on_hall_of_fame_entry(entry);
    state.hall_of_fame.consider(std::move(entry));
  }
  join_population(config, state,
                  {record.id, std::move(child.program), record.hash, record.fitness, record.states, record.ops,
                   record.generation});
  state.lineage.add(std::move(record));
}

}  // namespace

bool join_population(const SearchConfig& config, SearchState& state, Individual&& newcomer) {
  const auto same_program = [&](const Individual& member) { return member.hash == newcomer.hash; };
  if (config.population_duplicates == PopulationDuplicates::turn_away &&
      std::any_of(state.population.begin(), state.population.end(), same_program)) {
    ++state.counters.turned_away;  // the population, and so its ages, stays as it was
    return false;
  }
  state.population.push_back(std::move(newcomer));
  while (static_cast<int>(state.population.size()) > config.population_size) state.population.pop_front();
  return true;
}

namespace {

// Replaces the population with copies of the best programs (keeping their ids, so lineage
// runs through restarts).
void restart_from_best(const SearchConfig& config, SearchState& state) {
  const auto& best = state.hall_of_fame.best();
  const std::size_t top = std::min<std::size_t>(static_cast<std::size_t>(config.restart_from_top), best.size());
  if (top == 0) return;
  std::vector<Individual> seeds;
  for (std::size_t k = 0; k < top; ++k) {
    const HallOfFameEntry& entry = best[k];
    const LineageRecord& o = entry.origin;
    seeds.push_back({o.id, parse_program(entry.program), o.hash, o.fitness, o.states, o.ops, o.generation});
  }
  state.population.clear();
  for (int k = 0; k < config.population_size; ++k) state.population.push_back(seeds[static_cast<std::size_t>(k) % top]);
  ++state.counters.restarts;
}

void maybe_restart(const SearchConfig& config, SearchState& state) {
  if (config.strategy != SearchStrategy::evolution || config.restart_interval <= 0) return;
  if (state.next_restart_at <= 0) state.next_restart_at = config.restart_interval;
  if (state.counters.evaluations < state.next_restart_at) return;
  restart_from_best(config, state);
  while (state.next_restart_at <= state.counters.evaluations) state.next_restart_at += config.restart_interval;
}

void prune_lineage(const SearchConfig& config, SearchState& state) {
  std::vector<long> keep = state.hall_of_fame.ids();
  for (const Individual& i : state.population) keep.push_back(i.id);
  for (const WarmStart& w : state.warm_starts) keep.push_back(w.id);
  state.lineage.keep_ancestors_of(keep, static_cast<std::size_t>(config.lineage_max_records));
}

// Progress reports and checkpoints at their intervals.
class Ticker {
 public:
  Ticker(const SearchConfig& config, const SearchHooks& hooks, const Clock& clock, const SearchState& state)
      : config_(config), hooks_(hooks), clock_(clock) {
    last_progress_ = last_checkpoint_ = clock.elapsed();
    last_evaluations_ = state.counters.evaluations;
  }

  void tick(SearchState& state, bool force) {
    const double now = clock_.elapsed();
    state.elapsed_seconds = now;
    const bool progress_due = force || now - last_progress_ >= config_.progress_seconds;
    const bool checkpoint_due = force || now - last_checkpoint_ >= config_.checkpoint_seconds;
    if (progress_due || checkpoint_due) {
      report_ = make_progress_report(state);
      const double interval = now - last_progress_;
      report_.evaluations_per_second =
          interval > 0 ? static_cast<double>(state.counters.evaluations - last_evaluations_) / interval : 0;
      if (hooks_.cache_statistics) report_.cache = hooks_.cache_statistics();
      if (hooks_.on_progress) hooks_.on_progress(report_);
      last_progress_ = now;
      last_evaluations_ = state.counters.evaluations;
    }
    // The lineage is pruned at least this often even when nobody checkpoints. What survives
    // a pruning (the ancestors of the population and hall of fame) grows with the
    // generations up to lineage_max_records; the limit grows with it, so pruning stays rare
    // instead of every batch.
    const std::size_t lineage_limit =
        std::max(4 * static_cast<std::size_t>(config_.population_size + config_.hall_of_fame_size) + 4096,
                 2 * lineage_after_pruning_);
    if (checkpoint_due || state.lineage.size() > lineage_limit) {
      prune_lineage(config_, state);
      lineage_after_pruning_ = state.lineage.size();
    }
    if (checkpoint_due) {
      if (hooks_.on_checkpoint) hooks_.on_checkpoint(state, report_);
      last_checkpoint_ = now;
    }
  }

 private:
  const SearchConfig& config_;
  const SearchHooks& hooks_;
  const Clock& clock_;
  double last_progress_ = 0, last_checkpoint_ = 0;
  long last_evaluations_ = 0;
  std::size_t lineage_after_pruning_ = 0;
  ProgressReport report_;
};

std::optional<StopReason> stop_reason(const SearchConfig& config, const SearchState& state, const SearchHooks& hooks,
                                      const Clock& clock, long in_flight) {
  if (hooks.stop_requested && hooks.stop_requested->load()) return StopReason::interrupted;
  const SearchBudget& budget = config.budget;
  if (budget.evaluations > 0 && state.counters.evaluations + in_flight >= budget.evaluations) {
    return StopReason::evaluations;
  }
  if (budget.target_fitness && !state.hall_of_fame.best().empty() &&
      state.hall_of_fame.best().front().origin.fitness >= *budget.target_fitness) {
    return StopReason::target_fitness;
  }
  if (budget.wall_seconds > 0 && clock.elapsed() >= budget.wall_seconds) return StopReason::wall_time;
  return std::nullopt;
}

// Fitness of a batch, each distinct structure evaluated once (later copies count as cached).
std::vector<std::pair<Fitness, bool>> evaluate_batch(const std::vector<Candidate>& batch, const SearchHooks& hooks) {
  std::vector<std::size_t> first_with_hash(batch.size());
  std::vector<std::size_t> distinct;
  std::unordered_map<std::uint64_t, std::size_t> seen;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const auto [it, inserted] = seen.emplace(batch[k].analyzed.structural_hash, k);
    first_with_hash[k] = it->second;
    if (inserted) distinct.push_back(k);
  }
  std::vector<Fitness> distinct_fitness(distinct.size());
  if (hooks.batch_fitness) {
    std::vector<AnalyzedProgram> programs;
    for (std::size_t k : distinct) programs.push_back(batch[k].analyzed);
    distinct_fitness = hooks.batch_fitness(programs);
    if (distinct_fitness.size() != distinct.size()) {
      throw std::runtime_error("batch fitness function returned the wrong number of results");
    }
  } else {
    tbb::parallel_for(std::size_t{0}, distinct.size(), [&](std::size_t j) {
      tbb::this_task_arena::isolate([&] { distinct_fitness[j] = hooks.fitness(batch[distinct[j]].analyzed); });
    });
  }
  std::vector<std::pair<Fitness, bool>> results(batch.size());
  for (std::size_t j = 0; j < distinct.size(); ++j) {
    results[distinct[j]] = {distinct_fitness[j], distinct_fitness[j].cached};
  }
  for (std::size_t k = 0; k < batch.size(); ++k) {
    if (first_with_hash[k] != k) results[k] = {results[first_with_hash[k]].first, true};
  }
  return results;
}

StopReason run_deterministic(const SearchConfig& config, SearchState& state, const SearchHooks& hooks,
                             const Mutator& mutator, const Clock& clock, Ticker& ticker) {
  const int max_attempts = 100 * config.batch_size;  // bounds a batch when nearly everything is rejected
  for (;;) {
    if (const auto reason = stop_reason(config, state, hooks, clock, 0)) return *reason;
    const long remaining = config.budget.evaluations > 0 ? config.budget.evaluations - state.counters.evaluations
                                                         : std::numeric_limits<long>::max();
    const std::size_t wanted = static_cast<std::size_t>(std::min<long>(config.batch_size, remaining));
    std::vector<Candidate> batch;
    for (int i = 0; batch.size() < wanted && i < max_attempts; ++i) {
      Rng rng = Rng::for_stream(config.seed, static_cast<std::uint64_t>(state.next_batch), static_cast<std::uint64_t>(i));
      ++state.counters.candidates;
      std::optional<Candidate> child = propose(config, mutator, state, rng);
      if (!child) {
        ++state.counters.rejected;
        continue;
      }
      batch.push_back(std::move(*child));
    }
    ++state.next_batch;
    const std::vector<std::pair<Fitness, bool>> results = evaluate_batch(batch, hooks);
    const double now = clock.elapsed();
    for (std::size_t k = 0; k < batch.size(); ++k) {
      integrate(config, hooks, state, std::move(batch[k]), results[k].first, results[k].second, now);
      maybe_restart(config, state);
    }
    ticker.tick(state, false);
  }
}

StopReason run_asynchronous(const SearchConfig& config, SearchState& state, const SearchHooks& hooks,
                            const Mutator& mutator, const Clock& clock, Ticker& ticker, int threads) {
  std::mutex mutex;  // guards `state` between the proposing and the integrating stage
  long in_flight = 0;
  std::uint64_t candidate_number = 0;
  StopReason reason = StopReason::interrupted;
  using Child = std::shared_ptr<Candidate>;
  using Evaluated = std::shared_ptr<std::pair<Candidate, Fitness>>;
  tbb::parallel_pipeline(
      static_cast<std::size_t>(threads),
      tbb::make_filter<void, Child>(tbb::filter_mode::serial_in_order,
                                    [&](tbb::flow_control& control) -> Child {
                                      const std::lock_guard lock(mutex);
                                      for (;;) {
                                        if (const auto stop = stop_reason(config, state, hooks, clock, in_flight)) {
                                          reason = *stop;
                                          control.stop();
                                          return nullptr;
                                        }
                                        Rng rng = Rng::for_stream(config.seed,
                                                                  asynchronous_stream_tag + static_cast<std::uint64_t>(state.session),
                                                                  candidate_number++);
                                        ++state.counters.candidates;
                                        std::optional<Candidate> child = propose(config, mutator, state, rng);
                                        if (!child) {
                                          ++state.counters.rejected;
                                          continue;
                                        }
                                        ++in_flight;
                                        return std::make_shared<Candidate>(std::move(*child));
                                      }
                                    }) &
          tbb::make_filter<Child, Evaluated>(tbb::filter_mode::parallel,
                                             [&](Child child) -> Evaluated {
                                               Fitness fitness;
                                               tbb::this_task_arena::isolate([&] { fitness = hooks.fitness(child->analyzed); });
                                               return std::make_shared<std::pair<Candidate, Fitness>>(std::move(*child),
                                                                                                      std::move(fitness));
                                             }) &
          tbb::make_filter<Evaluated, void>(tbb::filter_mode::serial_out_of_order, [&](Evaluated evaluated) {
            const std::lock_guard lock(mutex);
            --in_flight;
            const bool cached = evaluated->second.cached;
            integrate(config, hooks, state, std::move(evaluated->first), evaluated->second, cached, clock.elapsed());
            maybe_restart(config, state);
            ticker.tick(state, false);
          }));
  // Budgets are re-checked once the pipeline has drained (a target may have been reached by
  // the last children in flight).
  if (const auto stop = stop_reason(config, state, hooks, clock, 0)) reason = *stop;
  return reason;
}

}  // namespace

std::string_view stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::wall_time: return "wall-time budget reached";
    case StopReason::evaluations: return "evaluation budget reached";
    case StopReason::target_fitness: return "target fitness reached";
    case StopReason::interrupted: return "interrupted";
  }
  return "?";
}

ProgressReport make_progress_report(const SearchState& state) {
  ProgressReport report;
  report.elapsed_seconds = state.elapsed_seconds;
  report.counters = state.counters;
  const SearchCounters& c = state.counters;
  report.rejected_share = c.candidates > 0 ? static_cast<double>(c.rejected) / static_cast<double>(c.candidates) : 0;
  report.cached_share = c.evaluations > 0 ? static_cast<double>(c.cached) / static_cast<double>(c.evaluations) : 0;
  if (!state.hall_of_fame.best().empty()) {
    const LineageRecord& best = state.hall_of_fame.best().front().origin;
    report.best_fitness = best.fitness;
    report.best_id = best.id;
    report.best_states = best.states;
    report.best_ops = best.ops;
  }
  std::vector<double> fitness;
  for (const Individual& i : state.population) fitness.push_back(i.fitness);
  if (!fitness.empty()) {
    const auto middle = fitness.begin() + static_cast<long>(fitness.size() / 2);
    std::nth_element(fitness.begin(), middle, fitness.end());
    report.median_fitness = *middle;
  }
  return report;
}

SearchState start_search(const SearchConfig& config, const std::vector<WarmStartProgram>& warm_starts,
                         const SearchHooks& hooks, std::string run_id) {
  if (warm_starts.empty()) throw InputError("warm_start: at least one program is needed");
  const Clock clock(0);
  SearchState state;
  state.run_id = std::move(run_id);
  state.hall_of_fame = HallOfFame(config.hall_of_fame_size);
  tbb::task_arena arena(thread_count(config));
  for (const WarmStartProgram& warm : warm_starts) {
    std::optional<Program> program = normalized(warm.program);
    AnalyzedProgram analyzed;
    try {
      if (!program) throw DslError({}, "the program does not survive printing and parsing again");
      analyzed = analyze(*program);
    } catch (const DslError& error) {
      throw InputError(fmt::format("{}: warm start is not a valid program: {}", warm.source, error.what()));
    }
    Fitness fitness;
    arena.execute([&] { fitness = hooks.fitness(analyzed); });
    const long id = state.next_id;
    state.warm_starts.push_back({id, warm.source, *program});
    Candidate root{*program, analyzed, -1, 0, "warm start " + warm.source};
    integrate(config, hooks, state, std::move(root), fitness, fitness.cached, clock.elapsed());
  }
  // The population: copies of the warm starts (integrate kept only the last P of them).
  const std::deque<Individual> roots(state.population.begin(), state.population.end());
  state.population.clear();
  for (int k = 0; k < config.population_size; ++k) state.population.push_back(roots[static_cast<std::size_t>(k) % roots.size()]);
  state.next_restart_at = config.restart_interval > 0 ? config.restart_interval : 0;
  state.elapsed_seconds = clock.elapsed();
  return state;
}

StopReason run_search(const SearchConfig& config, SearchState& state, const SearchHooks& hooks) {
  if (!hooks.fitness) throw std::invalid_argument("run_search: a fitness function is required");
  if (state.population.empty()) throw std::invalid_argument("run_search: the population is empty");
  const Mutator mutator(config.mutation);
  const Clock clock(state.elapsed_seconds);
  Ticker ticker(config, hooks, clock, state);
  const int threads = thread_count(config);
  tbb::task_arena arena(threads);
  StopReason reason = StopReason::interrupted;
  arena.execute([&] {
    reason = config.mode == ParallelMode::deterministic
                 ? run_deterministic(config, state, hooks, mutator, clock, ticker)
                 : run_asynchronous(config, state, hooks, mutator, clock, ticker, threads);
  });
  ticker.tick(state, true);
  return reason;
}

}  // namespace symopt
