// Fitness of programs over a task suite (DESIGN §4), with the AdamW baselines cached on
// disk, a fitness cache keyed by structural hash and behavioural fingerprint, and TBB
// parallelism that gives identical results at any thread count.
#pragma once

#include "dsl/analyzer.h"
#include "evaluator/baseline_cache.h"
#include "evaluator/fingerprint.h"
#include "evaluator/fitness_cache.h"
#include "evaluator/task_score.h"
#include "proxies/proxy_task.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace symopt {

struct SuiteConfig {
  std::vector<std::string> tasks;      // e.g. {"quadratic", "mlp-digits", "transformer-lm"}
  std::vector<double> weights;         // per task; empty = equal
  Rung rung = Rung::tiny;
  int seeds = 1;                       // training seeds per task
  std::uint64_t base_seed = 0;
  std::filesystem::path data_dir;      // empty: default_data_dir()
  std::filesystem::path baseline_cache;  // directory for cached AdamW baselines; empty: none
  int steps = 0;                       // 0: each rung's budget (fewer for quick runs and tests)
  Schedule schedule = Schedule::constant;
  double score_scale = default_score_scale;  // see task_score()
  // The program trains at each of these multiples of a task's rate and is scored by the best
  // (lowest mean validation loss over the seeds), as every optimizer is compared at its own
  // tuned rate. {1}: the task's fixed rate only, as DESIGN §4 has it; more multipliers spare
  // the search the extra mutations that rescale a good direction (sign-based updates want
  // ~3-10x smaller rates than AdamW). Costs one training run per multiplier.
  std::vector<double> rate_multipliers = {1.0};
  AdamwHyper adamw = baseline_adamw_hyper();  // the baseline (its rate is swept)
  SweepSettings adamw_sweep;           // the baseline's rate grid around each task's rate
  // Entries the fitness cache keeps per index (least recently used go first); 0: no bound.
  std::size_t fitness_cache_capacity = default_fitness_cache_capacity;
  // Hurdles (So et al. 2019, the Evolved Transformer; AutoML-Zero): every training run is
  // validated after this fraction of its steps and stops there when its loss scores below
  // `hurdle_min_score` against AdamW's at the same step. Most children of a search are
  // clearly worse than their parents; they then cost a fraction of a full evaluation. 0: off.
  double hurdle_fraction = 0;
  double hurdle_min_score = -0.05;
};

struct TaskScore {
  std::string task;
  double loss = 0;            // mean validation loss over seeds (+inf when diverged)
  double loss_std = 0;        // over seeds
  std::optional<double> accuracy;  // mean over seeds, where the task has one
  double adamw_loss = 0;      // AdamW at its tuned rate, same seeds
  double adamw_learning_rate = 0;
  double rate_multiplier = 1;  // of the task's rate, the best of SuiteConfig::rate_multipliers
  double score = 0;           // bounded in [-1, 1]: 0 = AdamW, better is positive, -1 worst
  bool diverged = false;
  // With hurdles: the score at the hurdle step (against AdamW's loss there). When every rate
  // stopped at the hurdle, `loss` and `score` are the hurdle step's.
  std::optional<double> hurdle_score;
  bool stopped_at_hurdle = false;
};

struct Fitness {
  double value = -1;          // weighted mean of task scores; -1 = worst possible
  std::vector<TaskScore> tasks;
  bool cached = false;        // answered from the fitness cache
  std::uint64_t structural_hash = 0;
  std::uint64_t fingerprint = 0;  // of the program first evaluated under this entry
};

class Evaluator {
 public:
  // Loads the tasks by name, then computes (in parallel) or loads the AdamW baselines.
  // Throws std::runtime_error for an unknown task, missing data, or inconsistent weights.
  explicit Evaluator(SuiteConfig config);
  // The same with tasks supplied by the caller (their names must match config.tasks).
  Evaluator(SuiteConfig config, std::vector<std::shared_ptr<const ProxyTask>> tasks);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Thread-safe. Deterministic: the result depends only on the program and the config.
  Fitness evaluate(const AnalyzedProgram& program);
  // Evaluates many programs in parallel (programs x tasks x seeds); same results as serial.
  // Duplicates within the batch are trained once, the first occurrence in order.
  std::vector<Fitness> evaluate_all(const std::vector<AnalyzedProgram>& programs);
  CacheStatistics cache_statistics() const;
  const SuiteConfig& config() const;
  const std::vector<AdamwBaseline>& baselines() const;  // in config.tasks order
  // Per task: the hurdle step (0: no hurdle) and AdamW's mean validation loss there.
  const std::vector<int>& hurdle_steps() const;
  const std::vector<double>& hurdle_reference_losses() const;
  // Reports about the baseline cache (corrupt or stale files that were recomputed).
  const std::vector<std::string>& warnings() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace symopt
