// A per-tensor update rule, what the evaluator trains with: an interpreted program or a
// native reference optimizer. One instance per parameter tensor; it owns that tensor's state.
#pragma once

#include <functional>
#include <memory>
#include <span>

namespace symopt {

template <class T>
class TensorOptimizer {
 public:
  virtual ~TensorOptimizer() = default;
  // w <- w - update(w, g, lr, t), with t the 1-based step count. Allocates nothing.
  virtual void step(std::span<T> weights, std::span<const T> gradient, T learning_rate,
                    long t) = 0;
};

// Makes the optimizer for one parameter tensor of the given shape (rows x cols, row-major).
template <class T>
using OptimizerFactory = std::function<std::unique_ptr<TensorOptimizer<T>>(int rows, int cols)>;

}  // namespace symopt
