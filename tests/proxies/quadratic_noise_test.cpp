// The noisy quadratic's gradient noise: zero mean and variance noise_scale^2 u^T H u along a
// direction u, with u^T H u measured independently by second differences of the exact
// (validation) objective.
#include "model_test_support.h"
#include "proxies/quadratic_task.h"

#include <gtest/gtest.h>

namespace symopt {
namespace {

TEST(QuadraticNoise, HasZeroMeanAndCurvatureProportionalVariance) {
  const QuadraticConfig config{.rows = 6, .cols = 5, .condition_number = 1e3, .noise_scale = 0.7, .steps = 1};
  const auto task = make_quadratic_task(Rung::tiny, config);
  auto model = task->make_model_f64(11);
  std::vector<Tensor<double>> point;
  model->initialize(4, point);
  const Tensor<double> direction = testing::random_vector(point[0].size(), 5).array();

  auto objective_at = [&](double t) {
    std::vector<Tensor<double>> shifted = {point[0] + t * direction};
    return model->validate(shifted).loss;
  };
  // Exact for a quadratic, up to rounding.
  const double exact_slope = (objective_at(1.0) - objective_at(-1.0)) / 2;
  const double curvature = objective_at(1.0) + objective_at(-1.0) - 2 * objective_at(0.0);
  ASSERT_GT(curvature, 0);

  const int steps = 4000;
  double sum = 0, sum_squares = 0;
  std::vector<Tensor<double>> gradient = point;
  for (int step = 0; step < steps; ++step) {
    model->loss_and_gradient(point, step, gradient);
    const double noise = (gradient[0] * direction).sum() - exact_slope;
    sum += noise;
    sum_squares += noise * noise;
  }
  const double expected_variance = config.noise_scale * config.noise_scale * curvature;
  const double mean = sum / steps, variance = sum_squares / steps - mean * mean;
  EXPECT_LT(std::abs(mean), 4 * std::sqrt(expected_variance / steps));
  EXPECT_NEAR(variance / expected_variance, 1.0, 0.1);  // ~4.5 standard errors
}

TEST(QuadraticNoise, CoordinateCurvaturesLieWithinTheConfiguredConditioning) {
  // Rayleigh quotients of the Hessian along coordinate directions lie in [1/kappa, 1].
  const QuadraticConfig config{.rows = 4, .cols = 3, .condition_number = 1e4, .steps = 1};
  auto model = make_quadratic_task(Rung::tiny, config)->make_model_f64(1);
  std::vector<Tensor<double>> point;
  model->initialize(2, point);
  for (Eigen::Index i = 0; i < point[0].size(); ++i) {
    std::vector<Tensor<double>> plus = point, minus = point;
    plus[0][i] += 1;
    minus[0][i] -= 1;
    const double curvature = model->validate(plus).loss + model->validate(minus).loss - 2 * model->validate(point).loss;
    EXPECT_GE(curvature, 1.0 / config.condition_number * (1 - 1e-9));
    EXPECT_LE(curvature, 1.0 + 1e-9);
  }
  EXPECT_GT(model->validate(point).loss, 0);
}

}  // namespace
}  // namespace symopt
