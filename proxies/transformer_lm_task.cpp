// The tiny transformer language model. Per layer (pre-LN, GPT-2 style, no linear biases):
//   x = x + (causal multi-head attention of LN1(x)) W_out,  x = x + relu(LN2(x) W_in) W_mlp_out,
// then logits = LN_final(x) W_unembed. Minibatch s is `batch_size` windows of context + 1
// characters at positions drawn from the training text by a counter-based generator keyed by
// (data seed, s); every position predicts its next character. Validation reads a fixed set of
// evenly spaced windows of the validation text.
#include "proxies/transformer_lm_task.h"

#include "proxies/attention_layer.h"
#include "proxies/dense_layers.h"
#include "proxies/model_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace symopt {
namespace {

// Parameter order: token embedding, position embedding, eight tensors per layer, then the
// final layer norm and the unembedding.
constexpr int token_embedding = 0;
constexpr int position_embedding = 1;
enum LayerParameter { ln1_gain, ln1_bias, attention_qkv, attention_output, ln2_gain, ln2_bias, mlp_in, mlp_out };
constexpr int parameters_per_layer = 8;

int layer_parameter(int layer, LayerParameter which) { return 2 + layer * parameters_per_layer + which; }
int final_ln_gain(int layers) { return 2 + layers * parameters_per_layer; }
int final_ln_bias(int layers) { return final_ln_gain(layers) + 1; }
int unembedding(int layers) { return final_ln_gain(layers) + 2; }

std::vector<TensorShape> transformer_shapes(const TransformerLmConfig& config, int vocabulary) {
  const int width = config.width;
  std::vector<TensorShape> shapes = {{vocabulary, width}, {config.context, width}};
  for (int layer = 0; layer < config.layers; ++layer) {
    shapes.insert(shapes.end(), {{1, width}, {1, width}, {width, 3 * width}, {width, width},
                                 {1, width}, {1, width}, {width, 4 * width}, {4 * width, width}});
  }
  shapes.insert(shapes.end(), {{1, width}, {1, width}, {width, vocabulary}});
  return shapes;
}

// What one layer's forward pass keeps for its backward pass; rows are tokens.
template <class T>
struct LayerActivations {
  LayerActivations(int tokens, int sequences, const TransformerLmConfig& config)
      : input(tokens, config.width),
        ln1_normalized(tokens, config.width),
        ln1_output(tokens, config.width),
        ln1_inverse_std(static_cast<std::size_t>(tokens)),
        qkv(tokens, 3 * config.width),
        probabilities(sequences * config.heads * config.context, config.context),
        attention(tokens, config.width),
        middle(tokens, config.width),
        ln2_normalized(tokens, config.width),
        ln2_output(tokens, config.width),
        ln2_inverse_std(static_cast<std::size_t>(tokens)),
        mlp_hidden(tokens, 4 * config.width) {}

  RowMatrix<T> input;  // the residual stream entering the layer
  RowMatrix<T> ln1_normalized, ln1_output;
  std::vector<T> ln1_inverse_std;
  RowMatrix<T> qkv, probabilities, attention;  // attention: heads' outputs, concatenated
  RowMatrix<T> middle;  // the residual stream after the attention block
  RowMatrix<T> ln2_normalized, ln2_output;
  std::vector<T> ln2_inverse_std;
  RowMatrix<T> mlp_hidden;  // after the ReLU
};

template <class T>
class TransformerLmModel final : public ProxyModel<T> {
 public:
  TransformerLmModel(const TransformerLmConfig& config, std::shared_ptr<const TextCorpus> text,
                     std::uint64_t data_seed)
      : config_(config),
        text_(std::move(text)),
        data_seed_(data_seed),
        shapes_(transformer_shapes(config, text_->vocabulary_size())),
        tokens_(config.batch_size * config.context),
        input_ids_(static_cast<std::size_t>(tokens_)),
        target_ids_(static_cast<std::size_t>(tokens_)),
        final_input_(tokens_, config.width),
        final_normalized_(tokens_, config.width),
        final_output_(tokens_, config.width),
        final_inverse_std_(static_cast<std::size_t>(tokens_)),
        logits_(tokens_, text_->vocabulary_size()),
        residual_gradient_(tokens_, config.width),
        normalized_gradient_(tokens_, config.width),
        attention_gradient_(tokens_, config.width),
        qkv_gradient_(tokens_, 3 * config.width),
        mlp_gradient_(tokens_, 4 * config.width),
        score_gradient_(config.context, config.context) {
    for (int layer = 0; layer < config.layers; ++layer) layers_.emplace_back(tokens_, config.batch_size, config);
  }

  std::vector<TensorShape> parameter_shapes() const override { return shapes_; }

  // GPT-2's scheme: every matrix and embedding N(0, 0.02^2), the two projections into the
  // residual stream further scaled by 1/sqrt(2 layers), layer norms starting as the identity.
  // This small init matters: with it Lion beats AdamW at their best rates on the tiny rung
  // (as in larger models); with 1/sqrt(fan_in) matrices and unit embeddings it does not.
  void initialize(std::uint64_t seed, std::vector<Tensor<T>>& params) const override {
    constexpr double stddev = 0.02;
    zero_parameters(shapes_, params);
    auto fill = [&](int index, double scale) { fill_gaussian(params[index], scale, seed, index); };
    const double residual_stddev = stddev / std::sqrt(2.0 * config_.layers);
    fill(token_embedding, stddev);
    fill(position_embedding, stddev);
    for (int layer = 0; layer < config_.layers; ++layer) {
      params[layer_parameter(layer, ln1_gain)].setOnes();
      params[layer_parameter(layer, ln2_gain)].setOnes();
      fill(layer_parameter(layer, attention_qkv), stddev);
      fill(layer_parameter(layer, attention_output), residual_stddev);
      fill(layer_parameter(layer, mlp_in), stddev);
      fill(layer_parameter(layer, mlp_out), residual_stddev);
    }
    params[final_ln_gain(config_.layers)].setOnes();
    fill(unembedding(config_.layers), stddev);
  }

  T loss_and_gradient(std::span<const Tensor<T>> params, long step, std::span<Tensor<T>> grads) override {
    check_tensor_shapes(params, shapes_, "parameter");
    check_tensor_shapes(grads, shapes_, "gradient");
    const std::vector<int>& tokens = text_->train_tokens;
    const CounterRandom random(data_seed_, static_cast<std::uint64_t>(step));
    const int starts = static_cast<int>(tokens.size()) - config_.context;
    for (int sequence = 0; sequence < config_.batch_size; ++sequence) {
      set_window(tokens, random.index_below(static_cast<std::uint64_t>(sequence), starts), sequence);
    }
    forward(params, config_.batch_size);
    const T loss = softmax_cross_entropy_backward_in_place<T>(logits_, target_ids_);
    backward(params, grads);
    return loss;
  }

  ValidationMetrics validate(std::span<const Tensor<T>> params) override {
    check_tensor_shapes(params, shapes_, "parameter");
    const std::vector<int>& tokens = text_->validation_tokens;
    const long starts = static_cast<long>(tokens.size()) - config_.context;
    const int total = config_.validation_sequences;
    double loss = 0;
    for (int first = 0; first < total; first += config_.batch_size) {
      const int sequences = std::min(config_.batch_size, total - first);
      for (int sequence = 0; sequence < sequences; ++sequence) {
        set_window(tokens, static_cast<int>((first + sequence) * starts / total), sequence);
      }
      forward(params, sequences);
      const int rows = sequences * config_.context;
      loss += softmax_cross_entropy_sum<T>(logits_.topRows(rows),
                                           std::span<const int>(target_ids_).first(static_cast<std::size_t>(rows)));
    }
    return {loss / (static_cast<double>(total) * config_.context), std::nullopt};
  }

 private:
  Eigen::Map<const RowMatrix<T>> parameter(std::span<const Tensor<T>> params, int index) const {
    return as_matrix(params[index], shapes_[static_cast<std::size_t>(index)]);
  }
  Eigen::Map<RowMatrix<T>> gradient(std::span<Tensor<T>> grads, int index) const {
    return as_matrix(grads[index], shapes_[static_cast<std::size_t>(index)]);
  }

  // Sequence `sequence` of the batch reads tokens[start, start + context) and predicts each
  // one's successor.
  void set_window(const std::vector<int>& tokens, int start, int sequence) {
    const auto offset = static_cast<long>(sequence) * config_.context;
    std::copy_n(tokens.begin() + start, config_.context, input_ids_.begin() + offset);
    std::copy_n(tokens.begin() + start + 1, config_.context, target_ids_.begin() + offset);
  }

  // Runs the first `sequences` sequences of the batch buffers up to the logits.
  void forward(std::span<const Tensor<T>> params, int sequences) {
    const int rows = sequences * config_.context;
    const AttentionShape attention_shape{config_.heads, config_.context};
    const auto row_count = static_cast<std::size_t>(rows);
    {
      auto embedded = layers_.empty() ? final_input_.topRows(rows) : layers_[0].input.topRows(rows);
      const auto ids = std::span<const int>(input_ids_).first(row_count);
      embedding_forward<T>(parameter(params, token_embedding), ids, embedded);
      const auto positions = parameter(params, position_embedding);
      for (int sequence = 0; sequence < sequences; ++sequence) {
        embedded.middleRows(sequence * config_.context, config_.context) += positions;
      }
    }
    for (int layer = 0; layer < config_.layers; ++layer) {
      LayerActivations<T>& a = layers_[static_cast<std::size_t>(layer)];
      auto at = [&](LayerParameter which) { return parameter(params, layer_parameter(layer, which)); };
      layer_norm_forward<T>(a.input.topRows(rows), at(ln1_gain), at(ln1_bias), a.ln1_normalized.topRows(rows),
                            std::span<T>(a.ln1_inverse_std).first(row_count), a.ln1_output.topRows(rows));
      linear_forward<T>(a.ln1_output.topRows(rows), at(attention_qkv), a.qkv.topRows(rows));
      causal_attention_forward<T>(a.qkv.topRows(rows), attention_shape,
                                  a.probabilities.topRows(rows * config_.heads), a.attention.topRows(rows));
      a.middle.topRows(rows) = a.input.topRows(rows);
      linear_forward_accumulate<T>(a.attention.topRows(rows), at(attention_output), a.middle.topRows(rows));

      layer_norm_forward<T>(a.middle.topRows(rows), at(ln2_gain), at(ln2_bias), a.ln2_normalized.topRows(rows),
                            std::span<T>(a.ln2_inverse_std).first(row_count), a.ln2_output.topRows(rows));
      auto hidden = a.mlp_hidden.topRows(rows);
      linear_forward<T>(a.ln2_output.topRows(rows), at(mlp_in), hidden);
      relu_forward<T>(hidden, hidden);
      auto output = layer + 1 < config_.layers ? layers_[static_cast<std::size_t>(layer) + 1].input.topRows(rows)
                                               : final_input_.topRows(rows);
      output = a.middle.topRows(rows);
      linear_forward_accumulate<T>(hidden, at(mlp_out), output);
    }
    const int layers = config_.layers;
    layer_norm_forward<T>(final_input_.topRows(rows), parameter(params, final_ln_gain(layers)),
                          parameter(params, final_ln_bias(layers)), final_normalized_.topRows(rows),
                          std::span<T>(final_inverse_std_).first(row_count), final_output_.topRows(rows));
    linear_forward<T>(final_output_.topRows(rows), parameter(params, unembedding(layers)), logits_.topRows(rows));
  }

  // From dL/dlogits (in logits_) back to every parameter, for a full batch.
  void backward(std::span<const Tensor<T>> params, std::span<Tensor<T>> grads) {
    const int layers = config_.layers;
    const AttentionShape attention_shape{config_.heads, config_.context};
    linear_weight_gradient<T>(final_output_, logits_, gradient(grads, unembedding(layers)));
    linear_input_gradient<T>(logits_, parameter(params, unembedding(layers)), normalized_gradient_);
    auto final_gain_gradient = gradient(grads, final_ln_gain(layers));
    auto final_bias_gradient = gradient(grads, final_ln_bias(layers));
    final_gain_gradient.setZero();
    final_bias_gradient.setZero();
    layer_norm_backward<T>(final_normalized_, final_inverse_std_, parameter(params, final_ln_gain(layers)),
                           normalized_gradient_, final_gain_gradient, final_bias_gradient, residual_gradient_);

    // residual_gradient_ holds dL/d(residual stream) leaving the current layer.
    for (int layer = layers - 1; layer >= 0; --layer) {
      const LayerActivations<T>& a = layers_[static_cast<std::size_t>(layer)];
      auto at = [&](LayerParameter which) { return parameter(params, layer_parameter(layer, which)); };
      auto gradient_at = [&](LayerParameter which) { return gradient(grads, layer_parameter(layer, which)); };

      linear_weight_gradient<T>(a.mlp_hidden, residual_gradient_, gradient_at(mlp_out));
      linear_input_gradient<T>(residual_gradient_, at(mlp_out), mlp_gradient_);
      relu_backward<T>(a.mlp_hidden, mlp_gradient_, mlp_gradient_);
      linear_weight_gradient<T>(a.ln2_output, mlp_gradient_, gradient_at(mlp_in));
      linear_input_gradient<T>(mlp_gradient_, at(mlp_in), normalized_gradient_);
      add_layer_norm_gradient(a.ln2_normalized, a.ln2_inverse_std, at(ln2_gain), gradient_at(ln2_gain),
                              gradient_at(ln2_bias));

      linear_weight_gradient<T>(a.attention, residual_gradient_, gradient_at(attention_output));
      linear_input_gradient<T>(residual_gradient_, at(attention_output), attention_gradient_);
      causal_attention_backward<T>(a.qkv, a.probabilities, attention_gradient_, attention_shape, score_gradient_,
                                   qkv_gradient_);
      linear_weight_gradient<T>(a.ln1_output, qkv_gradient_, gradient_at(attention_qkv));
      linear_input_gradient<T>(qkv_gradient_, at(attention_qkv), normalized_gradient_);
      add_layer_norm_gradient(a.ln1_normalized, a.ln1_inverse_std, at(ln1_gain), gradient_at(ln1_gain),
                              gradient_at(ln1_bias));
    }

    auto token_gradient = gradient(grads, token_embedding);
    token_gradient.setZero();
    embedding_backward<T>(residual_gradient_, input_ids_, token_gradient);
    auto position_gradient = gradient(grads, position_embedding);
    position_gradient.setZero();
    for (int sequence = 0; sequence < config_.batch_size; ++sequence) {
      position_gradient += residual_gradient_.middleRows(sequence * config_.context, config_.context);
    }
  }

  // A residual branch's layer norm: takes dL/d(its output) from normalized_gradient_, sets its
  // gain and bias gradients, and adds dL/d(its input) to residual_gradient_.
  void add_layer_norm_gradient(const RowMatrix<T>& normalized, const std::vector<T>& inverse_std,
                               Eigen::Map<const RowMatrix<T>> gain, Eigen::Map<RowMatrix<T>> gain_gradient,
                               Eigen::Map<RowMatrix<T>> bias_gradient) {
    gain_gradient.setZero();
    bias_gradient.setZero();
    layer_norm_backward<T>(normalized, inverse_std, gain, normalized_gradient_, gain_gradient, bias_gradient,
                           normalized_gradient_);
    residual_gradient_ += normalized_gradient_;
  }

  TransformerLmConfig config_;
  std::shared_ptr<const TextCorpus> text_;
  std::uint64_t data_seed_;
  std::vector<TensorShape> shapes_;
  int tokens_;  // rows of every activation: batch_size * context
  std::vector<int> input_ids_, target_ids_;
  std::vector<LayerActivations<T>> layers_;
  RowMatrix<T> final_input_, final_normalized_, final_output_;
  std::vector<T> final_inverse_std_;
  RowMatrix<T> logits_;  // becomes dL/dlogits in the backward pass
  RowMatrix<T> residual_gradient_, normalized_gradient_, attention_gradient_, qkv_gradient_, mlp_gradient_;
  RowMatrix<T> score_gradient_;
};

}  // namespace

TransformerLmConfig transformer_lm_config(Rung rung) {
  switch (rung) {
    case Rung::tiny:
      return {.width = 32, .layers = 1, .heads = 2, .context = 16, .batch_size = 8, .steps = 150,
              .validation_sequences = 128, .learning_rate = 4e-3};
    case Rung::small:
      return {.width = 32, .layers = 1, .heads = 2, .context = 32, .batch_size = 16, .steps = 350,
              .validation_sequences = 128, .learning_rate = 3e-3};
    // Width stays within 16-64 (a *tiny* transformer); context, batch and steps carry the
    // ~10x per rung.
    case Rung::medium:
      return {.width = 64, .layers = 2, .heads = 4, .context = 32, .batch_size = 16, .steps = 550,
              .validation_sequences = 256, .learning_rate = 3e-3};
    case Rung::large:
      return {.width = 64, .layers = 2, .heads = 4, .context = 64, .batch_size = 32, .steps = 1250,
              .validation_sequences = 256, .learning_rate = 3e-3};
  }
  throw std::runtime_error("transformer-lm: unknown rung");
}

std::shared_ptr<const ProxyTask> make_transformer_lm_task(Rung rung, const TransformerLmConfig& config,
                                                          std::shared_ptr<const TextCorpus> text) {
  if (config.width < 1 || config.layers < 1 || config.heads < 1 || config.context < 1 || config.batch_size < 1 ||
      config.steps < 1 || config.validation_sequences < 1 || config.width % config.heads != 0) {
    throw std::runtime_error("transformer-lm: sizes must be >= 1 and heads must divide width");
  }
  check_text_fits_context(*text, config.context, "transformer-lm");
  TaskDescription description =
      describe_task("transformer-lm", rung, config.steps, config.batch_size, config.learning_rate);
  const int vocabulary = text->vocabulary_size();
  description.summary = fmt::format(
      "char transformer LM: {} layer(s), width {}, {} heads, context {}, vocabulary {}, batch {} sequences",
      config.layers, config.width, config.heads, config.context, vocabulary, config.batch_size);
  description.metric = fmt::format(
      "cross-entropy per character (nats) over {} windows of {} from the held-out last 10% of the text",
      config.validation_sequences, config.context);
  // Matrix products only; the backward pass does twice the forward's.
  const double width = config.width;
  const double tokens = static_cast<double>(config.batch_size) * config.context;
  const double per_token = config.layers * 24.0 * width * width + 2.0 * width * vocabulary;
  const double attention = config.layers * 4.0 * config.context * config.context * width * config.batch_size;
  description.flops_per_step = 3.0 * (tokens * per_token + attention);
  return std::make_shared<ModelTask<TransformerLmModel, TransformerLmConfig, TextCorpus>>(std::move(description),
                                                                                         config, std::move(text));
}

}  // namespace symopt
