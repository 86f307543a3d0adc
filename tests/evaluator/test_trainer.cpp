// The training loop against exact oracles: SGD on a separable quadratic has a closed form
// (constant and cosine rates), heavy-ball momentum is replayed by a second simple
// implementation in float64; divergence is a result, never a crash; the step loop allocates
// nothing (counted by interposing malloc in this test executable).
#include "evaluator/lr_sweep.h"
#include "evaluator/trainer.h"
#include "evaluator_test_support.h"
#include "fake_quadratic_task.h"
#include "malloc_counter.h"

#include "sanitizer_build.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <numbers>

namespace symopt {
namespace {

using testing::factory_of;
using testing::FakeQuadraticConfig;
using testing::make_fake_task;

using testing::fake_config;

constexpr int coordinates = 10;

TrainingOptions seeded(std::uint64_t seed) {
  TrainingOptions options;
  options.seed = seed;
  return options;
}
TrainingOptions cosine_seeded(std::uint64_t seed) {
  TrainingOptions options = seeded(seed);
  options.schedule = Schedule::cosine;
  return options;
}
TrainingOptions with_rate_and_steps(double learning_rate, int steps) {
  TrainingOptions options;
  options.learning_rate = learning_rate;
  options.steps = steps;
  return options;
}
TrainingOptions with_curve(std::uint64_t seed, int curve_points) {
  TrainingOptions options = seeded(seed);
  options.curve_points = curve_points;
  return options;
}
TrainingOptions with_divergence_factor(double factor) {
  TrainingOptions options;
  options.divergence_factor = factor;
  return options;
}

// Exact float64 loss after SGD with the given per-step rates (no noise):
// w_k - c = prod_s (1 - rate_s h) (w_0 - c), coordinate by coordinate.
double sgd_closed_form_loss(const FakeQuadraticConfig& config, std::uint64_t seed, const std::vector<double>& rates) {
  double loss = 0;
  for (int k = 0; k < coordinates; ++k) {
    const double h = testing::fake_curvature(config, k);
    double factor = 1;
    for (double rate : rates) factor *= 1 - rate * h;
    const double difference = factor * (testing::fake_initial_weight(seed, k) - testing::fake_target(k));
    loss += 0.5 * h * difference * difference;
  }
  return loss;
}

TEST(Trainer, SgdMatchesTheClosedFormAtConstantRate) {
  const FakeQuadraticConfig config = fake_config(25, 0.3);
  const auto task = make_fake_task(config);
  for (std::uint64_t seed : {0u, 5u}) {
    const TrainingResult result = train(*task, factory_of(testing::sgd_text), seeded(seed));
    ASSERT_FALSE(result.diverged);
    EXPECT_EQ(result.steps_run, 25);
    const double expected = sgd_closed_form_loss(config, seed, std::vector<double>(25, 0.3));
    EXPECT_NEAR(result.validation_loss, expected, 1e-5 * expected + 1e-7);
    EXPECT_FALSE(result.validation_accuracy.has_value());
  }
}

TEST(Trainer, OptionsOverrideTheRungsRateAndSteps) {
  const FakeQuadraticConfig config = fake_config(25, 0.3);
  const auto task = make_fake_task(config);
  const TrainingResult result = train(*task, factory_of(testing::sgd_text), with_rate_and_steps(0.05, 7));
  EXPECT_EQ(result.steps_run, 7);
  const double expected = sgd_closed_form_loss(config, 0, std::vector<double>(7, 0.05));
  EXPECT_NEAR(result.validation_loss, expected, 1e-5 * expected);
}

TEST(Trainer, CosineScheduleMatchesTheClosedForm) {
  const FakeQuadraticConfig config = fake_config(30, 0.5);
  const auto task = make_fake_task(config);
  std::vector<double> rates;
  for (int s = 0; s < 30; ++s) rates.push_back(0.5 * 0.5 * (1 + std::cos(std::numbers::pi * s / 30.0)));
  const TrainingResult result =
      train(*task, factory_of(testing::sgd_text), cosine_seeded(3));
  const double expected = sgd_closed_form_loss(config, 3, rates);
  EXPECT_NEAR(result.validation_loss, expected, 1e-5 * expected);
  // The schedule starts at the base rate and ends near zero.
  EXPECT_DOUBLE_EQ(scheduled_rate(0.5, Schedule::cosine, 0, 30), 0.5);
  EXPECT_LT(scheduled_rate(0.5, Schedule::cosine, 29, 30), 0.5 * 0.01);
}

// Every tensor has its own optimizer state: heavy-ball momentum over both tensors (with
// gradient noise) matches a float64 replay that keeps one momentum per coordinate.
TEST(Trainer, MomentumMatchesAnIndependentReplay) {
  const FakeQuadraticConfig config = fake_config(30, 0.05, 0.2);
  const auto task = make_fake_task(config);
  const std::uint64_t seed = 11;
  double loss = 0;
  for (int k = 0; k < coordinates; ++k) {
    const double h = testing::fake_curvature(config, k);
    double w = testing::fake_initial_weight(seed, k), m = 0;
    for (int s = 0; s < 30; ++s) {
      const double g = h * (w - testing::fake_target(k)) + 0.2 * testing::fake_noise(seed, s, k);
      m = 0.9 * m + g;
      w -= 0.05 * m;
    }
    loss += 0.5 * h * (w - testing::fake_target(k)) * (w - testing::fake_target(k));
  }
  const TrainingResult result = train(*task, factory_of(testing::momentum_text), seeded(seed));
  ASSERT_FALSE(result.diverged);
  EXPECT_NEAR(result.validation_loss, loss, 1e-4 * loss);
}

TEST(Trainer, CurveRecordsEvenlySpacedValidationLosses) {
  const FakeQuadraticConfig config = fake_config(20, 0.2);
  const auto task = make_fake_task(config);
  const TrainingResult result = train(*task, factory_of(testing::sgd_text), with_curve(1, 4));
  ASSERT_EQ(result.curve.size(), 5u);
  for (int point = 0; point <= 4; ++point) {
    const int step = point * 5;
    EXPECT_EQ(result.curve[point].first, step);
    const double expected = sgd_closed_form_loss(config, 1, std::vector<double>(step, 0.2));
    EXPECT_NEAR(result.curve[point].second, expected, 1e-5 * expected);
  }
  EXPECT_EQ(result.curve.back().second, result.validation_loss);
}

TEST(Trainer, HurdleStopsOnlyRunsAboveItsLossAndLeavesTheRestUntouched) {
  const FakeQuadraticConfig config = fake_config(40, 0.1);
  const auto task = make_fake_task(config);
  const auto sgd = factory_of(testing::sgd_text);
  const TrainingResult plain = train(*task, sgd, seeded(1));
  const double at_hurdle = sgd_closed_form_loss(config, 1, std::vector<double>(10, 0.1));

  TrainingOptions options = seeded(1);
  options.hurdle_step = 10;  // hurdle_loss defaults to +inf: measured, never stopped
  const TrainingResult passed = train(*task, sgd, options);
  EXPECT_FALSE(passed.stopped_at_hurdle);
  EXPECT_EQ(passed.steps_run, 40);
  EXPECT_EQ(passed.validation_loss, plain.validation_loss);  // the extra validation changes nothing
  ASSERT_TRUE(passed.hurdle_validation_loss);
  EXPECT_NEAR(*passed.hurdle_validation_loss, at_hurdle, 1e-5 * at_hurdle);

  options.hurdle_loss = *passed.hurdle_validation_loss * 0.999;
  const TrainingResult stopped = train(*task, sgd, options);
  EXPECT_TRUE(stopped.stopped_at_hurdle);
  EXPECT_FALSE(stopped.diverged);
  EXPECT_EQ(stopped.steps_run, 10);
  EXPECT_EQ(stopped.validation_loss, *passed.hurdle_validation_loss);

  options.hurdle_step = 40;  // at the last step there is nothing left to save
  const TrainingResult last = train(*task, sgd, options);
  EXPECT_FALSE(last.stopped_at_hurdle);
  EXPECT_FALSE(last.hurdle_validation_loss);
  EXPECT_EQ(last.validation_loss, plain.validation_loss);
}

TEST(Trainer, GrowingLossIsDivergenceAndStopsEarly) {
  // |1 - 2.5 h| = 1.5 on the stiffest coordinate: the loss grows 2.25x per step.
  const auto task = make_fake_task(fake_config(200, 2.5));
  const TrainingResult result = train(*task, factory_of(testing::sgd_text), with_curve(0, 10));
  EXPECT_TRUE(result.diverged);
  EXPECT_LT(result.steps_run, 60);
  EXPECT_TRUE(std::isinf(result.validation_loss));
  // A looser bound lets it run longer before giving up.
  const TrainingResult looser =
      train(*task, factory_of(testing::sgd_text), with_divergence_factor(1e9));
  EXPECT_TRUE(looser.diverged);
  EXPECT_GT(looser.steps_run, result.steps_run);
}

TEST(Trainer, NonFiniteWeightsAreDivergenceNotACrash) {
  const auto task = make_fake_task(fake_config(50, 0.1));
  // log of a negative weight is NaN on the first step.
  const TrainingResult result = train(*task, factory_of("def train(w, lr):\n    return lr * log(w)\n"), {});
  EXPECT_TRUE(result.diverged);
  EXPECT_EQ(result.steps_run, 1);
  EXPECT_TRUE(std::isinf(result.validation_loss));
  // An update that overflows float32 is divergence too.
  const TrainingResult overflow = train(*task, factory_of("def train(g, lr):\n    return exp(g * 1000)\n"), {});
  EXPECT_TRUE(overflow.diverged);
}

TEST(Trainer, StepLoopAllocatesNothing) {
  SYMOPT_SKIP_UNDER_SANITIZERS();
  const auto task = make_fake_task(fake_config(40, 0.05, 0.1));
  const auto factory = factory_of(testing::momentum_text);
  auto allocations = [&](int steps) {
    const long before = allocation_count.load();
    const TrainingResult result = train(*task, factory, with_rate_and_steps(0, steps));
    EXPECT_FALSE(result.diverged);
    return allocation_count.load() - before;
  };
  allocations(3);  // first-use allocations (e.g. lazily built tables) happen once
  EXPECT_EQ(allocations(5), allocations(200));
}

TEST(LearningRateSweep, GridIsLogSpacedAroundTheCenter) {
  const std::vector<double> rates = log_spaced_rates(0.01, 7, 10.0);
  ASSERT_EQ(rates.size(), 7u);
  EXPECT_NEAR(rates[3], 0.01, 1e-15);
  EXPECT_NEAR(rates.front(), 1e-5, 1e-18);
  for (std::size_t i = 1; i < rates.size(); ++i) EXPECT_NEAR(rates[i] / rates[i - 1], 10.0, 1e-9);
  EXPECT_THROW(log_spaced_rates(0, 7, 10.0), std::invalid_argument);
}

TEST(LearningRateSweep, FindsTheBestRateOfSgdOnAQuadratic) {
  // SGD on curvatures in [0.01, 1] for 20 steps: the best constant rate is just below the
  // stability limit 2 / h_max = 2. An independent scan of the closed form finds it.
  const FakeQuadraticConfig config = fake_config(20, 0.3);
  const auto task = make_fake_task(config);
  SweepSettings settings;
  settings.points = 7;
  settings.factor = 1.5;
  settings.max_extensions = 3;
  const RateSweep sweep = sweep_learning_rate(*task, factory_of(testing::sgd_text), 0.3, settings, {0, 1}, {});
  ASSERT_GE(sweep.best, 0);
  double best_rate = 0, best_loss = INFINITY;
  for (const SeedRuns& rate : sweep.rates) {
    const double loss = 0.5 * (sgd_closed_form_loss(config, 0, std::vector<double>(20, rate.learning_rate)) +
                               sgd_closed_form_loss(config, 1, std::vector<double>(20, rate.learning_rate)));
    if (loss < best_loss) {
      best_loss = loss;
      best_rate = rate.learning_rate;
    }
    if (!rate.diverged) {
      EXPECT_NEAR(rate.mean_loss, loss, 1e-4 * loss);
    }
  }
  EXPECT_DOUBLE_EQ(sweep.rates[sweep.best].learning_rate, best_rate);
  // The optimum is above the initial grid's top (0.3 * 1.5^3 = 1.01): the sweep extended it.
  EXPECT_GT(sweep.rates.size(), 7u);
  EXPECT_GT(best_rate, 1.0);
  EXPECT_EQ(sweep.rates[sweep.best].runs.size(), 2u);
}

}  // namespace
}  // namespace symopt
