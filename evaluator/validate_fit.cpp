// Fitting Lion-K members to a program. The gradients are replayed (they do not depend on the
// weights), so the momentum c_t depends on (beta1, beta2) alone, and with the program's own
// weights fed in, the program's update divided by lr is linear in (lr_scale, lr_scale *
// lambda): those two come from least squares, and only beta1, beta2 and K's scale are
// searched (a grid, then Nelder-Mead, then snapping to the shortest decimals that fit as
// well). The reported error is that of a free-running native member against the program.
#include "evaluator/validate.h"

#include "dsl/interpreter.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <random>

namespace symopt {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

// One probe: a tensor shape, a learning rate, a gradient sequence and the program's weights.
struct Episode {
  int rows = 0, cols = 0;
  double learning_rate = 0;
  std::vector<std::vector<double>> grads;    // steps x size
  std::vector<std::vector<double>> weights;  // steps + 1 x size: w_0 and after each step
  std::size_t size() const { return static_cast<std::size_t>(rows) * cols; }
};

std::vector<Episode> make_episodes(const AnalyzedProgram& program, const ValidationOptions& options) {
  struct Setting { int rows, cols; double learning_rate; };
  // A matrix (nuclear differs from l2 only there), a vector, and a second rate so that a
  // program using lr nonlinearly cannot fit.
  const Setting settings[] = {{6, 5, 0.01}, {1, 7, 0.01}, {6, 5, 0.004}};
  const auto compiled = std::make_shared<const CompiledProgram>(compile_program(program));
  std::mt19937_64 random(options.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Episode> episodes;
  for (const Setting& setting : settings) {
    Episode e;
    e.rows = setting.rows;
    e.cols = setting.cols;
    e.learning_rate = setting.learning_rate;
    std::vector<double> weights(e.size()), drift(e.size());
    for (double& w : weights) w = normal(random);
    for (double& d : drift) d = 0.5 * normal(random);  // a persistent part, as in real gradients
    ProgramOptimizer<double> optimizer(compiled, e.rows, e.cols);
    e.weights.push_back(weights);
    for (int t = 1; t <= options.steps; ++t) {
      std::vector<double> gradient(e.size());
      for (std::size_t i = 0; i < e.size(); ++i) gradient[i] = drift[i] + normal(random);
      optimizer.step(weights, gradient, e.learning_rate, t);
      e.grads.push_back(std::move(gradient));
      e.weights.push_back(weights);
    }
    episodes.push_back(std::move(e));
  }
  return episodes;
}

// The searched parameters of a K: beta1, beta2 and, where K has one, its scale.
struct Shape {
  double beta1 = 0, beta2 = 0, scale = 0;
};

// Least squares of the program's updates on the member's dK terms and decay terms.
class LinearFit {
 public:
  LinearFit(const std::vector<Episode>& episodes, KFunction k) : episodes_(episodes), k_(k) {}

  // Fills directions_ for the shape; false if dK produced non-finite values.
  bool compute_directions(const Shape& shape) {
    directions_.clear();
    for (const Episode& e : episodes_) {
      std::vector<double> momentum(e.size(), 0.0), c(e.size()), d(e.size());
      for (std::size_t t = 0; t < e.grads.size(); ++t) {
        for (std::size_t i = 0; i < e.size(); ++i) {
          c[i] = (1 - shape.beta1) * e.grads[t][i] + shape.beta1 * momentum[i];
          momentum[i] = (1 - shape.beta2) * e.grads[t][i] + shape.beta2 * momentum[i];
        }
        apply_dK<double>(k_, shape.scale, e.rows, e.cols, c.data(), d.data());
        for (double v : d) {
          if (!std::isfinite(v)) return false;
        }
        directions_.push_back(d);
      }
    }
    return true;
  }

  // Relative residual of updates / lr against lr_scale * (dK + lambda w).
  double error_with(double lr_scale, double decay) const {
    double residual = 0, total = 0;
    std::size_t row = 0;
    for (const Episode& e : episodes_) {
      for (std::size_t t = 0; t < e.grads.size(); ++t, ++row) {
        for (std::size_t i = 0; i < e.size(); ++i) {
          const double u = (e.weights[t][i] - e.weights[t + 1][i]) / e.learning_rate;
          const double r = u - lr_scale * (directions_[row][i] + decay * e.weights[t][i]);
          residual += r * r;
          total += u * u;
        }
      }
    }
    if (!(total > 0) || !std::isfinite(total)) return infinity;
    const double error = std::sqrt(residual / total);
    return std::isnan(error) ? infinity : error;
  }

  // The best (lr_scale, lambda) for the current directions, and its error.
  std::array<double, 3> solve() const {
    double dd = 0, dw = 0, ww = 0, du = 0, wu = 0;
    std::size_t row = 0;
    for (const Episode& e : episodes_) {
      for (std::size_t t = 0; t < e.grads.size(); ++t, ++row) {
        for (std::size_t i = 0; i < e.size(); ++i) {
          const double u = (e.weights[t][i] - e.weights[t + 1][i]) / e.learning_rate;
          const double d = directions_[row][i], w = e.weights[t][i];
          dd += d * d; dw += d * w; ww += w * w; du += d * u; wu += w * u;
        }
      }
    }
    const double determinant = dd * ww - dw * dw;
    if (!(std::fabs(determinant) > 1e-300) || !(dd > 0)) return {0, 0, infinity};
    const double lr_scale = (du * ww - dw * wu) / determinant;
    const double scaled_decay = (dd * wu - dw * du) / determinant;
    if (lr_scale == 0) return {0, 0, infinity};
    const double decay = scaled_decay / lr_scale;
    return {lr_scale, decay, error_with(lr_scale, decay)};
  }

 private:
  const std::vector<Episode>& episodes_;
  KFunction k_;
  std::vector<std::vector<double>> directions_;
};

// Parameter vector <-> shape: betas clamped to [0, 1]; a scale searched by its logarithm
// (for lp, log(p - 1), so that p stays above 1).
Shape shape_of(KFunction k, const std::vector<double>& x) {
  Shape shape{std::clamp(x[0], 0.0, 1.0), std::clamp(x[1], 0.0, 1.0), 0};
  if (k_function_uses_scale(k)) {
    const double e = std::exp(std::clamp(x[2], -30.0, 30.0));
    shape.scale = k == KFunction::lp ? 1 + e : e;
  }
  return shape;
}

std::vector<double> vector_of(KFunction k, const Shape& shape) {
  std::vector<double> x{shape.beta1, shape.beta2};
  if (k_function_uses_scale(k)) x.push_back(std::log(k == KFunction::lp ? shape.scale - 1 : shape.scale));
  return x;
}

// Nelder-Mead with the standard coefficients; returns the best point found.
std::vector<double> nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                                std::vector<double> start, const std::vector<double>& steps,
                                int max_evaluations) {
  const std::size_t n = start.size();
  std::vector<std::vector<double>> points{start};
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> p = start;
    p[i] += steps[i];
    points.push_back(p);
  }
  std::vector<double> values;
  for (const auto& p : points) values.push_back(f(p));
  int evaluations = static_cast<int>(points.size());
  while (evaluations < max_evaluations) {
    std::vector<std::size_t> order(points.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    const std::size_t best = order.front(), worst = order.back(), second = order[order.size() - 2];
    if (values[worst] - values[best] <= 1e-15 * (1 + values[best]) && values[best] < infinity) {
      double spread = 0;
      for (std::size_t i = 0; i < n; ++i) spread = std::max(spread, std::fabs(points[worst][i] - points[best][i]));
      if (spread < 1e-12) break;
    }
    std::vector<double> centroid(n, 0.0);
    for (std::size_t i : order) {
      if (i == worst) continue;
      for (std::size_t j = 0; j < n; ++j) centroid[j] += points[i][j] / double(n);
    }
    auto along = [&](double factor) {
      std::vector<double> p(n);
      for (std::size_t j = 0; j < n; ++j) p[j] = centroid[j] + factor * (points[worst][j] - centroid[j]);
      return p;
    };
    const std::vector<double> reflected = along(-1);
    const double reflected_value = f(reflected);
    ++evaluations;
    if (reflected_value < values[best]) {
      const std::vector<double> expanded = along(-2);
      const double expanded_value = f(expanded);
      ++evaluations;
      if (expanded_value < reflected_value) { points[worst] = expanded; values[worst] = expanded_value; }
      else { points[worst] = reflected; values[worst] = reflected_value; }
    } else if (reflected_value < values[second]) {
      points[worst] = reflected;
      values[worst] = reflected_value;
    } else {
      const std::vector<double> contracted = along(0.5);
      const double contracted_value = f(contracted);
      ++evaluations;
      if (contracted_value < values[worst]) {
        points[worst] = contracted;
        values[worst] = contracted_value;
      } else {
        for (std::size_t i : order) {
          if (i == best) continue;
          for (std::size_t j = 0; j < n; ++j) points[i][j] = points[best][j] + 0.5 * (points[i][j] - points[best][j]);
          values[i] = f(points[i]);
          ++evaluations;
        }
      }
    }
  }
  return points[static_cast<std::size_t>(std::min_element(values.begin(), values.end()) - values.begin())];
}

// The shortest rounding of `value` (decimals for betas, significant digits otherwise) whose
// error is as good as the unrounded one, up to rounding noise.
double snapped(double value, bool decimals, double best_error, const std::function<double(double)>& error_of) {
  const double allowed = best_error + std::max(1e-13, 1e-6 * best_error);
  for (int digits = 1; digits <= 9; ++digits) {
    double candidate;
    if (decimals) {
      const double scale = std::pow(10.0, digits);
      candidate = std::round(value * scale) / scale;
    } else {
      if (value == 0) return value;
      const double magnitude = std::floor(std::log10(std::fabs(value)));
      const double scale = std::pow(10.0, digits - 1 - magnitude);
      candidate = std::round(value * scale) / scale;
    }
    if (error_of(candidate) <= allowed) return candidate;
  }
  return value;
}

std::vector<double> scale_grid(KFunction k) {
  switch (k) {
    case KFunction::huber: return {0.03, 0.1, 0.3, 1, 3};
    case KFunction::lp: return {1.2, 1.5, 2, 3, 5};
    case KFunction::entropy: return {0.3, 1, 3, 10, 30};
    case KFunction::relativistic:
    case KFunction::log_smoothed: return {0.01, 0.03, 0.1, 0.3, 1};
    default: return {0};
  }
}

MemberFit fit_member(const std::vector<Episode>& episodes, KFunction k) {
  LinearFit fit(episodes, k);
  auto error_of_shape = [&](const Shape& shape) {
    try {
      if (!fit.compute_directions(shape)) return infinity;
    } catch (const std::exception&) {  // a scale the member rejects, e.g. p = 1 for lp
      return infinity;
    }
    return fit.solve()[2];
  };
  auto objective = [&](const std::vector<double>& x) { return error_of_shape(shape_of(k, x)); };

  constexpr double betas[] = {0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999};
  std::vector<std::pair<double, Shape>> grid;
  for (double scale : scale_grid(k)) {
    for (double beta1 : betas) {
      for (double beta2 : betas) {
        const Shape shape{beta1, beta2, scale};
        grid.emplace_back(error_of_shape(shape), shape);
      }
    }
  }
  std::sort(grid.begin(), grid.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Shape best = grid.front().second;
  double best_error = grid.front().first;
  const std::vector<double> steps = k_function_uses_scale(k) ? std::vector<double>{0.02, 0.02, 0.3}
                                                             : std::vector<double>{0.02, 0.02};
  for (std::size_t start = 0; start < std::min<std::size_t>(3, grid.size()); ++start) {
    if (!(grid[start].first < infinity)) break;
    std::vector<double> x = nelder_mead(objective, vector_of(k, grid[start].second), steps, 250);
    std::vector<double> fine_steps = steps;
    for (double& s : fine_steps) s *= 0.05;
    x = nelder_mead(objective, x, fine_steps, 250);
    const double error = objective(x);
    if (error < best_error) {
      best_error = error;
      best = shape_of(k, x);
    }
  }
  // Snap to the shortest decimals that fit as well: Lion's 0.9 rather than 0.90000012, and
  // a point in the middle of the flat region a sign-based member leaves.
  best.beta1 = snapped(best.beta1, true, best_error, [&](double v) { Shape s = best; s.beta1 = v; return error_of_shape(s); });
  best.beta2 = snapped(best.beta2, true, best_error, [&](double v) { Shape s = best; s.beta2 = v; return error_of_shape(s); });
  if (k_function_uses_scale(k)) {
    best.scale = snapped(best.scale, false, best_error, [&](double v) { Shape s = best; s.scale = v; return error_of_shape(s); });
  }
  MemberFit member;
  member.k = k;
  member.beta1 = best.beta1;
  member.beta2 = best.beta2;
  member.scale = best.scale;
  if (!(error_of_shape(best) < infinity)) {
    member.fit_error = infinity;
    return member;
  }
  const auto [lr_scale, decay, error] = fit.solve();
  member.lr_scale = snapped(lr_scale, false, error, [&](double v) { return fit.error_with(v, decay); });
  const double decay_error = fit.error_with(member.lr_scale, decay);
  member.lambda = snapped(decay, true, decay_error, [&](double v) { return fit.error_with(member.lr_scale, v); });
  if (member.lambda == 0) member.lambda = 0;  // no -0 in reports
  return member;
}

// The free-running native member against the program's trajectory.
double trajectory_error(const std::vector<Episode>& episodes, const MemberFit& fit) {
  LionKHyper hyper;
  hyper.k = fit.k;
  hyper.scale = k_function_uses_scale(fit.k) ? fit.scale : 1;
  hyper.beta1 = fit.beta1;
  hyper.beta2 = fit.beta2;
  hyper.weight_decay = fit.lambda;
  double difference = 0, displacement = 0;
  for (const Episode& e : episodes) {
    auto optimizer = lion_k_optimizer<double>(hyper)(e.rows, e.cols);
    std::vector<double> weights = e.weights.front();
    for (std::size_t t = 0; t < e.grads.size(); ++t) {
      optimizer->step(weights, e.grads[t], e.learning_rate * fit.lr_scale, static_cast<long>(t + 1));
      for (std::size_t i = 0; i < e.size(); ++i) {
        const double d = weights[i] - e.weights[t + 1][i];
        const double moved = e.weights[t + 1][i] - e.weights.front()[i];
        difference += d * d;
        displacement += moved * moved;
      }
    }
  }
  if (!(displacement > 0) || !std::isfinite(displacement)) return infinity;
  const double error = std::sqrt(difference / displacement);
  return std::isnan(error) ? infinity : error;
}

}  // namespace

std::vector<MemberFit> fit_lion_k_members(const AnalyzedProgram& program, const ValidationOptions& options) {
  const std::vector<Episode> episodes = make_episodes(program, options);
  std::vector<MemberFit> fits;
  for (KFunction k : all_k_functions) {
    MemberFit fit = fit_member(episodes, k);
    if (fit.fit_error < infinity) {
      try {
        fit.fit_error = trajectory_error(episodes, fit);
      } catch (const std::exception&) {  // e.g. an invalid scale for the member
        fit.fit_error = infinity;
      }
    }
    fits.push_back(fit);
  }
  std::stable_sort(fits.begin(), fits.end(),
                   [](const MemberFit& a, const MemberFit& b) { return a.fit_error < b.fit_error; });
  return fits;
}

}  // namespace symopt
