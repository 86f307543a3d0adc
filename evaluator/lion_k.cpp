// The Lion-K members and optimizer. A reference first and fast second: norms are computed
// with max-scaling (no overflow) and summed in float64 whatever T is.
#include "evaluator/lion_k.h"

#include "common/input_error.h"

#include <Eigen/Core>
#include <Eigen/SVD>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

namespace symopt {
namespace {

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
// How far past a domain edge (|y| = 1, a unit dual norm) K* still counts y as inside.
constexpr double domain_slack = 1e-12;

long element_count(int rows, int cols) {
  if (rows < 1 || cols < 1) throw std::runtime_error(fmt::format("Lion-K on a {} x {} tensor", rows, cols));
  return static_cast<long>(rows) * cols;
}

bool is_matrix(int rows, int cols) { return rows > 1 && cols > 1; }

// sign(0) = 0; NaN passes through.
template <class T>
T sign_of(T x) {
  return std::isnan(x) ? x : T((x > T(0)) - (x < T(0)));
}

// ||u||_p for p >= 1 as M (sum (|u_i| / M)^p)^(1/p) with M = max |u_i|: no overflow or
// underflow. NaN when u holds a NaN.
template <class T>
double p_norm(const T* u, long n, double p) {
  double largest = 0;
  for (long i = 0; i < n; ++i) {
    const double magnitude = std::fabs(double(u[i]));
    if (std::isnan(magnitude)) return not_a_number;
    largest = std::max(largest, magnitude);
  }
  if (largest == 0 || std::isinf(largest)) return largest;
  double sum = 0;
  for (long i = 0; i < n; ++i) {
    const double ratio = std::fabs(double(u[i])) / largest;
    sum += p == 2 ? ratio * ratio : std::pow(ratio, p);
  }
  return largest * std::pow(sum, 1 / p);
}

double max_abs(const double* u, long n) {
  double largest = 0;
  for (long i = 0; i < n; ++i) {
    if (std::isnan(u[i])) return not_a_number;
    largest = std::max(largest, std::fabs(u[i]));
  }
  return largest;
}

// The singular values, largest first, of a row-major matrix (for a vector: its l2 norm).
Eigen::VectorXd singular_values(int rows, int cols, const double* u) {
  if (!is_matrix(rows, cols)) return Eigen::VectorXd::Constant(1, p_norm(u, long(rows) * cols, 2));
  const Eigen::Map<const RowMatrix<double>> matrix(u, rows, cols);
  if (!matrix.allFinite()) return Eigen::VectorXd::Constant(1, not_a_number);
  return Eigen::JacobiSVD<RowMatrix<double>>(matrix).singularValues();
}

// The polar factor's SVD and its input copy, sized once (JacobiSVD::compute takes a plain
// matrix, so the tensor is copied into one it already owns).
template <class T>
struct PolarWorkspace {
  PolarWorkspace(int rows, int cols) : input(rows, cols), svd(rows, cols, Eigen::ComputeThinU | Eigen::ComputeThinV) {}
  RowMatrix<T> input;
  Eigen::JacobiSVD<RowMatrix<T>> svd;
};

template <class T>
void scale_by_inverse_norm(long n, const T* u, T* out) {
  const double norm = p_norm(u, n, 2);
  // A zero tensor has no direction: its dK is 0 rather than 0/0.
  const T factor = norm == 0 ? T(0) : T(1 / norm);
  for (long i = 0; i < n; ++i) out[i] = u[i] * factor;
}

// out = U V^T over the singular values above max(rows, cols) * epsilon * sigma_max.
template <class T>
void polar_factor(int rows, int cols, const T* u, T* out, PolarWorkspace<T>& workspace) {
  workspace.input = Eigen::Map<const RowMatrix<T>>(u, rows, cols);
  Eigen::Map<RowMatrix<T>> result(out, rows, cols);
  if (!workspace.input.allFinite()) {
    result.setConstant(std::numeric_limits<T>::quiet_NaN());
    return;
  }
  workspace.svd.compute(workspace.input);
  const auto& sigma = workspace.svd.singularValues();
  const T tolerance = sigma(0) * T(std::max(rows, cols)) * std::numeric_limits<T>::epsilon();
  Eigen::Index rank = 0;
  while (rank < sigma.size() && sigma(rank) > tolerance) ++rank;
  // lazyProduct: a coefficient-wise product that needs no GEMM workspace.
  result.noalias() = workspace.svd.matrixU().leftCols(rank).lazyProduct(
      workspace.svd.matrixV().leftCols(rank).transpose());
}

// dK for every member; `workspace` is used by nuclear matrices (made here when null).
template <class T>
void apply_dK_with(KFunction k, double scale, int rows, int cols, const T* u, T* out,
                   PolarWorkspace<T>* workspace) {
  const long n = element_count(rows, cols);
  const T a = T(scale);
  switch (k) {
    case KFunction::l1:
      for (long i = 0; i < n; ++i) out[i] = sign_of(u[i]);
      return;
    case KFunction::sq_l2:
      if (out != u) std::copy(u, u + n, out);
      return;
    case KFunction::huber:
      for (long i = 0; i < n; ++i) {
        const T v = u[i];
        out[i] = (v > a ? a : (v < -a ? -a : v)) / a;  // NaN falls through to v / a
      }
      return;
    case KFunction::entropy:
      for (long i = 0; i < n; ++i) out[i] = std::tanh(a * u[i]);
      return;
    case KFunction::relativistic:
      for (long i = 0; i < n; ++i) {
        // x / sqrt(x^2 + 1) with x = u / a, written so that a huge x gives +-1, not x / inf.
        const T x = u[i] / a;
        out[i] = std::fabs(x) > T(1) ? sign_of(x) / std::sqrt(T(1) + T(1) / (x * x)) : x / std::sqrt(T(1) + x * x);
      }
      return;
    case KFunction::log_smoothed:
      // u / (|u| + a) as sign(u) / (1 + a / |u|): +-1 for infinite u, 0 for u = 0.
      for (long i = 0; i < n; ++i) out[i] = sign_of(u[i]) / (T(1) + a / std::fabs(u[i]));
      return;
    case KFunction::l2:
      scale_by_inverse_norm(n, u, out);
      return;
    case KFunction::lp: {
      // sign(u) (|u_i| / ||u||_p)^(p-1): every ratio is at most 1, so nothing overflows.
      const double norm = p_norm(u, n, scale);
      for (long i = 0; i < n; ++i) {
        const double ratio = norm == 0 ? 0.0 : std::fabs(double(u[i])) / norm;
        out[i] = sign_of(u[i]) * T(std::pow(ratio, scale - 1));
      }
      return;
    }
    case KFunction::nuclear:
      if (!is_matrix(rows, cols)) {
        scale_by_inverse_norm(n, u, out);  // the nuclear norm of a vector is its l2 norm
        return;
      }
      if (workspace) {
        polar_factor(rows, cols, u, out, *workspace);
      } else {
        PolarWorkspace<T> local(rows, cols);
        polar_factor(rows, cols, u, out, local);
      }
      return;
  }
  throw std::logic_error("apply_dK: unknown KFunction");
}

double log_cosh(double x) {
  const double magnitude = std::fabs(x);
  return magnitude + std::log1p(std::exp(-2 * magnitude)) - std::log(2.0);
}

// For the members whose K* lives on the box |y_i| <= 1 (edges accepted within domain_slack;
// the callers clamp such y_i onto the box).
bool inside_unit_box(const double* y, long n) {
  return max_abs(y, n) <= 1 + domain_slack;
}

template <class T>
class LionK final : public TensorOptimizer<T> {
 public:
  LionK(const LionKHyper& hyper, int rows, int cols)
      : hyper_(hyper), rows_(rows), cols_(cols), momentum_(element_count(rows, cols), T(0)),
        direction_(momentum_.size()) {
    check_k_scale(hyper.k, hyper.scale);
    if (hyper.k == KFunction::nuclear && is_matrix(rows, cols)) {
      polar_ = std::make_unique<PolarWorkspace<T>>(rows, cols);
    }
  }

  void step(std::span<T> weights, std::span<const T> gradient, T learning_rate, long) override {
    if (weights.size() != momentum_.size() || gradient.size() != momentum_.size()) {
      throw std::runtime_error(fmt::format("Lion-K step: {} weights and {} gradient entries for {} elements",
                                           weights.size(), gradient.size(), momentum_.size()));
    }
    const long n = static_cast<long>(momentum_.size());
    const T beta1 = T(hyper_.beta1), beta2 = T(hyper_.beta2), lambda = T(hyper_.weight_decay);
    T* w = weights.data();
    const T* g = gradient.data();
    T* m = momentum_.data();
    T* c = direction_.data();
    for (long i = 0; i < n; ++i) c[i] = (T(1) - beta1) * g[i] + beta1 * m[i];
    apply_dK_with(hyper_.k, hyper_.scale, rows_, cols_, c, c, polar_.get());
    if (hyper_.implicit_decay) {
      const T denominator = T(1) + learning_rate * lambda;
      for (long i = 0; i < n; ++i) w[i] = (w[i] - learning_rate * c[i]) / denominator;
    } else {
      for (long i = 0; i < n; ++i) w[i] = w[i] - learning_rate * (c[i] + lambda * w[i]);
    }
    for (long i = 0; i < n; ++i) m[i] = (T(1) - beta2) * g[i] + beta2 * m[i];
  }

 private:
  LionKHyper hyper_;
  int rows_, cols_;
  std::vector<T> momentum_;
  std::vector<T> direction_;  // c, then dK(c) in place
  std::unique_ptr<PolarWorkspace<T>> polar_;  // nuclear matrices only
};

}  // namespace

std::string_view k_function_name(KFunction k) {
  switch (k) {
    case KFunction::l1: return "l1";
    case KFunction::l2: return "l2";
    case KFunction::sq_l2: return "sq_l2";
    case KFunction::huber: return "huber";
    case KFunction::lp: return "lp";
    case KFunction::nuclear: return "nuclear";
    case KFunction::entropy: return "entropy";
    case KFunction::relativistic: return "relativistic";
    case KFunction::log_smoothed: return "log_smoothed";
  }
  throw std::logic_error("k_function_name: unknown KFunction");
}

KFunction k_function_from_name(std::string_view name) {
  std::string known;
  for (KFunction k : all_k_functions) {
    if (k_function_name(k) == name) return k;
    known += known.empty() ? "" : ", ";
    known += k_function_name(k);
  }
  throw InputError(fmt::format("unknown Lion-K function '{}' (known: {})", name, known));
}

bool k_function_uses_scale(KFunction k) {
  return k == KFunction::huber || k == KFunction::lp || k == KFunction::entropy ||
         k == KFunction::relativistic || k == KFunction::log_smoothed;
}

void check_k_scale(KFunction k, double scale) {
  if (!k_function_uses_scale(k)) return;
  if (k == KFunction::lp) {
    if (!(scale > 1) || !std::isfinite(scale)) {
      throw InputError(fmt::format("Lion-K lp: the exponent p must be finite and > 1 (p = 1 is l1), got {}", scale));
    }
  } else if (!(scale > 0) || !std::isfinite(scale)) {
    throw InputError(fmt::format("Lion-K {}: the scale a must be finite and > 0, got {}", k_function_name(k), scale));
  }
}

template <class T>
void apply_dK(KFunction k, double scale, int rows, int cols, const T* u, T* out) {
  check_k_scale(k, scale);
  apply_dK_with<T>(k, scale, rows, cols, u, out, nullptr);
}

double evaluate_K(KFunction k, double scale, int rows, int cols, const double* u) {
  check_k_scale(k, scale);
  const long n = element_count(rows, cols);
  const double a = scale;
  double sum = 0;
  switch (k) {
    case KFunction::l1:
      for (long i = 0; i < n; ++i) sum += std::fabs(u[i]);
      return sum;
    case KFunction::l2: return p_norm(u, n, 2);
    case KFunction::lp: return p_norm(u, n, scale);
    case KFunction::nuclear: return singular_values(rows, cols, u).sum();
    case KFunction::sq_l2:
      for (long i = 0; i < n; ++i) sum += u[i] * u[i] / 2;
      return sum;
    case KFunction::huber:
      for (long i = 0; i < n; ++i) {
        const double magnitude = std::fabs(u[i]);
        sum += magnitude <= a ? u[i] * u[i] / (2 * a) : magnitude - a / 2;
      }
      return sum;
    case KFunction::entropy:
      for (long i = 0; i < n; ++i) sum += log_cosh(a * u[i]) / a;
      return sum;
    case KFunction::relativistic:
      for (long i = 0; i < n; ++i) sum += std::hypot(u[i], a);
      return sum;
    case KFunction::log_smoothed:
      for (long i = 0; i < n; ++i) sum += std::fabs(u[i]) - a * std::log1p(std::fabs(u[i]) / a);
      return sum;
  }
  throw std::logic_error("evaluate_K: unknown KFunction");
}

double evaluate_conjugate_K(KFunction k, double scale, int rows, int cols, const double* y) {
  check_k_scale(k, scale);
  const long n = element_count(rows, cols);
  const double a = scale;
  const auto indicator = [](double dual_norm) { return dual_norm <= 1 + domain_slack ? 0.0 : infinity; };
  double sum = 0;
  switch (k) {
    case KFunction::l1: return indicator(max_abs(y, n));
    case KFunction::l2: return indicator(p_norm(y, n, 2));
    case KFunction::lp: return indicator(p_norm(y, n, scale / (scale - 1)));
    case KFunction::nuclear: return indicator(singular_values(rows, cols, y)(0));
    case KFunction::sq_l2:
      for (long i = 0; i < n; ++i) sum += y[i] * y[i] / 2;
      return sum;
    case KFunction::huber:
      if (!inside_unit_box(y, n)) return infinity;
      for (long i = 0; i < n; ++i) sum += a * y[i] * y[i] / 2;
      return sum;
    case KFunction::entropy:
      if (!inside_unit_box(y, n)) return infinity;
      for (long i = 0; i < n; ++i) {
        const double v = std::clamp(y[i], -1.0, 1.0);
        // (1 + v) log(1 + v) + (1 - v) log(1 - v), with 0 log 0 = 0 at the edges.
        const double plus = v == -1 ? 0.0 : (1 + v) * std::log1p(v);
        const double minus = v == 1 ? 0.0 : (1 - v) * std::log1p(-v);
        sum += (plus + minus) / (2 * a);
      }
      return sum;
    case KFunction::relativistic:
      if (!inside_unit_box(y, n)) return infinity;
      for (long i = 0; i < n; ++i) {
        const double v = std::clamp(y[i], -1.0, 1.0);
        sum -= a * std::sqrt((1 - v) * (1 + v));
      }
      return sum;
    case KFunction::log_smoothed:
      // The domain is the open box: K* tends to +infinity as |y_i| -> 1.
      if (!(max_abs(y, n) < 1)) return infinity;
      for (long i = 0; i < n; ++i) sum -= a * (std::fabs(y[i]) + std::log1p(-std::fabs(y[i])));
      return sum;
  }
  throw std::logic_error("evaluate_conjugate_K: unknown KFunction");
}

ConstraintSet constraint_set(KFunction k, double scale, double lambda) {
  check_k_scale(k, scale);
  if (!(lambda > 0) || k == KFunction::sq_l2) return {ConstraintKind::none, infinity, 0};
  const double radius = 1 / lambda;
  switch (k) {
    case KFunction::l2: return {ConstraintKind::l2_ball, radius, 0};
    case KFunction::lp: return {ConstraintKind::lq_ball, radius, scale / (scale - 1)};
    case KFunction::nuclear: return {ConstraintKind::spectral_ball, radius, 0};
    default: return {ConstraintKind::box, radius, 0};  // l1 and the entrywise bounded members
  }
}

double constraint_violation(KFunction k, double scale, double lambda, int rows, int cols, const double* w) {
  const ConstraintSet set = constraint_set(k, scale, lambda);
  const long n = element_count(rows, cols);
  double norm = 0;
  switch (set.kind) {
    case ConstraintKind::none: return 0;
    case ConstraintKind::box: norm = max_abs(w, n); break;
    case ConstraintKind::l2_ball: norm = p_norm(w, n, 2); break;
    case ConstraintKind::lq_ball: norm = p_norm(w, n, set.dual_exponent); break;
    case ConstraintKind::spectral_ball: norm = singular_values(rows, cols, w)(0); break;
  }
  if (std::isnan(norm)) return not_a_number;
  return std::max(0.0, norm - set.radius);
}

void project_onto_constraint(KFunction k, double scale, double lambda, int rows, int cols, double* w) {
  const ConstraintSet set = constraint_set(k, scale, lambda);
  const long n = element_count(rows, cols);
  const double r = set.radius;
  const auto shrink_to_ball = [&] {
    const double norm = p_norm(w, n, 2);
    if (norm > r) for (long i = 0; i < n; ++i) w[i] *= r / norm;
  };
  switch (set.kind) {
    case ConstraintKind::none: return;
    case ConstraintKind::box:
      for (long i = 0; i < n; ++i) w[i] = std::clamp(w[i], -r, r);
      return;
    case ConstraintKind::l2_ball: shrink_to_ball(); return;
    case ConstraintKind::spectral_ball: {
      if (!is_matrix(rows, cols)) {
        shrink_to_ball();
        return;
      }
      Eigen::Map<RowMatrix<double>> matrix(w, rows, cols);
      const Eigen::JacobiSVD<RowMatrix<double>> svd(matrix, Eigen::ComputeThinU | Eigen::ComputeThinV);
      const Eigen::VectorXd clipped = svd.singularValues().cwiseMin(r);
      matrix = svd.matrixU() * clipped.asDiagonal() * svd.matrixV().transpose();
      return;
    }
    case ConstraintKind::lq_ball:
      throw std::runtime_error("project_onto_constraint: the lq ball of the lp member has no closed-form projection");
  }
}

template <class T>
OptimizerFactory<T> lion_k_optimizer(const LionKHyper& hyper) {
  check_k_scale(hyper.k, hyper.scale);
  return [hyper](int rows, int cols) { return std::make_unique<LionK<T>>(hyper, rows, cols); };
}

template void apply_dK<float>(KFunction, double, int, int, const float*, float*);
template void apply_dK<double>(KFunction, double, int, int, const double*, double*);
template OptimizerFactory<float> lion_k_optimizer<float>(const LionKHyper&);
template OptimizerFactory<double> lion_k_optimizer<double>(const LionKHyper&);

}  // namespace symopt
