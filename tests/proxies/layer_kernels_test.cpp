// Every layer kernel's backward pass against float64 central finite differences of its
// forward pass, and the less trivial forward passes against naive loop implementations.
#include "gradient_check.h"
#include "proxies/attention_layer.h"
#include "proxies/dense_layers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace symopt {
namespace {

using testing::gradient_relative_error;
using testing::random_vector;
using Matrix = RowMatrix<double>;

constexpr double tolerance = 1e-6;
constexpr int directions = 6;

// A rows x cols matrix viewing coordinates [offset, offset + rows * cols) of a flat vector.
Eigen::Map<const Matrix> view(const Eigen::VectorXd& flat, Eigen::Index offset, Eigen::Index rows, Eigen::Index cols) {
  return {flat.data() + offset, rows, cols};
}
Eigen::Map<Matrix> view(Eigen::VectorXd& flat, Eigen::Index offset, Eigen::Index rows, Eigen::Index cols) {
  return {flat.data() + offset, rows, cols};
}

TEST(LayerKernels, LinearWeightInputAndBiasGradientsMatchFiniteDifferences) {
  const int batch = 5, inputs = 4, outputs = 3;
  const Eigen::Index x_size = batch * inputs, w_size = inputs * outputs;
  const Eigen::VectorXd probe = random_vector(batch * outputs, 1);  // L = <probe, y>
  auto loss = [&](const Eigen::VectorXd& theta) {
    Matrix y(batch, outputs);
    linear_forward<double>(view(theta, 0, batch, inputs), view(theta, x_size, inputs, outputs), y);
    add_bias<double>(y, view(theta, x_size + w_size, 1, outputs));
    return view(probe, 0, batch, outputs).cwiseProduct(y).sum();
  };
  const Eigen::VectorXd theta = random_vector(x_size + w_size + outputs, 2);
  Eigen::VectorXd gradient(theta.size());
  const auto dy = view(probe, 0, batch, outputs);
  linear_input_gradient<double>(dy, view(theta, x_size, inputs, outputs), view(gradient, 0, batch, inputs));
  linear_weight_gradient<double>(view(theta, 0, batch, inputs), dy, view(gradient, x_size, inputs, outputs));
  bias_gradient<double>(dy, view(gradient, x_size + w_size, 1, outputs));
  EXPECT_LT(gradient_relative_error(loss, theta, gradient, 0, x_size, directions, 3), tolerance);
  EXPECT_LT(gradient_relative_error(loss, theta, gradient, x_size, x_size + w_size, directions, 4), tolerance);
  EXPECT_LT(gradient_relative_error(loss, theta, gradient, x_size + w_size, theta.size(), directions, 5), tolerance);
}

// For the elementwise activations: L = <probe, activation(x)>, gradient from the output.
template <class Forward, class Backward>
double activation_gradient_error(Forward forward, Backward backward) {
  const int rows = 6, cols = 7;
  const Eigen::VectorXd probe = random_vector(rows * cols, 11);
  auto loss = [&](const Eigen::VectorXd& x) {
    Matrix y(rows, cols);
    forward(view(x, 0, rows, cols), y);
    return view(probe, 0, rows, cols).cwiseProduct(y).sum();
  };
  const Eigen::VectorXd x = random_vector(rows * cols, 12);
  Matrix y(rows, cols);
  forward(view(x, 0, rows, cols), y);
  Eigen::VectorXd gradient = probe;  // backward in place: dx overwrites dy
  backward(y, view(gradient, 0, rows, cols), view(gradient, 0, rows, cols));
  return gradient_relative_error(loss, x, gradient, directions, 13);
}

TEST(LayerKernels, ReluGradientMatchesFiniteDifferences) {
  const double error = activation_gradient_error(
      [](ConstMatrixRef<double> x, MatrixRef<double> y) { relu_forward<double>(x, y); },
      [](ConstMatrixRef<double> y, ConstMatrixRef<double> dy, MatrixRef<double> dx) { relu_backward<double>(y, dy, dx); });
  EXPECT_LT(error, tolerance);
}

TEST(LayerKernels, TanhGradientMatchesFiniteDifferences) {
  const double error = activation_gradient_error(
      [](ConstMatrixRef<double> x, MatrixRef<double> y) { tanh_forward<double>(x, y); },
      [](ConstMatrixRef<double> y, ConstMatrixRef<double> dy, MatrixRef<double> dx) { tanh_backward<double>(y, dy, dx); });
  EXPECT_LT(error, tolerance);
}

TEST(LayerKernels, EmbeddingGradientAccumulatesRepeatedIds) {
  const int vocabulary = 5, width = 3;
  const std::vector<int> ids = {4, 0, 4, 2, 4, 1};  // 3 used three times, 3 never
  const int rows = static_cast<int>(ids.size());
  const Eigen::VectorXd probe = random_vector(rows * width, 21);
  auto loss = [&](const Eigen::VectorXd& table) {
    Matrix out(rows, width);
    embedding_forward<double>(view(table, 0, vocabulary, width), ids, out);
    return view(probe, 0, rows, width).cwiseProduct(out).sum();
  };
  const Eigen::VectorXd table = random_vector(vocabulary * width, 22);
  Eigen::VectorXd gradient = Eigen::VectorXd::Zero(table.size());
  embedding_backward<double>(view(probe, 0, rows, width), ids, view(gradient, 0, vocabulary, width));
  EXPECT_LT(gradient_relative_error(loss, table, gradient, directions, 23), tolerance);
  EXPECT_EQ(gradient.segment(3 * width, width).norm(), 0.0);  // the unused id gets nothing
}

TEST(LayerKernels, LayerNormForwardMatchesNaiveLoops) {
  const int rows = 4, width = 6;
  const Eigen::VectorXd x = random_vector(rows * width, 31, 3.0), gain = random_vector(width, 32);
  const Eigen::VectorXd bias = random_vector(width, 33);
  Matrix normalized(rows, width), y(rows, width);
  std::vector<double> inverse_std(rows);
  layer_norm_forward<double>(view(x, 0, rows, width), view(gain, 0, 1, width), view(bias, 0, 1, width), normalized,
                             inverse_std, y);
  for (int i = 0; i < rows; ++i) {
    double mean = 0, variance = 0;
    for (int j = 0; j < width; ++j) mean += x[i * width + j] / width;
    for (int j = 0; j < width; ++j) variance += (x[i * width + j] - mean) * (x[i * width + j] - mean) / width;
    for (int j = 0; j < width; ++j) {
      const double expected = (x[i * width + j] - mean) / std::sqrt(variance + layer_norm_epsilon) * gain[j] + bias[j];
      EXPECT_NEAR(y(i, j), expected, 1e-12);
    }
  }
}

TEST(LayerKernels, LayerNormGradientsMatchFiniteDifferences) {
  const int rows = 4, width = 6;
  const Eigen::Index x_size = rows * width;
  const Eigen::VectorXd probe = random_vector(rows * width, 41);
  auto loss = [&](const Eigen::VectorXd& theta) {
    Matrix normalized(rows, width), y(rows, width);
    std::vector<double> inverse_std(rows);
    layer_norm_forward<double>(view(theta, 0, rows, width), view(theta, x_size, 1, width),
                               view(theta, x_size + width, 1, width), normalized, inverse_std, y);
    return view(probe, 0, rows, width).cwiseProduct(y).sum();
  };
  Eigen::VectorXd theta = random_vector(x_size + 2 * width, 42);
  theta.head(x_size) *= 2.0;
  Matrix normalized(rows, width), y(rows, width);
  std::vector<double> inverse_std(rows);
  layer_norm_forward<double>(view(theta, 0, rows, width), view(theta, x_size, 1, width),
                             view(theta, x_size + width, 1, width), normalized, inverse_std, y);
  Eigen::VectorXd gradient = Eigen::VectorXd::Zero(theta.size());
  gradient.head(x_size) = probe;  // dx is written over dy, as the transformer does
  layer_norm_backward<double>(normalized, inverse_std, view(theta, x_size, 1, width), view(gradient, 0, rows, width),
                              view(gradient, x_size, 1, width), view(gradient, x_size + width, 1, width),
                              view(gradient, 0, rows, width));
  EXPECT_LT(gradient_relative_error(loss, theta, gradient, 0, x_size, directions, 43), tolerance);
  EXPECT_LT(gradient_relative_error(loss, theta, gradient, x_size, x_size + width, directions, 44), tolerance);
  EXPECT_LT(gradient_relative_error(loss, theta, gradient, x_size + width, theta.size(), directions, 45), tolerance);
}

TEST(LayerKernels, SoftmaxCrossEntropyMatchesNaiveFormulaAndFiniteDifferences) {
  const int rows = 5, classes = 7;
  const std::vector<int> targets = {0, 6, 3, 3, 1};
  auto naive_mean = [&](const Eigen::VectorXd& logits) {
    double total = 0;
    for (int i = 0; i < rows; ++i) {
      double sum = 0;
      for (int j = 0; j < classes; ++j) sum += std::exp(logits[i * classes + j]);
      total += std::log(sum) - logits[i * classes + targets[i]];
    }
    return total / rows;
  };
  Eigen::VectorXd logits = random_vector(rows * classes, 51, 3.0);
  logits[3 * classes + 3] = 50.0;  // a confident correct row: the max shift must keep it finite
  long correct = 0;
  const double sum = softmax_cross_entropy_sum<double>(view(logits, 0, rows, classes), targets, &correct);
  EXPECT_NEAR(sum / rows, naive_mean(logits), 1e-12);
  long naive_correct = 0;
  for (int i = 0; i < rows; ++i) {
    Eigen::Index argmax = 0;
    logits.segment(i * classes, classes).maxCoeff(&argmax);
    naive_correct += argmax == targets[i];
  }
  EXPECT_EQ(correct, naive_correct);

  Eigen::VectorXd gradient = logits;
  const double mean = softmax_cross_entropy_backward_in_place<double>(view(gradient, 0, rows, classes), targets);
  EXPECT_NEAR(mean, naive_mean(logits), 1e-12);
  EXPECT_LT(gradient_relative_error(naive_mean, logits, gradient, directions, 52), tolerance);
}

// Logits of the size an exploding program produces (1e9) are far beyond float32's resolution:
// the cross-entropy of what the model computes must still come out, not a cancellation to 0.
// A search once scored a transformer validation loss of exactly 0 this way (issue 5).
TEST(LayerKernels, SoftmaxCrossEntropyOfHugeFloatLogitsIsNotCancelledToZero) {
  const int rows = 3, classes = 29;
  const std::vector<int> targets = {0, 5, 28};
  RowMatrix<float> logits(rows, classes);
  logits.setConstant(1e9f);  // all equal: softmax is uniform, the loss log(classes)
  logits(1, 0) = 1.000001e9f;  // row 1's largest logit is not its target: a huge loss
  std::vector<double> expected(rows, std::log(static_cast<double>(classes)));
  expected[1] = static_cast<double>(logits(1, 0)) - 1e9;  // the other classes' exp terms are far below 1
  const double sum = softmax_cross_entropy_sum<float>(logits, targets);
  EXPECT_NEAR(sum, expected[0] + expected[1] + expected[2], 1e-2);

  RowMatrix<float> gradient = logits;
  const float mean = softmax_cross_entropy_backward_in_place<float>(gradient, targets);
  EXPECT_NEAR(mean, sum / rows, 1e-2);
  EXPECT_NEAR(gradient(0, 1), 1.0 / (rows * classes), 1e-6);  // uniform softmax
}

// Naive causal attention: loops over sequence, head, query and key.
Matrix naive_attention(const Matrix& qkv, int heads, int context) {
  const int width = static_cast<int>(qkv.cols()) / 3, head_width = width / heads;
  const int sequences = static_cast<int>(qkv.rows()) / context;
  Matrix out = Matrix::Zero(qkv.rows(), width);
  for (int s = 0; s < sequences; ++s) {
    for (int h = 0; h < heads; ++h) {
      for (int i = 0; i < context; ++i) {
        std::vector<double> weights(static_cast<std::size_t>(i + 1));
        double total = 0;
        for (int j = 0; j <= i; ++j) {
          double score = 0;
          for (int c = 0; c < head_width; ++c) {
            score += qkv(s * context + i, h * head_width + c) * qkv(s * context + j, width + h * head_width + c);
          }
          weights[j] = std::exp(score / std::sqrt(head_width));
          total += weights[j];
        }
        for (int j = 0; j <= i; ++j) {
          for (int c = 0; c < head_width; ++c) {
            out(s * context + i, h * head_width + c) +=
                weights[j] / total * qkv(s * context + j, 2 * width + h * head_width + c);
          }
        }
      }
    }
  }
  return out;
}

struct AttentionCase {
  int sequences = 2, heads = 2, context = 5, width = 6;
  int rows() const { return sequences * context; }
};

TEST(LayerKernels, CausalAttentionForwardMatchesNaiveLoops) {
  const AttentionCase c;
  const Eigen::VectorXd flat = random_vector(c.rows() * 3 * c.width, 61, 1.5);
  const Matrix qkv = view(flat, 0, c.rows(), 3 * c.width);
  Matrix probabilities(c.sequences * c.heads * c.context, c.context), out(c.rows(), c.width);
  causal_attention_forward<double>(qkv, {c.heads, c.context}, probabilities, out);
  EXPECT_LT((out - naive_attention(qkv, c.heads, c.context)).norm(), 1e-12 * out.norm());
  for (Eigen::Index i = 0; i < probabilities.rows(); ++i) {
    EXPECT_NEAR(probabilities.row(i).sum(), 1.0, 1e-12);
    const Eigen::Index position = i % c.context;
    EXPECT_EQ(probabilities.row(i).tail(c.context - position - 1).norm(), 0.0);
  }
}

TEST(LayerKernels, CausalAttentionGradientMatchesFiniteDifferences) {
  const AttentionCase c;
  const Eigen::VectorXd probe = random_vector(c.rows() * c.width, 71);
  auto loss = [&](const Eigen::VectorXd& qkv) {
    Matrix probabilities(c.sequences * c.heads * c.context, c.context), out(c.rows(), c.width);
    causal_attention_forward<double>(view(qkv, 0, c.rows(), 3 * c.width), {c.heads, c.context}, probabilities, out);
    return view(probe, 0, c.rows(), c.width).cwiseProduct(out).sum();
  };
  const Eigen::VectorXd qkv = random_vector(c.rows() * 3 * c.width, 72, 1.5);
  Matrix probabilities(c.sequences * c.heads * c.context, c.context), out(c.rows(), c.width);
  causal_attention_forward<double>(view(qkv, 0, c.rows(), 3 * c.width), {c.heads, c.context}, probabilities, out);
  Matrix scratch(c.context, c.context);
  Eigen::VectorXd gradient(qkv.size());
  causal_attention_backward<double>(view(qkv, 0, c.rows(), 3 * c.width), probabilities,
                                    view(probe, 0, c.rows(), c.width), {c.heads, c.context}, scratch,
                                    view(gradient, 0, c.rows(), 3 * c.width));
  EXPECT_LT(gradient_relative_error(loss, qkv, gradient, 3 * directions, 73), tolerance);
  // Each of q, k, v separately: a wrong block could hide behind the others' agreement.
  for (int block = 0; block < 3; ++block) {
    Eigen::VectorXd support = Eigen::VectorXd::Zero(qkv.size());
    view(support, 0, c.rows(), 3 * c.width).middleCols(block * c.width, c.width).setOnes();
    EXPECT_LT(gradient_relative_error(loss, qkv, gradient, support, directions, 74 + block), tolerance)
        << "block " << block << " of [q | k | v]";
  }
}

TEST(LayerKernels, CausalAttentionIgnoresLaterTokens) {
  const AttentionCase c;
  Matrix qkv = view(random_vector(c.rows() * 3 * c.width, 91), 0, c.rows(), 3 * c.width);
  Matrix probabilities(c.sequences * c.heads * c.context, c.context), before(c.rows(), c.width),
      after(c.rows(), c.width);
  causal_attention_forward<double>(qkv, {c.heads, c.context}, probabilities, before);
  const int changed = 3;  // position 3 of sequence 0: positions 0..2 must not see it
  qkv.row(changed).setConstant(7.0);
  causal_attention_forward<double>(qkv, {c.heads, c.context}, probabilities, after);
  EXPECT_EQ((after.topRows(changed) - before.topRows(changed)).norm(), 0.0);
  EXPECT_GT((after.row(changed) - before.row(changed)).norm(), 0.0);
  EXPECT_EQ((after.bottomRows(c.context) - before.bottomRows(c.context)).norm(), 0.0);  // other sequence
}

}  // namespace
}  // namespace symopt
