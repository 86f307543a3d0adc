// The Lion-K family: single steps computed by hand for every member, the L1 member against
// PyTorch's Lion, dK against independent facts (subgradient identities, dual norms,
// orthogonality, finite differences of K, Fenchel-Young), the constraint sets, and the
// theory's prediction that the iterates enter the constraint set and stay there.
#include "evaluator/lion_k.h"
#include "evaluator/native_optimizers.h"
#include "evaluator/oracle.h"
#include "operator_new_counter.h"

#include <Eigen/Eigenvalues>
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

namespace symopt {
namespace {

using Vector = std::vector<double>;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

const std::filesystem::path oracle_directory = SYMOPT_SHARED_DIR "/oracles";

Vector dK(KFunction k, double scale, int rows, int cols, const Vector& u) {
  Vector out(u.size());
  apply_dK(k, scale, rows, cols, u.data(), out.data());
  return out;
}

double dot(const Vector& x, const Vector& y) { return std::inner_product(x.begin(), x.end(), y.begin(), 0.0); }

Vector random_vector(std::size_t n, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> normal;
  Vector v(n);
  for (double& x : v) x = normal(random);
  return v;
}

// Independent of lion_k.cpp: the singular values from the eigenvalues of the smaller Gram
// matrix (u^T u or u u^T; the larger one has zero eigenvalues whose roots are ~1e-8 noise).
Eigen::VectorXd singular_values_by_eigen(int rows, int cols, const Vector& u) {
  const Eigen::Map<const RowMatrix> matrix(u.data(), rows, cols);
  const Eigen::MatrixXd gram =
      rows >= cols ? Eigen::MatrixXd(matrix.transpose() * matrix) : Eigen::MatrixXd(matrix * matrix.transpose());
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(gram).eigenvalues().cwiseMax(0).cwiseSqrt();
}

double p_norm_plain(const Vector& u, double p) {
  double sum = 0;
  for (double x : u) sum += std::pow(std::fabs(x), p);
  return std::pow(sum, 1 / p);
}

// ---- one step by hand ----
// w = [1, -2, 0.5], g = [0.3, -0.4, 0], m = 0, beta1 = 0.9, beta2 = 0.99, lr = 0.1,
// lambda = 0.5. Then c = 0.1 g = [0.03, -0.04, 0] and the explicit step is
// w' = w - 0.1 (dK(c) + 0.5 w) = 0.95 w - 0.1 dK(c); m' = 0.01 g.
struct HandStep {
  KFunction k;
  double scale;
  Vector direction;  // dK(c), by hand
};

Vector explicit_step(const Vector& direction) {
  const Vector w = {1, -2, 0.5};
  Vector expected(3);
  for (int i = 0; i < 3; ++i) expected[i] = 0.95 * w[i] - 0.1 * direction[i];
  return expected;
}

std::vector<HandStep> hand_steps() {
  // lp, p = 3: dK = sign(c) c^2 / ||c||_3^2 with ||c||_3^3 = 0.03^3 + 0.04^3 = 9.1e-5.
  const double cube_norm = std::cbrt(9.1e-5);
  return {
      {KFunction::l1, 0, {1, -1, 0}},
      {KFunction::l2, 0, {0.6, -0.8, 0}},                  // ||c|| = 0.05
      {KFunction::sq_l2, 0, {0.03, -0.04, 0}},
      {KFunction::huber, 0.035, {0.03 / 0.035, -1, 0}},    // -0.04 clipped to -a
      {KFunction::lp, 3, {9e-4 / (cube_norm * cube_norm), -1.6e-3 / (cube_norm * cube_norm), 0}},
      {KFunction::nuclear, 0, {0.6, -0.8, 0}},             // a vector: u / ||u||
      {KFunction::entropy, 10, {std::tanh(0.3), -std::tanh(0.4), 0}},
      {KFunction::relativistic, 0.04, {0.6, -1 / std::sqrt(2.0), 0}},  // 0.03/0.05, -0.04/sqrt(0.0032)
      {KFunction::log_smoothed, 0.01, {0.75, -0.8, 0}},    // 0.03/0.04, -0.04/0.05
  };
}

TEST(LionK, OneStepByHandForEveryMember) {
  for (const HandStep& hand : hand_steps()) {
    SCOPED_TRACE(std::string(k_function_name(hand.k)));
    const auto optimizer =
        lion_k_optimizer<double>({.k = hand.k, .scale = hand.scale, .beta1 = 0.9, .beta2 = 0.99, .weight_decay = 0.5})(1, 3);
    Vector w = {1, -2, 0.5};
    const Vector g = {0.3, -0.4, 0};
    optimizer->step(w, g, 0.1, 1);
    const Vector expected = explicit_step(hand.direction);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(w[i], expected[i], 1e-12) << "element " << i;
  }
}

TEST(LionK, SecondStepUsesTheMomentum) {
  // After the step above, m = 0.01 g = [0.003, -0.004, 0] and w = [0.85, -1.8, 0.475] (L1).
  // With g2 = [-0.02, 0.05, 0.001]: c2 = 0.9 m + 0.1 g2 = [0.0007, 0.0014, 0.0001], all
  // positive, so w'' = 0.95 w' - 0.1 = [0.7075, -1.81, 0.35125].
  const auto optimizer = lion_k_optimizer<double>({.k = KFunction::l1, .weight_decay = 0.5})(1, 3);
  Vector w = {1, -2, 0.5};
  optimizer->step(w, Vector{0.3, -0.4, 0}, 0.1, 1);
  optimizer->step(w, Vector{-0.02, 0.05, 0.001}, 0.1, 2);
  EXPECT_NEAR(w[0], 0.7075, 1e-12);
  EXPECT_NEAR(w[1], -1.81, 1e-12);
  EXPECT_NEAR(w[2], 0.35125, 1e-12);
}

TEST(LionK, ImplicitDecayByHand) {
  // w' = (w - lr dK(c)) / (1 + lr lambda) = ([1, -2, 0.5] - 0.1 [1, -1, 0]) / 1.05.
  const auto optimizer =
      lion_k_optimizer<double>({.k = KFunction::l1, .weight_decay = 0.5, .implicit_decay = true})(1, 3);
  Vector w = {1, -2, 0.5};
  optimizer->step(w, Vector{0.3, -0.4, 0}, 0.1, 1);
  EXPECT_NEAR(w[0], 0.9 / 1.05, 1e-12);
  EXPECT_NEAR(w[1], -1.9 / 1.05, 1e-12);
  EXPECT_NEAR(w[2], 0.5 / 1.05, 1e-12);
}

TEST(LionK, NuclearStepOnAMatrixByHand) {
  // g = 10 [[0, -2], [3, 0]] makes c = [[0, -2], [3, 0]] = R diag(3, 2) with R the rotation
  // [[0, -1], [1, 0]]: its polar factor is R. No decay: w' = w - lr R.
  const auto optimizer = lion_k_optimizer<double>({.k = KFunction::nuclear})(2, 2);
  Vector w = {1, 2, 3, 4};
  optimizer->step(w, Vector{0, -20, 30, 0}, 0.5, 1);
  const Vector expected = {1, 2.5, 2.5, 4};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(w[i], expected[i], 1e-12) << "element " << i;
}

// ---- the L1 member is Lion ----
TEST(LionK, L1MemberReproducesTheLionOracles) {
  for (const char* file : {"lion_6x5.json", "lion_7.json"}) {
    SCOPED_TRACE(file);
    const Oracle oracle = load_oracle(oracle_directory / file);
    const LionKHyper hyper{.k = KFunction::l1,
                           .beta1 = oracle.hyper["betas"][0].get<double>(),
                           .beta2 = oracle.hyper["betas"][1].get<double>(),
                           .weight_decay = oracle.hyper["weight_decay"].get<double>()};
    const auto optimizer64 = lion_k_optimizer<double>(hyper)(oracle.rows, oracle.cols);
    const auto optimizer32 = lion_k_optimizer<float>(hyper)(oracle.rows, oracle.cols);
    EXPECT_LE(max_relative_error(oracle, replay_oracle(oracle, *optimizer64)), 1e-10);
    EXPECT_LE(max_relative_error(oracle, replay_oracle(oracle, *optimizer32)), 1e-5);
  }
}

TEST(LionK, L1MemberMatchesNativeLionOnALargeTensor) {
  constexpr int rows = 40, cols = 25;
  const auto lion_k = lion_k_optimizer<double>({.k = KFunction::l1, .weight_decay = 0.3})(rows, cols);
  const auto lion = lion_optimizer<double>({.weight_decay = 0.3})(rows, cols);
  Vector w1 = random_vector(rows * cols, 1), w2 = w1;
  for (int t = 1; t <= 30; ++t) {
    const Vector g = random_vector(rows * cols, 100 + t);
    lion_k->step(w1, g, 0.01, t);
    lion->step(w2, g, 0.01, t);
  }
  EXPECT_LE(relative_error(w1, w2), 1e-13);
}

// ---- dK against independent facts ----
struct Shape {
  int rows, cols;
};
const std::vector<Shape> test_shapes = {{1, 7}, {3, 4}, {4, 3}, {5, 5}};

TEST(LionKDirection, NormMembersAreUnitSubgradients) {
  // For a norm K: <dK(u), u> = K(u) and the dual norm of dK(u) is 1 (u != 0).
  for (const Shape shape : test_shapes) {
    const Vector u = random_vector(shape.rows * shape.cols, 11 + shape.rows);
    SCOPED_TRACE(std::to_string(shape.rows) + "x" + std::to_string(shape.cols));
    const Vector sign = dK(KFunction::l1, 0, shape.rows, shape.cols, u);
    double l1 = 0, sup_sign = 0;
    for (std::size_t i = 0; i < u.size(); ++i) l1 += std::fabs(u[i]), sup_sign = std::max(sup_sign, std::fabs(sign[i]));
    EXPECT_NEAR(dot(sign, u), l1, 1e-12 * l1);
    EXPECT_EQ(sup_sign, 1.0);

    const Vector unit = dK(KFunction::l2, 0, shape.rows, shape.cols, u);
    EXPECT_NEAR(dot(unit, u), p_norm_plain(u, 2), 1e-12 * p_norm_plain(u, 2));
    EXPECT_NEAR(p_norm_plain(unit, 2), 1, 1e-12);

    for (double p : {1.5, 3.0, 4.5}) {
      const Vector direction = dK(KFunction::lp, p, shape.rows, shape.cols, u);
      const double q = p / (p - 1);
      EXPECT_NEAR(dot(direction, u), p_norm_plain(u, p), 1e-12 * p_norm_plain(u, p)) << "p = " << p;
      EXPECT_NEAR(p_norm_plain(direction, q), 1, 1e-12) << "p = " << p;
    }

    // Nuclear: <Q, u> is the nuclear norm and Q has unit spectral norm (all singular values
    // 1 for a full-rank u: Q^T Q = I when tall, Q Q^T = I when wide).
    const Vector polar = dK(KFunction::nuclear, 0, shape.rows, shape.cols, u);
    const double nuclear_norm = singular_values_by_eigen(shape.rows, shape.cols, u).sum();
    EXPECT_NEAR(dot(polar, u), nuclear_norm, 1e-12 * nuclear_norm);
    if (shape.rows > 1) {
      const Eigen::Map<const RowMatrix> q(polar.data(), shape.rows, shape.cols);
      const RowMatrix gram = shape.rows >= shape.cols ? RowMatrix(q.transpose() * q) : RowMatrix(q * q.transpose());
      EXPECT_LE((gram - RowMatrix::Identity(gram.rows(), gram.cols())).cwiseAbs().maxCoeff(), 1e-12);
    }
    // evaluate_K agrees with the independent values.
    EXPECT_NEAR(evaluate_K(KFunction::l1, 0, shape.rows, shape.cols, u.data()), l1, 1e-12 * l1);
    EXPECT_NEAR(evaluate_K(KFunction::lp, 3, shape.rows, shape.cols, u.data()), p_norm_plain(u, 3), 1e-12);
    EXPECT_NEAR(evaluate_K(KFunction::nuclear, 0, shape.rows, shape.cols, u.data()), nuclear_norm, 1e-12 * nuclear_norm);
  }
}

TEST(LionKDirection, RankDeficientNuclearIsThePolarFactorOfTheRange) {
  // u = a b^T (rank 1): U V^T = a b^T / (|a| |b|).
  const Vector a = {1, -2, 2}, b = {3, 0, -4, 0};  // |a| = 3, |b| = 5
  Vector u(12), expected(12);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 4; ++c) u[r * 4 + c] = a[r] * b[c], expected[r * 4 + c] = a[r] * b[c] / 15;
  }
  const Vector polar = dK(KFunction::nuclear, 0, 3, 4, u);
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(polar[i], expected[i], 1e-12) << "element " << i;
}

TEST(LionKDirection, GradientsMatchFiniteDifferencesOfK) {
  // Central differences in float64 of evaluate_K at points where K is differentiable:
  // no zero entries (l1-like kinks), |u_i| != a (huber), distinct singular values (nuclear).
  struct Member {
    KFunction k;
    double scale;
  };
  const std::vector<Member> members = {{KFunction::l2, 0},          {KFunction::sq_l2, 0},   {KFunction::huber, 0.7},
                                       {KFunction::lp, 1.5},        {KFunction::lp, 3},      {KFunction::lp, 6},
                                       {KFunction::nuclear, 0},     {KFunction::entropy, 2}, {KFunction::relativistic, 0.5},
                                       {KFunction::log_smoothed, 0.3}};
  for (const Shape shape : test_shapes) {
    const Vector u = random_vector(shape.rows * shape.cols, 31 + shape.cols);
    for (const Member& member : members) {
      SCOPED_TRACE(std::string(k_function_name(member.k)) + " " + std::to_string(shape.rows) + "x" +
                   std::to_string(shape.cols));
      const Vector direction = dK(member.k, member.scale, shape.rows, shape.cols, u);
      constexpr double h = 1e-6;
      for (std::size_t i = 0; i < u.size(); ++i) {
        Vector plus = u, minus = u;
        plus[i] += h;
        minus[i] -= h;
        const double difference = (evaluate_K(member.k, member.scale, shape.rows, shape.cols, plus.data()) -
                                   evaluate_K(member.k, member.scale, shape.rows, shape.cols, minus.data())) /
                                  (2 * h);
        EXPECT_NEAR(direction[i], difference, 1e-7) << "element " << i;
      }
    }
  }
}

TEST(LionKDirection, FenchelYoungHoldsWithEqualityAtTheGradient) {
  // K(u) + K*(y) >= <u, y> for every y, with equality at y = dK(u): a check of K* that
  // does not trust any formula twice.
  for (const Shape shape : {Shape{1, 6}, Shape{3, 4}}) {
    const Vector u = random_vector(shape.rows * shape.cols, 5);
    for (KFunction k : all_k_functions) {
      const double scale = k == KFunction::lp ? 3.0 : 0.6;
      SCOPED_TRACE(std::string(k_function_name(k)));
      const Vector y = dK(k, scale, shape.rows, shape.cols, u);
      const double K = evaluate_K(k, scale, shape.rows, shape.cols, u.data());
      const double conjugate = evaluate_conjugate_K(k, scale, shape.rows, shape.cols, y.data());
      EXPECT_NEAR(K + conjugate, dot(u, y), 1e-10 * (1 + std::fabs(dot(u, y))));
      // Any other point of the domain: shrink y towards 0 and perturb.
      Vector other = y;
      for (std::size_t i = 0; i < other.size(); ++i) other[i] = 0.7 * other[i] + 0.05 * std::sin(3.0 * i);
      EXPECT_GE(K + evaluate_conjugate_K(k, scale, shape.rows, shape.cols, other.data()), dot(u, other) - 1e-12);
    }
  }
}

TEST(LionKDirection, ConjugatesOfNormsAreIndicatorsOfTheDualBall) {
  // inside: max 0.3, l2 0.52, l1.5 (the dual of p = 3) 0.62; outside: 1.5 in every norm.
  const Vector inside = {0.3, -0.3, 0.3}, outside = {1.5, 0, 0};
  for (KFunction k : {KFunction::l1, KFunction::l2, KFunction::lp, KFunction::nuclear}) {
    EXPECT_EQ(evaluate_conjugate_K(k, 3, 1, 3, inside.data()), 0.0) << k_function_name(k);
    EXPECT_TRUE(std::isinf(evaluate_conjugate_K(k, 3, 1, 3, outside.data()))) << k_function_name(k);
  }
}

TEST(LionKDirection, FloatAgreesWithDouble) {
  for (KFunction k : all_k_functions) {
    const double scale = k == KFunction::lp ? 2.5 : 0.8;
    const Vector u = random_vector(12, 9);
    const Vector reference = dK(k, scale, 3, 4, u);
    std::vector<float> single(u.begin(), u.end());
    apply_dK(k, scale, 3, 4, single.data(), single.data());  // in place
    for (int i = 0; i < 12; ++i) EXPECT_NEAR(single[i], reference[i], 1e-5) << k_function_name(k) << " " << i;
  }
}

TEST(LionKDirection, ZeroAndNan) {
  for (KFunction k : all_k_functions) {
    SCOPED_TRACE(std::string(k_function_name(k)));
    const double scale = k == KFunction::lp ? 2.5 : 0.8;
    for (const Shape shape : {Shape{1, 4}, Shape{2, 2}}) {
      const Vector zero(4, 0.0);
      for (double x : dK(k, scale, shape.rows, shape.cols, zero)) EXPECT_EQ(x, 0.0);
      const Vector with_nan = {0.5, std::nan(""), -1, 2};
      const Vector out = dK(k, scale, shape.rows, shape.cols, with_nan);
      EXPECT_TRUE(std::isnan(out[1]));
    }
  }
}

TEST(LionKDirection, HugeInputsStayFinite) {
  const Vector huge = {1e200, -3e200, 2e200};
  for (KFunction k : all_k_functions) {
    if (k == KFunction::sq_l2) continue;  // the identity is unbounded by design
    const double scale = k == KFunction::lp ? 2.5 : 0.8;
    for (double x : dK(k, scale, 1, 3, huge)) {
      EXPECT_TRUE(std::isfinite(x)) << k_function_name(k);
      EXPECT_LE(std::fabs(x), 1 + 1e-12) << k_function_name(k);
    }
  }
}

TEST(LionKNames, RoundTripAndErrors) {
  for (KFunction k : all_k_functions) EXPECT_EQ(k_function_from_name(k_function_name(k)), k);
  EXPECT_THROW(k_function_from_name("l3"), std::runtime_error);
  EXPECT_THROW(check_k_scale(KFunction::lp, 1), std::runtime_error);
  EXPECT_THROW(check_k_scale(KFunction::huber, 0), std::runtime_error);
  EXPECT_THROW(check_k_scale(KFunction::entropy, std::nan("")), std::runtime_error);
  EXPECT_NO_THROW(check_k_scale(KFunction::l1, 0));  // unused
  EXPECT_THROW(lion_k_optimizer<float>({.k = KFunction::relativistic, .scale = -1}), std::runtime_error);
}

// ---- constraint sets ----
TEST(LionKConstraints, KindsAndRadii) {
  EXPECT_EQ(constraint_set(KFunction::l1, 0, 0.5).kind, ConstraintKind::box);
  EXPECT_EQ(constraint_set(KFunction::huber, 1, 0.5).kind, ConstraintKind::box);
  EXPECT_EQ(constraint_set(KFunction::entropy, 1, 0.5).kind, ConstraintKind::box);
  EXPECT_EQ(constraint_set(KFunction::l2, 0, 0.5).kind, ConstraintKind::l2_ball);
  EXPECT_EQ(constraint_set(KFunction::nuclear, 0, 0.5).kind, ConstraintKind::spectral_ball);
  EXPECT_EQ(constraint_set(KFunction::sq_l2, 0, 0.5).kind, ConstraintKind::none);
  EXPECT_EQ(constraint_set(KFunction::l1, 0, 0).kind, ConstraintKind::none);
  const ConstraintSet lp = constraint_set(KFunction::lp, 3, 0.5);
  EXPECT_EQ(lp.kind, ConstraintKind::lq_ball);
  EXPECT_DOUBLE_EQ(lp.dual_exponent, 1.5);
  EXPECT_DOUBLE_EQ(lp.radius, 2);
}

TEST(LionKConstraints, ViolationsByHand) {
  // w = [3, -4], lambda = 0.5: radius 2.
  const Vector w = {3, -4};
  EXPECT_DOUBLE_EQ(constraint_violation(KFunction::l1, 0, 0.5, 1, 2, w.data()), 2);            // max |w| = 4
  EXPECT_DOUBLE_EQ(constraint_violation(KFunction::log_smoothed, 1, 0.5, 1, 2, w.data()), 2);  // same box
  EXPECT_DOUBLE_EQ(constraint_violation(KFunction::l2, 0, 0.5, 1, 2, w.data()), 3);            // ||w|| = 5
  EXPECT_DOUBLE_EQ(constraint_violation(KFunction::lp, 2, 0.5, 1, 2, w.data()), 3);            // q = 2
  // p = 3: q = 1.5, ||w||_1.5 = (3^1.5 + 4^1.5)^(2/3).
  EXPECT_NEAR(constraint_violation(KFunction::lp, 3, 0.5, 1, 2, w.data()),
              std::pow(std::pow(3, 1.5) + std::pow(4, 1.5), 2.0 / 3) - 2, 1e-12);
  EXPECT_EQ(constraint_violation(KFunction::sq_l2, 0, 0.5, 1, 2, w.data()), 0);
  EXPECT_EQ(constraint_violation(KFunction::l1, 0, 0.2, 1, 2, w.data()), 0);  // radius 5: inside
  EXPECT_EQ(constraint_violation(KFunction::l1, 0, 0, 1, 2, w.data()), 0);    // no decay, no constraint
  // [[0, -2], [3, 0]] has singular values 3 and 2; lambda = 1: spectral 3 - 1 = 2.
  const Vector matrix = {0, -2, 3, 0};
  EXPECT_NEAR(constraint_violation(KFunction::nuclear, 0, 1, 2, 2, matrix.data()), 2, 1e-12);
  EXPECT_NEAR(constraint_violation(KFunction::nuclear, 0, 1, 1, 4, matrix.data()), std::sqrt(13.0) - 1, 1e-12);
}

TEST(LionKConstraints, ProjectionsByHand) {
  Vector box = {3, -4, 0.5};
  project_onto_constraint(KFunction::l1, 0, 0.5, 1, 3, box.data());
  EXPECT_EQ(box, (Vector{2, -2, 0.5}));
  Vector ball = {3, -4};
  project_onto_constraint(KFunction::l2, 0, 0.5, 1, 2, ball.data());  // 5 -> 2: times 0.4
  EXPECT_NEAR(ball[0], 1.2, 1e-12);
  EXPECT_NEAR(ball[1], -1.6, 1e-12);
  Vector matrix = {0, -2, 3, 0};  // R diag(3, 2) -> R diag(1, 1) = R
  project_onto_constraint(KFunction::nuclear, 0, 1, 2, 2, matrix.data());
  const Vector rotation = {0, -1, 1, 0};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(matrix[i], rotation[i], 1e-12);
  Vector any = {1, 2};
  EXPECT_THROW(project_onto_constraint(KFunction::lp, 3, 0.5, 1, 2, any.data()), std::runtime_error);
}

// ---- the theory's prediction, by experiment ----
TEST(LionKTheory, IteratesEnterTheConstraintSetAndStay) {
  // f(x) = ||x - target||^2 / 2 with the target far outside radius 1 / lambda = 2; start
  // outside too. Phase one: the run reaches the set; afterwards it never leaves (up to
  // one step's size, lr).
  const Vector target = random_vector(12, 21);
  for (KFunction k : {KFunction::l1, KFunction::l2, KFunction::nuclear, KFunction::relativistic}) {
    for (bool implicit : {false, true}) {
      SCOPED_TRACE(std::string(k_function_name(k)) + (implicit ? " implicit" : " explicit"));
      const double lr = 0.01, lambda = 0.5;
      const auto optimizer =
          lion_k_optimizer<double>({.k = k, .scale = 0.5, .weight_decay = lambda, .implicit_decay = implicit})(3, 4);
      Vector w(12, 6.0), g(12);
      int entered = -1;
      double worst_after = 0;
      for (int t = 1; t <= 3000; ++t) {
        for (int i = 0; i < 12; ++i) g[i] = w[i] - 10 * target[i];
        optimizer->step(w, g, lr, t);
        const double violation = constraint_violation(k, 0.5, lambda, 3, 4, w.data());
        if (entered < 0 && violation <= lr) entered = t;
        if (entered >= 0) worst_after = std::max(worst_after, violation);
      }
      EXPECT_GT(entered, 0) << "never reached the set";
      EXPECT_LE(worst_after, lr);
    }
  }
}

TEST(LionK, StepsAllocateNothing) {
  for (KFunction k : all_k_functions) {
    const double scale = k == KFunction::lp ? 2.5 : 0.8;
    for (const Shape shape : {Shape{1, 50}, Shape{20, 30}}) {
      const auto optimizer = lion_k_optimizer<float>({.k = k, .scale = scale, .weight_decay = 0.1})(shape.rows, shape.cols);
      std::vector<float> w(shape.rows * shape.cols, 0.5f), g(w.size());
      for (std::size_t i = 0; i < g.size(); ++i) g[i] = std::sin(float(i));
      optimizer->step(w, g, 0.01f, 1);
      const long before = testing::operator_new_count();
      for (long t = 2; t <= 4; ++t) optimizer->step(w, g, 0.01f, t);
      EXPECT_EQ(testing::operator_new_count() - before, 0) << k_function_name(k);
    }
  }
}

}  // namespace
}  // namespace symopt
