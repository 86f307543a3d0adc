// Test support for the search: reference programs, and a cheap but real fitness function
// (train on a small ill-conditioned quadratic in float64 with the interpreter and compare
// the final loss with AdamW's) so that engine tests run thousands of evaluations in seconds.
#pragma once

#include "common/atomic_file.h"
#include "dsl/analyzer.h"
#include "dsl/interpreter.h"
#include "dsl/parser.h"
#include "evaluator/evaluator.h"
#include "search/search_engine.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace symopt::testing {

inline Program load_program(const std::string& name) {
  return parse_program(read_whole_file(std::string(SYMOPT_SOURCE_DIR "/programs/") + name));
}

// Final loss of 0.5 * sum(a_i (w_i - 1)^2) after `steps` steps from w = 0, a_i log-spaced in
// [0.01, 1] (condition number 100), gradients with a deterministic +-10% wobble. The minimum
// is away from 0 so that plain weight decay is not a free win.
inline double toy_quadratic_loss(const AnalyzedProgram& program, int steps = 40, double learning_rate = 0.05) {
  constexpr int rows = 4, cols = 8, n = rows * cols;
  auto compiled = std::make_shared<const CompiledProgram>(compile_program(program));
  ProgramOptimizer<double> optimizer(compiled, rows, cols);
  std::vector<double> w(n, 0.0), g(n), a(n);
  for (int i = 0; i < n; ++i) a[i] = std::pow(10.0, -2.0 + 2.0 * i / (n - 1));
  for (long t = 1; t <= steps; ++t) {
    for (int i = 0; i < n; ++i) g[i] = a[i] * (w[i] - 1) * (1 + 0.1 * std::sin(1.7 * t + i));
    optimizer.step(w, g, learning_rate, t);
  }
  double loss = 0;
  for (int i = 0; i < n; ++i) loss += 0.5 * a[i] * (w[i] - 1) * (w[i] - 1);
  return std::isfinite(loss) ? loss : INFINITY;
}

// Fitness in [-1, 1]: tanh(log(reference / loss) / 20) (scaled to saturate late), 0 for the reference (AdamW) loss.
inline FitnessFunction toy_fitness() {
  const double reference = toy_quadratic_loss(analyze(load_program("adamw_search_start.opt")));
  return [reference](const AnalyzedProgram& program) {
    Fitness fitness;
    const double loss = toy_quadratic_loss(program);
    TaskScore score;
    score.task = "toy-quadratic";
    score.loss = loss;
    score.adamw_loss = reference;
    score.diverged = !std::isfinite(loss);
    score.score = score.diverged ? -1 : std::tanh(std::log(reference / std::max(loss, 1e-300)) / 20);
    fitness.value = score.score;
    fitness.tasks = {score};
    return fitness;
  };
}

// A small, fast configuration for engine tests.
inline SearchConfig small_search_config(std::uint64_t seed, long evaluations) {
  SearchConfig config;
  config.seed = seed;
  config.population_size = 24;
  config.tournament_size = 4;
  config.batch_size = 8;
  config.hall_of_fame_size = 10;
  config.mutation.max_statements = 16;
  config.mutation.ops = {"copy", "neg", "abs", "sign", "square", "sqrt", "exp", "tanh", "add",
                         "sub", "mul", "div", "interp", "clip", "norm", "mean"};
  config.suite.tasks = {"quadratic"};
  config.budget.evaluations = evaluations;
  config.progress_seconds = 1e6;
  config.checkpoint_seconds = 1e6;
  return config;
}

inline std::vector<WarmStartProgram> adamw_warm_start() {
  return {{"adamw_search_start.opt", load_program("adamw_search_start.opt")}};
}

}  // namespace symopt::testing
