// "transformer-lm": a tiny decoder-only transformer (GPT-style, pre-layer-norm) that
// predicts the next byte of English text, with a hand-written backward pass.
#pragma once

#include "proxies/proxy_task.h"
#include "proxies/text_data.h"

#include <memory>

namespace symopt {

struct TransformerLmConfig {
  int width = 16;    // model (residual stream) width; the MLP is 4x wider
  int layers = 1;
  int heads = 2;     // must divide width
  int context = 16;  // tokens per sequence
  int batch_size = 8;  // sequences per minibatch
  int steps = 150;
  int validation_sequences = 64;  // evenly spaced windows of the validation text
  double learning_rate = 3e-3;
};

TransformerLmConfig transformer_lm_config(Rung rung);
std::shared_ptr<const ProxyTask> make_transformer_lm_task(Rung rung, const TransformerLmConfig& config,
                                                          std::shared_ptr<const TextCorpus> text);

}  // namespace symopt
