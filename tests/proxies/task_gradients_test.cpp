// Every task's loss_and_gradient, tensor by tensor, against float64 central finite
// differences of its own loss, on the tiny rung and on a two-layer transformer.
#include "model_test_support.h"
#include "proxies/text_data.h"
#include "proxies/transformer_lm_task.h"

#include <gtest/gtest.h>

namespace symopt {
namespace {

constexpr double tolerance = 1e-6;

void expect_exact_gradient(const ProxyTask& task, std::uint64_t seed) {
  auto model = task.make_model_f64(seed);
  const auto errors = testing::per_tensor_gradient_errors(*model, seed, /*step=*/7, /*perturbation=*/0.1,
                                                          /*directions=*/3);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EXPECT_LT(errors[i], tolerance) << task.description().name << " tensor " << i;
  }
}

class TinyTaskGradient : public ::testing::TestWithParam<std::string> {};

TEST_P(TinyTaskGradient, EveryTensorMatchesFiniteDifferences) {
  expect_exact_gradient(*load_task(GetParam(), Rung::tiny, default_data_dir()), 5);
}

INSTANTIATE_TEST_SUITE_P(AllTasks, TinyTaskGradient, ::testing::ValuesIn(task_names()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

TEST(TaskGradient, TwoLayerFourHeadTransformerMatchesFiniteDifferences) {
  const TransformerLmConfig config{.width = 8, .layers = 2, .heads = 4, .context = 6, .batch_size = 3,
                                   .steps = 1, .validation_sequences = 3};
  const auto task = make_transformer_lm_task(Rung::tiny, config,
                                             load_text_corpus(default_data_dir() / "english_fortunes.txt"));
  expect_exact_gradient(*task, 9);
}

}  // namespace
}  // namespace symopt
