// Test support for whole proxy models: flattening parameter lists for finite differences,
// per-tensor gradient checks, a plain Adam training loop, scratch directories, and the test
// names of suites run once per task.
#pragma once

#include "gradient_check.h"
#include "proxies/proxy_task.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace symopt::testing {

inline Eigen::VectorXd flatten(const std::vector<Tensor<double>>& tensors) {
  Eigen::Index total = 0;
  for (const auto& tensor : tensors) total += tensor.size();
  Eigen::VectorXd flat(total);
  Eigen::Index offset = 0;
  for (const auto& tensor : tensors) {
    flat.segment(offset, tensor.size()) = tensor.matrix();
    offset += tensor.size();
  }
  return flat;
}

inline void unflatten(const Eigen::VectorXd& flat, std::vector<Tensor<double>>& tensors) {
  Eigen::Index offset = 0;
  for (auto& tensor : tensors) {
    tensor = flat.segment(offset, tensor.size()).array();
    offset += tensor.size();
  }
}

// For each parameter tensor of the model, the norm-wise relative error of loss_and_gradient's
// gradient on minibatch `step` against finite differences, at the seed's initialization
// perturbed by `perturbation` (so that zero-initialized tensors are generic too).
inline std::vector<double> per_tensor_gradient_errors(ProxyModel<double>& model, std::uint64_t seed, long step,
                                                      double perturbation, int directions) {
  std::vector<Tensor<double>> params;
  model.initialize(seed, params);
  Eigen::VectorXd point = flatten(params);
  point += random_vector(point.size(), seed + 1000, perturbation);
  unflatten(point, params);
  std::vector<Tensor<double>> grads = params;
  model.loss_and_gradient(params, step, grads);
  const Eigen::VectorXd gradient = flatten(grads);

  std::vector<Tensor<double>> scratch_params = params, scratch_grads = grads;
  auto loss = [&](const Eigen::VectorXd& x) {
    unflatten(x, scratch_params);
    return static_cast<double>(model.loss_and_gradient(scratch_params, step, scratch_grads));
  };
  std::vector<double> errors;
  Eigen::Index offset = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Eigen::Index size = params[i].size();
    errors.push_back(gradient_relative_error(loss, point, gradient, offset, offset + size, directions, seed + i));
    offset += size;
  }
  return errors;
}

struct TrainingResult {
  ValidationMetrics before, after;
  double last_loss = 0;
};

// Adam (beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected) in float32 for `steps` steps.
inline TrainingResult train_with_adam(const ProxyTask& task, int steps, double learning_rate,
                                      std::uint64_t seed) {
  auto model = task.make_model_f32(seed);
  std::vector<Tensor<float>> params;
  model->initialize(seed, params);
  std::vector<Tensor<float>> grads = params, first_moment = params, second_moment = params;
  for (std::size_t i = 0; i < params.size(); ++i) {
    first_moment[i].setZero();
    second_moment[i].setZero();
  }
  TrainingResult result;
  result.before = model->validate(params);
  for (int step = 0; step < steps; ++step) {
    result.last_loss = model->loss_and_gradient(params, step, grads);
    const double correction1 = 1 - std::pow(0.9, step + 1), correction2 = 1 - std::pow(0.999, step + 1);
    for (std::size_t i = 0; i < params.size(); ++i) {
      first_moment[i] = 0.9f * first_moment[i] + 0.1f * grads[i];
      second_moment[i] = 0.999f * second_moment[i] + 0.001f * grads[i].square();
      params[i] -= static_cast<float>(learning_rate / correction1) * first_moment[i] /
                   ((second_moment[i] / static_cast<float>(correction2)).sqrt() + 1e-8f);
    }
  }
  result.after = model->validate(params);
  return result;
}

// A fresh, empty directory removed when the test ends.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            (std::string("symopt_proxies_") + test->test_suite_name() + "_" + test->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// gtest names for a suite instantiated over task_names(): "mlp-digits" -> "mlp_digits".
inline std::string task_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) c = c == '-' ? '_' : c;
  return name;
}

}  // namespace symopt::testing
