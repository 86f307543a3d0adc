// "char-mlp-lm": a character-level language model in the style of Bengio et al. (2003):
// the embeddings of the previous `context` characters, concatenated, feed one tanh hidden
// layer and a softmax over the vocabulary.
#pragma once

#include "proxies/proxy_task.h"
#include "proxies/text_data.h"

#include <memory>

namespace symopt {

struct CharMlpLmConfig {
  int context = 3;          // characters of history
  int embedding_width = 8;
  int hidden_width = 32;
  int batch_size = 32;
  int steps = 150;
  int validation_positions = 1024;  // evenly spaced over the validation text
  double learning_rate = 1e-2;
};

CharMlpLmConfig char_mlp_lm_config(Rung rung);
std::shared_ptr<const ProxyTask> make_char_mlp_lm_task(Rung rung, const CharMlpLmConfig& config,
                                                       std::shared_ptr<const TextCorpus> text);

}  // namespace symopt
