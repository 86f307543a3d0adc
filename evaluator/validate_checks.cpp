// The theory of DESIGN §5 tested on a fitted member, by running the *program* (not the
// native member) on two documented convex problems over a 6 x 5 tensor:
//  1. Entering the set: f(W) = 1/2 sum_i h_i (w_i - b_i)^2 with b outside the constraint set
//     (so the gradient pushes outward once inside), noisy gradients, W started at 3x the
//     radius, a constant rate. The theory: the iterates reach the set and stay in it.
//  2. The constrained minimizer: f(W) = 1/2 (w - b)^T H (w - b), H dense SPD (eigenvalues in
//     [0.5, 2]), b outside the set, exact gradients, a rate decaying as 1/sqrt(t). The
//     theory: the run ends at argmin f over the set, computed here independently by
//     projected gradient descent.
#include "evaluator/validate.h"

#include "dsl/interpreter.h"

#include <Eigen/Dense>
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <random>

namespace symopt {
namespace {

constexpr int rows = 6, cols = 5, size = rows * cols;
using Vector = Eigen::VectorXd;

std::string set_name(ConstraintKind kind) {
  switch (kind) {
    case ConstraintKind::box: return "box max|w_i| <= 1/lambda";
    case ConstraintKind::l2_ball: return "ball ||w||_2 <= 1/lambda";
    case ConstraintKind::lq_ball: return "ball ||w||_q <= 1/lambda";
    case ConstraintKind::spectral_ball: return "spectral-norm ball sigma_max(W) <= 1/lambda";
    case ConstraintKind::none: break;
  }
  return "no set";
}

// A point outside the set at about twice its radius, in the set's own geometry.
Vector outside_point(ConstraintKind kind, double radius, std::mt19937_64& random) {
  std::normal_distribution<double> normal(0.0, 1.0);
  Vector b(size);
  for (int i = 0; i < size; ++i) b[i] = normal(random);
  if (kind == ConstraintKind::box) {
    for (int i = 0; i < size; ++i) b[i] = (b[i] >= 0 ? 2 : -2) * radius;
  } else if (kind == ConstraintKind::spectral_ball) {
    const Eigen::Map<const Eigen::Matrix<double, rows, cols, Eigen::RowMajor>> matrix(b.data());
    b *= 2 * radius / Eigen::JacobiSVD<Eigen::MatrixXd>(matrix).singularValues()(0);
  } else {
    b *= 2 * radius / b.norm();
  }
  return b;
}

double violation(const MemberFit& fit, const Vector& w) {
  return constraint_violation(fit.k, fit.scale, fit.lambda, rows, cols, w.data());
}

TheoryCheck entering_check(const AnalyzedProgram& program, const MemberFit& fit, const ConstraintSet& set) {
  const double radius = set.radius;
  std::mt19937_64 random(11);
  std::uniform_real_distribution<double> log_curvature(std::log(0.5), std::log(2.0));
  std::normal_distribution<double> normal(0.0, 1.0);
  Vector h(size), w(size);
  for (int i = 0; i < size; ++i) h[i] = std::exp(log_curvature(random));
  const Vector b = outside_point(set.kind, radius, random);
  for (int i = 0; i < size; ++i) w[i] = (normal(random) >= 0 ? 3 : -3) * radius;

  constexpr int steps = 800;
  constexpr double tolerance = 1e-3;  // relative to the radius: the approach is geometric
  const double step_size = 0.02 / fit.lambda;  // lr * lr_scale, so lambda * step = 0.02
  ProgramOptimizer<double> optimizer(std::make_shared<const CompiledProgram>(compile_program(program)), rows, cols);
  Vector gradient(size);
  const double initial = violation(fit, w) / radius;
  int entered_at = -1;
  double largest_after = 0;
  for (int t = 1; t <= steps; ++t) {
    for (int i = 0; i < size; ++i) gradient[i] = h[i] * (w[i] - b[i]) + 0.1 * radius * normal(random);
    optimizer.step(std::span<double>(w.data(), size), std::span<const double>(gradient.data(), size),
                   step_size / fit.lr_scale, t);
    const double v = violation(fit, w) / radius;
    if (entered_at < 0 && v <= tolerance) entered_at = t;
    if (entered_at >= 0) largest_after = std::isnan(v) ? v : std::max(largest_after, v);
  }
  TheoryCheck check;
  check.name = "enters and stays in the " + set_name(set.kind);
  check.problem = fmt::format(
      "f(W) = 1/2 sum h_i (w_i - b_i)^2 on a 6x5 tensor, h_i in [0.5, 2], b at twice the radius "
      "(outside), gradient noise 0.1 * radius, W0 at 3 * radius, lr * lr_scale * lambda = 0.02, "
      "{} steps; entered = violation <= {} * radius",
      steps, tolerance);
  check.held = entered_at > 0 && largest_after <= tolerance;
  check.figures = {{"radius", radius},
                   {"initial_violation", initial},
                   {"entered_at_step", entered_at},
                   {"largest_violation_after_entering", largest_after},
                   {"final_violation", violation(fit, w) / radius},
                   {"tolerance", tolerance},
                   {"violations_relative_to", "radius"}};
  return check;
}

// argmin 1/2 (w - b)^T H (w - b) over the set, by projected gradient descent with step 1/L.
Vector projected_gradient_descent(const MemberFit& fit, const Eigen::MatrixXd& hessian, const Vector& b,
                                  double largest_curvature, int& iterations) {
  Vector x = Vector::Zero(size);
  for (iterations = 1; iterations <= 200000; ++iterations) {
    Vector next = x - hessian * (x - b) / largest_curvature;
    project_onto_constraint(fit.k, fit.scale, fit.lambda, rows, cols, next.data());
    const double change = (next - x).lpNorm<Eigen::Infinity>();
    x = next;
    if (change < 1e-15 * (1 + x.lpNorm<Eigen::Infinity>())) break;
  }
  return x;
}

TheoryCheck minimizer_check(const AnalyzedProgram& program, const MemberFit& fit, const ConstraintSet& set) {
  const double radius = set.radius;
  std::mt19937_64 random(23);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> log_curvature(std::log(0.5), std::log(2.0));
  Eigen::MatrixXd gaussian(size, size);
  for (int i = 0; i < size; ++i) {
    for (int j = 0; j < size; ++j) gaussian(i, j) = normal(random);
  }
  const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(gaussian).householderQ();
  Vector eigenvalues(size);
  for (int i = 0; i < size; ++i) eigenvalues[i] = std::exp(log_curvature(random));
  const Eigen::MatrixXd hessian = q * eigenvalues.asDiagonal() * q.transpose();
  const Vector b = outside_point(set.kind, radius, random);
  const auto objective = [&](const Vector& w) { return 0.5 * (w - b).dot(hessian * (w - b)); };

  int pgd_iterations = 0;
  const Vector constrained = projected_gradient_descent(fit, hessian, b, eigenvalues.maxCoeff(), pgd_iterations);

  constexpr int steps = 20000;
  const double initial_step = 0.05 / fit.lambda;  // lr * lr_scale at t = 1
  ProgramOptimizer<double> optimizer(std::make_shared<const CompiledProgram>(compile_program(program)), rows, cols);
  Vector w = Vector::Zero(size), gradient(size);
  for (int t = 1; t <= steps; ++t) {
    gradient = hessian * (w - b);
    optimizer.step(std::span<double>(w.data(), size), std::span<const double>(gradient.data(), size),
                   initial_step / std::sqrt(double(t)) / fit.lr_scale, t);
  }
  constexpr double tolerance = 0.01;  // distance relative to the radius
  const double distance = (w - constrained).norm() / radius;
  const double gap = objective(w) - objective(constrained);
  TheoryCheck check;
  check.name = "ends at the minimizer over the " + set_name(set.kind);
  check.problem = fmt::format(
      "f(W) = 1/2 (w - b)^T H (w - b) on a 6x5 tensor, H dense SPD with eigenvalues in [0.5, 2], "
      "b at twice the radius (outside), exact gradients, W0 = 0, lr * lr_scale * lambda = "
      "0.05 / sqrt(t), {} steps; the reference minimizer by projected gradient descent; held when "
      "||w - w*||_2 <= {} * radius",
      steps, tolerance);
  check.held = distance <= tolerance;
  check.figures = {{"radius", radius},
                   {"distance_to_constrained_minimizer", distance},
                   {"distance_relative_to", "radius"},
                   {"objective_gap", gap},
                   {"objective_at_minimizer", objective(constrained)},
                   {"unconstrained_minimizer_violation", violation(fit, b) / radius},
                   {"final_violation", violation(fit, w) / radius},
                   {"projected_gradient_iterations", pgd_iterations},
                   {"tolerance", tolerance}};
  return check;
}

}  // namespace

std::vector<TheoryCheck> check_lion_k_theory(const AnalyzedProgram& program, const MemberFit& fit,
                                             std::vector<std::string>& notes) {
  std::vector<TheoryCheck> checks;
  if (!(fit.lambda > 0) || !(fit.lr_scale > 0)) {
    notes.push_back("no weight decay (lambda = 0): the theory predicts no constraint set, nothing to check");
    return checks;
  }
  const ConstraintSet set = constraint_set(fit.k, fit.scale, fit.lambda);
  if (set.kind == ConstraintKind::none) {
    notes.push_back(fmt::format("K = {} has no constraint set (K* is finite everywhere: plain L2 "
                                "regularization), nothing to check",
                                k_function_name(fit.k)));
    return checks;
  }
  checks.push_back(entering_check(program, fit, set));
  const bool is_norm = fit.k == KFunction::l1 || fit.k == KFunction::l2 || fit.k == KFunction::nuclear;
  if (is_norm) {
    checks.push_back(minimizer_check(program, fit, set));
  } else {
    notes.push_back(fmt::format("K = {} is not a norm: its K* is not the set's indicator alone, so the "
                                "run does not minimize f over the set; the minimizer check is skipped",
                                k_function_name(fit.k)));
  }
  return checks;
}

}  // namespace symopt
