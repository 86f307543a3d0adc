// Hand-written reference optimizers (no interpreter) with PyTorch 1.13 semantics: the
// baselines of fitness and of the interpreter speed benchmark, checked against the oracles.
#pragma once

#include "evaluator/tensor_optimizer.h"

#include <nlohmann/json.hpp>

#include <string>

namespace symopt {

// torch.optim.SGD without weight decay, dampening or Nesterov. momentum = 0 is plain SGD,
// w -= lr * g; otherwise buf = momentum * buf + g, w -= lr * buf (PyTorch starts buf at g,
// which is the same as starting it at zero).
struct SgdHyper {
  double momentum = 0;
};

// torch.optim.RMSprop (not centered, no momentum): v = alpha v + (1 - alpha) g^2,
// w -= lr * g / (sqrt(v) + epsilon).
struct RmspropHyper {
  double alpha = 0.99, epsilon = 1e-8;
};

// torch.optim.Adam without weight decay.
struct AdamHyper {
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
};

// torch.optim.AdamW: w *= 1 - lr * weight_decay, then
// w -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + epsilon) with bc_i = 1 - beta_i^t.
// bias_correction = false sets bc1 = bc2 = 1: the DSL's warm start
// (programs/adamw_search_start.opt), which is w -= lr * (m / (sqrt(v) + eps) + wd * w).
struct AdamwHyper {
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weight_decay = 0.01;
  bool bias_correction = true;
};

// Lion as in the paper's reference code: c = (1 - beta1) g + beta1 m;
// w -= lr * (sign(c) + weight_decay * w); m = (1 - beta2) g + beta2 m. sign(0) = 0 and a NaN
// stays NaN, so a diverged run is visible in the weights.
struct LionHyper {
  double beta1 = 0.9, beta2 = 0.99, weight_decay = 0;
};

// Factories the trainer and the evaluator use; instantiated for float and double. The
// optimizers they make allocate only in their constructors. step() throws
// std::runtime_error when the spans' lengths differ from rows * cols.
template <class T> OptimizerFactory<T> sgd_optimizer(const SgdHyper& hyper = {});
template <class T> OptimizerFactory<T> rmsprop_optimizer(const RmspropHyper& hyper = {});
template <class T> OptimizerFactory<T> adam_optimizer(const AdamHyper& hyper = {});
template <class T> OptimizerFactory<T> adamw_optimizer(const AdamwHyper& hyper = {});
template <class T> OptimizerFactory<T> lion_optimizer(const LionHyper& hyper = {});

// By name with PyTorch's constructor keywords, as the oracles write them (DESIGN §8):
//   "sgd", "sgd_momentum": momentum       "rmsprop": alpha, eps
//   "adam": betas, eps                    "adamw": betas, eps, weight_decay, bias_correction
//   "lion": betas, weight_decay
// "lr" is accepted and ignored (the rate is passed to each step). Missing keys take the
// defaults above (torch's own defaults; AdamW's weight decay 0.01). Throws InputError for
// an unknown name, an unknown key or a value of the wrong type.
template <class T>
OptimizerFactory<T> native_optimizer(const std::string& name, const nlohmann::json& hyper);

}  // namespace symopt
