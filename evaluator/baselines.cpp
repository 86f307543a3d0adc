// Names of the reference optimizers' settings, as they appear in cache keys and reports.
#include "evaluator/baselines.h"

#include <fmt/format.h>

namespace symopt {

std::string describe(const AdamwHyper& h) {
  return fmt::format("AdamW(beta1={}, beta2={}, eps={}, weight_decay={}, bias_correction={})", h.beta1, h.beta2,
                     h.epsilon, h.weight_decay, h.bias_correction);
}

std::string describe(const LionHyper& h) {
  return fmt::format("Lion(beta1={}, beta2={}, weight_decay={})", h.beta1, h.beta2, h.weight_decay);
}

}  // namespace symopt
