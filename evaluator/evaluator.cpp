// The Evaluator: cache look-ups in program order, then every (program, task, seed) training
// run of the batch taken by the workers from one queue, costliest first, each result landing
// in a fixed slot, so the outcome does not depend on the thread count or on scheduling.
#include "evaluator/evaluator.h"

#include "dsl/interpreter.h"
#include "evaluator/lr_sweep.h"
#include "evaluator/trainer.h"

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

namespace symopt {

struct Evaluator::State {
  explicit State(std::size_t cache_capacity) : cache(cache_capacity) {}
  SuiteConfig config;
  std::vector<std::shared_ptr<const ProxyTask>> tasks;
  std::vector<double> weights;  // normalized to sum 1
  std::vector<std::uint64_t> seeds;
  std::vector<AdamwBaseline> baselines;
  std::vector<int> hurdle_steps;             // per task; 0: none
  std::vector<double> hurdle_reference;      // AdamW's mean validation loss at the hurdle
  std::vector<std::vector<double>> hurdle_seed_reference;  // per task, per seed
  std::vector<std::string> warnings;
  FitnessCache<Fitness> cache;
};

namespace {

std::vector<std::shared_ptr<const ProxyTask>> load_tasks(const SuiteConfig& config) {
  const std::filesystem::path data_dir = config.data_dir.empty() ? default_data_dir() : config.data_dir;
  std::vector<std::shared_ptr<const ProxyTask>> tasks;
  for (const std::string& name : config.tasks) tasks.push_back(load_task(name, config.rung, data_dir));
  return tasks;
}

std::vector<double> normalized_weights(const SuiteConfig& config) {
  if (config.tasks.empty()) throw std::runtime_error("evaluator: the suite has no tasks");
  std::vector<double> weights = config.weights;
  if (weights.empty()) weights.assign(config.tasks.size(), 1.0);
  if (weights.size() != config.tasks.size()) {
    throw std::runtime_error(fmt::format("evaluator: {} task weights for {} tasks", weights.size(), config.tasks.size()));
  }
  double total = 0;
  for (double w : weights) {
    if (!(w >= 0) || !std::isfinite(w)) throw std::runtime_error("evaluator: task weights must be finite and >= 0");
    total += w;
  }
  if (!(total > 0)) throw std::runtime_error("evaluator: task weights sum to zero");
  for (double& w : weights) w /= total;
  return weights;
}

// Tasks by descending cost: the longest runs start first, so the batch's tail is short.
std::vector<int> tasks_by_cost(const std::vector<std::shared_ptr<const ProxyTask>>& tasks, int steps) {
  auto cost = [&](int t) {
    const TaskDescription& d = tasks[t]->description();
    return std::max(d.flops_per_step, 1.0) * (steps > 0 ? steps : d.steps);
  };
  std::vector<int> order(tasks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return cost(a) > cost(b); });
  return order;
}

// A fresh program's entry before training: known hashes, nothing evaluated.
struct PendingProgram {
  int first_index = -1;  // position in the batch
  std::uint64_t structural_hash = 0;
  std::uint64_t fingerprint = 0;
};

}  // namespace

Evaluator::Evaluator(SuiteConfig config) : Evaluator(config, load_tasks(config)) {}

Evaluator::Evaluator(SuiteConfig config, std::vector<std::shared_ptr<const ProxyTask>> tasks)
    : state_(std::make_unique<State>(config.fitness_cache_capacity)) {
  State& s = *state_;
  s.weights = normalized_weights(config);
  if (tasks.size() != config.tasks.size()) throw std::runtime_error("evaluator: one task object per task name");
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    if (!tasks[t] || tasks[t]->description().name != config.tasks[t]) {
      throw std::runtime_error(fmt::format("evaluator: task object {} is not '{}'", t, config.tasks[t]));
    }
  }
  if (config.seeds < 1) throw std::runtime_error("evaluator: seeds must be >= 1");
  s.seeds = seed_list(config.base_seed, config.seeds);
  s.config = std::move(config);
  s.tasks = std::move(tasks);

  s.baselines.resize(s.tasks.size());
  std::vector<std::string> warnings(s.tasks.size());
  tbb::parallel_for(std::size_t{0}, s.tasks.size(), [&](std::size_t t) {
    const BaselineKey key = make_baseline_key(*s.tasks[t], s.config.steps, s.seeds, s.config.schedule,
                                              s.config.adamw, s.config.adamw_sweep);
    s.baselines[t] = obtain_adamw_baseline(*s.tasks[t], key, s.config.baseline_cache, s.config.adamw, &warnings[t]);
  });
  for (std::string& warning : warnings) {
    if (warning.empty()) continue;
    fmt::print(stderr, "symopt: warning: {}\n", warning);
    s.warnings.push_back(std::move(warning));
  }

  s.hurdle_steps.assign(s.tasks.size(), 0);
  s.hurdle_reference.assign(s.tasks.size(), 0);
  s.hurdle_seed_reference.assign(s.tasks.size(), std::vector<double>(s.seeds.size(), 0));
  if (s.config.hurdle_fraction <= 0) return;
  if (!(s.config.hurdle_fraction < 1) || !(std::fabs(s.config.hurdle_min_score) < 1)) {
    throw std::runtime_error("evaluator: hurdle_fraction must be in [0, 1) and hurdle_min_score in (-1, 1)");
  }
  // AdamW at its tuned rate, stopped at the hurdle, is what a program is measured against there.
  tbb::parallel_for(std::size_t{0}, s.tasks.size(), [&](std::size_t t) {
    const long steps = s.config.steps > 0 ? s.config.steps : s.tasks[t]->description().steps;
    const int step = std::max(1, static_cast<int>(std::lround(s.config.hurdle_fraction * static_cast<double>(steps))));
    if (step >= steps) return;
    double sum = 0;
    for (std::size_t k = 0; k < s.seeds.size(); ++k) {
      TrainingOptions options;
      options.learning_rate = s.baselines[t].learning_rate;
      options.steps = s.config.steps;
      options.schedule = s.config.schedule;
      options.seed = s.seeds[k];
      options.hurdle_step = step;
      options.hurdle_loss = -std::numeric_limits<double>::infinity();  // always stop there
      const TrainingResult run = train(*s.tasks[t], adamw_optimizer<float>(s.config.adamw), options);
      if (!run.hurdle_validation_loss || !std::isfinite(*run.hurdle_validation_loss)) {
        throw std::runtime_error(fmt::format("evaluator: AdamW diverged before the hurdle on task '{}'", s.config.tasks[t]));
      }
      s.hurdle_seed_reference[t][k] = *run.hurdle_validation_loss;
      sum += *run.hurdle_validation_loss;
    }
    s.hurdle_steps[t] = step;
    s.hurdle_reference[t] = sum / static_cast<double>(s.seeds.size());
  });
}

Evaluator::~Evaluator() = default;

const SuiteConfig& Evaluator::config() const { return state_->config; }
const std::vector<AdamwBaseline>& Evaluator::baselines() const { return state_->baselines; }
const std::vector<std::string>& Evaluator::warnings() const { return state_->warnings; }
const std::vector<int>& Evaluator::hurdle_steps() const { return state_->hurdle_steps; }
const std::vector<double>& Evaluator::hurdle_reference_losses() const { return state_->hurdle_reference; }
CacheStatistics Evaluator::cache_statistics() const { return state_->cache.statistics(); }

Fitness Evaluator::evaluate(const AnalyzedProgram& program) {
  return evaluate_all({program}).front();
}

std::vector<Fitness> Evaluator::evaluate_all(const std::vector<AnalyzedProgram>& programs) {
  State& s = *state_;
  const int task_count = static_cast<int>(s.tasks.size());
  const int seed_count = static_cast<int>(s.seeds.size());
  std::vector<Fitness> results(programs.size());
  std::vector<std::optional<int>> answered_by(programs.size());  // index into `fresh`
  std::vector<PendingProgram> fresh;
  std::unordered_map<std::uint64_t, int> fresh_by_structure, fresh_by_behaviour;

  auto unscored = [&](int t) {
    TaskScore score;
    score.task = s.config.tasks[t];
    score.adamw_loss = s.baselines[t].loss;
    score.adamw_learning_rate = s.baselines[t].learning_rate;
    return score;
  };
  auto worst_fitness = [&](std::uint64_t structural_hash, std::uint64_t fingerprint) {
    Fitness fitness;
    fitness.structural_hash = structural_hash;
    fitness.fingerprint = fingerprint;
    for (int t = 0; t < task_count; ++t) {
      TaskScore score = unscored(t);
      score.loss = std::numeric_limits<double>::infinity();
      score.score = -1.0;
      score.diverged = true;
      fitness.tasks.push_back(std::move(score));
    }
    return fitness;
  };

  // 1. Look-ups, in program order: the cache, then programs earlier in this batch.
  for (std::size_t i = 0; i < programs.size(); ++i) {
    const std::uint64_t structure = programs[i].structural_hash;
    if (auto hit = s.cache.find_structural(structure)) {
      results[i] = std::move(*hit);
      results[i].cached = true;
      continue;
    }
    if (auto found = fresh_by_structure.find(structure); found != fresh_by_structure.end()) {
      s.cache.count_batch_duplicate(true);
      answered_by[i] = found->second;
      continue;
    }
    const std::uint64_t fingerprint = behavioural_fingerprint(programs[i]);
    if (auto hit = s.cache.find_behavioural(structure, fingerprint)) {
      results[i] = std::move(*hit);
      results[i].cached = true;
      continue;
    }
    if (fingerprint == diverging_fingerprint) {
      s.cache.count_probe_divergence();
      results[i] = worst_fitness(structure, fingerprint);
      s.cache.insert(structure, fingerprint, results[i]);
      continue;
    }
    if (auto found = fresh_by_behaviour.find(fingerprint); found != fresh_by_behaviour.end()) {
      s.cache.count_batch_duplicate(false);
      fresh_by_structure.emplace(structure, found->second);
      answered_by[i] = found->second;
      continue;
    }
    const int index = static_cast<int>(fresh.size());
    fresh.push_back({static_cast<int>(i), structure, fingerprint});
    fresh_by_structure.emplace(structure, index);
    fresh_by_behaviour.emplace(fingerprint, index);
    answered_by[i] = index;
  }

  // 2. Every (fresh program, task, seed) run in one parallel loop. A run is skipped once
  //    another seed of the same program and task diverged: the task's score is -1 anyway.
  std::vector<OptimizerFactory<float>> factories;
  for (const PendingProgram& p : fresh) {
    factories.push_back(program_optimizer_factory<float>(
        std::make_shared<const CompiledProgram>(compile_program(programs[p.first_index]))));
  }
  const std::vector<int> task_order = tasks_by_cost(s.tasks, s.config.steps);
  const std::vector<double>& multipliers = s.config.rate_multipliers;
  const int rate_count = static_cast<int>(multipliers.size());
  const std::size_t runs = fresh.size() * task_count * rate_count * seed_count;
  // One (program, task, rate) "arm" holds the runs of every seed.
  auto arm = [&](std::size_t program, int task, int rate) { return (program * task_count + task) * rate_count + rate; };
  auto slot = [&](std::size_t program, int task, int rate, int seed) {
    return arm(program, task, rate) * seed_count + seed;
  };
  std::vector<TrainingResult> trained(runs);
  std::vector<std::atomic<bool>> diverged(fresh.size() * task_count * rate_count);
  auto run = [&](std::size_t job) {
    // job enumerates tasks (costliest first), then programs, then rates, then seeds.
    const int seed = static_cast<int>(job % seed_count);
    const int rate = static_cast<int>((job / seed_count) % rate_count);
    const std::size_t program = (job / (seed_count * rate_count)) % fresh.size();
    const int task = task_order[job / (seed_count * rate_count * fresh.size())];
    std::atomic<bool>& arm_diverged = diverged[arm(program, task, rate)];
    if (arm_diverged.load(std::memory_order_relaxed)) return;
    TrainingOptions options;
    options.learning_rate = s.tasks[task]->description().learning_rate * multipliers[rate];
    options.steps = s.config.steps;
    options.schedule = s.config.schedule;
    options.seed = s.seeds[seed];
    if (s.hurdle_steps[task] > 0) {
      // The loss at which task_score reaches hurdle_min_score against AdamW's at the hurdle
      // (with the same seed: seeds differ more than the bar).
      options.hurdle_step = s.hurdle_steps[task];
      options.hurdle_loss = s.hurdle_seed_reference[task][seed] *
                            std::exp(-s.config.score_scale * std::atanh(s.config.hurdle_min_score));
    }
    TrainingResult& result = trained[slot(program, task, rate, seed)];
    result = train(*s.tasks[task], factories[program], options);
    if (result.diverged) arm_diverged.store(true, std::memory_order_relaxed);
  };
  // Greedy list scheduling: every worker takes the next run in that order, so each one ends
  // the batch on the cheapest runs and waits at most about one cheap run for the others. (A
  // parallel_for over the runs hands out halves of ranges instead: a worker may be left with
  // a block of long runs at the end while the other idles.) A worker that joins late finds
  // fewer runs or none; which worker trains a run never changes its result.
  std::atomic<std::size_t> next_run{0};
  const auto workers = std::min<std::size_t>(runs, static_cast<std::size_t>(tbb::this_task_arena::max_concurrency()));
  tbb::parallel_for(
      std::size_t{0}, workers,
      [&](std::size_t) {
        for (std::size_t job = next_run++; job < runs; job = next_run++) run(job);
      },
      tbb::simple_partitioner());

  // 3. Scores, in a fixed order.
  std::vector<Fitness> fresh_fitness(fresh.size());
  for (std::size_t p = 0; p < fresh.size(); ++p) {
    Fitness& fitness = fresh_fitness[p];
    fitness.structural_hash = fresh[p].structural_hash;
    fitness.fingerprint = fresh[p].fingerprint;
    fitness.value = 0;
    for (int t = 0; t < task_count; ++t) {
      TaskScore score = unscored(t);
      score.diverged = true;
      score.loss = std::numeric_limits<double>::infinity();
      auto stopped = [&](int r) {
        for (int k = 0; k < seed_count; ++k) {
          if (trained[slot(p, t, r, k)].stopped_at_hurdle) return true;
        }
        return false;
      };
      // A seed's loss at the end, or at the hurdle for a rate that stopped there.
      auto seed_loss = [&](int r, int k, bool at_hurdle) {
        const TrainingResult& run = trained[slot(p, t, r, k)];
        return at_hurdle ? run.hurdle_validation_loss.value_or(std::numeric_limits<double>::infinity())
                         : run.validation_loss;
      };
      // Rates that ran to the end compete by their final loss; only when none did, the ones
      // stopped at the hurdle by their loss there.
      bool any_completed = false;
      for (int r = 0; r < rate_count; ++r) any_completed |= !diverged[arm(p, t, r)].load() && !stopped(r);
      for (int r = 0; r < rate_count; ++r) {  // the best rate; ties keep the first
        if (diverged[arm(p, t, r)].load()) continue;
        const bool at_hurdle = stopped(r);
        if (at_hurdle == any_completed) continue;
        double loss_sum = 0, accuracy_sum = 0, hurdle_sum = 0;
        bool has_accuracy = !at_hurdle;
        for (int k = 0; k < seed_count; ++k) {
          const TrainingResult& run = trained[slot(p, t, r, k)];
          loss_sum += seed_loss(r, k, at_hurdle);
          hurdle_sum += seed_loss(r, k, true);
          has_accuracy = has_accuracy && run.validation_accuracy.has_value();
          if (run.validation_accuracy) accuracy_sum += *run.validation_accuracy;
        }
        const double loss = loss_sum / seed_count;
        if (!(loss < score.loss)) continue;
        score.diverged = false;
        score.loss = loss;
        score.rate_multiplier = multipliers[r];
        score.stopped_at_hurdle = at_hurdle;
        score.hurdle_score.reset();
        if (s.hurdle_steps[t] > 0) {
          score.hurdle_score = task_score(hurdle_sum / seed_count, s.hurdle_reference[t], false, s.config.score_scale);
        }
        double squares = 0;
        for (int k = 0; k < seed_count; ++k) {
          const double d = seed_loss(r, k, at_hurdle) - loss;
          squares += d * d;
        }
        score.loss_std = seed_count > 1 ? std::sqrt(squares / (seed_count - 1)) : 0.0;
        score.accuracy.reset();
        if (has_accuracy) score.accuracy = accuracy_sum / seed_count;
      }
      score.score = score.stopped_at_hurdle
                        ? *score.hurdle_score
                        : task_score(score.loss, score.adamw_loss, score.diverged, s.config.score_scale);
      fitness.value += s.weights[t] * score.score;
      fitness.tasks.push_back(std::move(score));
    }
    s.cache.count_evaluation();
    s.cache.insert(fresh[p].structural_hash, fresh[p].fingerprint, fitness);
  }
  for (std::size_t i = 0; i < programs.size(); ++i) {
    if (!answered_by[i]) continue;
    const PendingProgram& p = fresh[*answered_by[i]];
    results[i] = fresh_fitness[*answered_by[i]];
    results[i].cached = p.first_index != static_cast<int>(i);
  }
  return results;
}

}  // namespace symopt
