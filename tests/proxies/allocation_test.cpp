// The training hot path allocates nothing: after construction and a first step, further
// loss_and_gradient and validate calls make no heap allocation. Counted by interposing malloc
// (glibc) in this test executable, which sees Eigen's and operator new's allocations alike.
#include "model_test_support.h"
#include "malloc_counter.h"

#include "sanitizer_build.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>

namespace symopt {
namespace {

template <class T>
void expect_no_allocations(const ProxyTask& task) {
  auto model = [&] {
    if constexpr (std::is_same_v<T, float>) {
      return task.make_model_f32(1);
    } else {
      return task.make_model_f64(1);
    }
  }();
  std::vector<Tensor<T>> params;
  model->initialize(2, params);
  auto grads = params;
  model->loss_and_gradient(params, 0, grads);
  model->validate(params);

  const long before = allocation_count.load();
  for (long step = 1; step <= 3; ++step) model->loss_and_gradient(params, step, grads);
  model->validate(params);
  EXPECT_EQ(allocation_count.load() - before, 0) << task.description().name << " " << rung_name(task.description().rung);
}

TEST(Allocation, CounterSeesEigenAllocations) {
  SYMOPT_SKIP_UNDER_SANITIZERS();
  const long before = allocation_count.load();
  Eigen::VectorXf vector(1000);
  vector.setZero();
  EXPECT_GT(allocation_count.load() - before, 0);
}

class NoAllocation : public ::testing::TestWithParam<std::string> {};

TEST_P(NoAllocation, TinyAndSmallRungsStepAndValidateWithoutAllocating) {
  SYMOPT_SKIP_UNDER_SANITIZERS();
  for (const Rung rung : {Rung::tiny, Rung::small}) {
    const auto task = load_task(GetParam(), rung, default_data_dir());
    expect_no_allocations<float>(*task);
    expect_no_allocations<double>(*task);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTasks, NoAllocation, ::testing::ValuesIn(task_names()),
                         testing::task_test_name);

}  // namespace
}  // namespace symopt
