// Causal multi-head self-attention (the part between the QKV and output projections), its
// forward pass and hand-derived backward pass, for a batch of equal-length sequences.
#pragma once

#include "proxies/dense_layers.h"

#include <cmath>

namespace symopt {

// Layout shared by forward and backward:
//   qkv: (sequences * context) x (3 * width), token rows of each sequence consecutive;
//        columns [q | k | v], each `width` wide, head h owning columns h*head_width.. of each;
//   probabilities: (sequences * heads * context) x context, one context x context block of
//        attention weights per (sequence, head), zero above the diagonal;
//   out: (sequences * context) x width, head h writing its columns h*head_width...
struct AttentionShape {
  int heads = 1;
  int context = 1;
};

// One (sequence, head) of the layout: its first token row, its block of probabilities and
// the first columns of its q, k and v.
struct AttentionHead {
  Eigen::Index first_row = 0, probability_row = 0, q_column = 0, k_column = 0, v_column = 0;
};

// Calls body(head) for every (sequence, head) of a qkv of `rows` x (3 * width).
template <class Body>
void for_each_attention_head(Eigen::Index rows, Eigen::Index width, AttentionShape shape, Body&& body) {
  const Eigen::Index head_width = width / shape.heads;
  const Eigen::Index sequences = rows / shape.context;
  for (Eigen::Index sequence = 0; sequence < sequences; ++sequence) {
    for (Eigen::Index head = 0; head < shape.heads; ++head) {
      const Eigen::Index q_column = head * head_width;
      body(AttentionHead{.first_row = sequence * shape.context,
                         .probability_row = (sequence * shape.heads + head) * shape.context,
                         .q_column = q_column,
                         .k_column = width + q_column,
                         .v_column = 2 * width + q_column});
    }
  }
}

// out = softmax(q k^T / sqrt(head_width) masked to j <= i) v, per sequence and head.
template <class T>
void causal_attention_forward(ConstMatrixRef<T> qkv, AttentionShape shape,
                              MatrixRef<T> probabilities, MatrixRef<T> out) {
  const Eigen::Index width = qkv.cols() / 3;
  const Eigen::Index head_width = width / shape.heads;
  const Eigen::Index context = shape.context;
  const T scale = T(1) / std::sqrt(static_cast<T>(head_width));
  for_each_attention_head(qkv.rows(), width, shape, [&](const AttentionHead& h) {
    const auto q = qkv.block(h.first_row, h.q_column, context, head_width);
    const auto k = qkv.block(h.first_row, h.k_column, context, head_width);
    const auto v = qkv.block(h.first_row, h.v_column, context, head_width);
    auto p = probabilities.block(h.probability_row, 0, context, context);
    p.noalias() = q * k.transpose();
    for (Eigen::Index i = 0; i < context; ++i) {
      auto visible = p.row(i).head(i + 1);
      const T max = visible.maxCoeff();
      visible.array() = ((visible.array() - max) * scale).exp();
      visible /= visible.sum();
      p.row(i).tail(context - i - 1).setZero();
    }
    out.block(h.first_row, h.q_column, context, head_width).noalias() = p * v;
  });
}

// Writes dL/dqkv (every entry) from dL/dout. `score_gradient` is context x context scratch.
template <class T>
void causal_attention_backward(ConstMatrixRef<T> qkv, ConstMatrixRef<T> probabilities,
                               ConstMatrixRef<T> dout, AttentionShape shape,
                               MatrixRef<T> score_gradient, MatrixRef<T> dqkv) {
  const Eigen::Index width = qkv.cols() / 3;
  const Eigen::Index head_width = width / shape.heads;
  const Eigen::Index context = shape.context;
  const T scale = T(1) / std::sqrt(static_cast<T>(head_width));
  for_each_attention_head(qkv.rows(), width, shape, [&](const AttentionHead& h) {
    const auto q = qkv.block(h.first_row, h.q_column, context, head_width);
    const auto k = qkv.block(h.first_row, h.k_column, context, head_width);
    const auto v = qkv.block(h.first_row, h.v_column, context, head_width);
    const auto p = probabilities.block(h.probability_row, 0, context, context);
    const auto d_out = dout.block(h.first_row, h.q_column, context, head_width);
    dqkv.block(h.first_row, h.v_column, context, head_width).noalias() = p.transpose() * d_out;
    // dL/dp, then through the row softmax: ds = p (dp - <dp, p>) (zero where masked).
    score_gradient.noalias() = d_out * v.transpose();
    for (Eigen::Index i = 0; i < context; ++i) {
      const T centre = score_gradient.row(i).dot(p.row(i));
      score_gradient.row(i).array() = p.row(i).array() * (score_gradient.row(i).array() - centre) * scale;
    }
    dqkv.block(h.first_row, h.q_column, context, head_width).noalias() = score_gradient * k;
    dqkv.block(h.first_row, h.k_column, context, head_width).noalias() = score_gradient.transpose() * q;
  });
}

}  // namespace symopt
