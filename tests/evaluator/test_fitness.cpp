// Fitness (DESIGN §4): the bounded per-task score, AdamW at its tuned rate scoring 0, worse
// programs negative and diverging ones -1, the weighted mean, and the on-disk AdamW baseline
// cache (reused when valid; a corrupt or stale file is reported and recomputed).
#include "common/atomic_file.h"
#include "dsl/printer.h"
#include "evaluator/evaluator.h"
#include "evaluator_test_support.h"
#include "fake_quadratic_task.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fmt/format.h>

namespace symopt {
namespace {

using testing::analyzed;
using testing::fake_config;
using testing::make_fake_task;

TEST(TaskScore, ZeroForAdamwPositiveWhenBetterBoundedAlways) {
  EXPECT_EQ(task_score(0.7, 0.7, false), 0.0);
  const double better = task_score(0.35, 0.7, false);
  const double worse = task_score(1.4, 0.7, false);
  EXPECT_GT(better, 0.0);
  EXPECT_LT(worse, 0.0);
  EXPECT_NEAR(better, -worse, 1e-15);  // symmetric in the log-loss ratio
  // The definition: tanh(log(ratio) / scale).
  EXPECT_NEAR(task_score(0.35, 0.7, false, 0.5), std::tanh(std::log(2.0) / 0.5), 1e-15);
  // Monotone, and bounded for any loss, however extreme.
  double previous = 1.0;
  for (double loss : {1e-30, 1e-6, 0.1, 0.69, 0.7, 0.71, 1.0, 10.0, 1e6, 1e300}) {
    const double score = task_score(loss, 0.7, false);
    EXPECT_LE(score, previous);
    EXPECT_LE(score, 1.0);
    EXPECT_GT(score, -1.0);  // strictly above the diverged score
    previous = score;
  }
}

TEST(TaskScore, DivergenceIsExactlyTheWorstScore) {
  EXPECT_EQ(task_score(0.1, 0.7, true), -1.0);
  EXPECT_EQ(task_score(INFINITY, 0.7, false), -1.0);
  EXPECT_EQ(task_score(NAN, 0.7, false), -1.0);
  EXPECT_THROW(task_score(1, 1, false, 0), std::invalid_argument);
}

// Two fake tasks with different conditioning and noise; few steps keep the test fast.
SuiteConfig fake_suite(int seeds) {
  SuiteConfig config;
  config.tasks = {"fake-a", "fake-b"};
  config.seeds = seeds;
  config.adamw_sweep.points = 7;
  return config;
}
std::vector<std::shared_ptr<const ProxyTask>> fake_tasks() {
  auto a = fake_config(30, 0.05, 0.05);
  a.name = "fake-a";
  auto b = fake_config(30, 0.02, 0.2);
  b.name = "fake-b";
  b.condition = 1000;
  return {make_fake_task(a), make_fake_task(b)};
}

// AdamW (bias-corrected, decay 0.01) written as a program whose rate is `multiplier` x lr.
std::string adamw_program(double multiplier) {
  return fmt::format(
      "def train(w, g, lr, t, m, v):\n"
      "    m = interp(g, m, 0.9)\n"
      "    v = interp(square(g), v, 0.999)\n"
      "    rate = lr * {}\n"
      "    update = rate * (m / (1 - 0.9 ** t) / (sqrt(v / (1 - 0.999 ** t)) + 1e-08) + 0.01 * w)\n"
      "    return update, m, v\n",
      format_constant(multiplier));
}

TEST(Fitness, AdamwAtItsTunedRateScoresZeroAndOffRateScoresNegative) {
  Evaluator evaluator(fake_suite(2), fake_tasks());
  ASSERT_EQ(evaluator.baselines().size(), 2u);
  for (const AdamwBaseline& baseline : evaluator.baselines()) {
    EXPECT_GE(baseline.sweep.size(), 7u);
    EXPECT_TRUE(std::isfinite(baseline.loss));
    EXPECT_EQ(baseline.seed_losses.size(), 2u);
  }
  // Each task's baseline rate as a multiplier of that task's rate: the program is AdamW at
  // the tuned rate on that task (and something else on the other task).
  const double task_rates[] = {0.05, 0.02};
  for (int t = 0; t < 2; ++t) {
    const double multiplier = evaluator.baselines()[t].learning_rate / task_rates[t];
    const Fitness fitness = evaluator.evaluate(analyzed(adamw_program(multiplier)));
    ASSERT_EQ(fitness.tasks.size(), 2u);
    const TaskScore& score = fitness.tasks[t];
    EXPECT_FALSE(score.diverged);
    EXPECT_NEAR(score.loss, evaluator.baselines()[t].loss, 1e-4 * evaluator.baselines()[t].loss);
    EXPECT_NEAR(score.score, 0.0, 1e-3) << "task " << score.task;
    EXPECT_EQ(score.adamw_loss, evaluator.baselines()[t].loss);
  }
  // AdamW at a 100x mistuned rate is worse than tuned AdamW on both tasks.
  const Fitness mistuned = evaluator.evaluate(analyzed(adamw_program(0.01)));
  for (const TaskScore& score : mistuned.tasks) {
    EXPECT_GT(score.loss, score.adamw_loss);
    EXPECT_LT(score.score, 0.0);
  }
  EXPECT_LT(mistuned.value, 0.0);
}

TEST(Fitness, IsTheWeightedMeanOfBoundedTaskScores) {
  SuiteConfig config = fake_suite(1);
  config.weights = {3.0, 1.0};
  Evaluator evaluator(config, fake_tasks());
  const Fitness fitness = evaluator.evaluate(analyzed(testing::momentum_text));
  ASSERT_EQ(fitness.tasks.size(), 2u);
  EXPECT_NEAR(fitness.value, 0.75 * fitness.tasks[0].score + 0.25 * fitness.tasks[1].score, 1e-15);
  for (const TaskScore& score : fitness.tasks) {
    EXPECT_GE(score.score, -1.0);
    EXPECT_LE(score.score, 1.0);
    EXPECT_EQ(score.score, task_score(score.loss, score.adamw_loss, score.diverged));
  }
}

TEST(Fitness, DivergenceOnOneTaskGivesMinusOneThere) {
  Evaluator evaluator(fake_suite(2), fake_tasks());
  // SGD at 60x the rate: stable on fake-b (1.2 < 2 / h_max = 2) but not on fake-a (3 > 2).
  const Fitness fitness = evaluator.evaluate(analyzed("def train(g, lr):\n    return lr * 60 * g\n"));
  EXPECT_TRUE(fitness.tasks[0].diverged);
  EXPECT_EQ(fitness.tasks[0].score, -1.0);
  EXPECT_TRUE(std::isinf(fitness.tasks[0].loss));
  EXPECT_FALSE(fitness.tasks[1].diverged);
  EXPECT_GT(fitness.tasks[1].score, -1.0);
  EXPECT_NEAR(fitness.value, (fitness.tasks[0].score + fitness.tasks[1].score) / 2, 1e-15);
  // Diverging everywhere is the worst fitness there is.
  const Fitness worst = evaluator.evaluate(analyzed("def train(g, lr):\n    return lr * 1000 * g\n"));
  EXPECT_EQ(worst.value, -1.0);
}

TEST(Fitness, RejectsInconsistentSuites) {
  SuiteConfig config = fake_suite(1);
  config.weights = {1.0};
  EXPECT_THROW(Evaluator(config, fake_tasks()), std::runtime_error);
  config = fake_suite(1);
  config.tasks = {"fake-b", "fake-a"};  // names in the wrong order
  EXPECT_THROW(Evaluator(config, fake_tasks()), std::runtime_error);
  config = fake_suite(1);
  config.tasks = {"no-such-task"};
  EXPECT_THROW(Evaluator{config}, std::runtime_error);
}

class BaselineCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory = std::filesystem::temp_directory_path() /
                fmt::format("symopt_baselines_{}_{}", ::getpid(),
                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory);
  }
  void TearDown() override { std::filesystem::remove_all(directory); }
  SuiteConfig cached_suite() {
    SuiteConfig config = fake_suite(2);
    config.baseline_cache = directory;
    return config;
  }
  std::filesystem::path directory;
};

TEST_F(BaselineCacheTest, WritesOnceThenReadsTheFile) {
  std::vector<AdamwBaseline> computed;
  {
    Evaluator first(cached_suite(), fake_tasks());
    computed = first.baselines();
    EXPECT_TRUE(first.warnings().empty());
  }
  const std::filesystem::path file = baseline_file(directory, computed[0].key);
  ASSERT_TRUE(std::filesystem::exists(file)) << file;
  const nlohmann::json json = nlohmann::json::parse(read_whole_file(file));
  EXPECT_EQ(json["key"]["task"], "fake-a");
  EXPECT_EQ(json["key"]["version"], baseline_version);
  EXPECT_EQ(json["loss"].get<double>(), computed[0].loss);  // exact round trip

  // Plant a recognisable loss: the next evaluator must take it from the file.
  nlohmann::json planted = json;
  planted["loss"] = 0.123456;
  write_file_atomically(file, planted.dump());
  Evaluator second(cached_suite(), fake_tasks());
  EXPECT_EQ(second.baselines()[0].loss, 0.123456);
  EXPECT_EQ(second.baselines()[1].loss, computed[1].loss);
  EXPECT_EQ(second.baselines()[1].learning_rate, computed[1].learning_rate);
  EXPECT_TRUE(second.warnings().empty());
}

TEST_F(BaselineCacheTest, CorruptOrStaleFilesAreReportedAndRecomputed) {
  std::vector<AdamwBaseline> computed;
  {
    Evaluator first(cached_suite(), fake_tasks());
    computed = first.baselines();
  }
  const std::filesystem::path corrupt = baseline_file(directory, computed[0].key);
  write_file_atomically(corrupt, "{\"kind\": \"symopt-adamw-baseline\", \"key\": ");  // truncated
  const std::filesystem::path stale = baseline_file(directory, computed[1].key);
  nlohmann::json json = nlohmann::json::parse(read_whole_file(stale));
  json["key"]["task_learning_rate"] = 0.5;  // as if the task's definition had changed
  json["loss"] = 0.123456;
  write_file_atomically(stale, json.dump());

  Evaluator second(cached_suite(), fake_tasks());
  ASSERT_EQ(second.warnings().size(), 2u);
  EXPECT_NE(second.warnings()[0].find(corrupt.string()), std::string::npos);
  EXPECT_NE(second.warnings()[0].find("corrupt"), std::string::npos);
  EXPECT_NE(second.warnings()[1].find("different configuration"), std::string::npos);
  EXPECT_EQ(second.baselines()[0].loss, computed[0].loss);
  EXPECT_EQ(second.baselines()[1].loss, computed[1].loss);
  // Both files were rewritten with valid contents.
  EXPECT_EQ(read_baseline(corrupt, computed[0].key).status, BaselineFileStatus::loaded);
  EXPECT_EQ(read_baseline(stale, computed[1].key).status, BaselineFileStatus::loaded);
}

TEST_F(BaselineCacheTest, KeyNamesTaskRungStepsSeedsAndVersion) {
  const auto tasks = fake_tasks();
  const BaselineKey key = make_baseline_key(*tasks[0], 0, {4, 5, 6}, Schedule::cosine, AdamwHyper{}, SweepSettings{});
  EXPECT_EQ(key.steps, 30);  // the task's budget when not overridden
  EXPECT_EQ(baseline_file(directory, key).filename().string(),
            fmt::format("adamw_fake-a_tiny_30steps_seeds4x3_cosine_v{}.json", baseline_version));
  EXPECT_EQ(read_baseline(baseline_file(directory, key), key).status, BaselineFileStatus::missing);
}

TEST(Fitness, RateMultipliersScoreEachTaskAtTheProgramsBestRate) {
  // AdamW written with 10x its rate: poor at the task's rate, AdamW-like at 0.1 of it.
  const AnalyzedProgram program = analyzed(adamw_program(10));
  SuiteConfig config = fake_suite(2);
  Evaluator at_task_rate(config, fake_tasks());
  config.rate_multipliers = {0.1};
  Evaluator at_tenth(config, fake_tasks());
  config.rate_multipliers = {1, 0.1};
  Evaluator at_best(config, fake_tasks());
  const Fitness one = at_task_rate.evaluate(program), tenth = at_tenth.evaluate(program), best = at_best.evaluate(program);
  for (std::size_t t = 0; t < best.tasks.size(); ++t) {
    const TaskScore& chosen = best.tasks[t];
    const TaskScore& same = chosen.rate_multiplier == 1 ? one.tasks[t] : tenth.tasks[t];
    EXPECT_EQ(chosen.loss, same.loss) << chosen.task;  // the best arm, trained exactly as alone
    EXPECT_EQ(chosen.loss, std::min(one.tasks[t].loss, tenth.tasks[t].loss)) << chosen.task;
    EXPECT_EQ(one.tasks[t].rate_multiplier, 1.0);
  }
  EXPECT_GE(best.value, std::max(one.value, tenth.value));
  // A tenth of the rate undoes the program's own 10x: it then trains as AdamW written plainly
  // (up to the rounding of lr * 10 * 0.1).
  const Fitness plain = at_task_rate.evaluate(analyzed(adamw_program(1)));
  EXPECT_NEAR(tenth.value, plain.value, 1e-3);
  EXPECT_GT(std::abs(one.value - plain.value), 1e-2);  // and the 10x is not harmless at x1
}

TEST(Fitness, HurdlesStopClearlyWorsePrograms) {
  SuiteConfig config = fake_suite(2);
  Evaluator without(config, fake_tasks());
  config.hurdle_fraction = 0.3;
  config.hurdle_min_score = -0.05;
  Evaluator with(config, fake_tasks());
  const double task_rates[] = {0.05, 0.02};
  for (std::size_t t = 0; t < 2; ++t) {
    // AdamW at task t's tuned rate, and 100x below it.
    const std::vector<AnalyzedProgram> programs = {
        analyzed(adamw_program(with.baselines()[t].learning_rate / task_rates[t])), analyzed(adamw_program(0.01))};
    const std::vector<Fitness> full = without.evaluate_all(programs), hurdled = with.evaluate_all(programs);
    EXPECT_EQ(with.hurdle_steps()[t], 9);  // 0.3 of 30 steps
    // AdamW at its tuned rate stopped at the hurdle: its curve point there, measured apart.
    TrainingOptions options;
    options.learning_rate = with.baselines()[t].learning_rate;
    options.steps = 30;
    options.curve_points = 10;  // a point every 3 steps
    double sum = 0;
    for (std::uint64_t seed : seed_list(0, 2)) {
      options.seed = seed;
      const TrainingResult run = train(*fake_tasks()[t], adamw_optimizer<float>(config.adamw), options);
      ASSERT_EQ(run.curve[3].first, 9);
      sum += run.curve[3].second;
    }
    EXPECT_EQ(with.hurdle_reference_losses()[t], sum / 2);

    // Tuned AdamW passes and scores exactly as without hurdles, with its hurdle score (~0).
    const TaskScore& passed = hurdled[0].tasks[t];
    EXPECT_FALSE(passed.stopped_at_hurdle);
    EXPECT_EQ(passed.loss, full[0].tasks[t].loss);
    EXPECT_EQ(passed.score, full[0].tasks[t].score);
    ASSERT_TRUE(passed.hurdle_score);
    EXPECT_NEAR(*passed.hurdle_score, 0, 1e-3);
    // A 100x mistuned AdamW stops there, scored by its loss at the hurdle (below the bar).
    const TaskScore& stopped = hurdled[1].tasks[t];
    EXPECT_TRUE(stopped.stopped_at_hurdle) << stopped.task;
    ASSERT_TRUE(stopped.hurdle_score);
    EXPECT_EQ(stopped.score, *stopped.hurdle_score);
    EXPECT_EQ(stopped.score, task_score(stopped.loss, with.hurdle_reference_losses()[t], false));
    EXPECT_LT(stopped.score, -0.05);
    EXPECT_GT(stopped.loss, full[1].tasks[t].loss);  // it would have gone on improving
  }
  EXPECT_FALSE(without.hurdle_steps()[0]);
  EXPECT_FALSE(without.evaluate(analyzed(adamw_program(1))).tasks[0].hurdle_score);
}

}  // namespace
}  // namespace symopt
