// The bounded per-task score.
#include "evaluator/task_score.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace symopt {

double task_score(double program_loss, double adamw_loss, bool diverged, double scale) {
  if (!(scale > 0)) throw std::invalid_argument("task_score: scale must be positive");
  if (diverged || !std::isfinite(program_loss)) return -1.0;
  constexpr double floor = 1e-12;
  const double ratio = std::max(adamw_loss, floor) / std::max(program_loss, floor);
  const double score = std::tanh(std::log(ratio) / scale);
  // tanh rounds to -1 for very large losses; keep exactly -1 for divergence alone.
  return std::max(score, std::nextafter(-1.0, 0.0));
}

}  // namespace symopt
