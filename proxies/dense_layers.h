// The layer kernels the proxy models are built from (linear, bias, ReLU, tanh, embedding,
// layer norm, softmax cross-entropy): each a forward pass and a hand-derived backward pass
// on row-major matrices whose rows are examples, writing into caller-owned buffers.
#pragma once

#include "proxies/proxy_task.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <span>

namespace symopt {

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Views that bind without copying to RowMatrix objects, Maps of flat tensors, and their row
// or column blocks. Binding anything else (a transpose, an expression) would make a
// temporary, i.e. allocate: the kernels are only ever given plain storage.
template <class T>
using MatrixRef = Eigen::Ref<RowMatrix<T>>;
template <class T>
using ConstMatrixRef = Eigen::Ref<const RowMatrix<T>>;

template <class T>
Eigen::Map<const RowMatrix<T>> as_matrix(const Tensor<T>& tensor, TensorShape shape) {
  return {tensor.data(), shape.rows, shape.cols};
}
template <class T>
Eigen::Map<RowMatrix<T>> as_matrix(Tensor<T>& tensor, TensorShape shape) {
  return {tensor.data(), shape.rows, shape.cols};
}

// product (+)= lhs rhs without heap allocation. Eigen packs GEMM operands into kc x mc and
// kc x nc buffers, on the stack when each fits under EIGEN_STACK_ALLOCATION_LIMIT and on the
// heap otherwise; so a product whose buffers would not fit is computed in row and column
// panels whose buffers do. (Eigen evaluates a row-major product as its column-major
// transpose: its m is our column count, its n our row count.)
template <class T, class Lhs, class Rhs>
void multiply(MatrixRef<T> product, const Lhs& lhs, const Rhs& rhs, bool accumulate = false) {
  using Eigen::Index;
  constexpr Index limit = EIGEN_STACK_ALLOCATION_LIMIT / sizeof(T);
  Index kc = lhs.cols(), mc = product.cols(), nc = product.rows();
  Eigen::internal::computeProductBlockingSizes<T, T>(kc, mc, nc, Index{1});
  const Index panel = std::max<Index>(1, limit / std::max<Index>(kc, 1));
  const Index panel_cols = kc * mc <= limit ? product.cols() : panel;
  const Index panel_rows = kc * nc <= limit ? product.rows() : panel;
  for (Index row = 0; row < product.rows(); row += panel_rows) {
    const Index rows = std::min(panel_rows, product.rows() - row);
    for (Index col = 0; col < product.cols(); col += panel_cols) {
      const Index cols = std::min(panel_cols, product.cols() - col);
      auto block = product.block(row, col, rows, cols);
      if (accumulate) {
        block.noalias() += lhs.middleRows(row, rows) * rhs.middleCols(col, cols);
      } else {
        block.noalias() = lhs.middleRows(row, rows) * rhs.middleCols(col, cols);
      }
    }
  }
}

// y = x w, with x (examples x inputs) and w (inputs x outputs).
template <class T>
void linear_forward(ConstMatrixRef<T> x, ConstMatrixRef<T> weight, MatrixRef<T> y) {
  multiply<T>(y, x, weight);
}

// y += x w: a residual branch's output projection added to the stream.
template <class T>
void linear_forward_accumulate(ConstMatrixRef<T> x, ConstMatrixRef<T> weight, MatrixRef<T> y) {
  multiply<T>(y, x, weight, true);
}

// dL/dw = x^T dL/dy.
template <class T>
void linear_weight_gradient(ConstMatrixRef<T> x, ConstMatrixRef<T> dy, MatrixRef<T> dweight) {
  multiply<T>(dweight, x.transpose(), dy);
}

// dL/dx = dL/dy w^T.
template <class T>
void linear_input_gradient(ConstMatrixRef<T> dy, ConstMatrixRef<T> weight, MatrixRef<T> dx) {
  multiply<T>(dx, dy, weight.transpose());
}

// y += b on every row; b is 1 x outputs.
template <class T>
void add_bias(MatrixRef<T> y, ConstMatrixRef<T> bias) {
  y.rowwise() += bias.row(0);
}

// dL/db = column sums of dL/dy.
template <class T>
void bias_gradient(ConstMatrixRef<T> dy, MatrixRef<T> dbias) {
  dbias.row(0) = dy.colwise().sum();
}

// y = max(x, 0); y may be x.
template <class T>
void relu_forward(ConstMatrixRef<T> x, MatrixRef<T> y) {
  y = x.cwiseMax(T(0));
}

// From the output y: dL/dx = dL/dy where y > 0, else 0. dx may be dy. (A plain loop: the
// compiler vectorizes it into a masked AND, where Eigen 3.4's select() runs scalar.)
template <class T>
void relu_backward(ConstMatrixRef<T> y, ConstMatrixRef<T> dy, MatrixRef<T> dx) {
  for (Eigen::Index i = 0; i < y.rows(); ++i) {
    const T* output = y.row(i).data();
    const T* output_gradient = dy.row(i).data();
    T* input_gradient = dx.row(i).data();
    for (Eigen::Index j = 0; j < y.cols(); ++j) {
      input_gradient[j] = output[j] > T(0) ? output_gradient[j] : T(0);
    }
  }
}

// y = tanh(x); y may be x.
template <class T>
void tanh_forward(ConstMatrixRef<T> x, MatrixRef<T> y) {
  y.array() = x.array().tanh();
}

// From the output y: dL/dx = dL/dy (1 - y^2). dx may be dy.
template <class T>
void tanh_backward(ConstMatrixRef<T> y, ConstMatrixRef<T> dy, MatrixRef<T> dx) {
  dx.array() = dy.array() * (T(1) - y.array().square());
}

// out.row(i) = table.row(ids[i]).
template <class T>
void embedding_forward(ConstMatrixRef<T> table, std::span<const int> ids, MatrixRef<T> out) {
  for (Eigen::Index i = 0; i < out.rows(); ++i) out.row(i) = table.row(ids[i]);
}

// dtable.row(ids[i]) += dout.row(i): accumulates, so the caller zeroes dtable first.
template <class T>
void embedding_backward(ConstMatrixRef<T> dout, std::span<const int> ids, MatrixRef<T> dtable) {
  for (Eigen::Index i = 0; i < dout.rows(); ++i) dtable.row(ids[i]) += dout.row(i);
}

inline constexpr double layer_norm_epsilon = 1e-5;

// Per row: x_hat = (x - mean) / sqrt(variance + eps), y = x_hat * gain + bias (gain and
// bias 1 x width). Keeps x_hat and 1 / sqrt(variance + eps) for the backward pass.
template <class T>
void layer_norm_forward(ConstMatrixRef<T> x, ConstMatrixRef<T> gain, ConstMatrixRef<T> bias,
                        MatrixRef<T> normalized, std::span<T> inverse_std, MatrixRef<T> y) {
  const T width = static_cast<T>(x.cols());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const T mean = x.row(i).sum() / width;
    normalized.row(i).array() = x.row(i).array() - mean;
    const T variance = normalized.row(i).squaredNorm() / width;
    inverse_std[i] = T(1) / std::sqrt(variance + T(layer_norm_epsilon));
    normalized.row(i) *= inverse_std[i];
    y.row(i) = normalized.row(i).cwiseProduct(gain.row(0)) + bias.row(0);
  }
}

// Accumulates dL/dgain and dL/dbias (the caller zeroes them) and writes dL/dx, which may
// be dy: dx = inverse_std (dx_hat - mean(dx_hat) - x_hat mean(dx_hat x_hat)).
template <class T>
void layer_norm_backward(ConstMatrixRef<T> normalized, std::span<const T> inverse_std,
                         ConstMatrixRef<T> gain, ConstMatrixRef<T> dy, MatrixRef<T> dgain,
                         MatrixRef<T> dbias, MatrixRef<T> dx) {
  const T width = static_cast<T>(normalized.cols());
  for (Eigen::Index i = 0; i < dy.rows(); ++i) {
    dgain.row(0) += dy.row(i).cwiseProduct(normalized.row(i));
    dbias.row(0) += dy.row(i);
    dx.row(i) = dy.row(i).cwiseProduct(gain.row(0));  // now dL/dx_hat
    const T mean_dx_hat = dx.row(i).sum() / width;
    const T mean_product = dx.row(i).dot(normalized.row(i)) / width;
    dx.row(i).array() =
        inverse_std[i] * (dx.row(i).array() - mean_dx_hat - normalized.row(i).array() * mean_product);
  }
}

// Sum over rows of the cross-entropy of softmax(logits row) against the row's target class;
// counts the rows whose largest logit is the target into `correct` when given.
template <class T>
double softmax_cross_entropy_sum(ConstMatrixRef<T> logits, std::span<const int> targets,
                                 long* correct = nullptr) {
  double total = 0;
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    Eigen::Index argmax = 0;
    const T max = logits.row(i).maxCoeff(&argmax);
    const T sum = (logits.row(i).array() - max).exp().sum();
    // Bracketed so that huge, nearly equal logits cannot cancel the log term away.
    total += static_cast<double>(std::log(sum) + (max - logits(i, targets[i])));
    if (correct != nullptr && argmax == targets[i]) ++*correct;
  }
  return total;
}

// Mean cross-entropy over the rows, returned; replaces the logits by its gradient with respect
// to them, (softmax - one_hot(target)) / rows.
template <class T>
T softmax_cross_entropy_backward_in_place(MatrixRef<T> logits, std::span<const int> targets) {
  const T inverse_rows = T(1) / static_cast<T>(logits.rows());
  T total = 0;
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    auto row = logits.row(i);
    const T max = row.maxCoeff();
    const T target_logit = row(targets[i]);
    row.array() = (row.array() - max).exp();
    const T sum = row.sum();
    total += std::log(sum) + (max - target_logit);
    row *= inverse_rows / sum;
    row(targets[i]) -= inverse_rows;
  }
  return total * inverse_rows;
}

}  // namespace symopt
