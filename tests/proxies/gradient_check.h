// Test support: central finite differences in float64 compared with an analytic gradient,
// as a norm-wise relative error over random directions.
#pragma once

#include "proxies/counter_random.h"

#include <Eigen/Core>

#include <cmath>
#include <functional>

namespace symopt::testing {

// f'(x; u) by the fourth-order central difference (truncation error O(h^4)).
inline double directional_derivative(const std::function<double(const Eigen::VectorXd&)>& f,
                                     const Eigen::VectorXd& x, const Eigen::VectorXd& direction,
                                     double step = 1e-4) {
  const double plus = f(x + step * direction), minus = f(x - step * direction);
  const double plus2 = f(x + 2 * step * direction), minus2 = f(x - 2 * step * direction);
  return (8 * (plus - minus) - (plus2 - minus2)) / (12 * step);
}

// ||d_fd - d_analytic|| / ||d_analytic|| over `directions` random unit directions supported
// where `support` is nonzero, d being the vector of directional derivatives.
inline double gradient_relative_error(const std::function<double(const Eigen::VectorXd&)>& f,
                                      const Eigen::VectorXd& x, const Eigen::VectorXd& gradient,
                                      const Eigen::VectorXd& support, int directions, std::uint64_t seed) {
  double difference_squared = 0, analytic_squared = 0;
  for (int d = 0; d < directions; ++d) {
    Eigen::VectorXd direction(x.size());
    const CounterRandom random(seed, static_cast<std::uint64_t>(d));
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      direction[i] = support[i] != 0 ? random.gaussian(static_cast<std::uint64_t>(i)) : 0.0;
    }
    direction.normalize();
    const double analytic = gradient.dot(direction);
    const double numeric = directional_derivative(f, x, direction);
    difference_squared += (numeric - analytic) * (numeric - analytic);
    analytic_squared += analytic * analytic;
  }
  return std::sqrt(difference_squared / analytic_squared);
}

// The same, with directions supported on coordinates [begin, end).
inline double gradient_relative_error(const std::function<double(const Eigen::VectorXd&)>& f,
                                      const Eigen::VectorXd& x, const Eigen::VectorXd& gradient,
                                      Eigen::Index begin, Eigen::Index end, int directions,
                                      std::uint64_t seed) {
  Eigen::VectorXd support = Eigen::VectorXd::Zero(x.size());
  support.segment(begin, end - begin).setOnes();
  return gradient_relative_error(f, x, gradient, support, directions, seed);
}

inline double gradient_relative_error(const std::function<double(const Eigen::VectorXd&)>& f,
                                      const Eigen::VectorXd& x, const Eigen::VectorXd& gradient,
                                      int directions, std::uint64_t seed) {
  return gradient_relative_error(f, x, gradient, 0, x.size(), directions, seed);
}

inline Eigen::VectorXd random_vector(Eigen::Index size, std::uint64_t seed, double scale = 1.0) {
  Eigen::VectorXd vector(size);
  const CounterRandom random(seed, 0);
  for (Eigen::Index i = 0; i < size; ++i) vector[i] = scale * random.gaussian(static_cast<std::uint64_t>(i));
  return vector;
}

}  // namespace symopt::testing
