// The ProxyTask contract: rung names, sane descriptions, a ladder growing ~10x in compute,
// deterministic initialization and minibatches, and validation independent of the data seed.
#include "model_test_support.h"

#include <gtest/gtest.h>

#include <cmath>

namespace symopt {
namespace {

constexpr Rung all_rungs[] = {Rung::tiny, Rung::small, Rung::medium, Rung::large};

TEST(Rungs, NamesRoundTripAndUnknownNamesAreRejected) {
  for (const Rung rung : all_rungs) EXPECT_EQ(parse_rung(rung_name(rung)), rung);
  EXPECT_EQ(rung_name(Rung::medium), "medium");
  EXPECT_FALSE(parse_rung("huge").has_value());
  EXPECT_FALSE(parse_rung("").has_value());
}

TEST(Registry, ListsTheFiveTasksAndRejectsUnknownNames) {
  EXPECT_EQ(task_names().size(), 5u);
  try {
    load_task("no-such-task", Rung::tiny, default_data_dir());
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("no-such-task"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(std::filesystem::exists(default_data_dir() / "digits.csv.gz")) << default_data_dir();
}

class TaskContract : public ::testing::TestWithParam<std::string> {};

TEST_P(TaskContract, DescriptionsAreSaneAndTheLadderGrowsAboutTenfold) {
  double previous_compute = 0;
  for (const Rung rung : all_rungs) {
    const auto task = load_task(GetParam(), rung, default_data_dir());
    const TaskDescription& description = task->description();
    SCOPED_TRACE(std::string(rung_name(rung)));
    EXPECT_EQ(description.name, GetParam());
    EXPECT_EQ(description.rung, rung);
    EXPECT_GT(description.steps, 0);
    EXPECT_GE(description.batch_size, 0);
    EXPECT_EQ(description.batch_size == 0, GetParam() == "quadratic");  // only it has no minibatches
    EXPECT_TRUE(std::isfinite(description.learning_rate));
    EXPECT_GT(description.learning_rate, 1e-5);
    EXPECT_LT(description.learning_rate, 1.0);
    EXPECT_FALSE(description.summary.empty());
    EXPECT_FALSE(description.metric.empty());
    EXPECT_GT(description.flops_per_step, 0);
    const double compute = description.flops_per_step * description.steps;
    if (previous_compute > 0) {
      // "About 10x" per rung: within 30% of it in the flop estimate.
      EXPECT_GT(compute / previous_compute, 7.0);
      EXPECT_LT(compute / previous_compute, 13.0);
    }
    previous_compute = compute;
  }
}

TEST_P(TaskContract, InitializationIsAPureFunctionOfTheSeed) {
  const auto task = load_task(GetParam(), Rung::tiny, default_data_dir());
  auto model = task->make_model_f32(1);
  std::vector<Tensor<float>> first, again, other;
  model->initialize(42, first);
  model->initialize(42, again);
  model->initialize(43, other);
  const auto shapes = model->parameter_shapes();
  ASSERT_EQ(first.size(), shapes.size());
  bool any_difference = false;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    ASSERT_EQ(first[i].size(), shapes[i].size());
    EXPECT_TRUE((first[i] == again[i]).all()) << "tensor " << i;
    any_difference = any_difference || (first[i] != other[i]).any();
  }
  EXPECT_TRUE(any_difference);
  // The f64 model starts from the same point.
  std::vector<Tensor<double>> wide;
  task->make_model_f64(1)->initialize(42, wide);
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    EXPECT_LT((wide[i].cast<float>() - first[i]).abs().maxCoeff(), 1e-6f) << "tensor " << i;
  }
}

TEST_P(TaskContract, MinibatchesArePureFunctionsOfDataSeedAndStep) {
  const auto task = load_task(GetParam(), Rung::tiny, default_data_dir());
  auto model = task->make_model_f32(7);
  auto twin = task->make_model_f32(7);
  auto other_seed = task->make_model_f32(8);
  std::vector<Tensor<float>> params;
  model->initialize(1, params);
  auto grads = params, twin_grads = params;
  const float loss_step_3 = model->loss_and_gradient(params, 3, grads);
  const float loss_step_4 = model->loss_and_gradient(params, 4, twin_grads);
  EXPECT_NE(loss_step_3, loss_step_4);
  // Same step again, after other steps and on another instance: bit-identical.
  EXPECT_EQ(model->loss_and_gradient(params, 3, twin_grads), loss_step_3);
  twin->loss_and_gradient(params, 100, twin_grads);
  EXPECT_EQ(twin->loss_and_gradient(params, 3, twin_grads), loss_step_3);
  for (std::size_t i = 0; i < grads.size(); ++i) EXPECT_TRUE((grads[i] == twin_grads[i]).all()) << "tensor " << i;
  EXPECT_NE(other_seed->loss_and_gradient(params, 3, twin_grads), loss_step_3);
}

TEST_P(TaskContract, ValidationIsFixedAcrossDataSeedsAndRepeatable) {
  const auto task = load_task(GetParam(), Rung::tiny, default_data_dir());
  auto model = task->make_model_f32(7);
  std::vector<Tensor<float>> params;
  model->initialize(1, params);
  const ValidationMetrics first = model->validate(params);
  EXPECT_TRUE(std::isfinite(first.loss));
  EXPECT_GT(first.loss, 0);
  EXPECT_EQ(model->validate(params).loss, first.loss);
  const ValidationMetrics other = task->make_model_f32(8)->validate(params);
  EXPECT_EQ(other.loss, first.loss);
  const bool classifier = GetParam() == "logreg-digits" || GetParam() == "mlp-digits";
  EXPECT_EQ(first.accuracy.has_value(), classifier);
  EXPECT_EQ(task->description().has_accuracy, classifier);
}

TEST_P(TaskContract, WrongParameterShapesAreRejected) {
  const auto task = load_task(GetParam(), Rung::tiny, default_data_dir());
  auto model = task->make_model_f32(7);
  std::vector<Tensor<float>> params;
  model->initialize(1, params);
  auto grads = params;
  params.back().resize(params.back().size() + 1);
  EXPECT_THROW(model->loss_and_gradient(params, 0, grads), std::runtime_error);
  EXPECT_THROW(model->validate(params), std::runtime_error);
  params.pop_back();
  EXPECT_THROW(model->validate(params), std::runtime_error);
}

INSTANTIATE_TEST_SUITE_P(AllTasks, TaskContract, ::testing::ValuesIn(task_names()),
                         testing::task_test_name);

}  // namespace
}  // namespace symopt
