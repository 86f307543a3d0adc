// Test support for the evaluator: a tiny separable quadratic task whose SGD trajectory has a
// closed form, so the trainer can be checked against an exact oracle. Two parameter tensors
// (2x3 and 1x4); f(w) = 1/2 sum_i h_i (w_i - c_i)^2 with curvatures h_i log-spaced in
// [1/condition, 1]; the step-s gradient adds noise_scale * z_{s,i} (seeded by the data seed).
#pragma once

#include "proxies/counter_random.h"
#include "proxies/proxy_task.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace symopt::testing {

struct FakeQuadraticConfig {
  std::string name = "fake-quadratic";
  double condition = 100;
  double noise_scale = 0;
  int steps = 40;
  double learning_rate = 0.1;
};

inline FakeQuadraticConfig fake_config(int steps, double learning_rate, double noise_scale = 0) {
  FakeQuadraticConfig config;
  config.steps = steps;
  config.learning_rate = learning_rate;
  config.noise_scale = noise_scale;
  return config;
}

inline const std::vector<TensorShape>& fake_shapes() {
  static const std::vector<TensorShape> shapes = {{2, 3}, {1, 4}};
  return shapes;
}

// Coordinate k over all tensors, in order (k = 0 .. 9).
inline double fake_curvature(const FakeQuadraticConfig& config, int k) {
  return std::pow(config.condition, -k / 9.0);
}
inline double fake_target(int k) { return 0.3 * k - 1.0; }
inline double fake_initial_weight(std::uint64_t seed, int k) {
  return CounterRandom(seed, 7).gaussian(static_cast<std::uint64_t>(k));
}
inline double fake_noise(std::uint64_t data_seed, long step, int k) {
  return CounterRandom(data_seed, 1000 + static_cast<std::uint64_t>(step)).gaussian(static_cast<std::uint64_t>(k));
}

template <class T>
class FakeQuadraticModel final : public ProxyModel<T> {
 public:
  FakeQuadraticModel(FakeQuadraticConfig config, std::uint64_t data_seed) : config_(std::move(config)), data_seed_(data_seed) {}
  std::vector<TensorShape> parameter_shapes() const override { return fake_shapes(); }
  void initialize(std::uint64_t seed, std::vector<Tensor<T>>& params) const override {
    params.clear();
    int k = 0;
    for (const TensorShape& shape : fake_shapes()) {
      Tensor<T> tensor(shape.size());
      for (long i = 0; i < shape.size(); ++i) tensor[i] = static_cast<T>(fake_initial_weight(seed, k++));
      params.push_back(std::move(tensor));
    }
  }
  T loss_and_gradient(std::span<const Tensor<T>> params, long step, std::span<Tensor<T>> grads) override {
    T loss = 0;
    int k = 0;
    for (std::size_t t = 0; t < params.size(); ++t) {
      for (long i = 0; i < params[t].size(); ++i, ++k) {
        const T difference = params[t][i] - static_cast<T>(fake_target(k));
        const T curvature = static_cast<T>(fake_curvature(config_, k));
        const T noise = static_cast<T>(config_.noise_scale * fake_noise(data_seed_, step, k));
        loss += T(0.5) * curvature * difference * difference + noise * params[t][i];
        grads[t][i] = curvature * difference + noise;
      }
    }
    return loss;
  }
  ValidationMetrics validate(std::span<const Tensor<T>> params) override {
    double loss = 0;
    int k = 0;
    for (std::size_t t = 0; t < params.size(); ++t) {
      for (long i = 0; i < params[t].size(); ++i, ++k) {
        const double difference = static_cast<double>(params[t][i]) - fake_target(k);
        loss += 0.5 * fake_curvature(config_, k) * difference * difference;
      }
    }
    return {loss, std::nullopt};
  }

 private:
  FakeQuadraticConfig config_;
  std::uint64_t data_seed_;
};

class FakeQuadraticTask final : public ProxyTask {
 public:
  explicit FakeQuadraticTask(FakeQuadraticConfig config) : config_(std::move(config)) {
    description_.name = config_.name;
    description_.steps = config_.steps;
    description_.learning_rate = config_.learning_rate;
    description_.summary = "test quadratic, 10 coordinates in two tensors";
    description_.flops_per_step = 40;
  }
  const TaskDescription& description() const override { return description_; }
  std::unique_ptr<ProxyModel<float>> make_model_f32(std::uint64_t data_seed) const override {
    return std::make_unique<FakeQuadraticModel<float>>(config_, data_seed);
  }
  std::unique_ptr<ProxyModel<double>> make_model_f64(std::uint64_t data_seed) const override {
    return std::make_unique<FakeQuadraticModel<double>>(config_, data_seed);
  }

 private:
  FakeQuadraticConfig config_;
  TaskDescription description_;
};

inline std::shared_ptr<const ProxyTask> make_fake_task(FakeQuadraticConfig config = {}) {
  return std::make_shared<FakeQuadraticTask>(std::move(config));
}

}  // namespace symopt::testing
