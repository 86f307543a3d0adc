// Tuning a learning rate: training one optimizer on one task over several seeds at each rate
// of a log-spaced grid (in parallel), picking the rate with the best mean validation loss,
// and widening the grid when the best rate sits on its edge.
#pragma once

#include "evaluator/trainer.h"

#include <cstdint>
#include <vector>

namespace symopt {

struct SweepSettings {
  int points = 9;                 // grid size; at least 7 for a "tuned" baseline
  double factor = 2.154434690031884;  // ratio of neighbouring rates: 10^(1/3), third-decades
  int max_extensions = 3;         // extra rates tried past an edge that holds the best rate
};

// points rates center * factor^k, k = -(points-1)/2 ... (points-1)/2, ascending.
std::vector<double> log_spaced_rates(double center, int points, double factor);

// The training seeds of a suite: base_seed, base_seed + 1, ...
std::vector<std::uint64_t> seed_list(std::uint64_t base_seed, int count);

// One rate trained over every seed.
struct SeedRuns {
  double learning_rate = 0;
  std::vector<TrainingResult> runs;  // one per seed, in seed order
  bool diverged = false;             // any seed diverged
  double mean_loss = 0;              // +inf when diverged
  double loss_std = 0;               // sample standard deviation over seeds (0 for one seed)
  std::optional<double> mean_accuracy;
  double accuracy_std = 0;
};

struct RateSweep {
  std::vector<SeedRuns> rates;  // ascending rate
  int best = -1;                // index of the best mean loss; -1 when every rate diverged
  bool best_at_edge = false;    // still on the grid's edge after the allowed extensions
  const SeedRuns* best_runs() const { return best < 0 ? nullptr : &rates[best]; }
};

// Trains at one rate for every seed, in parallel; the result does not depend on the thread
// count. `options.learning_rate` and `options.seed` are replaced.
SeedRuns train_over_seeds(const ProxyTask& task, const OptimizerFactory<float>& optimizer,
                          double learning_rate, const std::vector<std::uint64_t>& seeds,
                          TrainingOptions options);

// The grid around `center`, every (rate, seed) in parallel, then extensions past an edge
// holding the best (one rate at a time, while it keeps improving).
RateSweep sweep_learning_rate(const ProxyTask& task, const OptimizerFactory<float>& optimizer,
                              double center, const SweepSettings& settings,
                              const std::vector<std::uint64_t>& seeds, const TrainingOptions& options);

}  // namespace symopt
