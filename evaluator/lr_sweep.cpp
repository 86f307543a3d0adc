// Learning-rate sweeps over seeds, parallel over (rate, seed) pairs with TBB.
#include "evaluator/lr_sweep.h"

#include <tbb/parallel_for.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace symopt {
namespace {

// Mean and sample standard deviation, summed in a fixed order (deterministic).
std::pair<double, double> mean_and_std(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  const double mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return {mean, 0.0};
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return {mean, std::sqrt(squares / static_cast<double>(values.size() - 1))};
}

SeedRuns summarize(double learning_rate, std::vector<TrainingResult> runs) {
  SeedRuns summary;
  summary.learning_rate = learning_rate;
  summary.runs = std::move(runs);
  std::vector<double> losses, accuracies;
  for (const TrainingResult& run : summary.runs) {
    summary.diverged = summary.diverged || run.diverged;
    losses.push_back(run.validation_loss);
    if (run.validation_accuracy) accuracies.push_back(*run.validation_accuracy);
  }
  if (summary.diverged) {
    summary.mean_loss = std::numeric_limits<double>::infinity();
    return summary;
  }
  std::tie(summary.mean_loss, summary.loss_std) = mean_and_std(losses);
  if (!accuracies.empty() && accuracies.size() == summary.runs.size()) {
    double mean = 0;
    std::tie(mean, summary.accuracy_std) = mean_and_std(accuracies);
    summary.mean_accuracy = mean;
  }
  return summary;
}

// Every (rate, seed) pair trained in parallel; each result lands in its own slot.
std::vector<SeedRuns> train_grid(const ProxyTask& task, const OptimizerFactory<float>& optimizer,
                                 const std::vector<double>& rates, const std::vector<std::uint64_t>& seeds,
                                 const TrainingOptions& options) {
  const std::size_t jobs = rates.size() * seeds.size();
  std::vector<TrainingResult> results(jobs);
  tbb::parallel_for(std::size_t{0}, jobs, [&](std::size_t job) {
    TrainingOptions run_options = options;
    run_options.learning_rate = rates[job / seeds.size()];
    run_options.seed = seeds[job % seeds.size()];
    results[job] = train(task, optimizer, run_options);
  });
  std::vector<SeedRuns> summaries;
  for (std::size_t r = 0; r < rates.size(); ++r) {
    std::vector<TrainingResult> runs(std::make_move_iterator(results.begin() + r * seeds.size()),
                                     std::make_move_iterator(results.begin() + (r + 1) * seeds.size()));
    summaries.push_back(summarize(rates[r], std::move(runs)));
  }
  return summaries;
}

// Lowest mean loss among the rates that never diverged; the first one wins ties.
int best_index(const std::vector<SeedRuns>& rates) {
  int best = -1;
  for (int i = 0; i < static_cast<int>(rates.size()); ++i) {
    if (rates[i].diverged) continue;
    if (best < 0 || rates[i].mean_loss < rates[best].mean_loss) best = i;
  }
  return best;
}

}  // namespace

std::vector<double> log_spaced_rates(double center, int points, double factor) {
  if (!(center > 0) || points < 1 || !(factor > 1)) {
    throw std::invalid_argument("log_spaced_rates: needs center > 0, points >= 1, factor > 1");
  }
  std::vector<double> rates;
  const double middle = (points - 1) / 2.0;
  for (int k = 0; k < points; ++k) rates.push_back(center * std::pow(factor, k - middle));
  return rates;
}

std::vector<std::uint64_t> seed_list(std::uint64_t base_seed, int count) {
  std::vector<std::uint64_t> seeds;
  for (int i = 0; i < count; ++i) seeds.push_back(base_seed + static_cast<std::uint64_t>(i));
  return seeds;
}

SeedRuns train_over_seeds(const ProxyTask& task, const OptimizerFactory<float>& optimizer,
                          double learning_rate, const std::vector<std::uint64_t>& seeds,
                          TrainingOptions options) {
  return std::move(train_grid(task, optimizer, {learning_rate}, seeds, options).front());
}

RateSweep sweep_learning_rate(const ProxyTask& task, const OptimizerFactory<float>& optimizer,
                              double center, const SweepSettings& settings,
                              const std::vector<std::uint64_t>& seeds, const TrainingOptions& options) {
  if (seeds.empty()) throw std::invalid_argument("sweep_learning_rate: no seeds");
  RateSweep sweep;
  sweep.rates = train_grid(task, optimizer, log_spaced_rates(center, settings.points, settings.factor), seeds,
                           options);
  sweep.best = best_index(sweep.rates);
  // A best rate on the edge says the optimum may lie beyond it: step outwards while it
  // keeps improving, so that "tuned" means a bracketed optimum where the budget allows.
  for (int extension = 0; extension < settings.max_extensions && sweep.best >= 0; ++extension) {
    const bool at_low = sweep.best == 0;
    const bool at_high = sweep.best == static_cast<int>(sweep.rates.size()) - 1;
    if (!at_low && !at_high) break;
    const double rate = at_low ? sweep.rates.front().learning_rate / settings.factor
                               : sweep.rates.back().learning_rate * settings.factor;
    SeedRuns runs = train_over_seeds(task, optimizer, rate, seeds, options);
    if (at_low) {
      sweep.rates.insert(sweep.rates.begin(), std::move(runs));
    } else {
      sweep.rates.push_back(std::move(runs));
    }
    sweep.best = best_index(sweep.rates);
  }
  sweep.best_at_edge = sweep.best == 0 || sweep.best == static_cast<int>(sweep.rates.size()) - 1;
  return sweep;
}

}  // namespace symopt
