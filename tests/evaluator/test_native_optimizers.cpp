// The native optimizers reproduce PyTorch's own (every oracle, float64 and float32), agree
// with the interpreter running the reference programs on tensors spanning many tiles,
// propagate NaN, reject bad settings, and allocate nothing per step.
#include "common/atomic_file.h"
#include "evaluator/native_optimizers.h"
#include "evaluator/oracle.h"
#include "evaluator_test_support.h"
#include "operator_new_counter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace symopt {
namespace {

const std::filesystem::path oracle_directory = SYMOPT_SHARED_DIR "/oracles";

template <class T>
double replay_error(const Oracle& oracle, const OptimizerFactory<T>& factory) {
  const auto optimizer = factory(oracle.rows, oracle.cols);
  return max_relative_error(oracle, replay_oracle(oracle, *optimizer));
}

TEST(NativeOptimizers, ReproduceEveryOracle) {
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(oracle_directory)) {
    SCOPED_TRACE(entry.path().filename().string());
    const Oracle oracle = load_oracle(entry.path());
    EXPECT_LE(replay_error(oracle, native_optimizer<double>(oracle.name, oracle.hyper)), 1e-10);
    EXPECT_LE(replay_error(oracle, native_optimizer<float>(oracle.name, oracle.hyper)), 1e-5);
    ++replayed;
  }
  EXPECT_EQ(replayed, 12);
}

// The comparison is sharp enough to see a change of semantics.
TEST(NativeOptimizers, WrongSettingsDoNotMatch) {
  const Oracle adamw = load_oracle(oracle_directory / "adamw_6x5.json");
  nlohmann::json no_correction = adamw.hyper;
  no_correction["bias_correction"] = false;
  EXPECT_GT(replay_error(adamw, native_optimizer<double>("adamw", no_correction)), 1e-3);
  nlohmann::json no_decay = adamw.hyper;
  no_decay["weight_decay"] = 0.0;
  EXPECT_GT(replay_error(adamw, native_optimizer<double>("adamw", no_decay)), 1e-6);

  const Oracle lion = load_oracle(oracle_directory / "lion_6x5.json");
  EXPECT_GT(replay_error(lion, lion_optimizer<double>({.beta1 = 0.9, .beta2 = 0.9, .weight_decay = 1.0})), 1e-4);
  EXPECT_GT(replay_error(lion, lion_optimizer<double>({.beta1 = 0.9, .beta2 = 0.99, .weight_decay = 0.0})), 1e-4);

  const Oracle momentum = load_oracle(oracle_directory / "sgd_momentum_7.json");
  EXPECT_GT(replay_error(momentum, sgd_optimizer<double>({.momentum = 0.0})), 1e-3);
}

// A second, independent implementation: the interpreter running the project's reference
// programs, on a 37 x 29 tensor (1073 elements: four full tiles and a partial one).
struct ProgramPair {
  const char* program;
  std::function<OptimizerFactory<double>()> native64;
  std::function<OptimizerFactory<float>()> native32;
  double learning_rate;
};

template <class Make>
ProgramPair pair(const char* program, Make make, double learning_rate) {
  return {program, [make] { return make.template operator()<double>(); },
          [make] { return make.template operator()<float>(); }, learning_rate};
}

std::vector<ProgramPair> reference_pairs() {
  return {
      pair("sgd", []<class T>() { return sgd_optimizer<T>(); }, 0.05),
      pair("sgd_momentum", []<class T>() { return sgd_optimizer<T>({.momentum = 0.9}); }, 0.01),
      pair("rmsprop", []<class T>() { return rmsprop_optimizer<T>(); }, 0.01),
      pair("adam", []<class T>() { return adam_optimizer<T>(); }, 0.01),
      pair("adamw", []<class T>() { return adamw_optimizer<T>({.weight_decay = 0.1}); }, 0.01),
      pair("adamw_search_start",
           []<class T>() { return adamw_optimizer<T>({.weight_decay = 0.01, .bias_correction = false}); }, 0.01),
      pair("lion", []<class T>() { return lion_optimizer<T>({.weight_decay = 1.0}); }, 0.003),
  };
}

template <class T>
std::vector<std::vector<double>> run(const OptimizerFactory<T>& factory, int rows, int cols, double learning_rate,
                                     int steps, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> normal;
  std::vector<T> weights(static_cast<std::size_t>(rows) * cols), gradient(weights.size());
  for (T& w : weights) w = T(normal(random));
  const auto optimizer = factory(rows, cols);
  std::vector<std::vector<double>> trajectory;
  for (int step = 1; step <= steps; ++step) {
    // Gradients whose scale drifts, so the second moments matter.
    for (T& g : gradient) g = T(normal(random) * (1 + 0.5 * std::sin(step)));
    optimizer->step(weights, gradient, T(learning_rate), step);
    trajectory.emplace_back(weights.begin(), weights.end());
  }
  return trajectory;
}

template <class T>
OptimizerFactory<T> program_factory(const std::string& name) {
  const std::string text = read_whole_file(std::string(SYMOPT_SOURCE_DIR "/programs/") + name + ".opt");
  return program_optimizer_factory<T>(std::make_shared<const CompiledProgram>(compile_program(testing::analyzed(text))));
}

TEST(NativeOptimizers, AgreeWithTheInterpreterAcrossTiles) {
  constexpr int rows = 37, cols = 29, steps = 40;
  for (const ProgramPair& reference : reference_pairs()) {
    SCOPED_TRACE(reference.program);
    Oracle interpreted;
    interpreted.trajectory = run(program_factory<double>(reference.program), rows, cols, reference.learning_rate, steps, 7);
    interpreted.steps = steps;
    EXPECT_LE(max_relative_error(interpreted, run(reference.native64(), rows, cols, reference.learning_rate, steps, 7)),
              1e-12);
    EXPECT_LE(max_relative_error(interpreted, run(reference.native32(), rows, cols, reference.learning_rate, steps, 7)),
              1e-5);
  }
}

template <class T>
std::vector<OptimizerFactory<T>> every_native_optimizer() {
  return {sgd_optimizer<T>(), sgd_optimizer<T>({.momentum = 0.9}), rmsprop_optimizer<T>(), adam_optimizer<T>(),
          adamw_optimizer<T>(), adamw_optimizer<T>({.bias_correction = false}), lion_optimizer<T>({.weight_decay = 0.1})};
}

TEST(NativeOptimizers, NanGradientShowsInTheWeights) {
  for (const auto& factory : every_native_optimizer<float>()) {
    const auto optimizer = factory(1, 5);
    std::vector<float> weights = {1, -2, 3, 0.5f, 0}, gradient = {0.1f, 0.2f, std::nanf(""), -0.3f, 0};
    optimizer->step(weights, gradient, 0.01f, 1);
    EXPECT_TRUE(std::isnan(weights[2]));
    EXPECT_TRUE(std::isfinite(weights[0]));
  }
}

TEST(NativeOptimizers, MismatchedLengthsThrow) {
  for (const auto& factory : every_native_optimizer<double>()) {
    const auto optimizer = factory(2, 3);
    std::vector<double> weights(6), gradient(5);
    EXPECT_THROW(optimizer->step(weights, gradient, 0.1, 1), std::runtime_error);
  }
  EXPECT_THROW(sgd_optimizer<double>()(0, 3), std::runtime_error);
}

TEST(NativeOptimizers, ByNameRejectsUnknownNamesAndKeys) {
  EXPECT_THROW(native_optimizer<float>("adagrad", nlohmann::json::object()), std::runtime_error);
  EXPECT_THROW(native_optimizer<float>("adamw", {{"beta1", 0.9}}), std::runtime_error);
  EXPECT_THROW(native_optimizer<float>("adamw", {{"betas", {0.9}}}), std::runtime_error);
  EXPECT_THROW(native_optimizer<float>("lion", {{"weight_decay", "much"}}), std::runtime_error);
  EXPECT_THROW(native_optimizer<float>("adamw", {{"bias_correction", 0}}), std::runtime_error);
  EXPECT_THROW(native_optimizer<float>("sgd", nlohmann::json::array()), std::runtime_error);
  EXPECT_NO_THROW(native_optimizer<float>("sgd", {{"lr", 0.1}}));
}

// By-name defaults are the structs' defaults: same trajectory as the typed factory.
TEST(NativeOptimizers, ByNameDefaultsMatchTheStructs) {
  Oracle typed;
  typed.steps = 10;
  typed.trajectory = run(adamw_optimizer<double>(), 3, 4, 0.01, 10, 3);
  EXPECT_EQ(max_relative_error(typed, run(native_optimizer<double>("adamw", nlohmann::json::object()), 3, 4, 0.01, 10, 3)), 0.0);
  typed.trajectory = run(lion_optimizer<double>(), 3, 4, 0.01, 10, 3);
  EXPECT_EQ(max_relative_error(typed, run(native_optimizer<double>("lion", nlohmann::json::object()), 3, 4, 0.01, 10, 3)), 0.0);
}

TEST(NativeOptimizers, StepsAllocateNothing) {
  for (const auto& factory : every_native_optimizer<float>()) {
    const auto optimizer = factory(33, 17);
    std::vector<float> weights(33 * 17, 0.5f), gradient(weights.size(), -0.25f);
    optimizer->step(weights, gradient, 0.01f, 1);
    const long before = testing::operator_new_count();
    for (long t = 2; t <= 5; ++t) optimizer->step(weights, gradient, 0.01f, t);
    EXPECT_EQ(testing::operator_new_count() - before, 0);
  }
}

}  // namespace
}  // namespace symopt
