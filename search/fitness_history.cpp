// Thinning by halves keeps the kept points evenly spaced in ticks (0, s, 2s, ...).
#include "search/fitness_history.h"

#include <algorithm>

namespace symopt {

FitnessHistory::FitnessHistory(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 2)) {}

void FitnessHistory::add(const FitnessPoint& point) {
  if (added_ % stride_ == 0) {
    kept_.push_back(point);
    if (kept_.size() > capacity_) {
      std::size_t write = 0;
      for (std::size_t read = 0; read < kept_.size(); read += 2) kept_[write++] = kept_[read];
      kept_.resize(write);
      stride_ *= 2;
    }
  }
  ++added_;
  latest_ = point;
}

std::vector<FitnessPoint> FitnessHistory::points() const {
  std::vector<FitnessPoint> points = kept_;
  // The latest point is kept unless it is the last kept one already (added at a kept tick).
  if (latest_ && (added_ - 1) % stride_ != 0) points.push_back(*latest_);
  return points;
}

}  // namespace symopt
