// The digits classifier: dense layers with ReLU between them and softmax cross-entropy on
// top; minibatch s is drawn (with replacement) from the training rows by a counter-based
// generator keyed by (data seed, s).
#include "proxies/digits_classifier_task.h"

#include "proxies/dense_layers.h"
#include "proxies/model_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace symopt {
namespace {

std::vector<int> layer_widths(const DigitsClassifierConfig& config) {
  if (config.hidden_width > 0) return {DigitsData::pixel_count, config.hidden_width, DigitsData::class_count};
  return {DigitsData::pixel_count, DigitsData::class_count};
}

template <class T>
class DigitsClassifierModel final : public ProxyModel<T> {
 public:
  DigitsClassifierModel(const DigitsClassifierConfig& config, std::shared_ptr<const DigitsData> data,
                        std::uint64_t data_seed)
      : config_(config),
        data_(std::move(data)),
        data_seed_(data_seed),
        widths_(layer_widths(config)),
        validation_images_(data_->validation_images.cast<T>()),
        inputs_(config.batch_size, DigitsData::pixel_count),
        labels_(static_cast<std::size_t>(config.batch_size)) {
    // Layer l maps widths_[l] -> widths_[l + 1]; its weight is tensor 2l, its bias 2l + 1.
    for (std::size_t l = 0; l + 1 < widths_.size(); ++l) {
      shapes_.push_back({widths_[l], widths_[l + 1]});
      shapes_.push_back({1, widths_[l + 1]});
      outputs_.emplace_back(config.batch_size, widths_[l + 1]);
      output_gradients_.emplace_back(config.batch_size, widths_[l + 1]);
    }
  }

  std::vector<TensorShape> parameter_shapes() const override { return shapes_; }

  // He initialization for layers followed by a ReLU, LeCun for the logits layer; zero biases.
  void initialize(std::uint64_t seed, std::vector<Tensor<T>>& params) const override {
    zero_parameters(shapes_, params);
    const std::size_t layers = widths_.size() - 1;
    for (std::size_t l = 0; l < layers; ++l) {
      const double gain = l + 1 < layers ? 2.0 : 1.0;
      fill_gaussian(params[2 * l], std::sqrt(gain / widths_[l]), seed, 2 * l);
    }
  }

  T loss_and_gradient(std::span<const Tensor<T>> params, long step, std::span<Tensor<T>> grads) override {
    check_tensor_shapes(params, shapes_, "parameter");
    check_tensor_shapes(grads, shapes_, "gradient");
    const int batch = config_.batch_size;
    const CounterRandom random(data_seed_, static_cast<std::uint64_t>(step));
    const int train_rows = static_cast<int>(data_->train_labels.size());
    for (int i = 0; i < batch; ++i) {
      const int row = random.index_below(static_cast<std::uint64_t>(i), train_rows);
      inputs_.row(i) = data_->train_images.row(row).template cast<T>();
      labels_[static_cast<std::size_t>(i)] = data_->train_labels[static_cast<std::size_t>(row)];
    }
    forward(params, inputs_, batch);

    const std::size_t layers = outputs_.size();
    // The logits become dL/dlogits in place; each layer then passes dL/d(its input) down.
    const T loss = softmax_cross_entropy_backward_in_place<T>(outputs_.back(), labels_);
    for (std::size_t l = layers; l-- > 0;) {
      const RowMatrix<T>& delta = l + 1 == layers ? outputs_.back() : output_gradients_[l];
      const auto& layer_input = l == 0 ? inputs_ : outputs_[l - 1];
      linear_weight_gradient<T>(layer_input, delta, as_matrix(grads[2 * l], shapes_[2 * l]));
      bias_gradient<T>(delta, as_matrix(grads[2 * l + 1], shapes_[2 * l + 1]));
      if (l == 0) break;
      linear_input_gradient<T>(delta, as_matrix(params[2 * l], shapes_[2 * l]), output_gradients_[l - 1]);
      relu_backward<T>(outputs_[l - 1], output_gradients_[l - 1], output_gradients_[l - 1]);
    }
    return loss;
  }

  ValidationMetrics validate(std::span<const Tensor<T>> params) override {
    check_tensor_shapes(params, shapes_, "parameter");
    const int total = DigitsData::validation_rows;
    double loss = 0;
    long correct = 0;
    // In chunks through the training buffers, which are all the model owns.
    for (int first = 0; first < total; first += config_.batch_size) {
      const int rows = std::min(config_.batch_size, total - first);
      forward(params, validation_images_.middleRows(first, rows), rows);
      loss += softmax_cross_entropy_sum<T>(
          outputs_.back().topRows(rows),
          std::span<const int>(data_->validation_labels).subspan(static_cast<std::size_t>(first), rows), &correct);
    }
    return {loss / total, static_cast<double>(correct) / total};
  }

 private:
  // Fills the first `rows` rows of every layer's output (the last holds the logits).
  void forward(std::span<const Tensor<T>> params, ConstMatrixRef<T> inputs, int rows) {
    const std::size_t layers = outputs_.size();
    for (std::size_t l = 0; l < layers; ++l) {
      auto output = outputs_[l].topRows(rows);
      if (l == 0) {
        linear_forward<T>(inputs, as_matrix(params[0], shapes_[0]), output);
      } else {
        linear_forward<T>(outputs_[l - 1].topRows(rows), as_matrix(params[2 * l], shapes_[2 * l]), output);
      }
      add_bias<T>(output, as_matrix(params[2 * l + 1], shapes_[2 * l + 1]));
      if (l + 1 < layers) relu_forward<T>(output, output);
    }
  }

  DigitsClassifierConfig config_;
  std::shared_ptr<const DigitsData> data_;
  std::uint64_t data_seed_;
  std::vector<int> widths_;
  std::vector<TensorShape> shapes_;
  RowMatrix<T> validation_images_;
  RowMatrix<T> inputs_;
  std::vector<int> labels_;
  std::vector<RowMatrix<T>> outputs_;           // per layer: post-activation (last: logits)
  std::vector<RowMatrix<T>> output_gradients_;  // per hidden layer: dL/d(its output)
};

}  // namespace

DigitsClassifierConfig logreg_digits_config(Rung rung) {
  // No width to grow: each rung doubles the batch and takes 5x the steps.
  switch (rung) {
    case Rung::tiny: return {.hidden_width = 0, .batch_size = 32, .steps = 100, .learning_rate = 1e-2};
    case Rung::small: return {.hidden_width = 0, .batch_size = 64, .steps = 500, .learning_rate = 1e-2};
    case Rung::medium: return {.hidden_width = 0, .batch_size = 128, .steps = 2500, .learning_rate = 1e-2};
    case Rung::large: return {.hidden_width = 0, .batch_size = 256, .steps = 12500, .learning_rate = 1e-2};
  }
  throw std::runtime_error("logreg-digits: unknown rung");
}

DigitsClassifierConfig mlp_digits_config(Rung rung) {
  // 4x the width (and 2x the batch once) with 2.5x the steps: ~10x the work per rung.
  switch (rung) {
    case Rung::tiny: return {.hidden_width = 32, .batch_size = 32, .steps = 150, .learning_rate = 1e-2};
    case Rung::small: return {.hidden_width = 128, .batch_size = 64, .steps = 200, .learning_rate = 1e-2};
    case Rung::medium: return {.hidden_width = 512, .batch_size = 64, .steps = 500, .learning_rate = 1e-2};
    case Rung::large: return {.hidden_width = 2048, .batch_size = 64, .steps = 1250, .learning_rate = 1e-2};
  }
  throw std::runtime_error("mlp-digits: unknown rung");
}

std::shared_ptr<const ProxyTask> make_digits_classifier_task(std::string name, Rung rung,
                                                             const DigitsClassifierConfig& config,
                                                             std::shared_ptr<const DigitsData> data) {
  if (config.hidden_width < 0 || config.batch_size < 1 || config.steps < 1) {
    throw std::runtime_error(fmt::format("{}: hidden_width must be >= 0, batch_size and steps >= 1", name));
  }
  TaskDescription description =
      describe_task(std::move(name), rung, config.steps, config.batch_size, config.learning_rate);
  const auto widths = layer_widths(config);
  description.summary =
      config.hidden_width > 0
          ? fmt::format("MLP {}-{}-{} (ReLU) on UCI digits, batch {}", widths[0], widths[1], widths[2],
                        config.batch_size)
          : fmt::format("softmax regression {}-{} on UCI digits, batch {}", widths[0], widths[1],
                        config.batch_size);
  description.has_accuracy = true;
  description.metric = fmt::format("cross-entropy (nats) and accuracy on the {} held-out digits",
                                   DigitsData::validation_rows);
  // Per layer: forward and weight gradient, plus the input gradient above the first layer.
  double flops = 0;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    const double product = 2.0 * config.batch_size * widths[l] * widths[l + 1];
    flops += (l == 0 ? 2.0 : 3.0) * product;
  }
  description.flops_per_step = flops;
  return std::make_shared<ModelTask<DigitsClassifierModel, DigitsClassifierConfig, DigitsData>>(
      std::move(description), config, std::move(data));
}

}  // namespace symopt
