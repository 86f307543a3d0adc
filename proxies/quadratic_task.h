// "quadratic": an ill-conditioned convex quadratic in a parameter matrix, with gradient noise
// whose covariance is proportional to the curvature (the noisy quadratic model).
#pragma once

#include "proxies/proxy_task.h"

#include <memory>

namespace symopt {

struct QuadraticConfig {
  int rows = 16;
  int cols = 32;
  double condition_number = 1e4;
  double noise_scale = 1.0;
  int steps = 200;
  double learning_rate = 1e-2;
};

QuadraticConfig quadratic_config(Rung rung);
// The problem (curvature and minimizer) is fixed per configuration; the data seed of a model
// picks its noise stream and nothing else.
std::shared_ptr<const ProxyTask> make_quadratic_task(Rung rung, const QuadraticConfig& config);

}  // namespace symopt
