// Probe runs for behaviour_difference: both programs step their own copy of the weights so
// that weight-dependent terms (decay) are compared along the way.
#include "search/simplify_probe.h"

#include "dsl/interpreter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <vector>

namespace symopt {
namespace {

constexpr int probe_steps = 8;

struct ProbeShape {
  int rows;
  int cols;
};

double run_probe(const std::shared_ptr<const CompiledProgram>& a,
                 const std::shared_ptr<const CompiledProgram>& b, ProbeShape shape,
                 double learning_rate, unsigned seed) {
  const std::size_t size = static_cast<std::size_t>(shape.rows) * shape.cols;
  std::mt19937_64 random(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> weights_a(size), gradient(size);
  for (double& w : weights_a) w = normal(random);
  std::vector<double> weights_b = weights_a;
  ProgramOptimizer<double> optimizer_a(a, shape.rows, shape.cols);
  ProgramOptimizer<double> optimizer_b(b, shape.rows, shape.cols);
  double worst = 0;
  for (int step = 1; step <= probe_steps; ++step) {
    // A drifting mean makes momentum and sign-based rules see varied signs.
    for (std::size_t i = 0; i < size; ++i) gradient[i] = normal(random) + 0.3 * std::sin(0.7 * i + step);
    std::vector<double> before_a = weights_a, before_b = weights_b;
    optimizer_a.step(weights_a, gradient, learning_rate, step);
    optimizer_b.step(weights_b, gradient, learning_rate, step);
    double difference = 0, scale = 0;
    for (std::size_t i = 0; i < size; ++i) {
      const double update_a = before_a[i] - weights_a[i];
      const double update_b = before_b[i] - weights_b[i];
      const bool nan_a = std::isnan(update_a), nan_b = std::isnan(update_b);
      if (nan_a && nan_b) continue;
      if (nan_a != nan_b) return std::numeric_limits<double>::infinity();
      if (update_a == update_b) {  // covers equal infinities
        scale = std::max(scale, std::fabs(update_a));
        continue;
      }
      difference = std::max(difference, std::fabs(update_a - update_b));
      scale = std::max({scale, std::fabs(update_a), std::fabs(update_b)});
    }
    if (difference > 0) {
      const double relative = std::isfinite(difference) ? difference / scale
                                                        : std::numeric_limits<double>::infinity();
      worst = std::max(worst, std::isnan(relative) ? std::numeric_limits<double>::infinity() : relative);
    }
    // Once weights are non-finite, later steps compare garbage (NaN through an SVD, say).
    const auto finite = [](const std::vector<double>& v) {
      return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
    };
    if (!finite(weights_a) || !finite(weights_b)) break;
  }
  return worst;
}

}  // namespace

double behaviour_difference(const AnalyzedProgram& a, const AnalyzedProgram& b) {
  const auto compiled_a = std::make_shared<const CompiledProgram>(compile_program(a));
  const auto compiled_b = std::make_shared<const CompiledProgram>(compile_program(b));
  double worst = 0;
  unsigned seed = 1;
  for (ProbeShape shape : {ProbeShape{4, 3}, ProbeShape{1, 5}}) {
    for (double learning_rate : {0.01, 0.3}) {
      worst = std::max(worst, run_probe(compiled_a, compiled_b, shape, learning_rate, seed++));
    }
  }
  return worst;
}

}  // namespace symopt
