// A few hundred steps of plain Adam at each task's learning rate must clearly lower the
// validation loss: a check that the gradients point the right way on real data.
#include "model_test_support.h"

#include <gtest/gtest.h>

namespace symopt {
namespace {

class TaskTraining : public ::testing::TestWithParam<std::string> {};

TEST_P(TaskTraining, AdamLowersTheValidationLoss) {
  const auto task = load_task(GetParam(), Rung::tiny, default_data_dir());
  const TaskDescription& description = task->description();
  const auto result = testing::train_with_adam(*task, 300, description.learning_rate, 3);
  SCOPED_TRACE(description.summary);
  EXPECT_TRUE(std::isfinite(result.after.loss));
  EXPECT_LT(result.after.loss, 0.75 * result.before.loss)
      << "before " << result.before.loss << " after " << result.after.loss;
  if (result.after.accuracy) {
    EXPECT_GT(*result.after.accuracy, 0.85);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTasks, TaskTraining, ::testing::ValuesIn(task_names()),
                         testing::task_test_name);

}  // namespace
}  // namespace symopt
