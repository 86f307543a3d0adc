// Shared plumbing for the proxy tasks: the ProxyTask that pairs a description with a model
// type, the description's common fields, argument checks for the model entry points, and seeded parameter initialization.
#pragma once

#include "proxies/counter_random.h"
#include "proxies/proxy_task.h"

#include <fmt/format.h>

#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace symopt {

// A task whose models are Model<float> / Model<double>, each constructed from
// (config, shared data, data seed). The data is loaded once and shared by every model.
template <template <class> class Model, class Config, class Data>
class ModelTask final : public ProxyTask {
 public:
  ModelTask(TaskDescription description, Config config, std::shared_ptr<const Data> data)
      : description_(std::move(description)), config_(std::move(config)), data_(std::move(data)) {}

  const TaskDescription& description() const override { return description_; }
  std::unique_ptr<ProxyModel<float>> make_model_f32(std::uint64_t data_seed) const override {
    return std::make_unique<Model<float>>(config_, data_, data_seed);
  }
  std::unique_ptr<ProxyModel<double>> make_model_f64(std::uint64_t data_seed) const override {
    return std::make_unique<Model<double>>(config_, data_, data_seed);
  }

 private:
  TaskDescription description_;
  Config config_;
  std::shared_ptr<const Data> data_;
};

// The fields every task's description starts from (batch_size 0: no minibatches); the
// factory adds the summary, the metric and the FLOPs per step.
inline TaskDescription describe_task(std::string name, Rung rung, int steps, int batch_size, double learning_rate) {
  TaskDescription description;
  description.name = std::move(name);
  description.rung = rung;
  description.steps = steps;
  description.batch_size = batch_size;
  description.learning_rate = learning_rate;
  return description;
}

// Throws unless `tensors` has exactly the given shapes; `what` names them in the message.
template <class T>
void check_tensor_shapes(std::span<const Tensor<T>> tensors, const std::vector<TensorShape>& shapes,
                         const char* what) {
  if (tensors.size() != shapes.size()) {
    throw std::runtime_error(
        fmt::format("proxy model: expected {} {} tensors, got {}", shapes.size(), what, tensors.size()));
  }
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (tensors[i].size() != shapes[i].size()) {
      throw std::runtime_error(fmt::format("proxy model: {} tensor {} has {} elements, expected {} ({}x{})",
                                           what, i, tensors[i].size(), shapes[i].size(),
                                           shapes[i].rows, shapes[i].cols));
    }
  }
}

template <class T>
void check_tensor_shapes(std::span<Tensor<T>> tensors, const std::vector<TensorShape>& shapes,
                         const char* what) {
  check_tensor_shapes(std::span<const Tensor<T>>(tensors.data(), tensors.size()), shapes, what);
}

// Resizes params to the shapes, all zero.
template <class T>
void zero_parameters(const std::vector<TensorShape>& shapes, std::vector<Tensor<T>>& params) {
  params.resize(shapes.size());
  for (std::size_t i = 0; i < shapes.size(); ++i) params[i] = Tensor<T>::Zero(shapes[i].size());
}

// tensor = N(0, stddev^2) entries drawn from stream `stream` of the seed.
template <class T>
void fill_gaussian(Tensor<T>& tensor, double stddev, std::uint64_t seed, std::uint64_t stream) {
  const CounterRandom random(seed, stream);
  for (Eigen::Index i = 0; i < tensor.size(); ++i) {
    tensor[i] = static_cast<T>(stddev * random.gaussian(static_cast<std::uint64_t>(i)));
  }
}

}  // namespace symopt
