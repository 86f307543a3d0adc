// The Lion-K family of DESIGN §5 (Chen, Liu, Liang, Liu, ICLR 2024), natively: the members'
// dK, K and conjugate K*, the constraint sets the theory predicts, and the optimizer itself.
// These are the reference against which discovered programs are validated.
#pragma once

#include "evaluator/tensor_optimizer.h"

#include <array>
#include <string_view>

namespace symopt {

// The convex K whose (sub)gradient dK shapes the update. "scale" is a > 0 for huber,
// entropy, relativistic and log_smoothed, the exponent p > 1 for lp, unused otherwise.
enum class KFunction {
  l1,            // K = ||u||_1,                     dK = sign(u), sign(0) = 0 (Lion)
  l2,            // K = ||u||_2,                     dK = u / ||u||_2, 0 at 0
  sq_l2,         // K = ||u||_2^2 / 2,               dK = u (Polyak momentum, L2 regularization)
  huber,         // K = sum huber_a(u_i) / a,        dK = clip(u, -a, a) / a
  lp,            // K = ||u||_p,                     dK = sign(u) |u|^(p-1) / ||u||_p^(p-1), 0 at 0
  nuclear,       // K = sum of singular values,      dK = U V^T (polar factor; u / ||u|| for a vector)
  entropy,       // K = sum log(cosh(a u_i)) / a,    dK = tanh(a u)
  relativistic,  // K = sum sqrt(u_i^2 + a^2),       dK = u / sqrt(u^2 + a^2)
  log_smoothed,  // K = sum |u_i| - a log(1 + |u_i| / a),  dK = u / (|u| + a)
};

inline constexpr std::array<KFunction, 9> all_k_functions = {
    KFunction::l1,      KFunction::l2,      KFunction::sq_l2,        KFunction::huber,       KFunction::lp,
    KFunction::nuclear, KFunction::entropy, KFunction::relativistic, KFunction::log_smoothed};

// "l1", "l2", "sq_l2", "huber", "lp", "nuclear", "entropy", "relativistic", "log_smoothed".
std::string_view k_function_name(KFunction k);
// The inverse; throws InputError listing the valid names.
KFunction k_function_from_name(std::string_view name);
bool k_function_uses_scale(KFunction k);
// Throws InputError when the scale is invalid for k (a <= 0, p <= 1, or not finite).
void check_k_scale(KFunction k, double scale);

// out = dK(u) for a row-major rows x cols tensor (a vector is 1 x n); out may equal u.
// NaN in u gives NaN in out (a diverged run stays visibly diverged). Allocates nothing,
// except for nuclear on a matrix, which builds an SVD each call (the optimizer below keeps
// a preallocated one instead).
// The nuclear member drops singular values below max(rows, cols) * epsilon * sigma_max
// (numpy's rank tolerance), so a rank-deficient u gives the polar factor of its range.
// Instantiated for float and double.
template <class T>
void apply_dK(KFunction k, double scale, int rows, int cols, const T* u, T* out);

// K(u) itself, in float64.
double evaluate_K(KFunction k, double scale, int rows, int cols, const double* u);

// The convex conjugate K*(y) = sup_u <y, u> - K(u); +infinity outside its domain. For the
// norms it is the indicator of the dual-norm unit ball; for huber a/2 ||y||^2, for entropy
// the binary entropy sum ((1+y) log(1+y) + (1-y) log(1-y)) / (2a), for relativistic
// -a sum sqrt(1 - y^2), for log_smoothed -a sum (|y| + log(1 - |y|)), each on |y_i| <= 1
// (log_smoothed: < 1); for sq_l2 ||y||^2 / 2 everywhere. Domain edges are accepted within
// a relative 1e-12, so dK(u), whose dual norm is 1 up to rounding, lies inside. Lion-K
// minimizes f(x) + K*(lambda x) / lambda.
double evaluate_conjugate_K(KFunction k, double scale, int rows, int cols, const double* y);

// dom K*(lambda x), the set Lion-K's iterates enter and stay in: every member with bounded
// dK has |dK_i| <= 1 entrywise or a unit dual norm, so the set is a ball of radius 1/lambda.
enum class ConstraintKind {
  none,           // sq_l2, or lambda <= 0: no constraint
  box,            // max_i |x_i| <= radius: l1 and the entrywise members (huber, entropy, ...)
  l2_ball,        // ||x||_2 <= radius: l2
  lq_ball,        // ||x||_q <= radius with q = p / (p - 1): lp
  spectral_ball,  // largest singular value (the l2 norm for a vector) <= radius: nuclear
};

struct ConstraintSet {
  ConstraintKind kind = ConstraintKind::none;
  double radius = 0;         // 1 / lambda (infinity when kind is none)
  double dual_exponent = 0;  // q, for lq_ball only
};

ConstraintSet constraint_set(KFunction k, double scale, double lambda);

// How far w lies outside the constraint set: the set's norm of w minus the radius, or 0
// when inside (always 0 for kind none).
double constraint_violation(KFunction k, double scale, double lambda, int rows, int cols, const double* w);

// Moves w to the nearest point of the constraint set (Euclidean projection): clipping for
// the box, radial scaling for the l2 ball, clipping singular values for the spectral ball.
// Throws std::runtime_error for lq_ball (no closed form).
void project_onto_constraint(KFunction k, double scale, double lambda, int rows, int cols, double* w);

struct LionKHyper {
  KFunction k = KFunction::l1;
  double scale = 1;          // a or p (see KFunction); ignored by l1, l2, sq_l2, nuclear
  double beta1 = 0.9, beta2 = 0.99;
  double weight_decay = 0;   // lambda
  // false: w = w - lr (dK(c) + lambda w), as Lion's reference code.
  // true:  w = (w - lr dK(c)) / (1 + lr lambda), the paper's discrete-time analysis.
  bool implicit_decay = false;
};

// The Lion-K optimizer: c = interp(g, m, beta1) = (1 - beta1) g + beta1 m; the weight step
// above with dK(c); m = interp(g, m, beta2). Allocates only in the constructor, nuclear
// included (its JacobiSVD is sized there and reused). Throws InputError for an invalid
// scale. Instantiated for float and double.
template <class T>
OptimizerFactory<T> lion_k_optimizer(const LionKHyper& hyper);

}  // namespace symopt
