// The points of a run's fitness-over-time plot, kept in memory with a size bound: when the
// bound is reached every second point is dropped and from then on only every second tick
// is kept, so a run of any length plots from at most `capacity` points (plus the latest).
#pragma once

#include "search/fitness_plot.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace symopt {

class FitnessHistory {
 public:
  explicit FitnessHistory(std::size_t capacity = 1024);
  void add(const FitnessPoint& point);
  // Evenly thinned points, oldest first, ending with the latest point added.
  std::vector<FitnessPoint> points() const;
  std::size_t stride() const { return stride_; }  // ticks per kept point

 private:
  std::size_t capacity_;
  std::size_t stride_ = 1;
  std::size_t added_ = 0;
  std::vector<FitnessPoint> kept_;  // points number 0, stride, 2 * stride, ...
  std::optional<FitnessPoint> latest_;
};

}  // namespace symopt
