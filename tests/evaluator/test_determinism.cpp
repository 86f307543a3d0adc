// Parallel evaluation is deterministic: the same programs on the same suite give bit-equal
// fitness (and baselines) at 1 and 2 threads, and batch evaluation equals one-at-a-time.
#include "evaluator/evaluator.h"
#include "evaluator_test_support.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

namespace symopt {
namespace {

using testing::analyzed;

std::vector<AnalyzedProgram> programs() {
  return {analyzed(testing::momentum_text),
          analyzed("def train(w, g, lr, m):\n"
                   "    update = sign(interp(g, m, 0.9))\n"
                   "    m = interp(g, m, 0.99)\n"
                   "    return (update + w * 0.1) * lr * 0.1, m\n"),
          analyzed("def train(g, lr, v):\n"
                   "    v = interp(square(g), v, 0.99)\n"
                   "    return lr * g / (sqrt(v) + 1e-8), v\n"),
          analyzed("def train(g, lr):\n    return lr * 1000000 * g\n")};  // diverges
}

// Two real tasks (data files included) at a handful of steps, two seeds.
SuiteConfig real_suite() {
  SuiteConfig config;
  config.tasks = {"quadratic", "logreg-digits"};
  config.seeds = 2;
  config.steps = 25;
  config.adamw_sweep.points = 7;
  config.adamw_sweep.max_extensions = 1;
  return config;
}

struct Outcome {
  std::vector<AdamwBaseline> baselines;
  std::vector<Fitness> fitness;
};

Outcome evaluate_with_threads(int threads, const SuiteConfig& config = real_suite()) {
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  Evaluator evaluator(config);
  return {evaluator.baselines(), evaluator.evaluate_all(programs())};
}

void expect_identical(const Outcome& a, const Outcome& b) {
  ASSERT_EQ(a.baselines.size(), b.baselines.size());
  for (std::size_t t = 0; t < a.baselines.size(); ++t) {
    EXPECT_EQ(a.baselines[t].learning_rate, b.baselines[t].learning_rate);
    EXPECT_EQ(a.baselines[t].loss, b.baselines[t].loss);
    EXPECT_EQ(a.baselines[t].sweep, b.baselines[t].sweep);
  }
  ASSERT_EQ(a.fitness.size(), b.fitness.size());
  for (std::size_t p = 0; p < a.fitness.size(); ++p) {
    EXPECT_EQ(a.fitness[p].value, b.fitness[p].value) << "program " << p;
    ASSERT_EQ(a.fitness[p].tasks.size(), b.fitness[p].tasks.size());
    for (std::size_t t = 0; t < a.fitness[p].tasks.size(); ++t) {
      EXPECT_EQ(a.fitness[p].tasks[t].loss, b.fitness[p].tasks[t].loss);
      EXPECT_EQ(a.fitness[p].tasks[t].loss_std, b.fitness[p].tasks[t].loss_std);
      EXPECT_EQ(a.fitness[p].tasks[t].accuracy, b.fitness[p].tasks[t].accuracy);
      EXPECT_EQ(a.fitness[p].tasks[t].diverged, b.fitness[p].tasks[t].diverged);
      EXPECT_EQ(a.fitness[p].tasks[t].stopped_at_hurdle, b.fitness[p].tasks[t].stopped_at_hurdle);
      EXPECT_EQ(a.fitness[p].tasks[t].hurdle_score, b.fitness[p].tasks[t].hurdle_score);
    }
  }
}

TEST(Determinism, OneAndTwoThreadsGiveIdenticalResults) {
  const Outcome serial = evaluate_with_threads(1);
  const Outcome parallel = evaluate_with_threads(2);
  expect_identical(serial, parallel);
  // The suite did real work: finite losses, one diverging program, distinct fitness values.
  EXPECT_GT(serial.fitness[0].value, -1.0);
  EXPECT_EQ(serial.fitness[3].value, -1.0);
  EXPECT_NE(serial.fitness[0].value, serial.fitness[1].value);
  ASSERT_TRUE(serial.fitness[0].tasks[1].accuracy.has_value());
}

TEST(Determinism, WithHurdlesOneAndTwoThreadsGiveIdenticalResults) {
  SuiteConfig config = real_suite();
  config.hurdle_fraction = 0.4;
  config.hurdle_min_score = -0.02;
  const Outcome serial = evaluate_with_threads(1, config);
  expect_identical(serial, evaluate_with_threads(2, config));
  int stopped = 0;
  for (const Fitness& f : serial.fitness) {
    for (const TaskScore& t : f.tasks) stopped += t.stopped_at_hurdle;
  }
  EXPECT_GT(stopped, 0);  // the hurdle did stop runs
}

TEST(Determinism, TaskArenaOfTwoAndBatchVersusOneAtATime) {
  Outcome batch, single;
  tbb::task_arena arena(2);
  arena.execute([&] {
    Evaluator evaluator(real_suite());
    batch = {evaluator.baselines(), evaluator.evaluate_all(programs())};
  });
  {
    Evaluator evaluator(real_suite());
    single.baselines = evaluator.baselines();
    for (const AnalyzedProgram& program : programs()) single.fitness.push_back(evaluator.evaluate(program));
  }
  expect_identical(batch, single);
}

}  // namespace
}  // namespace symopt
