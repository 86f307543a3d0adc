// The per-task score of DESIGN §4: a program's held-out loss against tuned AdamW's, mapped
// into [-1, 1] so that no single task can dominate a suite's mean (README.md, "Fitness").
#pragma once

namespace symopt {

// Log-loss ratio at which the score reaches tanh(1) = 0.76 (a loss e^0.5 = 1.65x lower).
inline constexpr double default_score_scale = 0.5;

// tanh(log(adamw_loss / program_loss) / scale): 0 for AdamW's loss, positive when lower,
// in (-1, 1) for any finite losses; exactly -1 (the worst) when the program diverged or its
// loss is not finite. Losses are floored at 1e-12 so that a perfect fit stays finite.
double task_score(double program_loss, double adamw_loss, bool diverged,
                  double scale = default_score_scale);

}  // namespace symopt
