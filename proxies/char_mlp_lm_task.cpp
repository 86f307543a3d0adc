// The character MLP language model. Minibatch s predicts the characters at positions drawn
// (with replacement) from the training text by a counter-based generator keyed by
// (data seed, s); validation predicts a fixed, evenly spaced set of validation positions.
#include "proxies/char_mlp_lm_task.h"

#include "proxies/dense_layers.h"
#include "proxies/model_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace symopt {
namespace {

enum Parameter { embedding, hidden_weight, hidden_bias, output_weight, output_bias };

std::vector<TensorShape> char_mlp_shapes(const CharMlpLmConfig& config, int vocabulary) {
  return {{vocabulary, config.embedding_width},
          {config.context * config.embedding_width, config.hidden_width},
          {1, config.hidden_width},
          {config.hidden_width, vocabulary},
          {1, vocabulary}};
}

template <class T>
class CharMlpLmModel final : public ProxyModel<T> {
 public:
  CharMlpLmModel(const CharMlpLmConfig& config, std::shared_ptr<const TextCorpus> text, std::uint64_t data_seed)
      : config_(config),
        text_(std::move(text)),
        data_seed_(data_seed),
        shapes_(char_mlp_shapes(config, text_->vocabulary_size())),
        context_ids_(static_cast<std::size_t>(config.batch_size * config.context)),
        targets_(static_cast<std::size_t>(config.batch_size)),
        inputs_(config.batch_size, config.context * config.embedding_width),
        hidden_(config.batch_size, config.hidden_width),
        logits_(config.batch_size, text_->vocabulary_size()),
        hidden_gradient_(config.batch_size, config.hidden_width),
        input_gradient_(config.batch_size, config.context * config.embedding_width) {}

  std::vector<TensorShape> parameter_shapes() const override { return shapes_; }

  // Unit-variance embeddings, LeCun hidden weights (tanh stays unsaturated), and a small
  // output layer so that training starts near the uniform prediction.
  void initialize(std::uint64_t seed, std::vector<Tensor<T>>& params) const override {
    zero_parameters(shapes_, params);
    fill_gaussian(params[embedding], 1.0, seed, embedding);
    fill_gaussian(params[hidden_weight], 1.0 / std::sqrt(shapes_[hidden_weight].rows), seed, hidden_weight);
    fill_gaussian(params[output_weight], 0.1 / std::sqrt(shapes_[output_weight].rows), seed, output_weight);
  }

  T loss_and_gradient(std::span<const Tensor<T>> params, long step, std::span<Tensor<T>> grads) override {
    check_tensor_shapes(params, shapes_, "parameter");
    check_tensor_shapes(grads, shapes_, "gradient");
    const std::vector<int>& tokens = text_->train_tokens;
    const CounterRandom random(data_seed_, static_cast<std::uint64_t>(step));
    const int first_target = config_.context;
    const int positions = static_cast<int>(tokens.size()) - first_target;
    for (int i = 0; i < config_.batch_size; ++i) {
      set_example(tokens, first_target + random.index_below(static_cast<std::uint64_t>(i), positions), i);
    }
    forward(params, config_.batch_size);

    const T loss = softmax_cross_entropy_backward_in_place<T>(logits_, targets_);
    const auto& logits_gradient = logits_;
    linear_weight_gradient<T>(hidden_, logits_gradient, as_matrix(grads[output_weight], shapes_[output_weight]));
    bias_gradient<T>(logits_gradient, as_matrix(grads[output_bias], shapes_[output_bias]));
    linear_input_gradient<T>(logits_gradient, as_matrix(params[output_weight], shapes_[output_weight]),
                             hidden_gradient_);
    tanh_backward<T>(hidden_, hidden_gradient_, hidden_gradient_);
    linear_weight_gradient<T>(inputs_, hidden_gradient_, as_matrix(grads[hidden_weight], shapes_[hidden_weight]));
    bias_gradient<T>(hidden_gradient_, as_matrix(grads[hidden_bias], shapes_[hidden_bias]));
    linear_input_gradient<T>(hidden_gradient_, as_matrix(params[hidden_weight], shapes_[hidden_weight]),
                             input_gradient_);
    auto embedding_gradient = as_matrix(grads[embedding], shapes_[embedding]);
    embedding_gradient.setZero();
    embedding_backward<T>(per_character(input_gradient_, config_.batch_size), context_ids_, embedding_gradient);
    return loss;
  }

  ValidationMetrics validate(std::span<const Tensor<T>> params) override {
    check_tensor_shapes(params, shapes_, "parameter");
    const std::vector<int>& tokens = text_->validation_tokens;
    const int first_target = config_.context;
    const long span = static_cast<long>(tokens.size()) - first_target;
    const int total = config_.validation_positions;
    double loss = 0;
    for (int first = 0; first < total; first += config_.batch_size) {
      const int rows = std::min(config_.batch_size, total - first);
      for (int i = 0; i < rows; ++i) {
        set_example(tokens, first_target + static_cast<int>((first + i) * span / total), i);
      }
      forward(params, rows);
      loss += softmax_cross_entropy_sum<T>(logits_.topRows(rows),
                                           std::span<const int>(targets_).first(static_cast<std::size_t>(rows)));
    }
    return {loss / total, std::nullopt};
  }

 private:
  // Row `row` of the batch predicts tokens[position] from the `context` tokens before it.
  void set_example(const std::vector<int>& tokens, int position, int row) {
    const auto first = static_cast<std::size_t>(position - config_.context);
    std::copy_n(tokens.begin() + static_cast<long>(first), config_.context,
                context_ids_.begin() + static_cast<long>(row) * config_.context);
    targets_[static_cast<std::size_t>(row)] = tokens[static_cast<std::size_t>(position)];
  }

  // A batch x (context * width) matrix seen as (batch * context) x width: one row per
  // character, in the order of context_ids_, since rows are stored contiguously.
  Eigen::Map<RowMatrix<T>> per_character(RowMatrix<T>& matrix, int rows) {
    return {matrix.data(), static_cast<Eigen::Index>(rows) * config_.context, config_.embedding_width};
  }

  void forward(std::span<const Tensor<T>> params, int rows) {
    const auto ids = std::span<const int>(context_ids_).first(static_cast<std::size_t>(rows * config_.context));
    embedding_forward<T>(as_matrix(params[embedding], shapes_[embedding]), ids, per_character(inputs_, rows));
    auto hidden = hidden_.topRows(rows);
    linear_forward<T>(inputs_.topRows(rows), as_matrix(params[hidden_weight], shapes_[hidden_weight]), hidden);
    add_bias<T>(hidden, as_matrix(params[hidden_bias], shapes_[hidden_bias]));
    tanh_forward<T>(hidden, hidden);
    auto logits = logits_.topRows(rows);
    linear_forward<T>(hidden, as_matrix(params[output_weight], shapes_[output_weight]), logits);
    add_bias<T>(logits, as_matrix(params[output_bias], shapes_[output_bias]));
  }

  CharMlpLmConfig config_;
  std::shared_ptr<const TextCorpus> text_;
  std::uint64_t data_seed_;
  std::vector<TensorShape> shapes_;
  std::vector<int> context_ids_;  // batch x context, row-major
  std::vector<int> targets_;
  RowMatrix<T> inputs_;  // concatenated context embeddings
  RowMatrix<T> hidden_;  // after tanh
  RowMatrix<T> logits_;  // becomes dL/dlogits in the backward pass
  RowMatrix<T> hidden_gradient_;
  RowMatrix<T> input_gradient_;
};

}  // namespace

CharMlpLmConfig char_mlp_lm_config(Rung rung) {
  switch (rung) {
    case Rung::tiny:
      return {.context = 3, .embedding_width = 8, .hidden_width = 32, .batch_size = 32, .steps = 150,
              .validation_positions = 1024, .learning_rate = 1e-2};
    case Rung::small:
      return {.context = 4, .embedding_width = 16, .hidden_width = 64, .batch_size = 64, .steps = 300,
              .validation_positions = 2048, .learning_rate = 1e-2};
    case Rung::medium:
      return {.context = 6, .embedding_width = 16, .hidden_width = 256, .batch_size = 64, .steps = 600,
              .validation_positions = 4096, .learning_rate = 1e-2};
    case Rung::large:
      return {.context = 8, .embedding_width = 32, .hidden_width = 1024, .batch_size = 64, .steps = 800,
              .validation_positions = 8192, .learning_rate = 1e-2};
  }
  throw std::runtime_error("char-mlp-lm: unknown rung");
}

std::shared_ptr<const ProxyTask> make_char_mlp_lm_task(Rung rung, const CharMlpLmConfig& config,
                                                       std::shared_ptr<const TextCorpus> text) {
  if (config.context < 1 || config.embedding_width < 1 || config.hidden_width < 1 || config.batch_size < 1 ||
      config.steps < 1 || config.validation_positions < 1) {
    throw std::runtime_error("char-mlp-lm: every size must be >= 1");
  }
  check_text_fits_context(*text, config.context, "char-mlp-lm");
  TaskDescription description =
      describe_task("char-mlp-lm", rung, config.steps, config.batch_size, config.learning_rate);
  const int vocabulary = text->vocabulary_size();
  description.summary = fmt::format(
      "char MLP LM: {} previous chars x {}-dim embedding, tanh hidden {}, softmax over {} bytes, batch {}",
      config.context, config.embedding_width, config.hidden_width, vocabulary, config.batch_size);
  description.metric = fmt::format("cross-entropy per character (nats) at {} positions of the held-out last 10% of the text",
                                   config.validation_positions);
  // Both layers: forward, weight gradient and input gradient.
  const double inputs = static_cast<double>(config.context) * config.embedding_width;
  description.flops_per_step =
      3.0 * 2.0 * config.batch_size * config.hidden_width * (inputs + vocabulary);
  return std::make_shared<ModelTask<CharMlpLmModel, CharMlpLmConfig, TextCorpus>>(std::move(description), config,
                                                                                 std::move(text));
}

}  // namespace symopt
