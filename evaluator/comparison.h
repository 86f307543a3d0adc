// Side-by-side evaluation of optimizers (programs and native references) on proxy tasks:
// what `symopt eval` reports. Each optimizer runs at a fixed rate or at its own best rate of
// a shared log-spaced sweep, over the same seeds, with loss curves for plotting.
#pragma once

#include "evaluator/lr_sweep.h"
#include "evaluator/trainer.h"
#include "proxies/proxy_task.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace symopt {

struct ComparedOptimizer {
  std::string name;         // as shown, e.g. a program's path or "AdamW"
  std::string kind;         // "program" or "native"
  std::string description;  // program text or the native hyperparameters
  OptimizerFactory<float> factory;
  // The fixed rate (without --lr-sweep) is the task's rate times this: 1 for programs (which
  // scale the rate themselves) and AdamW, lion_rate_ratio for native Lion.
  double rate_scale = 1;
};

// Every sweep rate of a task: task rate * 10^(k/3) for k = -7 ... 4 (12 rates). One grid for
// every optimizer: AdamW-scale and Lion-scale optima (10x apart) both lie inside it, and
// optimizers that compute the same update pick the same rate.
SweepSettings comparison_sweep_settings();
double comparison_sweep_center(double task_learning_rate);

struct ComparisonConfig {
  Rung rung = Rung::tiny;
  int seeds = 3;
  std::uint64_t base_seed = 0;
  bool lr_sweep = false;
  SweepSettings sweep = comparison_sweep_settings();
  int steps = 0;            // 0: the rung's budget
  Schedule schedule = Schedule::constant;
  int curve_points = 25;    // validation points along each run (plus step 0)
};

struct OptimizerOutcome {
  std::string name, kind, description;
  double learning_rate = 0;         // fixed, or the sweep's best (the sweep's centre when all diverged)
  bool diverged = false;            // at that rate, in any seed
  double loss = 0;                  // mean validation loss over seeds (+inf when diverged)
  double loss_std = 0;              // sample standard deviation over seeds
  std::optional<double> accuracy;   // mean, where the task has one
  double accuracy_std = 0;
  std::vector<double> seed_losses;  // in seed order
  // task_score against the AdamW outcome of the same task; absent without a finite AdamW loss.
  std::optional<double> score;
  std::vector<std::pair<double, double>> sweep;  // (rate, mean loss; +inf diverged); empty when fixed
  bool best_at_edge = false;
  std::vector<std::pair<int, double>> curve;     // mean validation loss over seeds per recorded step
};

struct TaskComparison {
  TaskDescription task;
  std::vector<OptimizerOutcome> optimizers;  // in the order given
};

// The native references of `symopt eval`: AdamW and Lion with evaluator/baselines.h's settings.
ComparedOptimizer native_adamw_compared();
ComparedOptimizer native_lion_compared();

// Trains every (task, optimizer) in parallel with TBB; results do not depend on the thread
// count. Scores are against optimizers[adamw_index] when given.
std::vector<TaskComparison> compare_optimizers(const std::vector<std::shared_ptr<const ProxyTask>>& tasks,
                                               const std::vector<ComparedOptimizer>& optimizers,
                                               const ComparisonConfig& config,
                                               std::optional<std::size_t> adamw_index);

}  // namespace symopt
