// `symopt eval`'s engine: every (task, optimizer) pair as one parallel job whose own rate and
// seed runs are parallel too; each result lands in a fixed slot (thread-count independent).
#include "evaluator/comparison.h"

#include "evaluator/baselines.h"
#include "evaluator/native_optimizers.h"
#include "evaluator/task_score.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace symopt {
namespace {

// Mean validation loss over seeds at each recorded step, as far as every seed got.
std::vector<std::pair<int, double>> mean_curve(const std::vector<TrainingResult>& runs) {
  std::vector<std::pair<int, double>> curve;
  if (runs.empty()) return curve;
  std::size_t length = runs.front().curve.size();
  for (const TrainingResult& run : runs) length = std::min(length, run.curve.size());
  for (std::size_t i = 0; i < length; ++i) {
    double sum = 0;
    for (const TrainingResult& run : runs) sum += run.curve[i].second;
    curve.emplace_back(runs.front().curve[i].first, sum / static_cast<double>(runs.size()));
  }
  return curve;
}

OptimizerOutcome outcome_of(const ComparedOptimizer& optimizer, const SeedRuns& runs) {
  OptimizerOutcome outcome;
  outcome.name = optimizer.name;
  outcome.kind = optimizer.kind;
  outcome.description = optimizer.description;
  outcome.learning_rate = runs.learning_rate;
  outcome.diverged = runs.diverged;
  outcome.loss = runs.mean_loss;
  outcome.loss_std = runs.loss_std;
  outcome.accuracy = runs.mean_accuracy;
  outcome.accuracy_std = runs.accuracy_std;
  for (const TrainingResult& run : runs.runs) outcome.seed_losses.push_back(run.validation_loss);
  outcome.curve = mean_curve(runs.runs);
  return outcome;
}

OptimizerOutcome run_one(const ProxyTask& task, const ComparedOptimizer& optimizer, const ComparisonConfig& config,
                         const std::vector<std::uint64_t>& seeds) {
  TrainingOptions options;
  options.steps = config.steps;
  options.schedule = config.schedule;
  options.curve_points = config.curve_points;
  const double task_rate = task.description().learning_rate;
  if (!config.lr_sweep) {
    return outcome_of(optimizer, train_over_seeds(task, optimizer.factory, task_rate * optimizer.rate_scale, seeds,
                                                  options));
  }
  const RateSweep sweep =
      sweep_learning_rate(task, optimizer.factory, comparison_sweep_center(task_rate), config.sweep, seeds, options);
  // Every rate diverged: report the grid's centre as the (failed) rate.
  const SeedRuns& chosen = sweep.best_runs() ? *sweep.best_runs() : sweep.rates[sweep.rates.size() / 2];
  OptimizerOutcome outcome = outcome_of(optimizer, chosen);
  for (const SeedRuns& rate : sweep.rates) outcome.sweep.emplace_back(rate.learning_rate, rate.mean_loss);
  outcome.best_at_edge = sweep.best_at_edge;
  return outcome;
}

}  // namespace

SweepSettings comparison_sweep_settings() {
  return SweepSettings{.points = 12, .factor = std::cbrt(10.0), .max_extensions = 3};
}

double comparison_sweep_center(double task_learning_rate) { return task_learning_rate / std::sqrt(10.0); }

ComparedOptimizer native_adamw_compared() {
  const AdamwHyper hyper = baseline_adamw_hyper();
  return {"AdamW", "native", describe(hyper), adamw_optimizer<float>(hyper), 1.0};
}

ComparedOptimizer native_lion_compared() {
  const LionHyper hyper = comparison_lion_hyper();
  return {"Lion", "native", describe(hyper), lion_optimizer<float>(hyper), lion_rate_ratio};
}

std::vector<TaskComparison> compare_optimizers(const std::vector<std::shared_ptr<const ProxyTask>>& tasks,
                                               const std::vector<ComparedOptimizer>& optimizers,
                                               const ComparisonConfig& config,
                                               std::optional<std::size_t> adamw_index) {
  if (adamw_index && *adamw_index >= optimizers.size()) {
    throw std::invalid_argument("compare_optimizers: adamw_index out of range");
  }
  if (config.seeds < 1) throw std::invalid_argument("compare_optimizers: seeds must be >= 1");
  if (config.lr_sweep && config.sweep.points < 7) {
    throw std::invalid_argument("compare_optimizers: a tuned rate needs a sweep of at least 7 rates");
  }
  const std::vector<std::uint64_t> seeds = seed_list(config.base_seed, config.seeds);
  const std::size_t count = optimizers.size();
  std::vector<OptimizerOutcome> outcomes(tasks.size() * count);
  tbb::parallel_for(std::size_t{0}, outcomes.size(), [&](std::size_t job) {
    outcomes[job] = run_one(*tasks[job / count], optimizers[job % count], config, seeds);
  });

  std::vector<TaskComparison> comparisons;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    TaskComparison comparison;
    comparison.task = tasks[t]->description();
    comparison.optimizers.assign(std::make_move_iterator(outcomes.begin() + t * count),
                                 std::make_move_iterator(outcomes.begin() + (t + 1) * count));
    if (adamw_index && !comparison.optimizers[*adamw_index].diverged) {
      const double adamw_loss = comparison.optimizers[*adamw_index].loss;
      for (OptimizerOutcome& outcome : comparison.optimizers) {
        outcome.score = task_score(outcome.loss, adamw_loss, outcome.diverged);
      }
    }
    comparisons.push_back(std::move(comparison));
  }
  return comparisons;
}

}  // namespace symopt
