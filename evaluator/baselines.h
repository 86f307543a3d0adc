// The reference optimizers programs are compared against: AdamW (the fitness baseline) and
// Lion (the paper's discovery), natively, with the hyperparameters this project fixes.
#pragma once

#include "evaluator/native_optimizers.h"

#include <string>

namespace symopt {

// AdamW as PyTorch's defaults with bias correction, weight decay 0.01: torch's default and
// the search's warm start, so a program is not rewarded merely for decaying differently.
inline AdamwHyper baseline_adamw_hyper() { return AdamwHyper{}; }

// Lion with the paper's betas and decay 0.1: Lion runs at ~10x smaller rates than AdamW
// and the paper raises lambda to match, keeping the effective decay lr * lambda comparable
// to AdamW's (Chen et al. 2023, section 5).
inline LionHyper comparison_lion_hyper() { return LionHyper{0.9, 0.99, 0.1}; }
// Where Lion's rate sits relative to a task's (AdamW-scale) rate when it is not swept.
inline constexpr double lion_rate_ratio = 0.1;

// One line naming the optimizer and every hyperparameter, e.g. for cache keys and reports.
std::string describe(const AdamwHyper& hyper);
std::string describe(const LionHyper& hyper);

}  // namespace symopt
